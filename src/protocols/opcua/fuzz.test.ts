/**
 * Fuzzing: a valid conversation, mutated (bit flips, overwritten length fields, truncation, random
 * splits, random gaps) and pure noise. Nothing may escape the decoder, and nothing may reach its
 * internal-error guard (`opcua_internal`), which would mean a bug of ours rather than bad input.
 */
import { describe, expect, it } from 'vitest';
import { opcuaModule } from './index.js';
import { OpcuaStats } from './stats.js';
import { ack, BASIC256SHA256, encodeBody, FakeContext, hello, make, msg, NONE, opn } from '../../../test/helpers/opcua/testing.js';
import { mulberry32 as rng } from '../../../bench/gen/rng.js';

function conversation(): Array<[boolean, Buffer]> {
  return [
    [true, hello('opc.tcp://plc1:4840')],
    [false, ack()],
    [true, opn(0, NONE, encodeBody('OpenSecureChannelRequest', { securityMode: 1 }))],
    [false, opn(5, NONE, encodeBody('OpenSecureChannelResponse', { securityToken: { channelId: 5, tokenId: 1 } }))],
    [
      false,
      msg(
        5,
        2,
        encodeBody('GetEndpointsResponse', {
          endpoints: [
            {
              endpointUrl: 'opc.tcp://plc1:4840',
              securityMode: 1,
              securityPolicyUri: NONE,
              server: { applicationUri: 'urn:plc1', productUri: 'urn:p' },
              userIdentityTokens: [{ tokenType: 1 }],
            },
          ],
        }),
      ),
    ],
    [true, msg(5, 3, encodeBody('CreateSessionRequest', { clientDescription: { applicationUri: 'urn:hmi' } }))],
    [
      true,
      msg(
        5,
        4,
        encodeBody('ActivateSessionRequest', {
          userIdentityToken: make('UserNameIdentityToken', { userName: 'u', password: Buffer.from('p') }),
        }),
      ),
    ],
    [
      true,
      msg(
        5,
        5,
        encodeBody('WriteRequest', {
          nodesToWrite: [{ nodeId: 'ns=2;s=A', attributeId: 13, value: { value: { dataType: 6, value: 3 } } }],
        }),
      ),
    ],
    [true, msg(5, 6, encodeBody('CallRequest', { methodsToCall: [{ objectId: 'i=85', methodId: 'ns=1;i=7' }] }), { chunkType: 'C' })],
    [true, msg(5, 6, Buffer.alloc(0), { chunkType: 'F' })],
    [true, opn(0, BASIC256SHA256, Buffer.alloc(64, 9), { cert: Buffer.alloc(50, 1) })],
    [true, msg(5, 7, Buffer.alloc(40, 0xab))],
  ];
}

function mutate(data: Buffer, r: () => number): Buffer {
  const b = Buffer.from(data);
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    for (let i = 0, n = 1 + Math.floor(r() * 8); i < n; i++) b[Math.floor(r() * b.length)] ^= 1 << Math.floor(r() * 8);
  } else if (kind === 1 && b.length >= 8) {
    // A length field: the chunk size, or a string/array length somewhere in the body.
    const at = r() < 0.5 ? 4 : Math.floor(r() * (b.length - 4));
    const values = [0, 1, 7, 0x7fffffff, 0xffffffff, 0x80000000, b.length + 1, Math.floor(r() * 0xffffffff)];
    b.writeUInt32LE(values[Math.floor(r() * values.length)]! >>> 0, at);
  } else if (kind === 2) {
    return b.subarray(0, Math.floor(r() * b.length));
  } else {
    b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
  }
  return b;
}

function run(segments: Array<[boolean, Buffer]>, r: () => number): FakeContext {
  const ctx = new FakeContext();
  const dec = opcuaModule.createDecoder(ctx);
  const stats = new OpcuaStats();
  for (const [from, data] of segments) {
    // Random splits, occasionally a gap.
    let off = 0;
    while (off < data.length) {
      const n = 1 + Math.floor(r() * Math.max(1, data.length - off));
      dec.onData(from, data.subarray(off, off + n), 1);
      off += n;
      if (r() < 0.02) dec.onGap!(from, 1 + Math.floor(r() * 100), 1);
    }
  }
  dec.onEnd!(2);
  for (const e of ctx.events) stats.onEvent(e);
  stats.section();
  JSON.stringify(ctx.events); // events must stay serialisable
  return ctx;
}

describe('fuzz', () => {
  it('mutated conversations: no throw, no internal error', () => {
    const base = conversation();
    let anomalies = 0;
    for (let seed = 1; seed <= 1500; seed++) {
      const r = rng(seed);
      const segs = base.map(([f, d]) => [f, r() < 0.3 ? mutate(d, r) : d] as [boolean, Buffer]);
      let ctx: FakeContext | undefined;
      expect(() => {
        ctx = run(segs, r);
      }, `seed ${seed}`).not.toThrow();
      expect(
        ctx!.kinds().filter((k) => k === 'opcua_internal'),
        `seed ${seed}: ${JSON.stringify(ctx!.anomalies)}`,
      ).toEqual([]);
      anomalies += ctx!.anomalies.length;
    }
    // The mutations must have been noticed, or this test fuzzed nothing.
    expect(anomalies).toBeGreaterThan(500);
  });

  it('noise and header-shaped noise: no throw, no internal error', () => {
    const types = ['HEL', 'ACK', 'ERR', 'RHE', 'OPN', 'MSG', 'CLO'];
    for (let seed = 1; seed <= 500; seed++) {
      const r = rng(seed * 7919);
      const parts: Buffer[] = [];
      for (let i = 0; i < 10; i++) {
        const body = Buffer.alloc(Math.floor(r() * 200));
        for (let j = 0; j < body.length; j++) body[j] = Math.floor(r() * 256);
        const h = Buffer.alloc(8);
        h.write(types[Math.floor(r() * types.length)]!, 0, 'latin1');
        h.write('FCA'[Math.floor(r() * 3)]!, 3, 'latin1');
        h.writeUInt32LE(r() < 0.8 ? body.length + 8 : Math.floor(r() * 0xffffffff), 4);
        parts.push(h, body);
      }
      const ctx = run(
        [
          [true, Buffer.concat(parts)],
          [false, Buffer.concat(parts.reverse())],
        ],
        r,
      );
      expect(
        ctx.kinds().filter((k) => k === 'opcua_internal'),
        `seed ${seed}`,
      ).toEqual([]);
    }
  });
});
