/**
 * Mutated, truncated and random inputs through the decoder (TCP in uneven chunks, UDP datagrams, UDP 2222),
 * the probe and the stats: no exception escapes and none is caught inside as an internal error.
 */
import { describe, expect, it } from 'vitest';
import { clearConnections } from './connections.js';
import { EnipDecoder } from './decoder.js';
import { enipModule } from './index.js';
import { EnipStats } from './stats.js';
import {
  cipReply,
  cipRequest,
  encap,
  fakeContext,
  forwardOpenData,
  forwardOpenReplyData,
  identityBody,
  ioDatagram,
  listIdentityReply,
  mspBody,
  path,
  sendRR,
  sendUnit,
  tagPath,
  u16,
  unconnectedSend,
} from '../../../test/helpers/enip/test-helpers.js';
import { mulberry32 as rng } from '../../../bench/gen/rng.js';

const seeds: Buffer[] = [
  encap(0x65, [1, 0, 0, 0]),
  listIdentityReply({ vendor: 1, type: 12, code: 58, major: 4, minor: 3, serial: 5, name: '1756-ENBT/A' }),
  sendRR(unconnectedSend(cipRequest(0x01, path({ cls: 1, inst: 1 })))),
  sendRR(cipReply(0x01, 0, identityBody({ vendor: 1, type: 14, code: 1, major: 1, minor: 2, serial: 3, name: 'PLC', state: 3 }))),
  sendRR(
    cipRequest(
      0x0a,
      path({ cls: 2, inst: 1 }),
      mspBody([cipRequest(0x4c, tagPath('A.B[1]'), u16(1)), cipRequest(0x03, path({ cls: 1, inst: 1 }), [1, 0, 7, 0])]),
    ),
  ),
  sendRR(cipReply(0x0a, 0, mspBody([cipReply(0x4c, 0, [0xc4, 0, 1, 0, 0, 0]), cipReply(0x03, 0, [1, 0, 7, 0, 0, 0, 3, 65, 66, 67])]))),
  sendRR(
    cipRequest(
      0x54,
      path({ cls: 6, inst: 1 }),
      forwardOpenData({
        ot: 1,
        to: 2,
        serial: 3,
        vendor: 4,
        origSerial: 5,
        rpiUs: 1000,
        transport: 1,
        connPath: [1, 0, ...path({ cls: 4, inst: 1, cp: 100 })],
      }),
    ),
  ),
  sendRR(cipReply(0x54, 0, forwardOpenReplyData({ ot: 1, to: 2, serial: 3, vendor: 4, origSerial: 5, apiUs: 1000 }))),
  sendUnit(0x11, 7, cipRequest(0x4d, tagPath('Valve'), [0xc1, 0, 1, 0, 1])),
  encap(0x04, [...u16(1), ...[0x00, 0x01, 20, 0, 1, 0, 0x20, 0x01], ...Buffer.from('Communications\0\0')]),
];
const ioSeed = ioDatagram(0x3a7b78, 9, [3, 0, 0xfd, 0xff, 0xff, 0xff]);

function mutate(r: () => number, base: Buffer, i: number): Buffer {
  let b = Buffer.from(base);
  switch (i % 4) {
    case 0:
      return b.subarray(0, Math.floor(r() * b.length));
    case 1:
      for (let k = 0; k < 3; k++) b[Math.floor(r() * b.length)] = Math.floor(r() * 256);
      return b;
    case 2:
      b = Buffer.from(Array.from({ length: Math.floor(r() * 80) }, () => Math.floor(r() * 256)));
      return b;
    default:
      b[24 + Math.floor(r() * Math.max(1, b.length - 24))] ^= 1 << Math.floor(r() * 8);
      return b;
  }
}

describe('EtherNet/IP fuzz: no exception escapes, no internal error', () => {
  it('30,000 mutated, truncated and random inputs over TCP, UDP 44818 and UDP 2222', () => {
    clearConnections();
    const r = rng(44818);
    const tcp = fakeContext();
    const udp = fakeContext({ ip: '10.0.0.1', port: 50000 }, { ip: '10.0.0.2', port: 44818 }, 'udp');
    const io = fakeContext({ ip: '10.0.0.1', port: 2222 }, { ip: '10.0.0.2', port: 2222 }, 'udp');
    const dt = new EnipDecoder(tcp);
    const du = new EnipDecoder(udp);
    const di = new EnipDecoder(io);
    const stats = new EnipStats();
    // expect() per call would dominate the run time: collect what escapes instead
    const escaped: string[] = [];
    const guard = (what: string, f: () => unknown) => {
      try {
        f();
      } catch (err) {
        escaped.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    };
    for (let i = 0; i < 30000; i++) {
      const b = mutate(r, seeds[i % seeds.length]!, i);
      const fromInit = r() < 0.5;
      // TCP: the mutated message in two uneven chunks, sometimes after a gap
      const cut = Math.floor(r() * (b.length + 1));
      guard('tcp', () => {
        dt.onData(fromInit, b.subarray(0, cut), i);
        if (i % 97 === 0) dt.onGap(fromInit, 10);
        dt.onData(fromInit, b.subarray(cut), i);
      });
      guard('udp', () => du.onData(fromInit, b, i));
      guard('io', () => di.onData(fromInit, mutate(r, ioSeed, i), i));
      for (const port of [44818, 2222, 12345]) {
        for (const transport of ['tcp', 'udp'] as const) {
          guard('probe', () => enipModule.probe(b, { transport, fromInitiator: true, srcPort: 50000, dstPort: port }));
        }
      }
    }
    expect(escaped).toEqual([]);
    dt.onEnd();
    for (const c of [tcp, udp, io]) for (const e of c.events) stats.onEvent(e);
    expect(() => JSON.stringify(stats.section())).not.toThrow();
    for (const c of [tcp, udp, io]) expect(c.anomalies.filter((a) => a.kind === 'enip_internal_error')).toEqual([]);
    // the mutations leave most messages decodable: the fuzz reaches the deep layouts, not just the header check
    expect(tcp.events.length).toBeGreaterThan(5000);
    expect(tcp.events.filter((e) => e.fields.via !== undefined).length).toBeGreaterThan(500);
    expect(io.events.length).toBeGreaterThan(5000);
  });
});
