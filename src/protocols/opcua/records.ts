/**
 * Pure functions over Buffers for the UA TCP / UA Secure Conversation framing: the 8-byte message
 * header, the symmetric and sequence headers and the body's type id. They run on every chunk, so they
 * are written by hand (no allocation, no library call) and never throw: bad input gives `undefined`.
 * Structured fields (Hello, OPN security header, service bodies) are decoded by node-opcua in bodies.ts.
 */
import {
  CHUNK_ABORT,
  CHUNK_FINAL,
  CHUNK_INTERMEDIATE,
  HEADER_LEN,
  MAX_CHUNK_SIZE,
  MIN_SIZE,
  MSG_ACK,
  MSG_CLO,
  MSG_ERR,
  MSG_HEL,
  MSG_MSG,
  MSG_OPN,
  MSG_RHE,
  type MessageType,
} from './constants.js';

export interface ChunkHeader {
  type: MessageType;
  /** 'F' final, 'C' intermediate, 'A' abort (as the byte value). */
  chunk: number;
  /** Whole chunk size, header included. */
  size: number;
}

/** The message type of the 3 bytes at `off`, or undefined when they are not one. */
export function messageTypeAt(b: Buffer, off: number): MessageType | undefined {
  if (off + 3 > b.length) return undefined;
  const v = (b[off]! << 16) | (b[off + 1]! << 8) | b[off + 2]!;
  switch (v) {
    case MSG_MSG:
      return 'MSG';
    case MSG_OPN:
      return 'OPN';
    case MSG_CLO:
      return 'CLO';
    case MSG_HEL:
      return 'HEL';
    case MSG_ACK:
      return 'ACK';
    case MSG_ERR:
      return 'ERR';
    case MSG_RHE:
      return 'RHE';
    default:
      return undefined;
  }
}

/** True for the message types that travel inside a secure channel (and so can be chunked). */
export function isSecureType(t: MessageType): boolean {
  return t === 'MSG' || t === 'OPN' || t === 'CLO';
}

/**
 * Whether the header at b[off] is a plausible one, within b[off, end): known type, a chunk type allowed for
 * it (the connection protocol messages HEL/ACK/ERR/RHE are never chunked) and a size between the type's
 * minimum and `maxSize`. Needs 8 bytes. Fills `out` (the caller's scratch record, read at once: framing
 * runs on every chunk, so no record per chunk) and returns true, or returns false and leaves it alone.
 */
export function readHeader(b: Buffer, off: number, end: number, maxSize: number, out: ChunkHeader): boolean {
  if (off + HEADER_LEN > end) return false;
  const type = messageTypeAt(b, off);
  if (type === undefined) return false;
  const chunk = b[off + 3]!;
  if (chunk !== CHUNK_FINAL) {
    if (!isSecureType(type) || (chunk !== CHUNK_INTERMEDIATE && chunk !== CHUNK_ABORT)) return false;
  }
  const size = u32le(b, off + 4);
  if (size < MIN_SIZE[type] || size > maxSize) return false;
  out.type = type;
  out.chunk = chunk;
  out.size = size;
  return true;
}

/** readHeader over the whole of `b`, as a new record (probe and tests). */
export function parseHeader(b: Buffer, off: number, maxSize: number = MAX_CHUNK_SIZE): ChunkHeader | undefined {
  const h: ChunkHeader = { type: 'MSG', chunk: 0, size: 0 };
  return readHeader(b, off, b.length, maxSize, h) ? h : undefined;
}

/** Secure channel id of an OPN/MSG/CLO chunk (uint32 right after the header). Needs 12 bytes. */
export function channelIdAt(b: Buffer, off: number, end: number): number | undefined {
  return off + 12 <= end ? u32le(b, off + 8) : undefined;
}

/** findHeader's candidate header (the scan is not re-entered, and only the type is read back). */
const candidate: ChunkHeader = { type: 'MSG', chunk: 0, size: 0 };

/**
 * Scan b[from, end) for the next plausible header (used after a gap or when a capture starts
 * mid-stream). When the channel id of the flow is known, OPN/MSG/CLO candidates must carry it, which
 * rules out the odd 'MSGF' inside a string. Returns the offset, or -1.
 */
export function findHeader(b: Buffer, from: number, end: number, maxSize: number, channelId?: number): number {
  const last = end - HEADER_LEN;
  for (let i = from; i <= last; i++) {
    const c = b[i]!;
    // First letters of the seven types: M O C H A E R; a cheap filter before the full check.
    if (c !== 0x4d && c !== 0x4f && c !== 0x43 && c !== 0x48 && c !== 0x41 && c !== 0x45 && c !== 0x52) continue;
    if (!readHeader(b, i, end, maxSize, candidate)) continue;
    const type = candidate.type;
    if (channelId !== undefined && channelId !== 0 && isSecureType(type) && type !== 'OPN') {
      const id = channelIdAt(b, i, end);
      if (id !== undefined && id !== channelId) continue;
    }
    return i;
  }
  return -1;
}

export interface TypeId {
  /** Numeric identifier in namespace 0. */
  id: number;
  /** Bytes the encoded node id took. */
  len: number;
}

/** typeIdAt's answer when the bytes are not a namespace-0 numeric node id. */
export const NO_TYPE_ID = -1;

/**
 * The body's type id (an ExpandedNodeId) at b[off, end) when it is a numeric node id of namespace 0, which
 * every standard service is: two-byte (0x00, id byte), four-byte (0x01, ns byte, uint16) or numeric
 * (0x02, ns uint16, uint32) encoding, without namespace-uri or server-index flags. NO_TYPE_ID otherwise;
 * the bytes it took are typeIdLength(b[off]). Numbers, no record: it runs on every message.
 */
export function typeIdAt(b: Buffer, off: number, end: number = b.length): number {
  if (off >= end) return NO_TYPE_ID;
  switch (b[off]) {
    case 0x00:
      return off + 2 <= end ? b[off + 1]! : NO_TYPE_ID;
    case 0x01:
      return off + 4 <= end && b[off + 1] === 0 ? b[off + 2]! | (b[off + 3]! << 8) : NO_TYPE_ID;
    case 0x02:
      return off + 7 <= end && b[off + 1] === 0 && b[off + 2] === 0 ? u32le(b, off + 3) : NO_TYPE_ID;
    default:
      return NO_TYPE_ID;
  }
}

/** Bytes of a node id that typeIdAt accepted, from its encoding byte. */
export function typeIdLength(encoding: number): number {
  return encoding === 0x00 ? 2 : encoding === 0x01 ? 4 : 7;
}

/** typeIdAt as a record. */
export function readTypeId(b: Buffer, off: number): TypeId | undefined {
  const id = typeIdAt(b, off);
  return id === NO_TYPE_ID ? undefined : { id, len: typeIdLength(b[off]!) };
}

/** Little-endian uint32 at b[off] (the caller has checked that the 4 bytes are there). */
function u32le(b: Buffer, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16)) + b[off + 3]! * 0x1000000;
}

/** Offset of the sequence header in a MSG/CLO chunk: header, channel id, token id. */
export const SYMMETRIC_SEQUENCE_OFFSET = 16;
/** Sequence header length: sequence number, request id. */
export const SEQUENCE_HEADER_LEN = 8;

/** Request id from the sequence header at `off`, within b[.., end) (plaintext channels only). */
export function requestIdAt(b: Buffer, off: number, end: number): number | undefined {
  return off + 8 <= end ? u32le(b, off + 4) : undefined;
}

/**
 * ServiceResult of a response body whose type id ends at `off`: the ResponseHeader starts with a
 * DateTime (8) and a request handle (4), then the StatusCode.
 */
export function responseStatusAt(b: Buffer, off: number, end: number): number | undefined {
  return off + 16 <= end ? u32le(b, off + 12) : undefined;
}

/**
 * Cheap heuristic for `probe()`: the payload starts with a plausible UA TCP header whose size is
 * consistent with what was received (a first segment holds at most one partial chunk, so the size
 * must not be smaller than a chunk's minimum; a larger size is fine: the rest follows).
 */
export function looksLikeOpcUa(b: Buffer): boolean {
  const h = parseHeader(b, 0);
  if (h === undefined) return false;
  if (h.type === 'HEL') {
    // Protocol version 0 is the only one defined; its endpoint URL starts with "opc." when present.
    return b.length < 12 || b.readUInt32LE(8) === 0;
  }
  return true;
}

/** Hex of a status code as OPC UA tools print it. */
export function statusHex(code: number): string {
  return `0x${code.toString(16).padStart(8, '0')}`;
}

/** Short name of a security policy URI: the part after '#', else the last path segment. */
export function policyShortName(uri: string): string {
  const hash = uri.lastIndexOf('#');
  if (hash >= 0 && hash < uri.length - 1) return uri.slice(hash + 1);
  const slash = uri.lastIndexOf('/');
  return slash >= 0 && slash < uri.length - 1 ? uri.slice(slash + 1) : uri;
}
