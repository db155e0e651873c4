/**
 * Fuzzing: valid DNP3 exchanges, mutated (bit flips, byte replacements, truncations, lengths and CRCs
 * recomputed over mutated bytes so the damage reaches the application layer) and random bytes, through
 * the decoder in random pieces with gaps, the stats and the probe. Nothing may throw, and the decoder's
 * safety net (which would hide a bug as 'dnp3_decoder_error') must never be needed.
 */
import { describe, expect, it } from 'vitest';
import { attribute, crob, fragmentFrames, linkFrame, request, response } from '../../../test/helpers/dnp3/build.js';
import { dnp3Crc } from './crc.js';
import { Dnp3Decoder } from './decoder.js';
import { fakeContext } from '../../../test/helpers/dnp3/fake-context.js';
import { probeDnp3 } from './probe.js';
import { Dnp3Stats } from './stats.js';
import { lcg } from '../../../bench/gen/rng.js';

/** Application fragments: [from master, bytes]. */
const SEEDS: [boolean, Buffer][] = [
  [true, request(1, [60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06, 60, 1, 0x06])],
  [true, request(1, [1, 2, 0x00, 0, 9, 30, 5, 0x01, 0, 0, 9, 0, 0, 254, 0x06])],
  [false, response(129, 0x8000, [1, 2, 0x00, 0, 2, 1, 1, 1, 1, 1, 0x00, 0, 9, 0xff, 3, 30, 1, 0x01, 0, 0, 0, 0, 1, 7, 0, 0, 0])],
  [false, response(130, 0x0100, [2, 2, 0x17, 2, 1, 0x81, 1, 2, 3, 4, 5, 6, 2, 0x01, 0, 0, 0, 0, 0, 0, 51, 1, 0x07, 1, 1, 2, 3, 4, 5, 6])],
  [true, request(5, crob(3, 0x03))],
  [true, request(3, [...crob(1, 0x41), 41, 1, 0x17, 1, 2, 1, 0, 0, 0, 0])],
  [false, response(129, 0, [...attribute(252, 'Vendor'), ...attribute(250, 'Model'), 0, 241, 0, 0, 0, 2, 2, 0, 8])],
  [
    true,
    request(
      25,
      [70, 3, 0x5b, 1, 30, 0, 26, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 0, 0x61, 0x62, 0x63, 0x64],
    ),
  ],
  [true, request(32, [120, 1, 0x5b, 1, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8])],
  [false, response(131, 0, [120, 2, 0x5b, 1, 6, 0, 1, 0, 0, 0, 1, 0])],
  [true, request(2, [50, 1, 0x07, 1, 1, 2, 3, 4, 5, 6, 80, 1, 0x00, 7, 7, 0, 110, 3, 0x17, 1, 0, 0x41, 0x42, 0x43])],
  [true, request(13)],
  [true, request(20, [60, 2, 0x06])],
  [true, request(0)],
  [
    false,
    response(
      129,
      0,
      new Array(700).fill(0).map((_, i) => (i < 7 ? [30, 2, 0x01, 0, 0, 0xe0, 0][i]! : i & 0xff)),
    ),
  ],
];

function mutate(b: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(rnd() * 4);
  if (kind === 0) out[Math.floor(rnd() * out.length)] ^= 1 << Math.floor(rnd() * 8);
  else if (kind === 1) out[Math.floor(rnd() * out.length)] = Math.floor(rnd() * 256);
  else if (kind === 2) return out.subarray(0, Math.floor(rnd() * out.length));
  else out[2] = Math.floor(rnd() * 256); // any length field
  return out;
}

/** Recomputes the header and block CRCs so that mutated content survives the link layer. */
function recrc(f: Buffer): Buffer {
  if (f.length < 10) return f;
  f.writeUInt16LE(dnp3Crc(f, 0, 8), 8);
  for (let p = 10; p < f.length; p += 18) {
    const n = Math.min(16, f.length - p - 2);
    if (n <= 0) break;
    f.writeUInt16LE(dnp3Crc(f, p, p + n), p + n);
  }
  return f;
}

describe('fuzz', () => {
  it('decodes 3000 mutated and random streams without throwing or tripping the safety net', () => {
    const rnd = lcg(20240611);
    const stats = new Dnp3Stats();
    let events = 0;
    let frames = 0;
    const bad: string[] = [];
    for (let round = 0; round < 3000; round++) {
      const udp = round % 4 === 0;
      const ctx = fakeContext(
        { ip: '10.0.0.1', port: 40000 + (round % 7) },
        { ip: '10.0.0.2', port: round % 5 === 0 ? 20001 : 20000 },
        udp ? 'udp' : 'tcp',
      );
      const d = new Dnp3Decoder(ctx);
      let ts = 1000;
      const n = 1 + Math.floor(rnd() * 12);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        const fromInitiator = rnd() < 0.5;
        let bytes: Buffer;
        if (r < 0.1) {
          bytes = Buffer.from(Array.from({ length: Math.floor(rnd() * 400) }, () => Math.floor(rnd() * 256)));
        } else if (r < 0.2) {
          bytes = linkFrame(Math.floor(rnd() * 256), Math.floor(rnd() * 65536), Math.floor(rnd() * 65536));
        } else {
          const [fromMaster, app] = SEEDS[Math.floor(rnd() * SEEDS.length)]!;
          let list = fragmentFrames(app, { fromMaster, seq: Math.floor(rnd() * 64), master: 1 + (round % 3), outstation: 10 });
          if (r < 0.7) {
            list = list.map((f) => (rnd() < 0.5 ? mutate(f, rnd) : f));
            if (rnd() < 0.7) list = list.map((f) => recrc(Buffer.from(f)));
          }
          if (rnd() < 0.1) list = list.filter(() => rnd() < 0.7); // lost segments
          bytes = Buffer.concat(list);
        }
        probeDnp3(bytes, { transport: udp ? 'udp' : 'tcp', fromInitiator, srcPort: 40000, dstPort: 20001 });
        if (udp) {
          d.onData(fromInitiator, bytes, (ts += 0.001));
          continue;
        }
        let off = 0;
        while (off < bytes.length) {
          const len = 1 + Math.floor(rnd() * bytes.length);
          d.onData(fromInitiator, bytes.subarray(off, off + len), (ts += 0.001));
          off += len;
          if (rnd() < 0.02) d.onGap(fromInitiator, 1 + Math.floor(rnd() * 100));
        }
      }
      d.onEnd(ts);
      for (const e of ctx.events) {
        stats.onEvent(e);
        frames += e.fields.frames;
        // Every event must be describable and serialisable as the store keeps it.
        if (!e.detail || e.fields.frames < 1 || JSON.parse(JSON.stringify(e.fields)).frames !== e.fields.frames) bad.push(e.fn);
      }
      events += ctx.events.length;
      for (const a of ctx.anomalies) if (a.kind === 'dnp3_decoder_error') bad.push(a.detail ?? a.kind);
    }
    expect(bad).toEqual([]);
    expect(events).toBeGreaterThan(10_000); // most seeds survive as frames: the fuzz reaches the application layer
    const s = stats.section()!;
    expect((s.frames ?? 0) + (s.other_ports?.frames ?? 0)).toBe(frames);
    expect(s.app_fragments).toBeGreaterThan(3000);
  });
});
