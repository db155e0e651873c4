/**
 * TPKT (RFC 1006) framing over one direction of a reassembled TCP stream: several TPKTs per
 * segment, TPKTs split across segments, and resynchronisation on the next plausible header after
 * a gap or garbage (../framing.ts). Works in place on the caller's buffer when a TPKT is whole (the common case).
 */
import {
  COTP_AK,
  COTP_CC,
  COTP_CR,
  COTP_DC,
  COTP_DR,
  COTP_DT,
  COTP_EA,
  COTP_ED,
  COTP_ER,
  COTP_RJ,
  TPKT_HEADER_LEN,
  TPKT_MIN_LEN,
  TPKT_VERSION,
} from '../s7comm/constants.js';
import { Framing, GARBAGE, NEED_MORE, PduFramer, type PduSink } from '../framing.js';

export interface TpktSink {
  /** One whole TPKT: buf[off, end) is its payload (the COTP TPDU). */
  tpkt(buf: Buffer, off: number, end: number, atSegmentStart: boolean): void;
  /** Bytes skipped to find the next TPKT header (garbage, or the tail of a PDU after a gap). */
  skipped(bytes: number): void;
}

/** Known TPDU codes, by high nibble (a table: this is judged once per TPKT). */
const COTP_TYPES = new Uint8Array(16);
for (const t of [COTP_CR, COTP_CC, COTP_DR, COTP_DC, COTP_DT, COTP_ED, COTP_AK, COTP_EA, COTP_RJ, COTP_ER]) COTP_TYPES[t >> 4] = 1;

/** The TPKT length field (big-endian, header included) of the header at buf[off]. */
function tpktLength(buf: Buffer, off: number): number {
  return (buf[off + 2] << 8) | buf[off + 3];
}

/**
 * A TPKT header at buf[off] that is worth trusting: version 3, reserved 0, a length that can hold a
 * COTP header, and (when visible) a COTP length indicator inside the TPKT and a known TPDU code.
 */
export function plausibleTpkt(buf: Buffer, off: number, end: number): boolean {
  if (end - off < TPKT_HEADER_LEN) return buf[off] === TPKT_VERSION && (end - off < 2 || buf[off + 1] === 0);
  if (buf[off] !== TPKT_VERSION || buf[off + 1] !== 0) return false;
  const len = tpktLength(buf, off);
  if (len < TPKT_MIN_LEN) return false;
  if (end - off > 4 && buf[off + 4] > len - 5) return false;
  if (end - off > 5 && COTP_TYPES[buf[off + 5] >> 4] === 0) return false;
  return true;
}

/** Bytes plausibleTpkt judges: the TPKT header, the COTP length indicator and the TPDU code. */
const TPKT_JUDGED_LEN = TPKT_HEADER_LEN + 2;

/** The TPKT length at buf[off, off + avail) (header included), NEED_MORE or GARBAGE, as plausibleTpkt judges it. */
export function measureTpkt(buf: Buffer, off: number, avail: number): number {
  if (!plausibleTpkt(buf, off, off + avail)) return GARBAGE;
  return avail < TPKT_HEADER_LEN ? NEED_MORE : tpktLength(buf, off);
}

/** First offset in [from, end) where a plausible TPKT starts (end when none). */
export function findTpkt(buf: Buffer, from: number, end: number): number {
  for (let k = from; k < end; k++) {
    if (buf[k] === TPKT_VERSION && plausibleTpkt(buf, k, end)) return k;
  }
  return end;
}

const FRAMING = new Framing({ headerLen: TPKT_JUDGED_LEN, measure: measureTpkt, resync: findTpkt, judgeShortHeader: true });

/**
 * TPKT framing on the shared PduFramer: garbage is skipped to the next plausible header (not to the
 * segment's end), and a partial header is judged again as each byte of it arrives.
 */
export class TpktFramer implements PduSink {
  private readonly framer: PduFramer;

  constructor(private readonly sink: TpktSink) {
    this.framer = new PduFramer(this, FRAMING);
  }

  push(data: Buffer, start = 0, end = data.length): void {
    this.framer.push(data, start, end);
  }

  /** Bytes were lost: whatever was pending is incomplete, and the next bytes may start mid-PDU. */
  gap(): void {
    this.framer.gap();
  }

  pdu(buf: Buffer, start: number, end: number, atChunkStart: boolean): void {
    this.sink.tpkt(buf, start + TPKT_HEADER_LEN, end, atChunkStart);
  }

  garbage(_buf: Buffer, from: number, to: number): void {
    this.sink.skipped(to - from);
  }
}
