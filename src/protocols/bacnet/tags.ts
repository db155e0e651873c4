/**
 * BACnet's tagged encoding (clause 20.2): tag headers, primitive values, character strings in every
 * character set, and generic decoding of a property value (any application tag, constructed values
 * as nested lists). Pure and allocation-light: `readTag` fills a caller-owned Tag.
 */
import {
  CHARSET_DBCS,
  CHARSET_ISO_8859_1,
  CHARSET_JIS_C_6226,
  CHARSET_UCS2,
  CHARSET_UCS4,
  CHARSET_UTF8,
  MAX_DEPTH,
  MAX_STRING_CHARS,
  MAX_VALUES,
  TAG_BIT_STRING,
  TAG_BOOLEAN,
  TAG_CHARACTER_STRING,
  TAG_DATE,
  TAG_DOUBLE,
  TAG_ENUMERATED,
  TAG_NULL,
  TAG_OBJECT_ID,
  TAG_OCTET_STRING,
  TAG_REAL,
  TAG_SIGNED,
  TAG_TIME,
  TAG_UNSIGNED,
} from './constants.js';
import { OBJECT_TYPES } from './names.js';

export interface Tag {
  num: number;
  context: boolean;
  open: boolean;
  close: boolean;
  /** Application boolean: the value lives in the LVT bits. */
  lvt: number;
  /** Offset of the content and its length. */
  start: number;
  len: number;
}

export function newTag(): Tag {
  return { num: 0, context: false, open: false, close: false, lvt: 0, start: 0, len: 0 };
}

/** Reads one tag header at `off`; false when it or its content runs past `end`. */
export function readTag(buf: Buffer, off: number, end: number, t: Tag): boolean {
  if (off >= end) return false;
  const b = buf[off]!;
  let p = off + 1;
  let num = b >> 4;
  if (num === 15) {
    // Extended tag number in the next octet.
    if (p >= end) return false;
    num = buf[p++]!;
  }
  const context = (b & 0x08) !== 0;
  const lvt = b & 0x07;
  t.num = num;
  t.context = context;
  t.lvt = lvt;
  t.open = context && lvt === 6;
  t.close = context && lvt === 7;
  if (t.open || t.close || (!context && num === TAG_BOOLEAN)) {
    t.start = p;
    t.len = 0;
    return true;
  }
  let len = lvt;
  if (lvt === 5) {
    // Extended length: one octet, or 254 + two octets, or 255 + four octets.
    if (p >= end) return false;
    len = buf[p++]!;
    if (len === 254) {
      if (p + 2 > end) return false;
      len = buf.readUInt16BE(p);
      p += 2;
    } else if (len === 255) {
      if (p + 4 > end) return false;
      len = buf.readUInt32BE(p);
      p += 4;
    }
  }
  if (p + len > end) return false;
  t.start = p;
  t.len = len;
  return true;
}

/** Offset just past the tag read into `t`. */
export function tagEnd(t: Tag): number {
  return t.start + t.len;
}

export function readUnsigned(buf: Buffer, off: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len; i++) v = v * 256 + buf[off + i]!;
  return v;
}

export function readSigned(buf: Buffer, off: number, len: number): number {
  if (len === 0) return 0;
  let v = readUnsigned(buf, off, len);
  if (buf[off]! & 0x80) v -= 2 ** (8 * len);
  return v;
}

/** "object-type:instance", with the standard's name when known. */
export function objectIdString(type: number, instance: number): string {
  // Polling reads the same objects over and over: each text is built once (bounded table).
  let byInstance = OBJECT_ID_TEXTS.get(type);
  if (byInstance === undefined) {
    byInstance = new Map();
    OBJECT_ID_TEXTS.set(type, byInstance);
  }
  let text = byInstance.get(instance);
  if (text === undefined) {
    text = `${OBJECT_TYPES.get(type) ?? type}:${instance}`;
    if (objectIdTextCount >= MAX_OBJECT_ID_TEXTS) {
      for (const m of OBJECT_ID_TEXTS.values()) m.clear();
      objectIdTextCount = 0;
    }
    byInstance.set(instance, text);
    objectIdTextCount++;
  }
  return text;
}

/** objectIdString of an identifier as readObjectId gives it. */
export function objectIdText(id: number): string {
  return objectIdString(objectType(id), objectInstance(id));
}

/** object type → instance → text; at most MAX_OBJECT_ID_TEXTS texts, then it starts afresh. */
const OBJECT_ID_TEXTS = new Map<number, Map<number, string>>();
const MAX_OBJECT_ID_TEXTS = 65536;
let objectIdTextCount = 0;

/**
 * Object identifier content (4 octets) as one number, type in the top 10 bits and instance in the low 22
 * (objectType, objectInstance): a number, not a { type, instance } record per identifier read.
 */
export function readObjectId(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off);
}

export function objectType(id: number): number {
  return id >>> 22;
}

export function objectInstance(id: number): number {
  return id & 0x3fffff;
}

/**
 * A character string's content as Wireshark 4.0 shows it: charset octet, then UTF-8, UCS-2 (big
 * endian), UCS-4, ISO 8859-1; DBCS (after its two code-page octets) and JIS C 6226 as ASCII with
 * U+FFFD for every octet above 0x7F (Wireshark has no converter for them); the text ends at the first
 * NUL. Node's built-in decoders do the rest (no iconv needed).
 */
export function decodeCharString(buf: Buffer, off: number, len: number): { charset: number; text: string } {
  if (len <= 0) return { charset: CHARSET_UTF8, text: '' };
  const charset = buf[off]!;
  let s = off + 1;
  const e = off + len;
  if (charset === CHARSET_DBCS) s = Math.min(e, s + 2);
  let text: string;
  switch (charset) {
    case CHARSET_UTF8:
      text = buf.toString('utf8', s, nulAt(buf, s, e));
      break;
    case CHARSET_ISO_8859_1:
      text = buf.toString('latin1', s, nulAt(buf, s, e));
      break;
    case CHARSET_UCS2: {
      let out = '';
      for (let p = s; p + 2 <= e; p += 2) {
        const u = buf.readUInt16BE(p);
        if (u === 0) break;
        out += String.fromCharCode(u);
      }
      text = out;
      break;
    }
    case CHARSET_UCS4: {
      let out = '';
      for (let p = s; p + 4 <= e; p += 4) {
        const u = buf.readUInt32BE(p);
        if (u === 0) break;
        out += u <= 0x10ffff && (u < 0xd800 || u > 0xdfff) ? String.fromCodePoint(u) : '\ufffd';
      }
      text = out;
      break;
    }
    case CHARSET_JIS_C_6226:
    default:
      text = asciiWithReplacement(buf, s, nulAt(buf, s, e));
  }
  if (text.length > MAX_STRING_CHARS) text = text.slice(0, MAX_STRING_CHARS);
  return { charset, text };
}

function nulAt(buf: Buffer, s: number, e: number): number {
  for (let p = s; p < e; p++) if (buf[p] === 0) return p;
  return e;
}

function asciiWithReplacement(buf: Buffer, s: number, e: number): string {
  let out = '';
  for (let p = s; p < e; p++) {
    const c = buf[p]!;
    out += c < 0x80 ? String.fromCharCode(c) : '\ufffd';
  }
  return out;
}

/** A decoded value: primitives as JSON values, context-tagged and constructed parts as objects. */
export type Value = null | boolean | number | string | { tag: number; value: number | string } | { tag: number; items: Value[] };

/** Where value decoding reports character strings and counts what it dropped. */
export interface ValueSink {
  /**
   * With `keepStrings`: every application-tagged character string met, at any depth; made at the first
   * one (most values have none, and an empty array per value would be garbage).
   */
  strings?: string[];
  keepStrings?: boolean;
  count: number;
}

/** Decodes the content of one application-tagged primitive. */
export function applicationValue(buf: Buffer, t: Tag, sink?: ValueSink): Value {
  const { start, len } = t;
  switch (t.num) {
    case TAG_NULL:
      return null;
    case TAG_BOOLEAN:
      return t.lvt !== 0;
    case TAG_UNSIGNED:
    case TAG_ENUMERATED:
      return readUnsigned(buf, start, Math.min(len, 8));
    case TAG_SIGNED:
      return readSigned(buf, start, Math.min(len, 8));
    case TAG_REAL:
      return len === 4 ? buf.readFloatBE(start) : hex(buf, start, len);
    case TAG_DOUBLE:
      return len === 8 ? buf.readDoubleBE(start) : hex(buf, start, len);
    case TAG_OCTET_STRING:
      return hex(buf, start, len);
    case TAG_CHARACTER_STRING: {
      const text = decodeCharString(buf, start, len).text;
      if (sink?.keepStrings) (sink.strings ??= []).push(text);
      return text;
    }
    case TAG_BIT_STRING:
      return bitString(buf, start, len);
    case TAG_DATE:
      return len === 4 ? dateString(buf, start) : hex(buf, start, len);
    case TAG_TIME:
      return len === 4 ? timeString(buf, start) : hex(buf, start, len);
    case TAG_OBJECT_ID: {
      if (len !== 4) return hex(buf, start, len);
      return objectIdText(readObjectId(buf, start));
    }
    default:
      return hex(buf, start, len);
  }
}

/**
 * The tag each nesting depth of decodeValues reads into: one per depth, as a call reads its own while the
 * calls it makes for nested values read theirs (decoding is synchronous), and none is made per value list.
 */
const VALUE_TAGS: Tag[] = Array.from({ length: MAX_DEPTH + 1 }, newTag);

/**
 * Decodes a sequence of tagged values from `off` up to the closing tag `closeNum` (or `end` when
 * closeNum is -1). Returns the offset after the closing tag, or -1 when the encoding is broken.
 * At most MAX_VALUES values are kept; the rest are walked over and counted.
 */
export function decodeValues(buf: Buffer, off: number, end: number, closeNum: number, out: Value[], sink: ValueSink, depth = 0): number {
  const t = VALUE_TAGS[depth] ?? newTag();
  let p = off;
  while (p < end) {
    if (!readTag(buf, p, end, t)) return -1;
    if (t.close) {
      if (t.num === closeNum) return t.start;
      return -1; // a closing tag that closes nothing we opened
    }
    if (t.open) {
      if (depth >= MAX_DEPTH) return -1;
      const items: Value[] = [];
      const num = t.num;
      const q = decodeValues(buf, t.start, end, num, items, sink, depth + 1);
      if (q < 0) return -1;
      if (sink.count < MAX_VALUES) out.push({ tag: num, items });
      p = q;
      continue;
    }
    sink.count++;
    let v: Value;
    if (t.context) v = { tag: t.num, value: t.len <= 4 ? readUnsigned(buf, t.start, t.len) : hex(buf, t.start, t.len) };
    else v = applicationValue(buf, t, sink);
    if (sink.count <= MAX_VALUES) out.push(v);
    p = tagEnd(t);
  }
  return closeNum < 0 ? p : -1;
}

const HEX_LIMIT = 256;
function hex(buf: Buffer, start: number, len: number): string {
  return buf.toString('hex', start, start + Math.min(len, HEX_LIMIT));
}

function bitString(buf: Buffer, start: number, len: number): string {
  if (len === 0) return '';
  const unused = buf[start]! & 0x07;
  const bits = Math.min((len - 1) * 8 - unused, 1024);
  let s = '';
  for (let i = 0; i < bits; i++) s += (buf[start + 1 + (i >> 3)]! >> (7 - (i & 7))) & 1 ? '1' : '0';
  return s;
}

/** Date: year-1900, month, day, weekday; 255 means unspecified ("*"). */
function dateString(buf: Buffer, p: number): string {
  const y = buf[p]!;
  const m = buf[p + 1]!;
  const d = buf[p + 2]!;
  return `${y === 255 ? '*' : 1900 + y}-${m === 255 ? '*' : pad2(m)}-${d === 255 ? '*' : pad2(d)}`;
}

function timeString(buf: Buffer, p: number): string {
  const f = (v: number): string => (v === 255 ? '*' : pad2(v));
  return `${f(buf[p]!)}:${f(buf[p + 1]!)}:${f(buf[p + 2]!)}.${f(buf[p + 3]!)}`;
}

function pad2(v: number): string {
  return v < 10 ? `0${v}` : String(v);
}
