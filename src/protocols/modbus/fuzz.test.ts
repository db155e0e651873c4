/**
 * Fuzzing: random and mutated Modbus streams through the decoder, the stats and the probe. Nothing
 * may throw, and the decoder's own safety net (which would hide a bug as 'modbus_decoder_error')
 * must never be needed.
 */
import { describe, expect, it } from 'vitest';
import { ModbusDecoder } from './decoder.js';
import { adu, fakeContext } from '../../../test/helpers/modbus/fake-context.js';
import { decodeException, decodeRequest, decodeResponse, newFields, type ModbusFields } from './records.js';
import { probeModbus } from './probe.js';
import { ModbusStats } from './stats.js';
import { lcg } from '../../../bench/gen/rng.js';

const obj = (id: number, s: string) => [id, s.length, ...Buffer.from(s)];
/** One valid example per function, requests then responses. */
const SEEDS: [boolean, number[]][] = [
  [true, [1, 0, 0, 0, 16]],
  [false, [1, 2, 0xcd, 0x01]],
  [true, [2, 0, 7, 0, 1]],
  [false, [2, 1, 1]],
  [true, [3, 0, 0, 0, 2]],
  [false, [3, 4, 0, 1, 0, 2]],
  [true, [4, 0, 0, 0, 1]],
  [false, [4, 2, 0, 9]],
  [true, [5, 0, 5, 0xff, 0]],
  [false, [5, 0, 5, 0xff, 0]],
  [true, [6, 0, 1, 0, 3]],
  [false, [6, 0, 1, 0, 3]],
  [true, [7]],
  [false, [7, 0x6d]],
  [true, [8, 0, 4, 0, 0]],
  [false, [8, 0, 0, 0xa5, 0x37]],
  [true, [11]],
  [false, [11, 0xff, 0xff, 1, 8]],
  [true, [12]],
  [false, [12, 8, 0, 0, 1, 8, 1, 0x21, 0x20, 0]],
  [true, [15, 0, 0x13, 0, 10, 2, 0xcd, 1]],
  [false, [15, 0, 0x13, 0, 10]],
  [true, [16, 0, 1, 0, 2, 4, 0, 0x0a, 1, 2]],
  [false, [16, 0, 1, 0, 2]],
  [true, [17]],
  [false, [17, 6, 0x42, 0xff, 0x50, 0x4c, 0x43, 0x33]],
  [true, [20, 7, 6, 0, 4, 0, 1, 0, 2]],
  [false, [20, 6, 5, 6, 0x0d, 0xfe, 0, 0x20]],
  [true, [21, 13, 6, 0, 4, 0, 7, 0, 3, 0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d]],
  [false, [21, 13, 6, 0, 4, 0, 7, 0, 3, 0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d]],
  [true, [22, 0, 4, 0, 0xf2, 0, 0x25]],
  [false, [22, 0, 4, 0, 0xf2, 0, 0x25]],
  [true, [23, 0, 3, 0, 6, 0, 0x0e, 0, 3, 6, 0, 0xff, 0, 0xff, 0, 0xff]],
  [false, [23, 12, ...new Array(12).fill(1)]],
  [true, [24, 0x04, 0xde]],
  [false, [24, 0, 6, 0, 2, 1, 0xb8, 0x12, 0x84]],
  [true, [43, 14, 1, 0]],
  [false, [43, 14, 1, 0x81, 0, 0, 3, ...obj(0, 'Vendor'), ...obj(1, 'P-1'), ...obj(2, '1.0')]],
  [true, [90, 0, 0x10, 0x3f, 0]],
  [false, [90, 0, 0xfe, 0x1c]],
  [false, [0x83, 2]],
  [false, [0x81, 1]],
];

function mutate(b: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(rnd() * 4);
  if (kind === 0)
    out[Math.floor(rnd() * out.length)] ^= 1 << Math.floor(rnd() * 8); // bit flip
  else if (kind === 1)
    out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256); // byte replace
  else if (kind === 2)
    return out.subarray(0, Math.floor(rnd() * out.length)); // truncation
  else if (out.length > 7) out.writeUInt16BE(Math.floor(rnd() * 0x10000), 4); // any MBAP length
  return out;
}

describe('fuzz', () => {
  it('decodes 3000 mutated and random streams without throwing or tripping the safety net', () => {
    const rnd = lcg(20240501);
    const stats = new ModbusStats();
    let events = 0;
    const bad: string[] = [];
    for (let round = 0; round < 3000; round++) {
      const ctx = fakeContext({ ip: '10.0.0.1', port: 40000 + (round % 7) }, { ip: '10.0.0.2', port: round % 5 === 0 ? 5020 : 502 });
      const d = new ModbusDecoder(ctx);
      let ts = 1000;
      const n = 1 + Math.floor(rnd() * 30);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        let fromClient: boolean;
        let bytes: Buffer;
        if (r < 0.15) {
          fromClient = rnd() < 0.5;
          bytes = Buffer.from(Array.from({ length: Math.floor(rnd() * 300) }, () => Math.floor(rnd() * 256)));
        } else {
          const [c, pdu] = SEEDS[Math.floor(rnd() * SEEDS.length)]!;
          fromClient = c;
          bytes = adu(Math.floor(rnd() * 4), Math.floor(rnd() * 3), pdu);
          if (r < 0.6) bytes = mutate(bytes, rnd);
        }
        // Deliver in random pieces, sometimes announcing a gap.
        let off = 0;
        while (off < bytes.length) {
          const len = 1 + Math.floor(rnd() * bytes.length);
          d.onData(fromClient, bytes.subarray(off, off + len), (ts += 0.001));
          off += len;
          if (rnd() < 0.02) d.onGap(fromClient, 1 + Math.floor(rnd() * 100));
        }
        probeModbus(bytes, { transport: 'tcp', fromInitiator: fromClient, srcPort: 40000, dstPort: 5020 });
      }
      d.onEnd();
      for (const e of ctx.events) {
        stats.onEvent(e);
        const fc = e.fields.functionCode;
        if (!(fc >= 0 && fc < 128) || !e.detail || JSON.parse(JSON.stringify(e.fields)).functionCode !== fc) bad.push(e.detail ?? e.fn);
      }
      events += ctx.events.length;
      for (const a of ctx.anomalies) if (a.kind === 'modbus_decoder_error') bad.push(a.detail ?? a.kind);
    }
    expect(bad).toEqual([]);
    expect(events).toBeGreaterThan(10_000); // most seeds survive as PDUs: the fuzz reaches the decoders
    const s = stats.section()!;
    expect(s.pdus! + (s.other_ports?.pdus ?? 0)).toBe(events);
  });

  it('newFields + a decode function gives the members, order and values of the record grown from the header', () => {
    // what the decoder did before newFields: three header members, paired and latency, then the decode function's
    const grown = (tid: number, unit: number, fc: number, paired: boolean, latency: number): ModbusFields => {
      const f: ModbusFields = { transactionId: tid, unitId: unit, functionCode: fc };
      if (paired) {
        f.paired = true;
        f.latency = latency;
      }
      return f;
    };
    const rnd = lcg(7);
    const pdus: number[][] = SEEDS.map(([, pdu]) => pdu);
    for (let i = 0; i < 5000; i++) pdus.push([...mutate(adu(1, 1, SEEDS[Math.floor(rnd() * SEEDS.length)]![1]), rnd).subarray(7)]);
    const differ: string[] = [];
    let checked = 0;
    for (const bytes of pdus) {
      if (bytes.length === 0) continue;
      const buf = Buffer.from([0xee, ...bytes, 0xee]); // the PDU at a non-zero offset, bytes after it
      const s = 1;
      const e = 1 + bytes.length;
      const fcByte = buf[s]!;
      const fc = fcByte & 0x7f;
      const request = { quantity: 2, readQuantity: 2, subFunction: 0, meiType: 14 } as ModbusFields;
      for (const kind of ['exception', 'request', 'response'] as const) {
        if ((kind === 'exception') !== ((fcByte & 0x80) !== 0)) continue;
        for (const paired of kind === 'request' ? [false] : [false, true]) {
          const a = grown(3, 4, fc, paired, 0.25);
          const b = newFields(3, 4, fc, kind, e - s, paired, 0.25);
          for (const f of [a, b]) {
            if (kind === 'exception') decodeException(buf, s, e, f);
            else if (kind === 'request') decodeRequest(buf, s, e, f);
            else decodeResponse(buf, s, e, f, paired ? request : undefined);
          }
          checked++;
          const ja = JSON.stringify(Object.entries(a));
          if (ja !== JSON.stringify(Object.entries(b))) differ.push(`${kind} ${bytes.join(',')}: ${ja}`);
        }
      }
    }
    expect(differ).toEqual([]);
    expect(checked).toBeGreaterThan(5000);
  });
});
