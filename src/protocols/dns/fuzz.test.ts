import { describe, expect, it } from 'vitest';
import ipaddr from 'ipaddr.js';
import { DnsDecoder } from './decoder.js';
import { mutate, rng } from '../../../test/helpers/dns/fuzz-helpers.js';
import { probeDns } from './probe.js';
import { a, aResponse, encodeName, fakeContext, header, ptr, QR, question, record, u16 } from '../../../test/helpers/dns/testing.js';

const SEEDS = [
  aResponse(1, 'hmi-01.plant.local', ['10.20.1.11', '10.20.1.12']),
  Buffer.concat([header(2, 0x0100, 1, 0, 0, 0), question('plc.plant.local', 28)]),
  Buffer.concat([
    header(0, QR | 0x0400, 0, 2, 0, 1),
    record('plc-7.local', 1, a('192.168.0.7'), 0x8001),
    record('7.0.168.192.in-addr.arpa', 12, encodeName('plc-7.local')),
    record(ptr(12), 28, Buffer.alloc(16, 1)),
  ]),
  Buffer.concat([
    header(3, QR, 1, 1, 0, 0),
    question('www.plant.local', 1),
    record(ptr(12), 5, Buffer.concat([Buffer.from([3]), Buffer.from('web'), ptr(16)])),
  ]),
];

describe('fuzz', () => {
  it('never throws on 20000 mutated or random datagrams and TCP chunks; claims are well-formed', () => {
    const r = rng(0xd5);
    let claims = 0;
    for (const transport of ['udp', 'tcp'] as const) {
      const ctx = fakeContext({ ip: '10.0.0.1', port: 50000 }, { ip: '10.0.0.2', port: 53 }, transport);
      const d = new DnsDecoder(ctx, 'dns');
      for (let i = 0; i < 10000; i++) {
        const m = mutate(SEEDS[i % SEEDS.length]!, r);
        const data = transport === 'tcp' && r() < 0.7 ? Buffer.concat([u16(r() < 0.8 ? m.length : Math.floor(r() * 65536)), m]) : m;
        expect(() => probeDns(data, { transport, fromInitiator: true, srcPort: 50000, dstPort: 53 }, 53)).not.toThrow();
        expect(() => d.onData(r() < 0.5, data, i)).not.toThrow();
        if (r() < 0.02) d.onGap(r() < 0.5);
      }
      d.onEnd();
      for (const e of ctx.events) {
        for (const c of e.identity ?? []) {
          claims++;
          expect(ipaddr.isValid(c.ip!)).toBe(true);
          expect(c.value.length).toBeGreaterThan(0);
        }
      }
      // the mutations leave many messages decodable; over TCP a broken length loses the stream until a message starts a chunk
      expect(ctx.events.length).toBeGreaterThan(transport === 'udp' ? 5000 : 200);
    }
    expect(claims).toBeGreaterThan(100);
  });
});
