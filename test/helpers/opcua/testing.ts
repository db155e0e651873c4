/**
 * Test support: a DecoderContext that records what a decoder reports, and builders of UA TCP bytes
 * (headers written by hand, service bodies encoded by node-opcua-types as a real peer would).
 */
import { createRequire } from 'node:module';
import { FakeContext as SharedFakeContext } from '../fake-context.js';
import type { Endpoint, FlowRef } from '../../../src/core/events.js';
import type { OpcuaFields } from '../../../src/protocols/opcua/decoder.js';

export const CLIENT: Endpoint = { ip: '10.0.0.1', port: 50001 };
export const SERVER: Endpoint = { ip: '10.0.0.2', port: 4840 };

export class FakeContext extends SharedFakeContext<OpcuaFields> {
  constructor(flow: FlowRef = { id: 'tcp test #1', transport: 'tcp', initiator: CLIENT, responder: SERVER }) {
    super(flow);
  }
  /** Fields of every event. */
  fields(): OpcuaFields[] {
    return this.events.map((e) => e.fields);
  }
  kinds(): string[] {
    return this.anomalies.map((a) => a.kind);
  }
}

/** A UA TCP chunk: 3-letter type, chunk type, size (computed), then the rest. */
export function chunk(type: string, chunkType: string, rest: Buffer, sizeOverride?: number): Buffer {
  const h = Buffer.alloc(8);
  h.write(type, 0, 'latin1');
  h.write(chunkType, 3, 'latin1');
  h.writeUInt32LE(sizeOverride ?? rest.length + 8, 4);
  return Buffer.concat([h, rest]);
}

/** UA String / ByteString: int32 length then bytes; null as -1. */
export function uaString(s: string | Buffer | null): Buffer {
  if (s === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const body = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
  const len = Buffer.alloc(4);
  len.writeInt32LE(body.length, 0);
  return Buffer.concat([len, body]);
}

function u32(...values: number[]): Buffer {
  const b = Buffer.alloc(4 * values.length);
  values.forEach((v, i) => b.writeUInt32LE(v >>> 0, i * 4));
  return b;
}

export function hello(url: string, sizes: [number, number, number, number] = [65536, 65536, 0, 0]): Buffer {
  return chunk('HEL', 'F', Buffer.concat([u32(0, ...sizes), uaString(url)]));
}

export function ack(sizes: [number, number, number, number] = [65536, 65536, 16777216, 5000]): Buffer {
  return chunk('ACK', 'F', u32(0, ...sizes));
}

export function error(code: number, reason: string): Buffer {
  return chunk('ERR', 'F', Buffer.concat([u32(code), uaString(reason)]));
}

export function reverseHello(serverUri: string, url: string): Buffer {
  return chunk('RHE', 'F', Buffer.concat([uaString(serverUri), uaString(url)]));
}

export const NONE = 'http://opcfoundation.org/UA/SecurityPolicy#None';
export const BASIC256SHA256 = 'http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256';

/** OPN chunk: channel id, asymmetric header, sequence header, then `body` (encoded or opaque bytes). */
export function opn(
  channelId: number,
  policy: string,
  body: Buffer,
  opts: { cert?: Buffer; requestId?: number; chunkType?: string } = {},
): Buffer {
  const asym = Buffer.concat([uaString(policy), uaString(opts.cert ?? null), uaString(opts.cert ? Buffer.alloc(20, 7) : null)]);
  return chunk('OPN', opts.chunkType ?? 'F', Buffer.concat([u32(channelId), asym, u32(1, opts.requestId ?? 1), body]));
}

/** MSG (or CLO) chunk: channel id, token id, sequence number, request id, body. */
export function msg(
  channelId: number,
  requestId: number,
  body: Buffer,
  opts: { type?: string; chunkType?: string; tokenId?: number; seq?: number } = {},
): Buffer {
  return chunk(
    opts.type ?? 'MSG',
    opts.chunkType ?? 'F',
    Buffer.concat([u32(channelId, opts.tokenId ?? 1, opts.seq ?? requestId + 1, requestId), body]),
  );
}

const require = createRequire(import.meta.url);

/**
 * The UA binary body of a node-opcua-types structure: its binary encoding id then its fields, as a
 * stack would send it. `name` is the class name, `options` its constructor options.
 */
export function encodeBody(name: string, options: Record<string, unknown>): Buffer {
  const types = require('node-opcua-types');
  const basic = require('node-opcua-basic-types');
  const { BinaryStream } = require('node-opcua-binary-stream');
  const Ctor = types[name];
  if (!Ctor) throw new Error(`no node-opcua type ${name}`);
  const obj = new Ctor(options);
  const stream = new BinaryStream(1 << 20);
  basic.encodeExpandedNodeId(Ctor.encodingDefaultBinary ?? obj.schema.encodingDefaultBinary, stream);
  obj.encode(stream);
  return Buffer.from(stream.buffer.subarray(0, stream.length));
}

/** A node-opcua-types object (for nested options such as identity tokens wrapped in ExtensionObjects). */
export function make(name: string, options: Record<string, unknown>): unknown {
  const types = require('node-opcua-types');
  return new types[name](options);
}
