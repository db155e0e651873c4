/**
 * APDU framing over one direction's reassembled bytes, as a receiver that resynchronises on the start
 * octet, and exactly as Wireshark 4.0 frames IEC 104 (tcp_dissect_pdus with a 6-octet minimum and a
 * length function that searches for 0x68), so that what we count matches what it shows:
 *
 *  - with fewer than 6 bytes in hand, wait for more (they may be the start of an APDU);
 *  - otherwise find the first 0x68; bytes before it are garbage, but they belong to the APDU's "PDU": a
 *    PDU of prefix + 2 + length octets is consumed as one;
 *  - no 0x68 (or one in the last byte, with no length after it): the rest of the segment is dropped;
 *  - a PDU shorter than 6 octets (start found early, length < 4) is a bounds error that ends the segment;
 *  - a length under 4 leaves an APDU without a format: consumed, counted as an anomaly, not decoded.
 *
 * Garbage before a kept partial APDU is remembered as a count, not as bytes: memory stays bounded by one
 * APDU (257 octets) whatever the stream holds.
 */
import { APCI_PREFIX_LEN, APCI_START, APDU_MIN_LEN, FRAMING_MIN_BYTES } from './constants.js';

export interface FramerSink {
  /** A complete APDU at buf[start, start + 2 + length), after `prefix` garbage octets. length >= 4. */
  apdu(buf: Buffer, start: number, length: number, prefix: number): void;
  /** Something the framing had to skip or drop. */
  framingAnomaly(kind: string, detail: string): void;
}

/** Largest partial APDU kept: start, length and 255 octets. */
const MAX_KEPT = APCI_PREFIX_LEN + 255;

export class Framer {
  private pend: Buffer | undefined;
  private pendLen = 0;
  /** Garbage octets before pend[0] (which is then the start octet) that still count towards the PDU. */
  private lead = 0;

  /** Bytes held for the next call (tests and onEnd). */
  get pending(): number {
    return this.pendLen;
  }

  push(data: Buffer, sink: FramerSink): void {
    if (this.pendLen === 0) {
      this.run(data, 0, sink);
      return;
    }
    // A PDU straddles segments: work on held bytes + the new ones (rare: one small copy).
    const work = Buffer.allocUnsafe(this.pendLen + data.length);
    this.pend!.copy(work, 0, 0, this.pendLen);
    data.copy(work, this.pendLen);
    const lead = this.lead;
    this.pendLen = 0;
    this.lead = 0;
    this.run(work, lead, sink);
  }

  /** Bytes were lost: what was held cannot be completed. Returns how many held bytes were dropped. */
  reset(): number {
    const n = this.pendLen + this.lead;
    this.pendLen = 0;
    this.lead = 0;
    return n;
  }

  private run(w: Buffer, lead: number, sink: FramerSink): void {
    const n = w.length;
    let off = 0;
    while (off < n) {
      const rem = n - off + lead;
      if (rem < FRAMING_MIN_BYTES) {
        this.keep(w, off, lead);
        return;
      }
      const i = w.indexOf(APCI_START, off);
      if (i < 0 || i === n - 1) {
        sink.framingAnomaly('iec104_garbage_dropped', `${n - off + lead} octets without an APDU start`);
        return;
      }
      const prefix = lead + (i - off);
      const length = w[i + 1]!;
      const plen = prefix + APCI_PREFIX_LEN + length;
      if (plen < FRAMING_MIN_BYTES) {
        sink.framingAnomaly(
          'iec104_bad_length',
          `APDU length ${length} after ${prefix} garbage octets; rest of segment dropped (${n - off + lead} octets)`,
        );
        return;
      }
      if (rem < plen) {
        this.keep(w, i, prefix);
        return;
      }
      if (prefix > 0) sink.framingAnomaly('iec104_garbage_skipped', `${prefix} octets before an APDU start`);
      if (length < APDU_MIN_LEN) sink.framingAnomaly('iec104_short_apdu', `APDU length ${length} < ${APDU_MIN_LEN}: no control field`);
      else sink.apdu(w, i, length, prefix);
      off = i + APCI_PREFIX_LEN + length;
      lead = 0;
    }
  }

  private keep(w: Buffer, from: number, lead: number): void {
    const len = w.length - from;
    if (!this.pend) this.pend = Buffer.allocUnsafe(MAX_KEPT);
    // len <= MAX_KEPT: either < 6 bytes, or a start octet with at most 256 more (the PDU was incomplete).
    w.copy(this.pend, 0, from, from + Math.min(len, MAX_KEPT));
    this.pendLen = Math.min(len, MAX_KEPT);
    this.lead = lead;
  }
}
