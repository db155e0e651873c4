/**
 * Fuzzing: random and mutated IEC 104 streams through the decoder, the stats and the probe. Nothing may
 * throw, and the decoder's own safety net (which would hide a bug as 'iec104_decoder_error') must never
 * be needed; every event must survive JSON (the store keeps fields as JSON).
 */
import { describe, expect, it } from 'vitest';
import { asdu, cp56, f32, i16, iFrame, ioa, sFrame, uFrame } from '../../../test/helpers/iec104/build.js';
import { Iec104Decoder } from './decoder.js';
import { fakeContext } from '../../../test/helpers/iec104/fake-context.js';
import { probeIec104 } from './probe.js';
import { Iec104Stats } from './stats.js';
import { TYPE_IDS } from './type-ids.js';
import { lcg } from '../../../bench/gen/rng.js';

const T = cp56(new Date(Date.UTC(2023, 6, 1, 12, 0, 0, 0)));
/** One valid APDU per kind the decoder reads, from both stations. */
const SEEDS: [boolean, Buffer][] = [
  [true, uFrame(0x01)],
  [false, uFrame(0x02)],
  [true, uFrame(0x10)],
  [false, uFrame(0x20)],
  [true, uFrame(0x04)],
  [false, sFrame(3)],
  [true, iFrame(0, 0, asdu({ type: 100, cause: 6, ca: 1 }, [...ioa(0), 20]))],
  [false, iFrame(1, 1, asdu({ type: 1, cause: 20, ca: 1, count: 3, sq: true }, [...ioa(10), 1, 0, 1]))],
  [false, iFrame(2, 1, asdu({ type: 3, cause: 3, ca: 1, count: 2 }, [...ioa(10), 1, ...ioa(12), 2]))],
  [false, iFrame(3, 1, asdu({ type: 13, cause: 1, ca: 1 }, [...ioa(4), ...f32(1.5), 0]))],
  [false, iFrame(4, 1, asdu({ type: 35, cause: 3, ca: 1 }, [...ioa(4), ...i16(-7), 0, ...T]))],
  [false, iFrame(5, 1, asdu({ type: 37, cause: 37, ca: 1 }, [...ioa(9), 1, 2, 3, 4, 5, ...T]))],
  [true, iFrame(1, 6, asdu({ type: 45, cause: 6, ca: 1 }, [...ioa(300), 0x81]))],
  [true, iFrame(2, 6, asdu({ type: 46, cause: 6, ca: 1 }, [...ioa(301), 0x02]))],
  [true, iFrame(3, 6, asdu({ type: 50, cause: 6, ca: 1 }, [...ioa(302), ...f32(3), 0x80]))],
  [true, iFrame(4, 6, asdu({ type: 63, cause: 6, ca: 1 }, [...ioa(302), ...f32(3), 0x00, ...T]))],
  [true, iFrame(5, 6, asdu({ type: 103, cause: 6, ca: 1 }, [...ioa(0), ...T]))],
  [true, iFrame(6, 6, asdu({ type: 107, cause: 6, ca: 1 }, [...ioa(0), 1, 0, ...T]))],
  [true, iFrame(7, 6, asdu({ type: 105, cause: 6, ca: 1 }, [...ioa(0), 1]))],
  [false, iFrame(6, 8, asdu({ type: 125, cause: 13, ca: 1 }, [...ioa(0), 1, 0, 1, 2, 9, 9]))],
];

function mutate(b: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(rnd() * 5);
  if (kind === 0) out[Math.floor(rnd() * out.length)] ^= 1 << Math.floor(rnd() * 8);
  else if (kind === 1) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
  else if (kind === 2) return out.subarray(0, Math.floor(rnd() * out.length));
  else if (kind === 3)
    out[1] = Math.floor(rnd() * 256); // any APDU length
  else if (out.length > 7) out[6] = Math.floor(rnd() * 256); // any type id
  return out;
}

describe('fuzz', () => {
  it('decodes 3000 mutated and random streams without throwing or tripping the safety net', () => {
    const rnd = lcg(60870);
    const stats = new Iec104Stats();
    let events = 0;
    const bad: string[] = [];
    for (let round = 0; round < 3000; round++) {
      const ctx = fakeContext({ ip: '10.0.0.1', port: 40000 + (round % 7) }, { ip: '10.0.0.2', port: round % 5 === 0 ? 12404 : 2404 });
      const d = new Iec104Decoder(ctx);
      let ts = 1000;
      const n = 1 + Math.floor(rnd() * 30);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        let fromMaster: boolean;
        let bytes: Buffer;
        if (r < 0.15) {
          fromMaster = rnd() < 0.5;
          bytes = Buffer.from(Array.from({ length: Math.floor(rnd() * 300) }, () => (rnd() < 0.1 ? 0x68 : Math.floor(rnd() * 256))));
        } else {
          const [m, b] = SEEDS[Math.floor(rnd() * SEEDS.length)]!;
          fromMaster = m;
          bytes = r < 0.6 ? mutate(b, rnd) : b;
        }
        let o = 0;
        while (o < bytes.length) {
          const len = 1 + Math.floor(rnd() * bytes.length);
          d.onData(fromMaster, bytes.subarray(o, o + len), (ts += 0.001));
          o += len;
          if (rnd() < 0.02) d.onGap(fromMaster, 1 + Math.floor(rnd() * 100));
        }
        probeIec104(bytes, { transport: 'tcp', fromInitiator: fromMaster, srcPort: 40000, dstPort: round % 2 ? 2404 : 12404 });
      }
      d.onEnd();
      for (const e of ctx.events) {
        stats.onEvent(e);
        const f = e.fields;
        const back = JSON.parse(JSON.stringify(f));
        if (!e.detail || back.format !== f.format || (f.typeId !== undefined && !(f.typeId >= 0 && f.typeId < 256)))
          bad.push(e.detail ?? e.fn);
        if (f.typeId !== undefined && TYPE_IDS[f.typeId] && e.fn.startsWith('type_')) bad.push(`named type ${f.typeId} unnamed`);
      }
      events += ctx.events.length;
      for (const a of ctx.anomalies) if (a.kind === 'iec104_decoder_error') bad.push(a.detail ?? a.kind);
    }
    expect(bad).toEqual([]);
    expect(events).toBeGreaterThan(20_000); // most seeds survive as APDUs: the fuzz reaches the ASDU decoding
    const s = stats.section()!;
    const total = (sec: { apci?: { I: number; S: number; U: number } } | undefined) =>
      sec?.apci ? sec.apci.I + sec.apci.S + sec.apci.U : 0;
    expect(total(s) + total(s.other_ports)).toBe(events);
  });
});
