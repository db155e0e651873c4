import { describe, expect, it } from 'vitest';
import { bacnetModule, createLlcDecoder } from './index.js';
import { BacnetStats } from './stats.js';
import { app, bvlc, close, ctx, fakeContext, oid, open, unicast, utf8 } from '../../../test/helpers/bacnet/test-helpers.js';
import { mulberry32 as rng } from '../../../bench/gen/rng.js';

const seeds: Buffer[] = [
  unicast([
    0x30,
    0x01,
    0x0e,
    ...ctx(0, oid(8, 1)),
    ...open(1),
    ...ctx(2, [77]),
    ...open(4),
    ...app(7, utf8('Device')),
    ...close(4),
    ...close(1),
  ]),
  unicast([
    0x00,
    0x05,
    0x01,
    0x0f,
    ...ctx(0, oid(1, 2)),
    ...ctx(1, [85]),
    ...open(3),
    ...app(4, [0, 0, 0, 0]),
    ...close(3),
    ...ctx(4, [8]),
  ]),
  bvlc(0x04, [
    10,
    0,
    0,
    1,
    0xba,
    0xc0,
    0x01,
    0x28,
    0xff,
    0xff,
    0,
    0,
    5,
    1,
    7,
    0xff,
    0x10,
    0x00,
    ...app(12, oid(8, 3)),
    ...app(2, [50]),
    ...app(9, [3]),
    ...app(2, [7]),
  ]),
  unicast([0x3c, 0x01, 0x00, 0x02, 0x0c, ...ctx(0, oid(8, 1))]),
  unicast([0x00, 0x05, 0x01, 0x07, ...app(12, oid(10, 1)), ...open(1), ...app(3, [0]), ...app(2, [1]), ...app(6, [1, 2]), ...close(1)]),
  unicast([
    0x10,
    0x02,
    ...ctx(0, [1]),
    ...ctx(1, oid(8, 5)),
    ...ctx(2, oid(0, 4)),
    ...ctx(3, [0]),
    ...open(4),
    ...ctx(0, [85]),
    ...open(2),
    ...app(4, [0, 0, 0, 0]),
    ...close(2),
    ...close(4),
  ]),
  bvlc(0x0b, [0x01, 0x80, 0x01, 0x00, 0x05]),
  bvlc(0x03, new Array(20).fill(7)),
];

describe('BACnet fuzz: no exception escapes, no internal error', () => {
  it('20,000 mutated and truncated datagrams', () => {
    const r = rng(4711);
    const c = fakeContext();
    const d = bacnetModule.createDecoder(c);
    const llc = createLlcDecoder(c);
    const stats = new BacnetStats();
    for (let i = 0; i < 20000; i++) {
      const base = seeds[i % seeds.length]!;
      let b = Buffer.from(base);
      const mode = i % 4;
      if (mode === 0) b = b.subarray(0, Math.floor(r() * b.length));
      else if (mode === 1) for (let k = 0; k < 3; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      else if (mode === 2) b = Buffer.from(Array.from({ length: Math.floor(r() * 64) }, () => Math.floor(r() * 256)));
      else b[4 + Math.floor(r() * (b.length - 4))] ^= 1 << Math.floor(r() * 8);
      if (mode === 2) b[0] = 0x81;
      expect(() => d.onData(r() < 0.5, b, i)).not.toThrow();
      expect(() => llc.onData(true, b.subarray(4), i)).not.toThrow();
      expect(() => bacnetModule.probe(b, { transport: 'udp', fromInitiator: true, srcPort: 1, dstPort: 2 })).not.toThrow();
    }
    for (const e of c.events) stats.onEvent(e);
    expect(() => JSON.stringify(stats.section())).not.toThrow();
    expect(c.anomalies.filter((a) => a.kind === 'bacnet_internal_error')).toEqual([]);
    expect(c.events.length).toBeGreaterThan(10000);
  });
});
