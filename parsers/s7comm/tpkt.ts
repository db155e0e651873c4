/**
 * TPKT (RFC 1006) framing over one direction of a reassembled TCP stream: several TPKTs per
 * segment, TPKTs split across segments, and resynchronisation on the next plausible header after
 * a gap or garbage. Works in place on the caller's buffer when a TPKT is whole (the common case).
 */
import {
  COTP_AK, COTP_CC, COTP_CR, COTP_DC, COTP_DR, COTP_DT, COTP_EA, COTP_ED, COTP_ER, COTP_RJ, TPKT_HEADER_LEN,
  TPKT_MIN_LEN, TPKT_VERSION,
} from './constants.js';

export interface TpktSink {
  /** One whole TPKT: buf[off, end) is its payload (the COTP TPDU). */
  tpkt(buf: Buffer, off: number, end: number, atSegmentStart: boolean): void;
  /** Bytes skipped to find the next TPKT header (garbage, or the tail of a PDU after a gap). */
  skipped(bytes: number): void;
}

const COTP_TYPES = new Set([COTP_CR, COTP_CC, COTP_DR, COTP_DC, COTP_DT, COTP_ED, COTP_AK, COTP_EA, COTP_RJ, COTP_ER]);

/**
 * A TPKT header at buf[off] that is worth trusting: version 3, reserved 0, a length that can hold a
 * COTP header, and (when visible) a COTP length indicator inside the TPKT and a known TPDU code.
 */
export function plausibleTpkt(buf: Buffer, off: number, end: number): boolean {
  if (end - off < TPKT_HEADER_LEN) return buf[off] === TPKT_VERSION && (end - off < 2 || buf[off + 1] === 0);
  if (buf[off] !== TPKT_VERSION || buf[off + 1] !== 0) return false;
  const len = buf.readUInt16BE(off + 2);
  if (len < TPKT_MIN_LEN) return false;
  if (end - off > 4 && buf[off + 4] > len - 5) return false;
  if (end - off > 5 && !COTP_TYPES.has(buf[off + 5] & 0xf0)) return false;
  return true;
}

export class TpktFramer {
  /** Bytes of an incomplete TPKT (a copy: the caller's buffer is only valid during the call). */
  private pending: Buffer | undefined;
  private pendingAtSegmentStart = false;
  /** False after a gap or garbage until a plausible header is found. */
  private synced = true;

  constructor(private readonly sink: TpktSink) {}

  push(data: Buffer): void {
    let buf = data;
    let off = 0;
    let atStart = true;
    if (this.pending) {
      buf = Buffer.concat([this.pending, data]);
      atStart = this.pendingAtSegmentStart;
      this.pending = undefined;
    }
    const end = buf.length;
    while (off < end) {
      if (!this.synced || !plausibleTpkt(buf, off, end)) {
        const next = this.findHeader(buf, off + (this.synced ? 1 : 0), end);
        this.sink.skipped(next - off);
        this.synced = true;
        atStart = false;
        off = next;
        if (off >= end) break;
      }
      if (end - off < TPKT_HEADER_LEN) {
        this.keep(buf, off, end, atStart);
        return;
      }
      const len = buf.readUInt16BE(off + 2);
      if (off + len > end) {
        this.keep(buf, off, end, atStart);
        return;
      }
      this.sink.tpkt(buf, off + TPKT_HEADER_LEN, off + len, atStart);
      off += len;
      atStart = false;
    }
  }

  /** Bytes were lost: whatever was pending is incomplete, and the next bytes may start mid-PDU. */
  gap(): void {
    this.pending = undefined;
    this.synced = false;
  }

  private keep(buf: Buffer, off: number, end: number, atStart: boolean): void {
    this.pending = Buffer.from(buf.subarray(off, end)); // copy: `data` is only valid during the call
    this.pendingAtSegmentStart = atStart;
  }

  /** First offset >= from where a plausible TPKT starts (end when none). */
  private findHeader(buf: Buffer, from: number, end: number): number {
    for (let k = from; k < end; k++) {
      if (buf[k] === TPKT_VERSION && plausibleTpkt(buf, k, end)) return k;
    }
    return end;
  }
}
