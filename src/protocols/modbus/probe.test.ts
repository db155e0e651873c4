import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ProbeInfo } from '../../core/events.js';
import { adu } from '../../../test/helpers/modbus/fake-context.js';
import { probeModbus } from './probe.js';

const OFF_PORT: ProbeInfo = { transport: 'tcp', fromInitiator: true, srcPort: 40000, dstPort: 5020 };
const ON_502: ProbeInfo = { transport: 'tcp', fromInitiator: true, srcPort: 40000, dstPort: 502 };

/** A tiny deterministic generator so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('probe off port 502', () => {
  it('recognises well-formed requests and responses', () => {
    expect(probeModbus(adu(1, 1, [3, 0, 0, 0, 10]), OFF_PORT)).toBe(true);
    expect(probeModbus(adu(1, 1, [3, 4, 0, 1, 0, 2]), { ...OFF_PORT, fromInitiator: false })).toBe(true);
    expect(probeModbus(adu(9, 255, [16, 0, 1, 0, 2, 4, 0, 0x0a, 1, 2]), OFF_PORT)).toBe(true);
    expect(probeModbus(adu(2, 1, [43, 14, 1, 0]), OFF_PORT)).toBe(true);
    expect(probeModbus(adu(2, 1, [0x83, 2]), OFF_PORT)).toBe(true);
    expect(probeModbus(adu(2, 0, [90, 0, 0x02]), OFF_PORT)).toBe(true);
    expect(probeModbus(Buffer.concat([adu(1, 1, [3, 0, 0, 0, 1]), adu(2, 1, [3, 0, 1, 0, 1])]), OFF_PORT)).toBe(true);
  });

  it('refuses partial, inconsistent or unknown PDUs', () => {
    expect(probeModbus(adu(1, 1, [3, 0, 0, 0, 10]).subarray(0, 10), OFF_PORT)).toBe(false);
    expect(probeModbus(adu(1, 1, [3, 0, 0, 0, 200]), OFF_PORT)).toBe(false); // quantity > 125
    expect(probeModbus(adu(1, 1, [0x47, 0, 0, 0]), OFF_PORT)).toBe(false); // user-defined: no layout to check
    expect(probeModbus(adu(1, 1, [0x83, 0x63]), OFF_PORT)).toBe(false); // unknown exception code
    expect(probeModbus(adu(1, 1, [5, 0, 1, 0x12, 0x34]), OFF_PORT)).toBe(false);
    expect(probeModbus(Buffer.concat([adu(1, 1, [3, 0, 0, 0, 1]), Buffer.from('garbage!')]), OFF_PORT)).toBe(false);
  });

  it("refuses other protocols' first payloads", () => {
    const others = [
      'GET / HTTP/1.1\r\nHost: x\r\n\r\n',
      'SSH-2.0-OpenSSH_9.2\r\n',
      '\x16\x03\x01\x00\x85\x01\x00\x00\x81\x03\x03',
      '\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x02\xc0\x01\x0a', // COTP CR (S7)
      'HELF\x38\x00\x00\x00\x00\x00\x00\x00', // OPC UA hello
      '\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00', // zeros: length 0
    ];
    for (const o of others) expect(probeModbus(Buffer.from(o, 'latin1'), OFF_PORT)).toBe(false);
  });

  it('has no false positive on 200,000 random payloads, nor on random bytes behind a plausible MBAP header', () => {
    let hits = 0;
    for (let i = 0; i < 200_000; i++) if (probeModbus(randomBytes(8 + (i % 300)), OFF_PORT)) hits++;
    expect(hits).toBe(0);
    // Harder: header right (protocol 0, length matching), function code and body random.
    const rnd = lcg(42);
    let lucky = 0;
    for (let i = 0; i < 50_000; i++) {
      const body = Buffer.from(Array.from({ length: 2 + Math.floor(rnd() * 12) }, () => Math.floor(rnd() * 256)));
      if (probeModbus(adu(i, 1, body), OFF_PORT)) lucky++;
    }
    // Only bodies that are themselves valid PDUs pass (e.g. [7] read exception status, [0x81, 1]).
    expect(lucky / 50_000).toBeLessThan(0.02);
  });
});

describe('probe on port 502', () => {
  it('accepts any sane MBAP header (fuzzed and vendor codes are still Modbus there) and refuses the rest', () => {
    expect(probeModbus(adu(0, 1, [0x1d, 0, 0, 0, 0]), ON_502)).toBe(true);
    expect(probeModbus(adu(0, 1, [3, 0, 0, 0, 10]).subarray(0, 9), ON_502)).toBe(true);
    expect(probeModbus(Buffer.from('05000b0310000000480000000100', 'hex'), ON_502)).toBe(false); // DCE/RPC bind
    expect(probeModbus(Buffer.from('000000000000', 'hex'), ON_502)).toBe(false);
    expect(probeModbus(Buffer.from('GET / HTTP/1.1\r\n'), ON_502)).toBe(false);
  });
});
