import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../../test/helpers/dns/testing.js';
import { mutate, rng } from '../../../test/helpers/dns/fuzz-helpers.js';
import { DhcpDecoder } from './decoder.js';
import { probeDhcp } from './probe.js';
import { dhcpMessage, ipBytes } from '../../../test/helpers/dhcp/testing.js';

const SEEDS = [
  dhcpMessage({
    op: 1,
    chaddr: '00:0e:8c:11:22:33',
    options: [
      [53, [3]],
      [50, ipBytes('10.0.0.9')],
      [12, 'PLC-LINE3'],
      [60, 'vendor'],
      [81, [4, 0, 0, 3, 0x61, 0x62, 0x63, 0]],
    ],
  }),
  dhcpMessage({
    op: 2,
    chaddr: '00:0e:8c:11:22:33',
    yiaddr: '10.0.0.9',
    options: [
      [53, [5]],
      [52, [3]],
      [12, 'X'],
    ],
    file: Buffer.from([12, 2, 0x41, 0x42, 255]),
  }),
];

describe('fuzz', () => {
  it('never throws on 10000 mutated or random datagrams', () => {
    const r = rng(0xd4c9);
    const ctx = fakeContext({ ip: '0.0.0.0', port: 68 }, { ip: '255.255.255.255', port: 67 });
    const d = new DhcpDecoder(ctx);
    for (let i = 0; i < 10000; i++) {
      // mutations aimed at the options: keep the fixed header mostly intact
      const seed = SEEDS[i % SEEDS.length]!;
      const m = r() < 0.8 ? Buffer.concat([seed.subarray(0, 240), mutate(seed.subarray(240), r)]) : mutate(seed, r);
      expect(() => probeDhcp(m, { transport: 'udp', fromInitiator: true, srcPort: 68, dstPort: 67 })).not.toThrow();
      expect(() => d.onData(true, m, i)).not.toThrow();
    }
    expect(ctx.events.length).toBeGreaterThan(5000);
    for (const e of ctx.events) for (const c of e.identity ?? []) expect(c.value).not.toMatch(/[\x00-\x1f]/);
  });
});
