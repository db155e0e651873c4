/**
 * The EtherNet/IP encapsulation layer (CIP Vol. 2 ch. 2): the 24-byte header, the common packet format
 * (CPF) items, and the command-specific replies that carry no CIP (ListIdentity, ListServices,
 * RegisterSession). Pure functions over Buffers (little-endian unless the spec says otherwise); they never throw.
 */
import {
  ENCAP_HEADER_LEN,
  ITEM_CIP_IDENTITY,
  ITEM_LIST_SERVICES,
  MAX_CPF_ITEMS,
  MAX_ENCAP_DATA_LEN,
  MAX_PLAUSIBLE_COMMAND,
  SOCKADDR_LEN,
} from './constants.js';

export interface EncapHeader {
  command: number;
  /** Length of the data after the 24-byte header. */
  length: number;
  session: number;
  status: number;
  /** Offset of the 8-byte sender context in the buffer read: replies echo it, which pairs unconnected requests and replies. */
  contextAt: number;
  options: number;
}

export function readHeader(buf: Buffer, off: number): EncapHeader {
  return {
    command: buf.readUInt16LE(off),
    length: buf.readUInt16LE(off + 2),
    session: buf.readUInt32LE(off + 4),
    status: buf.readUInt32LE(off + 8),
    contextAt: off + 12,
    options: buf.readUInt32LE(off + 20),
  };
}

/** The command and length fields are what an encapsulation header must get right to be framed. */
export function plausibleHeader(buf: Buffer, off: number, end: number): boolean {
  if (end - off < 4) return false;
  const cmd = buf.readUInt16LE(off);
  const len = buf.readUInt16LE(off + 2);
  if (cmd > MAX_PLAUSIBLE_COMMAND || len > MAX_ENCAP_DATA_LEN) return false;
  // Options are 0 in every message the spec defines; a receiver must discard anything else.
  if (end - off >= ENCAP_HEADER_LEN && buf.readUInt32LE(off + 20) !== 0) return false;
  return true;
}

export interface CpfItem {
  type: number;
  /** Item data at buf[start, end). */
  start: number;
  end: number;
}

export interface Cpf {
  items: CpfItem[];
  malformed?: string;
}

/** The common packet format at buf[off, end): item count, then (type, length, data) per item. */
export function parseCpf(buf: Buffer, off: number, end: number): Cpf {
  if (end - off < 2) return { items: [], malformed: 'no CPF item count' };
  const count = buf.readUInt16LE(off);
  const items: CpfItem[] = [];
  let i = off + 2;
  for (let n = 0; n < count; n++) {
    if (n >= MAX_CPF_ITEMS) return { items, malformed: `${count} CPF items` };
    if (end - i < 4) return { items, malformed: `CPF item ${n + 1} of ${count} missing` };
    const type = buf.readUInt16LE(i);
    const len = buf.readUInt16LE(i + 2);
    const start = i + 4;
    if (start + len > end) return { items, malformed: `CPF item 0x${type.toString(16)} length ${len} runs past the message` };
    items.push({ type, start, end: start + len });
    i = start + len;
  }
  return { items };
}

/** A CIP Identity record: the ListIdentity item and the Identity object's Get Attributes All reply share it. */
export interface IdentityRecord {
  vendorId: number;
  deviceType: number;
  productCode: number;
  major: number;
  minor: number;
  status: number;
  serial: number;
  productName: string;
  state?: number;
  /** ListIdentity only: the address the device says it has (sin_addr, sin_port). */
  socket?: { ip: string; port: number };
}

/**
 * The identity fields from vendor id on (as in the Identity object's attributes 1-8): vendor (2),
 * device type (2), product code (2), revision (1+1), status (2), serial (4), product name (SHORT_STRING),
 * optional state (1).
 */
export function parseIdentityBody(buf: Buffer, off: number, end: number): IdentityRecord | undefined {
  if (end - off < 15) return undefined;
  const nameLen = buf[off + 14]!;
  const nameEnd = off + 15 + nameLen;
  if (nameEnd > end) return undefined;
  const r: IdentityRecord = {
    vendorId: buf.readUInt16LE(off),
    deviceType: buf.readUInt16LE(off + 2),
    productCode: buf.readUInt16LE(off + 4),
    major: buf[off + 6]!,
    minor: buf[off + 7]!,
    status: buf.readUInt16LE(off + 8),
    serial: buf.readUInt32LE(off + 10),
    productName: buf.toString('latin1', off + 15, nameEnd).replace(/\0+$/, ''),
  };
  if (nameEnd < end) r.state = buf[nameEnd]!;
  return r;
}

/** ListIdentity reply item 0x0C: protocol version (2), socket address (16, big-endian), identity body. */
export function parseListIdentityItem(buf: Buffer, item: CpfItem): IdentityRecord | undefined {
  if (item.type !== ITEM_CIP_IDENTITY) return undefined;
  const s = item.start + 2;
  if (item.end - s < SOCKADDR_LEN) return undefined;
  const r = parseIdentityBody(buf, s + SOCKADDR_LEN, item.end);
  if (r) r.socket = { ip: ipv4(buf, s + 4), port: buf.readUInt16BE(s + 2) };
  return r;
}

/** ListServices reply item 0x100: version (2), capability flags (2), name (16, NUL padded). */
export function parseListServicesItem(buf: Buffer, item: CpfItem): { name: string; flags: number } | undefined {
  if (item.type !== ITEM_LIST_SERVICES || item.end - item.start < 4) return undefined;
  const nameEnd = Math.min(item.end, item.start + 20);
  return { flags: buf.readUInt16LE(item.start + 2), name: buf.toString('latin1', item.start + 4, nameEnd).replace(/\0.*$/s, '') };
}

/** A sockaddr info item (0x8000/0x8001): where the I/O of a Forward Open goes (big-endian fields). */
export function parseSockaddr(buf: Buffer, item: CpfItem): { ip: string; port: number } | undefined {
  if (item.end - item.start < 8) return undefined;
  return { ip: ipv4(buf, item.start + 4), port: buf.readUInt16BE(item.start + 2) };
}

export function ipv4(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** "%d.%02d", as Wireshark prints a revision ("4.03"). */
export function revisionText(major: number, minor: number): string {
  return `${major}.${minor < 10 ? '0' : ''}${minor}`;
}

/** "0x%08x", as Wireshark prints a serial number. */
export function serialText(serial: number): string {
  return `0x${(serial >>> 0).toString(16).padStart(8, '0')}`;
}
