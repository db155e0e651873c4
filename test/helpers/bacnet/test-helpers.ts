/** Test helpers: a DecoderContext collecting events, and builders for hand-made BACnet bytes. Not used by the pipeline. */
import { fakeContext as contextBetween, type FakeContext as Context } from '../fake-context.js';
import type { Endpoint } from '../../../src/core/events.js';
import type { BacnetFields } from '../../../src/protocols/bacnet/decoder.js';

export type FakeContext = Context<BacnetFields>;

export function fakeContext(a: Endpoint = { ip: '10.0.0.1', port: 47808 }, b: Endpoint = { ip: '10.0.0.2', port: 47808 }): FakeContext {
  return contextBetween<BacnetFields>(a, b, 'udp');
}

/** BVLC header (length computed unless given) + NPDU/other body. */
export function bvlc(fn: number, body: number[] | Buffer, lengthOverride?: number): Buffer {
  const b = Buffer.from(body);
  const h = Buffer.from([0x81, fn, 0, 0]);
  h.writeUInt16BE(lengthOverride ?? b.length + 4, 2);
  return Buffer.concat([h, b]);
}

/** Original-Unicast-NPDU with a plain NPDU (version 1, control 0 or `control`) around `apdu`. */
export function unicast(apdu: number[], control = 0x00): Buffer {
  return bvlc(0x0a, [0x01, control, ...apdu]);
}

/** Context tag [n] with content. */
export function ctx(n: number, content: number[]): number[] {
  return lvtTag(n, true, content);
}

/** Application tag `num` with content. */
export function app(num: number, content: number[]): number[] {
  return lvtTag(num, false, content);
}

function lvtTag(n: number, context: boolean, content: number[]): number[] {
  const cls = context ? 0x08 : 0;
  const first = n < 15 ? [n << 4] : [0xf0, n];
  const len = content.length;
  if (len < 5) return [first[0]! | cls | len, ...first.slice(1), ...content];
  if (len < 254) return [first[0]! | cls | 5, ...first.slice(1), len, ...content];
  return [first[0]! | cls | 5, ...first.slice(1), 254, len >> 8, len & 0xff, ...content];
}

export const open = (n: number): number[] => [(n << 4) | 0x0e];
export const close = (n: number): number[] => [(n << 4) | 0x0f];

/** Object identifier content (4 octets). */
export function oid(type: number, instance: number): number[] {
  const v = ((type << 22) | instance) >>> 0;
  return [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Character string content: charset then bytes. */
export function charString(charset: number, bytes: Buffer | number[]): number[] {
  return [charset, ...bytes];
}

export function utf8(s: string): number[] {
  return charString(0, Buffer.from(s, 'utf8'));
}
