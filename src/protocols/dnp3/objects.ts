/**
 * The object headers of an application fragment (IEEE 1815-2012 clause 4.2.2.7) and a walk over their
 * objects: group, variation, qualifier (prefix and range codes), range or count, the point indexes, and
 * the values an auditor needs (control commands, device attributes, file names). Objects are stepped over
 * by their size (`object-sizes.ts`); where a size is unknown or the bytes run out the walk stops and says
 * why in `stop`. Pure functions: nothing here throws on short or hostile input.
 */
import {
  CROB_OP_TYPES,
  CROB_TRIP_CLOSE,
  DA_TYPE_FLT,
  DA_TYPE_INT,
  DA_TYPE_NONE,
  DA_TYPE_UINT,
  DA_TYPE_VSTR,
  FC_FREEZE_AT_TIME,
  FC_FREEZE_AT_TIME_NR,
  G_ANALOG_OUTPUT_BLOCK,
  G_AUTH,
  G_CLASS,
  G_CROB,
  G_DEVICE_ATTRIBUTES,
  G_FILE,
  G_TIME,
  MAX_ATTRIBUTE_CHARS,
  MAX_HEADERS_KEPT,
  MAX_INDEXES_PER_HEADER,
  PREFIX_BYTES,
  PREFIX_SIZE_8,
  QUAL_PREFIX_MASK,
  QUAL_PREFIX_SHIFT,
  QUAL_RANGE_MASK,
  RANGE_COUNT_16,
  RANGE_COUNT_32,
  RANGE_COUNT_8,
  RANGE_FREE_FORMAT,
  RANGE_NONE,
  RANGE_START_STOP_16,
  RANGE_START_STOP_32,
  RANGE_START_STOP_8,
  RANGE_VADDR_16,
  RANGE_VADDR_32,
  RANGE_VADDR_8,
} from './constants.js';
import { headersOnly } from './functions.js';
import { objectSize, SIZE_BITS_1, SIZE_BITS_2, SIZE_BY_VARIATION, SIZE_DEVICE_ATTRIBUTE } from './object-sizes.js';

export interface ObjectHeader {
  group: number;
  variation: number;
  /** Absent when the fragment ends inside the header. */
  qualifier?: number;
  prefix?: number;
  range?: number;
  /** Start and stop index (start/stop ranges), or the one address (virtual address ranges). */
  start?: number;
  stop?: number;
  /** Objects the header announces (undefined: "all", range code 6). */
  count?: number;
  /** Point indexes from index prefixes, at most MAX_INDEXES_PER_HEADER. */
  indexes?: number[];
}

/** A command point of select / operate / direct operate: a CROB or an analog output block. */
export interface ControlPoint {
  group: number;
  variation: number;
  index: number;
  /** CROB: operation type and trip/close ("latch on", "pulse on close"). */
  code?: string;
  /** CROB: count; analog output: the value. */
  value?: number;
  /** Control status (0 success in responses, 0 in requests). */
  status: number;
}

/** A device attribute (group 0): the variation names it (252 manufacturer, 250 product, 248 serial...). */
export interface DeviceAttribute {
  variation: number;
  type: number;
  value: string | number;
}

export interface ObjectWalk {
  /** Every object header's type, group << 8 | variation, in wire order (duplicates kept). */
  types: number[];
  /** The first MAX_HEADERS_KEPT headers in full. */
  headers: ObjectHeader[];
  /** Why the walk ended before the end of the fragment. */
  stop?: string;
  controls?: ControlPoint[];
  attributes?: DeviceAttribute[];
  /** File names named by file commands (g70v3). */
  files?: string[];
  /** A secure authentication object (g120) is present. */
  auth: boolean;
  /**
   * The walk stopped at a header of variation 0 (any variation) of a group other than 0 in a fragment
   * where values follow: the variation names no object format, so the size of its objects is unknown.
   */
  variationZero?: true;
}

/** Control points kept per fragment. */
const MAX_CONTROLS_KEPT = 32;

/** Reads an unsigned little-endian integer of 1 to 4 octets. */
export function uintLE(buf: Buffer, p: number, n: number): number {
  let v = 0;
  for (let i = n - 1; i >= 0; i--) v = v * 256 + buf[p + i]!;
  return v;
}

/** Whether objects of this header carry values in a fragment of function `fc`. */
function carriesValues(fc: number, group: number): boolean {
  if (group === G_CLASS) return false;
  // freeze at time: the g50 time-and-interval object has a value, the headers after it name points only
  if (fc === FC_FREEZE_AT_TIME || fc === FC_FREEZE_AT_TIME_NR) return group === G_TIME;
  return !headersOnly(fc);
}

/**
 * Walks the objects of a fragment of function `fc` from buf[start] to buf[end]. Requests start after the
 * function code, responses after the IIN.
 */
export function walkObjects(buf: Buffer, start: number, end: number, fc: number): ObjectWalk {
  const w: ObjectWalk = { types: [], headers: [], auth: false };
  let p = start;
  while (end - p >= 2) {
    const group = buf[p]!;
    const variation = buf[p + 1]!;
    w.types.push((group << 8) | variation);
    if (group === G_AUTH) w.auth = true;
    const h: ObjectHeader = { group, variation };
    if (w.headers.length < MAX_HEADERS_KEPT) w.headers.push(h);
    if (end - p < 3) {
      w.stop = `g${group}v${variation}: object header cut short`;
      return w;
    }
    const q = buf[p + 2]!;
    const prefix = (q & QUAL_PREFIX_MASK) >> QUAL_PREFIX_SHIFT;
    const range = q & QUAL_RANGE_MASK;
    h.qualifier = q;
    h.prefix = prefix;
    h.range = range;
    p += 3;
    const r = readRange(buf, p, end, range, h);
    if (typeof r === 'string') {
      w.stop = `g${group}v${variation}: ${r}`;
      return w;
    }
    p = r;
    if (h.count === undefined) continue; // "all objects": nothing follows the header
    const next = walkItems(buf, p, end, fc, h, w);
    if (typeof next === 'string') {
      w.stop = `g${group}v${variation}: ${next}`;
      return w;
    }
    p = next;
  }
  if (p < end) w.stop = 'a stray octet after the last object';
  return w;
}

/** Reads the range field at buf[p]; fills start/stop/count; returns the offset after it or why it failed. */
function readRange(buf: Buffer, p: number, end: number, range: number, h: ObjectHeader): number | string {
  let n: number;
  switch (range) {
    case RANGE_START_STOP_8:
    case RANGE_START_STOP_16:
    case RANGE_START_STOP_32: {
      n = range === RANGE_START_STOP_8 ? 1 : range === RANGE_START_STOP_16 ? 2 : 4;
      if (p + 2 * n > end) return 'range field cut short';
      const start = uintLE(buf, p, n);
      const stop = uintLE(buf, p + n, n);
      h.start = start;
      h.stop = stop;
      if (stop < start) return `range stop ${stop} before start ${start}`;
      h.count = stop - start + 1;
      return p + 2 * n;
    }
    case RANGE_VADDR_8:
    case RANGE_VADDR_16:
    case RANGE_VADDR_32: {
      n = range === RANGE_VADDR_8 ? 1 : range === RANGE_VADDR_16 ? 2 : 4;
      if (p + n > end) return 'range field cut short';
      h.start = h.stop = uintLE(buf, p, n);
      h.count = 1;
      return p + n;
    }
    case RANGE_NONE:
      return p;
    case RANGE_COUNT_8:
    case RANGE_COUNT_16:
    case RANGE_COUNT_32:
    case RANGE_FREE_FORMAT: {
      n = range === RANGE_COUNT_16 ? 2 : range === RANGE_COUNT_32 ? 4 : 1;
      if (p + n > end) return 'count field cut short';
      h.count = uintLE(buf, p, n);
      return p + n;
    }
    default:
      return `reserved range code ${range}`;
  }
}

/** Steps over the objects of header `h` from buf[p]; returns the offset after them or why it stopped. */
function walkItems(buf: Buffer, p: number, end: number, fc: number, h: ObjectHeader, w: ObjectWalk): number | string {
  const count = h.count!;
  const prefix = h.prefix!;
  const prefixBytes = PREFIX_BYTES[prefix]!;
  if (prefixBytes < 0) return `reserved prefix code ${prefix}`;
  const values = carriesValues(fc, h.group);
  const size = objectSize(h.group, h.variation);
  const sizePrefix = prefix >= PREFIX_SIZE_8;
  if (values && size === 0 && count > 0 && !sizePrefix) {
    // Variation 0 means "any variation" and is only meaningful without values (a read). Where values
    // follow, their size is unknown: reading them as further object headers would invent groups.
    w.variationZero = true;
    return `size of g${h.group}v${h.variation} objects unknown (variation 0 with values): the walk stops here`;
  }
  if (prefixBytes === 0) {
    if (!values || size === 0) return p;
    // Packed points: all of them in as many octets as their bits take.
    if (size === SIZE_BITS_1 || size === SIZE_BITS_2) {
      const octets = Math.ceil((count * (size === SIZE_BITS_1 ? 1 : 2)) / 8);
      return p + octets > end ? 'packed objects run past the end of the fragment' : p + octets;
    }
    if (size > 0 && p + count * size > end) return 'objects run past the end of the fragment';
  }
  for (let i = 0; i < count; i++) {
    if (p + prefixBytes > end) return 'object prefix runs past the end of the fragment';
    const pre = prefixBytes > 0 ? uintLE(buf, p, prefixBytes) : 0;
    p += prefixBytes;
    const index = prefixBytes > 0 && !sizePrefix ? pre : (h.start ?? 0) + i;
    if (!sizePrefix && prefixBytes > 0) {
      const idx = h.indexes ?? (h.indexes = []);
      if (idx.length < MAX_INDEXES_PER_HEADER) idx.push(pre);
    }
    let len: number;
    if (sizePrefix) len = pre;
    else if (!values) len = 0;
    else len = itemLength(buf, p, end, h.group, h.variation, size);
    if (len < 0) return `size of g${h.group}v${h.variation} objects unknown: the walk stops here`;
    if (p + len > end) return 'objects run past the end of the fragment';
    if (values || sizePrefix) readValues(buf, p, len, h, index, w);
    p += len;
  }
  return p;
}

/** Octets of one object of a known kind with no size prefix at buf[p] (-1: unknown). */
function itemLength(buf: Buffer, p: number, end: number, group: number, variation: number, size: number): number {
  if (size >= 0) return size;
  // A packed point behind an index prefix takes an octet of its own (as Wireshark reads it).
  if (size === SIZE_BITS_1 || size === SIZE_BITS_2) return 1;
  if (size === SIZE_BY_VARIATION) return variation;
  if (size === SIZE_DEVICE_ATTRIBUTE) {
    // data type, length, value; data type 0 stands alone, as Wireshark 4.0.17 reads it ("NONE (Placeholder)")
    if (p < end && buf[p] === DA_TYPE_NONE) return 1;
    return p + 2 <= end ? 2 + buf[p + 1]! : 2;
  }
  return -1;
}

/** Keeps what an auditor needs from one object at buf[p, p + len). */
function readValues(buf: Buffer, p: number, len: number, h: ObjectHeader, index: number, w: ObjectWalk): void {
  const g = h.group;
  const v = h.variation;
  if (g === G_CROB && (v === 1 || v === 2) && len >= 11) {
    const code = buf[p]!;
    const op = CROB_OP_TYPES[code & 0x0f] ?? `op ${code & 0x0f}`;
    const tc = CROB_TRIP_CLOSE[code >> 6]!;
    addControl(w, { group: g, variation: v, index, code: tc ? `${op} ${tc}` : op, value: buf[p + 1]!, status: buf[p + 10]! & 0x7f });
  } else if (g === G_ANALOG_OUTPUT_BLOCK && len >= 3) {
    let value: number | undefined;
    if (v === 1 && len >= 5) value = buf.readInt32LE(p);
    else if (v === 2) value = buf.readInt16LE(p);
    else if (v === 3 && len >= 5) value = buf.readFloatLE(p);
    else if (v === 4 && len >= 9) value = buf.readDoubleLE(p);
    if (value !== undefined) addControl(w, { group: g, variation: v, index, value, status: buf[p + len - 1]! & 0x7f });
  } else if (g === G_DEVICE_ATTRIBUTES && len >= 2) {
    const a = deviceAttribute(buf, p, len, v);
    if (a) (w.attributes ?? (w.attributes = [])).push(a);
  } else if (g === G_FILE && v === 3 && len >= 26) {
    const nameLen = uintLE(buf, p + 2, 2);
    if (nameLen > 0 && 26 + nameLen <= len)
      (w.files ?? (w.files = [])).push(printable(buf.toString('latin1', p + 26, p + 26 + Math.min(nameLen, MAX_ATTRIBUTE_CHARS))));
  }
}

function addControl(w: ObjectWalk, c: ControlPoint): void {
  const list = w.controls ?? (w.controls = []);
  if (list.length < MAX_CONTROLS_KEPT) list.push(c);
}

/** A g0 object: data type, length, value; strings and numbers only (other types are kept as their length). */
export function deviceAttribute(buf: Buffer, p: number, len: number, variation: number): DeviceAttribute | undefined {
  const type = buf[p]!;
  const n = buf[p + 1]!;
  if (2 + n > len) return undefined;
  const s = p + 2;
  if (type === DA_TYPE_VSTR) return { variation, type, value: printable(buf.toString('latin1', s, s + Math.min(n, MAX_ATTRIBUTE_CHARS))) };
  if (type === DA_TYPE_UINT && n >= 1 && n <= 4) return { variation, type, value: uintLE(buf, s, n) };
  if (type === DA_TYPE_INT && (n === 1 || n === 2 || n === 4))
    return { variation, type, value: n === 1 ? buf.readInt8(s) : n === 2 ? buf.readInt16LE(s) : buf.readInt32LE(s) };
  if (type === DA_TYPE_FLT && (n === 4 || n === 8)) return { variation, type, value: n === 4 ? buf.readFloatLE(s) : buf.readDoubleLE(s) };
  return undefined;
}

/** Text as a device shows it: up to the first NUL, control characters dropped, trimmed. */
function printable(s: string): string {
  const nul = s.indexOf('\0');

  return (nul >= 0 ? s.slice(0, nul) : s).replace(/[\x00-\x1f\x7f]/g, '').trim();
}
