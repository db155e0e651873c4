/**
 * ISO 8073 COTP TPDUs as S7 stacks use them inside one TPKT: connection request/confirm (with the
 * TSAPs that name rack, slot and client type) and data (DT) with its end-of-TSDU bit.
 * Pure functions over Buffers: they never throw, short input gives `undefined` or `malformed`.
 */
import {
  COTP_CC,
  COTP_CR,
  COTP_DT,
  COTP_EOT,
  COTP_PARAM_DST_TSAP,
  COTP_PARAM_SRC_TSAP,
  COTP_PARAM_TPDU_SIZE,
  TSAP_CONN_OP,
  TSAP_CONN_PG,
  TSAP_CONN_S7BASIC,
} from '../s7comm/constants.js';

export interface CotpRecord {
  /** Length indicator: header bytes after this one. */
  li: number;
  /** TPDU code (high nibble of the second byte; the low nibble is credit/class for CR/CC). */
  type: number;
  /** DT: offset of the user data (the S7 PDU or fragment) in the buffer. */
  dataOffset: number;
  /** DT: TPDU number (7 bits). */
  tpduNr?: number;
  /** DT: end of TSDU: the last (or only) fragment of an S7 PDU. */
  eot?: boolean;
  /** CR/CC: destination and source references (connection identifiers). */
  dstRef?: number;
  srcRef?: number;
  /** CR/CC: class (high nibble) and options of the transport protocol. */
  classOption?: number;
  /** CR/CC: maximum TPDU size in bytes (2^code). */
  tpduSize?: number;
  /** CR/CC: calling (source) and called (destination) TSAPs, lower-case hex. */
  srcTsap?: string;
  dstTsap?: string;
  malformed?: string;
}

/**
 * The fixed part of a COTP header, flat: what readCotp fills. The decoder has one and reads it before the
 * next TPKT, so that no record is made per TPDU; parseCotp gives a record of its own.
 */
export class CotpHead {
  li = 0;
  type = 0;
  dataOffset = 0;
  /** DT only (0 and false for other TPDUs). */
  tpduNr = 0;
  eot = false;
  malformed: string | undefined = undefined;
}

/**
 * Reads the COTP header at buf[off, end) (end = end of the TPKT) into `out`: false when there is no
 * header (under 2 bytes). The variable part of a CR/CC is left to parseCotp.
 */
export function readCotp(buf: Buffer, off: number, end: number, out: CotpHead): boolean {
  if (end - off < 2) return false;
  const li = buf[off]; // header length after this byte
  const type = buf[off + 1] & 0xf0;
  const dataOffset = off + 1 + li;
  out.li = li;
  out.type = type;
  out.tpduNr = 0;
  out.eot = false;
  out.malformed = undefined;
  if (dataOffset > end) {
    out.dataOffset = end;
    out.malformed = 'cotp_length_beyond_tpkt';
    return true;
  }
  out.dataOffset = dataOffset;
  if (type === COTP_DT) {
    if (li < 2) {
      out.malformed = 'cotp_dt_short';
    } else {
      const nr = buf[off + 2];
      out.tpduNr = nr & 0x7f;
      out.eot = (nr & COTP_EOT) !== 0;
    }
  }
  return true;
}

/** COTP header at buf[off, end) (end = end of the TPKT), with the variable part of a CR/CC. */
export function parseCotp(buf: Buffer, off: number, end: number): CotpRecord | undefined {
  const h = new CotpHead();
  if (!readCotp(buf, off, end, h)) return undefined;
  const { li, type, dataOffset, malformed } = h;
  if (malformed !== undefined) return { li, type, dataOffset, malformed };
  if (type === COTP_DT) return { li, type, dataOffset, tpduNr: h.tpduNr, eot: h.eot };
  if (type === COTP_CR || type === COTP_CC) return parseConnect(buf, off, li, type, dataOffset);
  return { li, type, dataOffset };
}

function parseConnect(buf: Buffer, off: number, li: number, type: number, end: number): CotpRecord {
  const rec: CotpRecord = { li, type, dataOffset: end };
  if (li < 6) {
    rec.malformed = 'cotp_connect_short';
    return rec;
  }
  rec.dstRef = buf.readUInt16BE(off + 2);
  rec.srcRef = buf.readUInt16BE(off + 4);
  rec.classOption = buf[off + 6];
  // variable part: (code, length, value) parameters up to the end of the header
  let p = off + 7;
  while (p + 2 <= end) {
    const pcode = buf[p];
    const plen = buf[p + 1];
    const v = p + 2;
    if (v + plen > end) {
      rec.malformed = 'cotp_parameter_truncated';
      break;
    }
    if (pcode === COTP_PARAM_TPDU_SIZE && plen === 1) rec.tpduSize = buf[v] < 16 ? 1 << buf[v] : undefined;
    else if (pcode === COTP_PARAM_SRC_TSAP) rec.srcTsap = buf.toString('hex', v, v + plen);
    else if (pcode === COTP_PARAM_DST_TSAP) rec.dstTsap = buf.toString('hex', v, v + plen);
    p = v + plen;
  }
  return rec;
}

export interface TsapInfo {
  /** 'pg' programming device, 'op' operator panel/HMI, 's7_basic', or 'other'. */
  connectionType: string;
  rack?: number;
  slot?: number;
}

/**
 * What a two-byte S7 TSAP hints at: the first byte is the connection type (1 PG, 2 OP, 3 S7 basic),
 * the second rack * 32 + slot. Only the PLC's (called) TSAP carries a meaningful rack/slot; TSAPs of
 * another length (S7-1200/1500 use text TSAPs such as "SIMATIC-ROOT-HMI") say only 'other'.
 */
export function tsapInfo(hex: string | undefined): TsapInfo | undefined {
  if (hex === undefined) return undefined;
  if (hex.length !== 4) return { connectionType: 'other' };
  const conn = parseInt(hex.slice(0, 2), 16);
  const rs = parseInt(hex.slice(2, 4), 16);
  const connectionType = conn === TSAP_CONN_PG ? 'pg' : conn === TSAP_CONN_OP ? 'op' : conn === TSAP_CONN_S7BASIC ? 's7_basic' : 'other';
  return { connectionType, rack: rs >> 5, slot: rs & 0x1f };
}

/** A text TSAP (e.g. "SIMATIC-ROOT-HMI") when every byte is printable, else undefined. */
export function tsapText(hex: string | undefined): string | undefined {
  if (hex === undefined || hex.length < 8) return undefined;
  const b = Buffer.from(hex, 'hex');
  for (const c of b) if (c < 0x20 || c > 0x7e) return undefined;
  return b.toString('latin1');
}
