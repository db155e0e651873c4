import { describe, expect, it } from 'vitest';
import { decodeHelloOrAck } from './bodies.js';
import { opcuaLib } from './lib.js';

/** What node-opcua-transport makes of the same body (the reference the native reader must match). */
function reference(hello: boolean, b: Buffer): unknown {
  const lib = opcuaLib();
  try {
    const m = hello ? new lib.HelloMessage() : new lib.AcknowledgeMessage();
    m.decode(new lib.BinaryStream(b));
    const s: Record<string, unknown> = {
      protocolVersion: m.protocolVersion,
      receiveBufferSize: m.receiveBufferSize,
      sendBufferSize: m.sendBufferSize,
      maxMessageSize: m.maxMessageSize,
      maxChunkCount: m.maxChunkCount,
    };
    if (hello && typeof m.endpointUrl === 'string' && m.endpointUrl.length > 0) s.endpointUrl = (m.endpointUrl as string).slice(0, 512);
    return s;
  } catch {
    return undefined;
  }
}

function helloBody(url: Buffer | null, declared?: number): Buffer {
  const fixed = Buffer.alloc(24);
  [0, 65536, 65535, 16777216, 5000].forEach((v, i) => fixed.writeUInt32LE(v, i * 4));
  fixed.writeInt32LE(declared ?? (url === null ? -1 : url.length), 20);
  return Buffer.concat([fixed, url ?? Buffer.alloc(0)]);
}

describe('HEL/ACK bodies read natively', () => {
  const lib = () => opcuaLib();
  it('match node-opcua on well-formed, null, empty, short, overlong and non-UTF-8 bodies', () => {
    const cases: Array<[boolean, Buffer]> = [
      [true, helloBody(Buffer.from('opc.tcp://10.0.0.1:4840/UA/Server'))],
      [true, helloBody(null)],
      [true, helloBody(Buffer.alloc(0))],
      [true, helloBody(Buffer.from('opc.tcp://host:4840'), 100)], // length beyond the body
      [true, helloBody(Buffer.from([0x6f, 0xff, 0xfe, 0x70]))], // invalid UTF-8
      [true, helloBody(Buffer.from('x'.repeat(600)))], // kept cut to 512 characters
      [true, Buffer.alloc(22)],
      [false, helloBody(null).subarray(0, 20)],
      [false, Buffer.alloc(19)],
    ];
    for (const [hello, b] of cases) {
      const got = decodeHelloOrAck(lib, hello, b, 0, b.length);
      expect(got).toEqual(reference(hello, b));
    }
  });

  it('match node-opcua on random bodies', () => {
    let seed = 7;
    const rnd = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    for (let i = 0; i < 300; i++) {
      const b = Buffer.alloc(rnd() % 48);
      for (let j = 0; j < b.length; j++) b[j] = rnd() & 255;
      if (b.length >= 24 && i % 2 === 0) b.writeUInt32LE(rnd() % (b.length - 20), 20); // mostly plausible lengths
      const hello = i % 3 !== 0;
      expect(decodeHelloOrAck(lib, hello, b, 0, b.length)).toEqual(reference(hello, b));
    }
  });
});
