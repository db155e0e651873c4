/**
 * Byte builders for tests (spec layouts, little-endian) and a DecoderContext that collects what a decoder
 * emits. Also used by the real-peer test's hand-built CIP responder. Not used by the pipeline.
 */
import { fakeContext as contextBetween, type FakeContext as Context } from '../fake-context.js';
import type { Endpoint } from '../../../src/core/events.js';
import type { EnipFields } from '../../../src/protocols/enip/decoder.js';

export type FakeContext = Context<EnipFields>;

export function fakeContext(
  client: Endpoint = { ip: '10.0.0.1', port: 50000 },
  server: Endpoint = { ip: '10.0.0.2', port: 44818 },
  transport: 'tcp' | 'udp' = 'tcp',
): FakeContext {
  return contextBetween<EnipFields>(client, server, transport);
}

const u16 = (n: number) => [n & 0xff, (n >> 8) & 0xff];
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** An encapsulation message: 24-byte header (length from the data unless given) then the data. */
export function encap(
  command: number,
  data: number[] | Buffer = [],
  opts: { session?: number; status?: number; context?: number; length?: number; options?: number } = {},
): Buffer {
  const body = Buffer.from(data);
  const h = Buffer.alloc(24);
  h.writeUInt16LE(command, 0);
  h.writeUInt16LE(opts.length ?? body.length, 2);
  h.writeUInt32LE(opts.session ?? 0x11223344, 4);
  h.writeUInt32LE(opts.status ?? 0, 8);
  h.writeUInt32LE(opts.context ?? 1, 12);
  h.writeUInt32LE(opts.options ?? 0, 20);
  return Buffer.concat([h, body]);
}

/** A CPF item. */
export function item(type: number, data: number[] | Buffer = []): number[] {
  const d = [...Buffer.from(data)];
  return [...u16(type), ...u16(d.length), ...d];
}

/** SendRRData: interface handle 0, timeout, null address item, unconnected data item with `cip`. */
export function sendRR(cip: number[] | Buffer, opts: { context?: number; session?: number } = {}): Buffer {
  return encap(0x6f, [...u32(0), ...u16(10), ...u16(2), ...item(0x0000), ...item(0x00b2, cip)], opts);
}

/** SendUnitData: connected address item `connId`, connected data item with sequence count then `cip`. */
export function sendUnit(connId: number, seq: number, cip: number[] | Buffer, opts: { session?: number } = {}): Buffer {
  return encap(
    0x70,
    [...u32(0), ...u16(0), ...u16(2), ...item(0x00a1, u32(connId)), ...item(0x00b1, [...u16(seq), ...Buffer.from(cip)])],
    opts,
  );
}

/** Logical path segments: 8-bit when the value fits, else 16-bit (pad byte), e.g. path({ cls: 1, inst: 1, attr: 7 }). */
export function path(p: { cls?: number; inst?: number; attr?: number; member?: number; cp?: number }): number[] {
  const out: number[] = [];
  const seg = (type: number, v: number) => (v <= 0xff ? out.push(0x20 | type, v) : out.push(0x21 | type, 0, ...u16(v)));
  if (p.cls !== undefined) seg(0x00, p.cls);
  if (p.inst !== undefined) seg(0x04, p.inst);
  if (p.cp !== undefined) seg(0x0c, p.cp);
  if (p.attr !== undefined) seg(0x10, p.attr);
  if (p.member !== undefined) seg(0x08, p.member);
  return out;
}

/** ANSI extended symbol segments for a dotted tag name, padded; "[n]" suffixes become member segments. */
export function tagPath(name: string): number[] {
  const out: number[] = [];
  for (const part of name.split('.')) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part)!;
    const sym = Buffer.from(m[1]!, 'latin1');
    out.push(0x91, sym.length, ...sym);
    if (sym.length & 1) out.push(0);
    if (m[2] !== undefined) out.push(0x28, Number(m[2]));
  }
  return out;
}

/** A CIP request: service, path size in words, path, data. */
export function cipRequest(service: number, pathBytes: number[], data: number[] | Buffer = []): number[] {
  return [service, pathBytes.length >> 1, ...pathBytes, ...Buffer.from(data)];
}

/** A CIP reply: service | 0x80, reserved, general status, extended status words, data. */
export function cipReply(service: number, status = 0, data: number[] | Buffer = [], ext: number[] = []): number[] {
  return [service | 0x80, 0, status, ext.length, ...ext.flatMap(u16), ...Buffer.from(data)];
}

/** Multiple Service Packet body: count, offsets (from the count), services. */
export function mspBody(services: number[][]): number[] {
  const head = 2 + services.length * 2;
  const offsets: number[] = [];
  let at = head;
  for (const s of services) {
    offsets.push(...u16(at));
    at += s.length;
  }
  return [...u16(services.length), ...offsets, ...services.flat()];
}

/** Unconnected Send to the Connection Manager: embedded request, then the route (backplane slot). */
export function unconnectedSend(embedded: number[], slot = 0): number[] {
  const pad = embedded.length & 1 ? [0] : [];
  return cipRequest(0x52, path({ cls: 6, inst: 1 }), [0x0a, 0xf0, ...u16(embedded.length), ...embedded, ...pad, 1, 0, 0x01, slot]);
}

/** Identity body (attributes 1-7, optionally state): what ListIdentity and Get Attributes All carry. */
export function identityBody(r: {
  vendor: number;
  type: number;
  code: number;
  major: number;
  minor: number;
  serial: number;
  name: string;
  state?: number;
}): number[] {
  const name = Buffer.from(r.name, 'latin1');
  return [
    ...u16(r.vendor),
    ...u16(r.type),
    ...u16(r.code),
    r.major,
    r.minor,
    ...u16(0x0030),
    ...u32(r.serial),
    name.length,
    ...name,
    ...(r.state === undefined ? [] : [r.state]),
  ];
}

/** ListIdentity reply with one identity item. */
export function listIdentityReply(r: Parameters<typeof identityBody>[0], ip = [10, 0, 0, 2]): Buffer {
  const sock = [0x00, 0x02, 0xaf, 0x12, ...ip, 0, 0, 0, 0, 0, 0, 0, 0];
  return encap(0x63, [...u16(1), ...item(0x000c, [...u16(1), ...sock, ...identityBody({ state: 3, ...r })])], { session: 0 });
}

/** Forward Open request data after the CM path (normal, 16-bit parameters). */
export function forwardOpenData(o: {
  ot: number;
  to: number;
  serial: number;
  vendor: number;
  origSerial: number;
  rpiUs: number;
  transport: number;
  connPath: number[];
}): number[] {
  return [
    0x0a,
    0x0e,
    ...u32(o.ot),
    ...u32(o.to),
    ...u16(o.serial),
    ...u16(o.vendor),
    ...u32(o.origSerial),
    0,
    0,
    0,
    0,
    ...u32(o.rpiUs),
    ...u16(0x4800 | 32),
    ...u32(o.rpiUs),
    ...u16(0x4800 | 32),
    o.transport,
    o.connPath.length >> 1,
    ...o.connPath,
  ];
}

/** Forward Open success reply data. */
export function forwardOpenReplyData(o: {
  ot: number;
  to: number;
  serial: number;
  vendor: number;
  origSerial: number;
  apiUs: number;
}): number[] {
  return [...u32(o.ot), ...u32(o.to), ...u16(o.serial), ...u16(o.vendor), ...u32(o.origSerial), ...u32(o.apiUs), ...u32(o.apiUs), 0, 0];
}

/** A UDP 2222 class 1 datagram: sequenced address item, connected data item. */
export function ioDatagram(connId: number, seq: number, data: number[]): Buffer {
  return Buffer.from([...u16(2), ...item(0x8002, [...u32(connId), ...u32(seq)]), ...item(0x00b1, data)]);
}

export { u16, u32 };
