/**
 * DNS message parsing (RFC 1035 4.1), shared by DNS, mDNS and LLMNR (same layout) and by NetBIOS name
 * service (same header and records, names first-level encoded). Pure functions over one whole message;
 * they never throw: a message that ends early keeps what parsed and says where it stopped.
 */
import { ipv4ToString, ipv6ToString } from '../../net/addr.js';
import {
  FLAG_QR,
  FLAG_TC,
  HEADER_LEN,
  MAX_LABEL_LEN,
  MAX_NAME_LEN,
  MAX_POINTERS,
  MAX_SECTION_COUNT,
  MIN_QUESTION_LEN,
  MIN_RR_LEN,
  OPCODE_MASK,
  OPCODE_SHIFT,
  RCODE_MASK,
  REVERSE_V4_SUFFIX,
  REVERSE_V6_SUFFIX,
  TYPE_A,
  TYPE_AAAA,
  TYPE_CNAME,
  TYPE_NS,
  TYPE_PTR,
} from './constants.js';

export interface DnsHeader {
  id: number;
  flags: number;
  response: boolean; // QR
  opcode: number;
  truncated: boolean; // TC
  rcode: number; // low 4 bits (EDNS extended RCODE is not combined: we only need "was it an answer")
  qdcount: number;
  ancount: number;
  nscount: number;
  arcount: number;
}

export interface Question {
  off: number; // where its name starts (NetBIOS re-reads the encoded name)
  name: string;
  type: number;
  cls: number;
}

export interface ResourceRecord {
  off: number; // where its name starts
  name: string;
  type: number;
  cls: number;
  ttl: number;
  /** RDATA position in the message and its length. */
  rdOff: number;
  rdLen: number;
}

export interface DnsMessage {
  header: DnsHeader;
  questions: Question[];
  answers: ResourceRecord[];
  authority: ResourceRecord[];
  additional: ResourceRecord[];
  /** Why parsing stopped before the counts were satisfied (the records before it are kept). */
  malformed?: string;
}

/** The 12-byte header, or undefined when the buffer is shorter. */
export function readHeader(buf: Buffer): DnsHeader | undefined {
  if (buf.length < HEADER_LEN) return undefined;
  const flags = buf.readUInt16BE(2);
  return {
    id: buf.readUInt16BE(0),
    flags,
    response: (flags & FLAG_QR) !== 0,
    opcode: (flags >> OPCODE_SHIFT) & OPCODE_MASK,
    truncated: (flags & FLAG_TC) !== 0,
    rcode: flags & RCODE_MASK,
    qdcount: buf.readUInt16BE(4),
    ancount: buf.readUInt16BE(6),
    nscount: buf.readUInt16BE(8),
    arcount: buf.readUInt16BE(10),
  };
}

/** Whether the counts could fit in a message of this length (cheap sanity for probes). */
export function countsFit(h: DnsHeader, length: number): boolean {
  if (h.qdcount > MAX_SECTION_COUNT || h.ancount > MAX_SECTION_COUNT || h.nscount > MAX_SECTION_COUNT || h.arcount > MAX_SECTION_COUNT)
    return false;
  return HEADER_LEN + h.qdcount * MIN_QUESTION_LEN + (h.ancount + h.nscount + h.arcount) * MIN_RR_LEN <= length;
}

export interface NameRead {
  /** Labels joined with '.', without the root's trailing dot ('' is the root). */
  name: string;
  /** Offset just after the name where it was read (after the first pointer, if any). */
  next: number;
}

/**
 * A possibly compressed name at `off`. Every pointer must point strictly below the start of the labels
 * read since the previous jump, so a chain of pointers always moves backwards and ends: loops, forward
 * pointers and self-pointers are rejected (undefined), as are names over 255 bytes.
 */
export function readName(buf: Buffer, off: number): NameRead | undefined {
  let pos = off;
  let floor = off; // pointers must land below this
  let next = -1;
  let wireLen = 0;
  let jumps = 0;
  let name = '';
  for (;;) {
    if (pos >= buf.length) return undefined;
    const len = buf[pos]!;
    if (len === 0) {
      if (next < 0) next = pos + 1;
      return { name, next };
    }
    const kind = len & 0xc0;
    if (kind === 0xc0) {
      if (pos + 1 >= buf.length) return undefined;
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= floor || ++jumps > MAX_POINTERS) return undefined;
      if (next < 0) next = pos + 2;
      pos = target;
      floor = target;
      continue;
    }
    if (kind !== 0 || len > MAX_LABEL_LEN) return undefined; // 0x40/0x80: obsolete extended label types
    if (pos + 1 + len > buf.length) return undefined;
    wireLen += len + 1;
    if (wireLen + 1 > MAX_NAME_LEN) return undefined;
    const label = buf.toString('utf8', pos + 1, pos + 1 + len);
    name = name === '' ? label : `${name}.${label}`;
    pos += 1 + len;
  }
}

/**
 * A raw (uncompressed) name's labels at `off` for NetBIOS (its first label is the 32-byte encoded name):
 * returns each label's bytes' position. NetBIOS also allows compression pointers to a previous name.
 */
export function readLabels(buf: Buffer, off: number): { labels: [number, number][]; next: number } | undefined {
  const labels: [number, number][] = [];
  let pos = off;
  let floor = off;
  let next = -1;
  let jumps = 0;
  let wireLen = 0;
  for (;;) {
    if (pos >= buf.length) return undefined;
    const len = buf[pos]!;
    if (len === 0) return { labels, next: next < 0 ? pos + 1 : next };
    if ((len & 0xc0) === 0xc0) {
      if (pos + 1 >= buf.length) return undefined;
      const target = ((len & 0x3f) << 8) | buf[pos + 1]!;
      if (target >= floor || ++jumps > MAX_POINTERS) return undefined;
      if (next < 0) next = pos + 2;
      pos = floor = target;
      continue;
    }
    if (len & 0xc0 || pos + 1 + len > buf.length) return undefined;
    wireLen += len + 1;
    if (wireLen + 1 > MAX_NAME_LEN) return undefined;
    labels.push([pos + 1, len]);
    pos += 1 + len;
  }
}

/** Reads the whole message. Undefined only without a header; otherwise what parsed, `malformed` saying why it stopped. */
export function parseMessage(buf: Buffer): DnsMessage | undefined {
  const header = readHeader(buf);
  if (!header) return undefined;
  const msg: DnsMessage = { header, questions: [], answers: [], authority: [], additional: [] };
  let off = HEADER_LEN;
  for (let i = 0; i < header.qdcount; i++) {
    const n = readName(buf, off);
    if (!n) return stop(msg, `question ${i + 1}: bad name at ${off}`);
    if (n.next + 4 > buf.length) return stop(msg, `question ${i + 1}: ends early`);
    msg.questions.push({ off, name: n.name, type: buf.readUInt16BE(n.next), cls: buf.readUInt16BE(n.next + 2) });
    off = n.next + 4;
  }
  const sections: [ResourceRecord[], number, string][] = [
    [msg.answers, header.ancount, 'answer'],
    [msg.authority, header.nscount, 'authority'],
    [msg.additional, header.arcount, 'additional'],
  ];
  for (const [list, count, what] of sections) {
    for (let i = 0; i < count; i++) {
      const rr = readRecord(buf, off);
      if (!rr) return stop(msg, `${what} ${i + 1}: bad record at ${off}`);
      list.push(rr);
      off = rr.rdOff + rr.rdLen;
    }
  }
  return msg;
}

function stop(msg: DnsMessage, why: string): DnsMessage {
  msg.malformed = why;
  return msg;
}

/** One resource record at `off`, or undefined when its name or RDATA does not fit. */
export function readRecord(buf: Buffer, off: number): ResourceRecord | undefined {
  const n = readName(buf, off);
  if (!n || n.next + 10 > buf.length) return undefined;
  const p = n.next;
  const rdLen = buf.readUInt16BE(p + 8);
  if (p + 10 + rdLen > buf.length) return undefined;
  return { off, name: n.name, type: buf.readUInt16BE(p), cls: buf.readUInt16BE(p + 2), ttl: buf.readUInt32BE(p + 4), rdOff: p + 10, rdLen };
}

/** The address an A or AAAA record gives, or undefined for any other record or a wrong RDATA length. */
export function recordAddress(buf: Buffer, rr: ResourceRecord): string | undefined {
  if (rr.type === TYPE_A && rr.rdLen === 4) return ipv4ToString(buf.readUInt32BE(rr.rdOff));
  if (rr.type === TYPE_AAAA && rr.rdLen === 16) return ipv6ToString(buf, rr.rdOff);
  return undefined;
}

/** The name in a PTR, CNAME or NS record's RDATA (compressed against the whole message). */
export function recordTarget(buf: Buffer, rr: ResourceRecord): string | undefined {
  if (rr.type !== TYPE_PTR && rr.type !== TYPE_CNAME && rr.type !== TYPE_NS) return undefined;
  const n = readName(buf.subarray(0, rr.rdOff + rr.rdLen), rr.rdOff);
  return n && n.next <= rr.rdOff + rr.rdLen ? n.name : undefined;
}

/**
 * The address a reverse-lookup name stands for: '11.1.20.10.in-addr.arpa' → '10.20.1.11'; 32 nibbles
 * under ip6.arpa → the IPv6 address. Undefined for partial (classless delegation) or non-reverse names.
 */
export function reverseNameAddress(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (lower.endsWith(REVERSE_V4_SUFFIX)) {
    const parts = lower.slice(0, -REVERSE_V4_SUFFIX.length).split('.');
    if (parts.length !== 4 || !parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255)) return undefined;
    return parts.reverse().join('.');
  }
  if (lower.endsWith(REVERSE_V6_SUFFIX)) {
    const nibbles = lower.slice(0, -REVERSE_V6_SUFFIX.length).split('.');
    if (nibbles.length !== 32 || !nibbles.every((n) => /^[0-9a-f]$/.test(n))) return undefined;
    const bytes = Buffer.from(nibbles.reverse().join(''), 'hex');
    return ipv6ToString(bytes, 0);
  }
  return undefined;
}

/**
 * A host name worth keeping: printable, no spaces or control characters, not a reverse-lookup name, and
 * no '_' label (a DNS-SD service instance such as 'LDS-x._opcua-tcp._tcp.local' names a service, not a host).
 */
export function isHostName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LEN) return false;
  if (/[\x00-\x20\x7f]/.test(name)) return false;
  const lower = name.toLowerCase();
  return !lower.endsWith('.arpa') && !lower.startsWith('_') && !lower.includes('._');
}
