/**
 * The ASDU of an I frame: data unit identifier (type, variable structure qualifier, cause of
 * transmission with its P/N and T bits, originator address, common address) and the information
 * objects with their values for the types whose layout is fixed. Pure functions that never throw: a
 * short or inconsistent ASDU fills what its bytes hold and says what is wrong in `malformed`.
 *
 * The header fields are present exactly when their bytes are (type from 1 octet, cause from 3, common
 * address from 6): that is what a receiver can know, and what Wireshark shows and counts.
 */
import {
  CAUSE_NAMES,
  COT_CAUSE_MASK,
  COT_NEGATIVE,
  COT_TEST,
  CP56_YEAR_BASE,
  IOA_LEN,
  QOI_GROUP_1,
  QOI_GROUP_16,
  QOI_STATION,
  QRP_EVENT_BUFFER,
  QRP_GENERAL,
  QU_MASK,
  QU_SHIFT,
  SE_SELECT,
  VSQ_COUNT_MASK,
  VSQ_SQ,
} from './constants.js';
import { ELEMENT_SIZES, typeInfo, type Element } from './type-ids.js';

export interface InfoObject {
  ioa: number;
  /** The object's value: a state name ('on', 'off', 'intermediate'...), a number, or a qualifier's meaning. */
  value?: number | string;
  /** Quality bits as on the wire (IV 0x80, NT 0x40, SB 0x20, BL 0x10, OV 0x01). */
  quality?: number;
  /** Time tag: CP56Time2a as "YYYY-MM-DDTHH:MM:SS.mmm", CP24Time2a as "MM:SS.mmm" (minutes of the hour). */
  time?: string;
  /** Commands and set-points: select (true) or execute (false). */
  select?: boolean;
  /** Qualifier of command (QU), of set-point (QL), of interrogation (QOI) and the like. */
  qualifier?: number;
}

export interface AsduFields {
  typeId?: number;
  /** Mnemonic, e.g. 'C_SC_NA_1'. */
  type?: string;
  sq?: boolean;
  /** Number of information objects (SQ=0) or elements (SQ=1). */
  count?: number;
  cause?: number;
  causeName?: string;
  negative?: boolean;
  test?: boolean;
  originator?: number;
  commonAddress?: number;
  objects?: InfoObject[];
  malformed?: string;
}

export function u24(buf: Buffer, off: number): number {
  return buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16);
}

/** Decode the ASDU at buf[start, end) into `out`. */
export function decodeAsdu(buf: Buffer, start: number, end: number, out: AsduFields): void {
  const len = end - start;
  if (len < 1) {
    out.malformed = 'empty ASDU';
    return;
  }
  const typeId = buf[start]!;
  out.typeId = typeId;
  const info = typeInfo(typeId);
  if (info) out.type = info.mnemonic;
  if (len < 2) {
    out.malformed = 'ASDU ends after the type id';
    return;
  }
  const vsq = buf[start + 1]!;
  out.sq = (vsq & VSQ_SQ) !== 0;
  out.count = vsq & VSQ_COUNT_MASK;
  if (len < 3) {
    out.malformed = 'ASDU ends before the cause of transmission';
    return;
  }
  const cot = buf[start + 2]!;
  out.cause = cot & COT_CAUSE_MASK;
  const causeName = CAUSE_NAMES.get(out.cause);
  if (causeName) out.causeName = causeName;
  out.negative = (cot & COT_NEGATIVE) !== 0;
  out.test = (cot & COT_TEST) !== 0;
  if (len < 4) {
    out.malformed = 'ASDU ends before the originator address';
    return;
  }
  out.originator = buf[start + 3]!;
  if (len < 6) {
    out.malformed = 'ASDU ends inside the common address';
    return;
  }
  out.commonAddress = buf.readUInt16LE(start + 4);
  decodeObjects(buf, start + 6, end, typeId, out);
}

function decodeObjects(buf: Buffer, off: number, end: number, typeId: number, out: AsduFields): void {
  const n = out.count!;
  const objects: InfoObject[] = [];
  out.objects = objects;
  if (n === 0) {
    out.malformed = 'no information objects';
    return;
  }
  const info = typeInfo(typeId);
  if (!info || info.size === undefined || !info.elements) {
    // Unknown or variable layout: the first address is still meaningful; the rest is opaque.
    if (end - off >= IOA_LEN) objects.push({ ioa: u24(buf, off) });
    else out.malformed = 'ASDU ends inside the information object address';
    return;
  }
  let ioa = 0;
  for (let i = 0; i < n; i++) {
    if (i === 0 || !out.sq) {
      if (end - off < IOA_LEN) {
        out.malformed = `ASDU ends inside object ${i + 1} of ${n} (address)`;
        return;
      }
      ioa = u24(buf, off);
      off += IOA_LEN;
    } else {
      ioa++; // SQ=1: consecutive addresses from the first one
    }
    if (end - off < info.size) {
      out.malformed = `ASDU ends inside object ${i + 1} of ${n} (${info.size} octets of elements expected)`;
      return;
    }
    const o: InfoObject = { ioa };
    for (const e of info.elements) {
      decodeElement(buf, off, e, o);
      off += ELEMENT_SIZES[e];
    }
    objects.push(o);
  }
  if (off < end) out.malformed = `${end - off} octets after ${n} objects`;
}

const DPI_NAMES = ['intermediate', 'off', 'on', 'indeterminate'] as const;
const DCS_NAMES = ['not_permitted', 'off', 'on', 'not_permitted'] as const;
const RCS_NAMES = ['not_permitted', 'lower', 'higher', 'not_permitted'] as const;
const COI_NAMES = ['local_power_on', 'local_manual_reset', 'remote_reset'] as const;

/** One information element at buf[off] into the object (the caller has checked its size). */
export function decodeElement(buf: Buffer, off: number, e: Element, o: InfoObject): void {
  const b = buf[off]!;
  switch (e) {
    case 'SIQ':
      o.value = b & 0x01 ? 'on' : 'off';
      o.quality = b & 0xf0;
      return;
    case 'DIQ':
      o.value = DPI_NAMES[b & 0x03]!;
      o.quality = b & 0xf0;
      return;
    case 'VTI':
      o.value = b & 0x40 ? (b & 0x7f) - 0x80 : b & 0x7f; // 7-bit two's complement step position
      return;
    case 'QDS':
    case 'QDP':
      o.quality = b & 0xf9;
      return;
    case 'BSI':
    case 'SCD':
      o.value = `0x${buf.readUInt32LE(off).toString(16).padStart(8, '0')}`;
      return;
    case 'NVA':
      o.value = buf.readInt16LE(off) / 32768; // normalised: -1 .. 1 - 2^-15
      return;
    case 'SVA':
      o.value = buf.readInt16LE(off);
      return;
    case 'R32': {
      const v = buf.readFloatLE(off);
      o.value = Number.isFinite(v) ? v : String(v); // NaN/Infinity are not JSON numbers
      return;
    }
    case 'BCR':
      o.value = buf.readInt32LE(off);
      o.quality = buf[off + 4]! & 0xe0; // IV, CA (adjusted), CY (carry); the low 5 bits are a sequence number
      return;
    case 'CP16':
      if (o.value === undefined) o.value = buf.readUInt16LE(off); // elapsed or delay time in ms
      return;
    case 'CP24':
      o.time = cp24(buf, off);
      return;
    case 'CP56':
      if (o.time === undefined) o.time = cp56(buf, off);
      return;
    case 'SCO':
      o.value = b & 0x01 ? 'on' : 'off';
      o.qualifier = (b >>> QU_SHIFT) & QU_MASK;
      o.select = (b & SE_SELECT) !== 0;
      return;
    case 'DCO':
      o.value = DCS_NAMES[b & 0x03]!;
      o.qualifier = (b >>> QU_SHIFT) & QU_MASK;
      o.select = (b & SE_SELECT) !== 0;
      return;
    case 'RCO':
      o.value = RCS_NAMES[b & 0x03]!;
      o.qualifier = (b >>> QU_SHIFT) & QU_MASK;
      o.select = (b & SE_SELECT) !== 0;
      return;
    case 'QOS':
      o.qualifier = b & 0x7f;
      o.select = (b & SE_SELECT) !== 0;
      return;
    case 'COI':
      o.value = COI_NAMES[b & 0x7f] ?? b & 0x7f;
      o.qualifier = b;
      return;
    case 'QOI':
      o.qualifier = b;
      o.value = qoiText(b);
      return;
    case 'QCC':
      o.qualifier = b;
      o.value = `group ${b & 0x3f} freeze ${b >>> 6}`;
      return;
    case 'QRP':
      o.qualifier = b;
      o.value = b === QRP_GENERAL ? 'general_reset' : b === QRP_EVENT_BUFFER ? 'reset_event_buffer' : b;
      return;
    case 'FBP':
    case 'TSC':
      o.value = buf.readUInt16LE(off);
      return;
    case 'QPM':
    case 'QPA':
      o.qualifier = b;
      return;
    case 'SEP':
      o.value = DPI_NAMES[b & 0x03]!;
      o.quality = b & 0xf8;
      return;
    case 'SPE':
    case 'OCI':
      o.value = b;
      return;
    case 'NOF':
      o.value = buf.readUInt16LE(off); // name of file
      return;
    default:
      return; // file qualifiers, lengths and checksums: nothing an auditor reads
  }
}

function qoiText(b: number): string | number {
  if (b === QOI_STATION) return 'station';
  if (b >= QOI_GROUP_1 && b <= QOI_GROUP_16) return `group ${b - QOI_GROUP_1 + 1}`;
  return b;
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : String(n));

function msText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const r = ms % 1000;
  return `${pad2(s)}.${r < 10 ? '00' : r < 100 ? '0' : ''}${r}`;
}

/** CP24Time2a: milliseconds (0..59999) and minutes; bit 7 of the minute octet marks the time invalid. */
export function cp24(buf: Buffer, off: number): string {
  const ms = buf.readUInt16LE(off);
  const min = buf[off + 2]!;
  return `${pad2(min & 0x3f)}:${msText(ms)}${min & 0x80 ? ' invalid' : ''}`;
}

/** CP56Time2a: ms, minute (IV bit), hour (SU bit), day of month (day of week above), month, year from 2000. */
export function cp56(buf: Buffer, off: number): string {
  const ms = buf.readUInt16LE(off);
  const min = buf[off + 2]!;
  const hour = buf[off + 3]! & 0x1f;
  const day = buf[off + 4]! & 0x1f;
  const month = buf[off + 5]! & 0x0f;
  const year = CP56_YEAR_BASE + (buf[off + 6]! & 0x7f);
  return `${year}-${pad2(month)}-${pad2(day)}T${pad2(hour)}:${pad2(min & 0x3f)}:${msText(ms)}${min & 0x80 ? ' invalid' : ''}`;
}

/** The cause name for details: 'act', 'actcon', ... or the number. */
export function causeText(f: AsduFields): string {
  if (f.cause === undefined) return '';
  return `${f.causeName ?? `cause ${f.cause}`}${f.negative ? ' neg' : ''}${f.test ? ' test' : ''}`;
}

/** Exposed for the probe: the standard's cause values (1..47) that 101/104 define. */
export function knownCause(cause: number): boolean {
  return CAUSE_NAMES.has(cause);
}
