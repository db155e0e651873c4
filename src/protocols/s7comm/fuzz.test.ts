/**
 * Fuzz: thousands of random and mutated TPKT/COTP/S7 streams, cut at random points, with gaps.
 * Nothing may escape as an exception, and every event must stay well-formed.
 */
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../core/events.js';
import {
  anyItem,
  blockParam,
  connect,
  dataItem,
  frame,
  piParam,
  plcStopParam,
  s7,
  setupParam,
  szl11Record,
  szlAnswer,
  u16,
  udData,
  udParam,
  varParam,
} from '../../../test/helpers/s7comm/build.js';
import { S7Decoder } from './decoder.js';
import { fakeContext } from '../../../test/helpers/s7comm/fake-context.js';
import { mulberry32 as rng } from '../../../bench/gen/rng.js';

const seeds: Buffer[] = [
  connect('CR', '0100', '0102'),
  frame(s7(1, 1, setupParam(480))),
  frame(s7(1, 2, varParam(0x04, [anyItem(2, 4, 1, 0x84, 0, 0), anyItem(1, 1, 0, 0x83, 3, 2)]))),
  frame(s7(3, 2, [0x04, 0x02], [...dataItem(0xff, 4, [1, 2, 3], false), ...dataItem(0xff, 3, [1])])),
  frame(s7(1, 3, varParam(0x05, [anyItem(2, 2, 5, 0x84, 10, 0)]), dataItem(0x00, 4, [0xbe, 0xef]))),
  frame(s7(1, 4, blockParam(0x1a, 0, '_0A00001P', '1000124000028'))),
  frame(s7(3, 5, [0x1d, 0x00, 0x01, 0x00, 0, 0, 0, 7, 7, 0x30, 0x30, 0x30, 0x30, 0x32, 0x31, 0x36])),
  frame(s7(1, 6, piParam('_INSE', '0000010800001P'))),
  frame(s7(1, 7, plcStopParam())),
  frame(s7(2, 7, [], [], [0xd2, 0x41])),
  frame(s7(7, 8, udParam(4, 4, 1), udData(0xff, [...u16(0x0011), ...u16(0)]))),
  frame(s7(7, 8, udParam(8, 4, 1, 1, 3, 0), udData(0xff, szlAnswer(0x0011, 0, 28, [szl11Record(1, '6ES7 315-2EH14-0AB0', 4, 1)])))),
  frame(s7(7, 9, udParam(8, 4, 1, 1, 4, 1), udData(0xff, szlAnswer(0x001c, 0, 34, [])))),
  frame(s7(7, 10, udParam(4, 7, 2), udData(0xff, [0, 0x19, 0x21, 3, 4, 5, 6, 7, 0, 1]))),
  frame(s7(7, 11, udParam(4, 5, 1), udData(0xff, [1, 2, 3, 4, 5, 6, 7, 8]))),
  frame([0x72, 0x03, 0x00, 0x20, 0x20, ...new Array(32).fill(7), 0x31, 0, 0, 0x05, 0x4c, 0, 0, 0, 1]),
];

function mutate(r: () => number, b: Buffer): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(r() * 5);
  const n = 1 + Math.floor(r() * 4);
  for (let i = 0; i < n && out.length; i++) {
    const at = Math.floor(r() * out.length);
    if (kind === 0)
      out[at] = Math.floor(r() * 256); // random byte
    else if (kind === 1)
      out[at] ^= 1 << Math.floor(r() * 8); // bit flip
    else if (kind === 2) out[at] = [0x00, 0xff, 0x7f, 0x80][Math.floor(r() * 4)]; // boundary values
  }
  if (kind === 3) return out.subarray(0, Math.floor(r() * out.length)); // truncated
  if (kind === 4 && out.length > 6) {
    // keep the TPKT length honest but corrupt the lengths inside (S7 parameter/data lengths, counts)
    const at = 7 + Math.floor(r() * Math.max(1, out.length - 7));
    if (at < out.length) out[at] = Math.floor(r() * 256);
  }
  return out;
}

function checkEvents(ctx: ReturnType<typeof fakeContext>): void {
  for (const e of ctx.events) {
    if (!OPERATIONS.includes(e.operation)) throw new Error(`bad operation ${e.operation}`);
    if (typeof e.fn !== 'string' || !e.fn) throw new Error('empty fn');
    JSON.stringify(e); // serialisable
  }
}

describe('fuzz', () => {
  it('survives 5000 mutated PDU streams cut at random points, with gaps', () => {
    const r = rng(0x5eed);
    let events = 0;
    let anomalies = 0;
    for (let round = 0; round < 5000; round++) {
      const parts: Buffer[] = [];
      const count = 1 + Math.floor(r() * 6);
      for (let i = 0; i < count; i++) {
        const s = seeds[Math.floor(r() * seeds.length)];
        parts.push(r() < 0.7 ? mutate(r, s) : s);
      }
      const stream = Buffer.concat(parts);
      const ctx = fakeContext();
      const d = new S7Decoder(ctx);
      let off = 0;
      while (off < stream.length) {
        const n = 1 + Math.floor(r() * 40);
        const fromInit = r() < 0.6;
        d.onData(fromInit, stream.subarray(off, off + n), round);
        if (r() < 0.03) d.onGap(fromInit, 1 + Math.floor(r() * 100), round);
        off += n;
      }
      d.onEnd();
      checkEvents(ctx);
      events += ctx.events.length;
      anomalies += ctx.anomalies.length;
      // a decoding bug is caught inside the decoder and reported as this anomaly: there must be none
      expect(ctx.anomalies.filter((a) => a.kind === 's7comm.decoder_error')).toEqual([]);
    }
    // the fuzzer reached the decoders (not only the framer) and also hit bad input
    expect(events).toBeGreaterThan(5000);
    expect(anomalies).toBeGreaterThan(500);
  });

  it('survives 3000 streams of random bytes, with and without a TPKT-looking start', () => {
    const r = rng(42);
    for (let round = 0; round < 3000; round++) {
      const len = Math.floor(r() * 300);
      const b = Buffer.alloc(len);
      for (let i = 0; i < len; i++) b[i] = Math.floor(r() * 256);
      if (len > 8 && r() < 0.5) {
        b[0] = 3;
        b[1] = 0;
        b.writeUInt16BE(Math.min(len, 7 + Math.floor(r() * len)), 2);
        b[4] = 2;
        b[5] = 0xf0;
        b[6] = 0x80;
        b[7] = r() < 0.5 ? 0x32 : 0x72;
      }
      const ctx = fakeContext();
      const d = new S7Decoder(ctx);
      d.onData(true, b, 0);
      d.onData(false, b, 0);
      d.onEnd();
      checkEvents(ctx);
      expect(ctx.anomalies.filter((a) => a.kind === 's7comm.decoder_error')).toEqual([]);
    }
  });
});
