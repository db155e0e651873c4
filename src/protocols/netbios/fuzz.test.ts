import { describe, expect, it } from 'vitest';
import { a, fakeContext, header, ptr, u16 } from '../../../test/helpers/dns/testing.js';
import { mutate, rng } from '../../../test/helpers/dns/fuzz-helpers.js';
import { NbdsDecoder, NbnsDecoder } from './decoder.js';
import { nbdsModule, nbnsModule } from './index.js';

const ENC = Buffer.concat([Buffer.from([32]), Buffer.from('EIEJFFEJCACACACACACACACACACACAAA'), Buffer.from([0])]);
const ttl = Buffer.from([0, 4, 0x93, 0xe0]);
const SEEDS = [
  Buffer.concat([header(1, 0x2910, 1, 0, 0, 1), ENC, u16(0x20), u16(1), ptr(12), u16(0x20), u16(1), ttl, u16(6), u16(0), a('10.0.0.5')]),
  Buffer.concat([
    header(2, 0x8500, 0, 1, 0, 0),
    ENC,
    u16(0x21),
    u16(1),
    ttl,
    u16(1 + 18 + 6),
    Buffer.from([1]),
    Buffer.from('HOST           \x00', 'latin1'),
    u16(0x0400),
    Buffer.alloc(6),
  ]),
];
const DGM = Buffer.concat([Buffer.from([0x11, 2, 0, 1, 10, 0, 0, 5, 0, 138, 0, 80, 0, 0]), ENC, ENC, Buffer.from('\xffSMB', 'latin1')]);

describe('fuzz', () => {
  it('never throws on 10000 mutated name service and datagram messages', () => {
    const r = rng(0x137);
    const ns = fakeContext({ ip: '10.0.0.5', port: 137 }, { ip: '10.0.0.255', port: 137 });
    const dg = fakeContext({ ip: '10.0.0.5', port: 138 }, { ip: '10.0.0.255', port: 138 });
    const nsd = new NbnsDecoder(ns);
    const dgd = new NbdsDecoder(dg);
    const info = (p: number) => ({ transport: 'udp' as const, fromInitiator: true, srcPort: p, dstPort: p });
    for (let i = 0; i < 5000; i++) {
      const m = mutate(SEEDS[i % SEEDS.length]!, r);
      expect(() => nbnsModule.probe(m, info(137))).not.toThrow();
      expect(() => nsd.onData(true, m, i)).not.toThrow();
      const g = mutate(DGM, r);
      expect(() => nbdsModule.probe(g, info(138))).not.toThrow();
      expect(() => dgd.onData(true, g, i)).not.toThrow();
    }
    expect(ns.events.length).toBeGreaterThan(2000);
    expect(dg.events.length).toBeGreaterThan(1000);
  });
});
