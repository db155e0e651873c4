/**
 * Test helpers (not used by the pipeline): a DecoderContext that collects events, and builders of DNS
 * messages written byte by byte from RFC 1035 (names uncompressed unless a pointer is given).
 */
import { fakeContext as contextBetween, type FakeContext as Context } from '../fake-context.js';
import type { Endpoint, Transport } from '../../../src/core/events.js';

export type FakeContext = Context<object>;

export function fakeContext(client: Endpoint, server: Endpoint, transport: Transport = 'udp'): FakeContext {
  return contextBetween<object>(client, server, transport);
}

/** A name as labels: 'hmi-01.plant.local' → 06 'hmi-01' 05 'plant' 05 'local' 00. */
export function encodeName(name: string): Buffer {
  const parts: Buffer[] = [];
  for (const label of name === '' ? [] : name.split('.')) {
    const b = Buffer.from(label, 'utf8');
    parts.push(Buffer.from([b.length]), b);
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function header(id: number, flags: number, qd: number, an: number, ns: number, ar: number): Buffer {
  return Buffer.concat([u16(id), u16(flags), u16(qd), u16(an), u16(ns), u16(ar)]);
}

export function question(name: string | Buffer, type: number, cls = 1): Buffer {
  return Buffer.concat([typeof name === 'string' ? encodeName(name) : name, u16(type), u16(cls)]);
}

export function record(name: string | Buffer, type: number, rdata: Buffer, cls = 1, ttl = 300): Buffer {
  const t = Buffer.alloc(4);
  t.writeUInt32BE(ttl);
  return Buffer.concat([typeof name === 'string' ? encodeName(name) : name, u16(type), u16(cls), t, u16(rdata.length), rdata]);
}

export function a(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

/** A compression pointer to `offset`. */
export function ptr(offset: number): Buffer {
  return Buffer.from([0xc0 | (offset >> 8), offset & 0xff]);
}

export const QR = 0x8000;
export const AA = 0x0400;
export const RD = 0x0100;
export const RA = 0x0080;

/** A standard response to one A question with the given A answers (owner name compressed to the question). */
export function aResponse(id: number, name: string, ips: string[]): Buffer {
  return Buffer.concat([header(id, QR | RD | RA, 1, ips.length, 0, 0), question(name, 1), ...ips.map((ip) => record(ptr(12), 1, a(ip)))]);
}
