/**
 * CIP message router requests and replies (Vol. 1 §2-4), and the layouts nested in them: Multiple Service
 * Packet, Unconnected Send, Forward Open/Close, Identity object replies. Pure functions over Buffers; they
 * never throw: short or hostile input gives `undefined` or a record with `malformed` set.
 */
import {
  CIP_RESPONSE_BIT,
  FWD_CLOSE_PATH_SIZE_OFFSET,
  FWD_OPEN_PATH_SIZE_OFFSET,
  FWD_OPEN_REPLY_LEN,
  FWD_TRANSPORT_CLASS_MASK,
  ID_ATTR_DEVICE_TYPE,
  ID_ATTR_PRODUCT_CODE,
  ID_ATTR_PRODUCT_NAME,
  ID_ATTR_REVISION,
  ID_ATTR_SERIAL,
  ID_ATTR_STATE,
  ID_ATTR_STATUS,
  ID_ATTR_VENDOR,
  LARGE_FWD_OPEN_PATH_SIZE_OFFSET,
  MAX_MSP_SERVICES,
} from './constants.js';
import { parseEPath, type EPath } from './epath.js';

export interface CipRequest {
  kind: 'request';
  service: number;
  path: EPath;
  /** Request data at buf[dataStart, dataEnd). */
  dataStart: number;
  dataEnd: number;
  malformed?: string;
}

export interface CipReply {
  kind: 'reply';
  /** Service byte as sent, response bit included. */
  service: number;
  generalStatus: number;
  extStatus: number[];
  dataStart: number;
  dataEnd: number;
  malformed?: string;
}

export type CipMessage = CipRequest | CipReply;

/** How a request path is read: parseEPath, or a caller's cache in front of it. */
export type PathReader = (buf: Buffer, off: number, words: number, end: number) => EPath;

/** One CIP message at buf[off, end), or undefined when not even the service byte is there. */
export function parseCip(buf: Buffer, off: number, end: number, readPath: PathReader = parseEPath): CipMessage | undefined {
  if (end - off < 1) return undefined;
  const service = buf[off]!;
  if (service & CIP_RESPONSE_BIT) {
    if (end - off < 4) {
      return {
        kind: 'reply',
        service,
        generalStatus: end - off >= 3 ? buf[off + 2]! : -1,
        extStatus: [],
        dataStart: end,
        dataEnd: end,
        malformed: 'reply header cut short',
      };
    }
    const extWords = buf[off + 3]!;
    const dataStart = off + 4 + extWords * 2;
    const r: CipReply = {
      kind: 'reply',
      service,
      generalStatus: buf[off + 2]!,
      extStatus: [],
      dataStart: Math.min(dataStart, end),
      dataEnd: end,
    };
    if (dataStart > end) r.malformed = `${extWords} extended status words run past the reply`;
    for (let i = off + 4; i + 2 <= Math.min(dataStart, end); i += 2) r.extStatus.push(buf.readUInt16LE(i));
    return r;
  }
  if (end - off < 2)
    return {
      kind: 'request',
      service,
      path: { classes: [], logical: [], malformed: 'no path size' },
      dataStart: end,
      dataEnd: end,
      malformed: 'no path size',
    };
  const words = buf[off + 1]!;
  const path = readPath(buf, off + 2, words, end);
  const dataStart = Math.min(off + 2 + words * 2, end);
  const r: CipRequest = { kind: 'request', service, path, dataStart, dataEnd: end };
  if (path.malformed) r.malformed = path.malformed;
  return r;
}

/**
 * Multiple Service Packet body (request data, or reply data): service count (2), offsets (2 each, from the
 * count field), then the services. Returns each embedded message's [start, end).
 */
export function parseMsp(buf: Buffer, off: number, end: number): { parts: [number, number][]; malformed?: string } {
  if (end - off < 2) return { parts: [], malformed: 'no service count' };
  const count = buf.readUInt16LE(off);
  if (count > MAX_MSP_SERVICES) return { parts: [], malformed: `${count} services` };
  if (off + 2 + count * 2 > end) return { parts: [], malformed: `${count} offsets run past the packet` };
  const parts: [number, number][] = [];
  let malformed: string | undefined;
  for (let i = 0; i < count; i++) {
    const s = off + buf.readUInt16LE(off + 2 + i * 2);
    let e = i + 1 < count ? off + buf.readUInt16LE(off + 4 + i * 2) : end;
    if (s < off + 2 + count * 2 || s >= end) {
      malformed = `service ${i + 1} offset out of range`;
      continue;
    }
    if (e > end || e <= s) {
      // the next offset is wrong, not this one: this service runs to the end of the packet
      malformed = `service ${i + 2} offset out of range`;
      e = end;
    }
    parts.push([s, e]);
  }
  return malformed ? { parts, malformed } : { parts };
}

export interface UnconnectedSend {
  /** Embedded request at buf[msgStart, msgEnd). */
  msgStart: number;
  msgEnd: number;
  route?: EPath;
  malformed?: string;
}

/**
 * Unconnected Send request data: priority/tick (1), timeout ticks (1), message size (2), message,
 * pad byte when the size is odd, route path size in words (1), reserved (1), route path.
 */
export function parseUnconnectedSend(buf: Buffer, off: number, end: number): UnconnectedSend | undefined {
  if (end - off < 4) return undefined;
  const size = buf.readUInt16LE(off + 2);
  const msgStart = off + 4;
  const msgEnd = msgStart + size;
  if (msgEnd > end) return { msgStart, msgEnd: end, malformed: `embedded message of ${size} bytes runs past the request` };
  const r: UnconnectedSend = { msgStart, msgEnd };
  const routeAt = msgEnd + (size & 1);
  if (routeAt + 2 <= end) r.route = parseEPath(buf, routeAt + 2, buf[routeAt]!, end);
  return r;
}

export interface ForwardOpen {
  otConnId: number;
  toConnId: number;
  connSerial: number;
  vendorId: number;
  originatorSerial: number;
  /** Requested packet intervals in microseconds. */
  otRpi: number;
  toRpi: number;
  /** Transport class 0..3 (0/1 cyclic I/O, 2/3 explicit messaging). */
  transportClass: number;
  path: EPath;
  malformed?: string;
}

/**
 * Forward Open request data (Vol. 1 §3-5.5.2): priority/tick, timeout ticks, O→T and T→O connection ids,
 * connection serial, originator vendor and serial, timeout multiplier + 3 reserved, O→T RPI, O→T parameters
 * (2 bytes; 4 in Large Forward Open), T→O RPI, T→O parameters, transport type/trigger, path size, path.
 */
export function parseForwardOpen(buf: Buffer, off: number, end: number, large: boolean): ForwardOpen | undefined {
  const pathSizeAt = off + (large ? LARGE_FWD_OPEN_PATH_SIZE_OFFSET : FWD_OPEN_PATH_SIZE_OFFSET);
  if (pathSizeAt + 1 > end) return undefined;
  const paramLen = large ? 4 : 2;
  const toRpiAt = off + 26 + paramLen;
  const fo: ForwardOpen = {
    otConnId: buf.readUInt32LE(off + 2),
    toConnId: buf.readUInt32LE(off + 6),
    connSerial: buf.readUInt16LE(off + 10),
    vendorId: buf.readUInt16LE(off + 12),
    originatorSerial: buf.readUInt32LE(off + 14),
    otRpi: buf.readUInt32LE(off + 22),
    toRpi: buf.readUInt32LE(toRpiAt),
    transportClass: buf[pathSizeAt - 1]! & FWD_TRANSPORT_CLASS_MASK,
    path: parseEPath(buf, pathSizeAt + 1, buf[pathSizeAt]!, end),
  };
  if (fo.path.malformed) fo.malformed = fo.path.malformed;
  return fo;
}

export interface ForwardOpenReply {
  otConnId: number;
  toConnId: number;
  connSerial: number;
  vendorId: number;
  originatorSerial: number;
  /** Actual packet intervals in microseconds. */
  otApi: number;
  toApi: number;
}

/** Successful Forward Open reply data: ids, serial triad, actual intervals, application reply. */
export function parseForwardOpenReply(buf: Buffer, off: number, end: number): ForwardOpenReply | undefined {
  if (end - off < FWD_OPEN_REPLY_LEN) return undefined;
  return {
    otConnId: buf.readUInt32LE(off),
    toConnId: buf.readUInt32LE(off + 4),
    connSerial: buf.readUInt16LE(off + 8),
    vendorId: buf.readUInt16LE(off + 10),
    originatorSerial: buf.readUInt32LE(off + 12),
    otApi: buf.readUInt32LE(off + 16),
    toApi: buf.readUInt32LE(off + 20),
  };
}

/** Forward Close request data: priority/tick, timeout, connection serial, vendor, originator serial, path. */
export function parseForwardClose(
  buf: Buffer,
  off: number,
  end: number,
): { connSerial: number; vendorId: number; originatorSerial: number; path?: EPath } | undefined {
  if (end - off < FWD_CLOSE_PATH_SIZE_OFFSET) return undefined;
  const r: { connSerial: number; vendorId: number; originatorSerial: number; path?: EPath } = {
    connSerial: buf.readUInt16LE(off + 2),
    vendorId: buf.readUInt16LE(off + 4),
    originatorSerial: buf.readUInt32LE(off + 6),
  };
  const at = off + FWD_CLOSE_PATH_SIZE_OFFSET;
  if (at + 2 <= end) r.path = parseEPath(buf, at + 2, buf[at]!, end);
  return r;
}

/** The serial triad that names a connection in Forward Open, its reply and Forward Close. */
export function connectionKey(connSerial: number, vendorId: number, originatorSerial: number): string {
  return `${connSerial}/${vendorId}/${originatorSerial >>> 0}`;
}

/** One Identity object attribute value: its value and byte length, or undefined when cut short. */
export function identityAttribute(
  attr: number,
  buf: Buffer,
  off: number,
  end: number,
): { value: number | string | [number, number]; len: number } | undefined {
  const avail = end - off;
  switch (attr) {
    case ID_ATTR_VENDOR:
    case ID_ATTR_DEVICE_TYPE:
    case ID_ATTR_PRODUCT_CODE:
    case ID_ATTR_STATUS:
      return avail >= 2 ? { value: buf.readUInt16LE(off), len: 2 } : undefined;
    case ID_ATTR_REVISION:
      return avail >= 2 ? { value: [buf[off]!, buf[off + 1]!], len: 2 } : undefined;
    case ID_ATTR_SERIAL:
      return avail >= 4 ? { value: buf.readUInt32LE(off), len: 4 } : undefined;
    case ID_ATTR_PRODUCT_NAME: {
      if (avail < 1) return undefined;
      const n = buf[off]!;
      return 1 + n <= avail ? { value: buf.toString('latin1', off + 1, off + 1 + n).replace(/\0+$/, ''), len: 1 + n } : undefined;
    }
    case ID_ATTR_STATE:
      return avail >= 1 ? { value: buf[off]!, len: 1 } : undefined;
    default:
      return undefined;
  }
}

/** Attribute ids of a Get Attribute List request: count (2), then ids (2 each). */
export function parseAttributeIds(buf: Buffer, off: number, end: number): number[] | undefined {
  if (end - off < 2) return undefined;
  const n = buf.readUInt16LE(off);
  if (off + 2 + n * 2 > end) return undefined;
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(buf.readUInt16LE(off + 2 + i * 2));
  return ids;
}

/** Get Attribute List reply for the Identity object: count, then (id, status, value) per attribute. */
export function parseIdentityAttributeList(buf: Buffer, off: number, end: number): Map<number, number | string | [number, number]> {
  const out = new Map<number, number | string | [number, number]>();
  if (end - off < 2) return out;
  const n = buf.readUInt16LE(off);
  let i = off + 2;
  for (let k = 0; k < n && i + 4 <= end; k++) {
    const id = buf.readUInt16LE(i);
    const status = buf.readUInt16LE(i + 2);
    i += 4;
    if (status !== 0) continue; // a failed attribute carries no value
    const v = identityAttribute(id, buf, i, end);
    if (!v) break; // unknown length: the rest cannot be walked
    out.set(id, v.value);
    i += v.len;
  }
  return out;
}
