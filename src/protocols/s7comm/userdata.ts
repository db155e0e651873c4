/**
 * S7comm userdata PDUs (ROSCTR 7): the parameter (method, type, function group, subfunction,
 * sequence, data unit reference) and the data part head, plus the payloads otwatch reads: SZL
 * request/response heads, clock values, block function requests. Pure functions that never throw.
 */
import { UD_LAST_DATA_UNIT_YES, UD_PARAM_LEN_RESPONSE } from './constants.js';

export interface UserdataParam {
  paramHead: number; // 0x000112
  paramLength: number; // 4 request, 8 response / follow-up
  method: number; // 0x11 request, 0x12 response
  type: number; // high nibble: 0 push, 4 request, 8 response
  group: number; // low nibble: function group
  /** Subfunction; for group 0 (mode transition) this byte is the current CPU mode. */
  subfunction: number;
  sequence: number;
  dataUnitRef?: number;
  /** 0x00 last (or only) data unit, 0x01 more follow. */
  lastDataUnit?: number;
  errorCode?: number;
}

/** Userdata parameter: head(3) length(1) method(1) type|group(1) subfunction(1) sequence(1) [dur(1) last(1) error(2)]. */
export function parseUserdataParam(buf: Buffer, off: number, end: number): UserdataParam | undefined {
  if (end - off < 8) return undefined;
  const tg = buf[off + 5];
  const rec: UserdataParam = {
    paramHead: (buf[off] << 16) | (buf[off + 1] << 8) | buf[off + 2],
    paramLength: buf[off + 3],
    method: buf[off + 4],
    type: tg >> 4,
    group: tg & 0x0f,
    subfunction: buf[off + 6],
    sequence: buf[off + 7],
  };
  if (rec.paramLength >= UD_PARAM_LEN_RESPONSE && end - off >= 12) {
    rec.dataUnitRef = buf[off + 8];
    rec.lastDataUnit = buf[off + 9];
    rec.errorCode = buf.readUInt16BE(off + 10);
  }
  return rec;
}

/** True when this PDU is one fragment of a userdata answer that continues in a following PDU. */
export function hasMoreDataUnits(p: UserdataParam): boolean {
  return p.lastDataUnit !== undefined && p.lastDataUnit !== UD_LAST_DATA_UNIT_YES;
}

export interface UserdataData {
  returnCode: number; // 0xff success, 0x0a object does not exist (also: "send the next fragment")
  transportSize: number; // 0x09 octet string, 0x00 null
  length: number;
  /** Offsets of the payload after the 4-byte head. */
  payloadOffset: number;
  payloadEnd: number;
  malformed?: string;
}

export function parseUserdataData(buf: Buffer, off: number, end: number): UserdataData | undefined {
  if (end - off < 4) return undefined;
  const length = buf.readUInt16BE(off + 2);
  const rec: UserdataData = {
    returnCode: buf[off],
    transportSize: buf[off + 1],
    length,
    payloadOffset: off + 4,
    payloadEnd: off + 4 + length,
  };
  if (rec.payloadEnd > end) {
    rec.payloadEnd = end;
    rec.malformed = 'userdata_data_truncated';
  }
  return rec;
}

export interface SzlHead {
  szlId: number;
  szlIndex: number;
  /** Response only: length of one record and number of records. */
  recordLength?: number;
  recordCount?: number;
  /** Offset of the first record (response). */
  recordsOffset?: number;
}

/** Read SZL request payload: SZL id(2) index(2). */
export function parseSzlRequest(buf: Buffer, off: number, end: number): SzlHead | undefined {
  if (end - off < 4) return undefined;
  return { szlId: buf.readUInt16BE(off), szlIndex: buf.readUInt16BE(off + 2) };
}

/** Read SZL response payload (first data unit): SZL id(2) index(2) record length(2) count(2) records. */
export function parseSzlResponse(buf: Buffer, off: number, end: number): SzlHead | undefined {
  if (end - off < 4) return undefined;
  const head: SzlHead = { szlId: buf.readUInt16BE(off), szlIndex: buf.readUInt16BE(off + 2) };
  if (end - off >= 8) {
    head.recordLength = buf.readUInt16BE(off + 4);
    head.recordCount = buf.readUInt16BE(off + 6);
    head.recordsOffset = off + 8;
  }
  return head;
}

/**
 * The 10-byte clock value of time functions, BCD: reserved(1) year-high(1), then S7 DATE_AND_TIME:
 * year month day hour minute second, milliseconds (3 digits) and weekday (1 digit). Returns "YYYY-MM-DD hh:mm:ss.mmm" or undefined when a digit is not BCD.
 */
export function parseClock(buf: Buffer, off: number, end: number): string | undefined {
  if (end - off < 10) return undefined;
  const d: number[] = [];
  for (let i = 1; i < 8; i++) {
    const v = bcd(buf[off + i]);
    if (v < 0) return undefined;
    d.push(v);
  }
  const msHi = bcd(buf[off + 8]);
  const msLo = buf[off + 9] >> 4;
  if (msHi < 0 || msLo > 9) return undefined;
  // the first year byte (0x19 on real PLCs even after 2000) is not a century: as Wireshark, use
  // the two-digit year with the S7 DATE_AND_TIME window 1990..2089
  const year = d[1] >= 90 ? 1900 + d[1] : 2000 + d[1];
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${year}-${p2(d[2])}-${p2(d[3])} ${p2(d[4])}:${p2(d[5])}:${p2(d[6])}.${String(msHi * 10 + msLo).padStart(3, '0')}`;
}

function bcd(b: number): number {
  const hi = b >> 4;
  const lo = b & 0x0f;
  return hi > 9 || lo > 9 ? -1 : hi * 10 + lo;
}

/**
 * Block function requests name a block type as two ASCII characters ("0A" = DB) and, for block
 * info, a number of 5 digits and a file system letter: "0A" "00001" "A".
 */
export function parseBlockInfoRequest(buf: Buffer, off: number, end: number): { blockType: string; blockNumber?: number } | undefined {
  if (end - off < 2) return undefined;
  const blockType = buf.toString('latin1', off, off + 2);
  if (end - off < 7) return { blockType };
  const n = Number.parseInt(buf.toString('latin1', off + 2, off + 7), 10);
  return Number.isFinite(n) ? { blockType, blockNumber: n } : { blockType };
}
