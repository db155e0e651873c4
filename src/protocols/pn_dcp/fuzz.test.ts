/**
 * Fuzzing: mutated and random DCP frames through the decoder and the stats. Nothing may throw (the
 * L2 flow table would count it as decoder_exception and drop the MAC pair's decoder).
 */
import { describe, expect, it } from 'vitest';
import { DcpDecoder } from './decoder.js';
import { DcpStats } from './stats.js';
import {
  block,
  dcp,
  deviceIdBlock,
  endTransaction,
  factoryReset,
  fakeL2Context,
  identifyResponse,
  ipBlock,
  nameBlock,
  responseBlock,
  signalBlock,
} from '../../../test/helpers/pn_dcp/test-helpers.js';
import { lcg } from '../../../bench/gen/rng.js';

const SEEDS: Buffer[] = [
  dcp({ frameId: 0xfefe, service: 5, type: 0, blocks: block(0xff, 0xff, []) }),
  dcp({ frameId: 0xfefe, service: 5, type: 0, blocks: block(2, 2, [...Buffer.from('switch1')]) }),
  identifyResponse(),
  dcp({
    frameId: 0xfefd,
    service: 4,
    type: 0,
    blocks: [...nameBlock('plc', [0, 1]), ...ipBlock('10.0.0.1', '255.0.0.0', '0.0.0.0', [0, 1]), ...endTransaction()],
  }),
  dcp({ frameId: 0xfefd, service: 4, type: 1, blocks: [...responseBlock(2, 2), ...responseBlock(5, 2, 3)] }),
  dcp({ frameId: 0xfefd, service: 4, type: 0, blocks: [...signalBlock(), ...factoryReset()] }),
  dcp({ frameId: 0xfefd, service: 3, type: 0, blocks: [2, 2, 1, 2, 2, 3] }),
  dcp({
    frameId: 0xfefd,
    service: 3,
    type: 1,
    blocks: [...nameBlock('x'), ...deviceIdBlock(1, 2), ...block(3, 61, [0, 0, 61, 3, 2, 0x41, 0x42]), ...block(6, 1, [0, 0, 0, 1])],
  }),
  dcp({
    frameId: 0xfefc,
    service: 6,
    type: 0,
    blocks: [...nameBlock('et200'), ...block(1, 3, [0, 1, ...new Array(28).fill(7)]), ...block(0x80, 1, [1, 2, 3])],
  }),
];

function mutate(b: Buffer, rnd: () => number): Buffer {
  const out = Buffer.from(b);
  const kind = Math.floor(rnd() * 5);
  if (kind === 0) out[Math.floor(rnd() * out.length)]! ^= 1 << Math.floor(rnd() * 8);
  else if (kind === 1)
    out[2 + Math.floor(rnd() * (out.length - 2))] = Math.floor(rnd() * 256); // keep the DCP frame id
  else if (kind === 2) return out.subarray(0, Math.floor(rnd() * out.length));
  else if (kind === 3 && out.length > 12)
    out.writeUInt16BE(Math.floor(rnd() * 0x10000), 10); // any DCPDataLength
  else if (out.length >= 16) {
    // a block length field (the first block's, or a later even offset that may land on one)
    const at = Math.min(14 + 2 * Math.floor(rnd() * 8), out.length - 2);
    out.writeUInt16BE(Math.floor(rnd() * 0x10000), at);
  }
  return out;
}

describe('fuzz', () => {
  it('decodes 6000 mutated and random frames without throwing, and builds stats from them', () => {
    const rnd = lcg(8892);
    const stats = new DcpStats();
    const ctx = fakeL2Context('00:80:c8:38:a4:8b', '00:02:e3:17:c7:50');
    const d = new DcpDecoder(ctx);
    for (let i = 0; i < 6000; i++) {
      let frame: Buffer;
      if (i % 6 === 5) {
        frame = Buffer.alloc(Math.floor(rnd() * 80));
        for (let j = 0; j < frame.length; j++) frame[j] = Math.floor(rnd() * 256);
        if (frame.length >= 2 && rnd() < 0.8) frame.writeUInt16BE(0xfefc + Math.floor(rnd() * 4), 0);
      } else {
        frame = SEEDS[i % SEEDS.length]!;
        for (let m = 1 + Math.floor(rnd() * 3); m > 0; m--) frame = mutate(frame, rnd);
      }
      d.onData(rnd() < 0.5, frame, i);
    }
    d.onEnd();
    for (const e of ctx.events) stats.onEvent(e);
    const section = stats.section()!;
    // The decoder saw thousands of PDUs, and counted what it could not read rather than throwing.
    expect(ctx.events.length).toBeGreaterThan(3000);
    expect(Object.values(section.services).reduce((a, b) => a + b, 0)).toBe(ctx.events.length);
    expect(ctx.anomalies.some((a) => a.kind === 'malformed_block')).toBe(true);
    expect(ctx.anomalies.some((a) => a.kind === 'short_pdu')).toBe(true);
    expect(JSON.parse(JSON.stringify(ctx.events.slice(0, 50).map((e) => e.fields)))).toHaveLength(50);
  });
});
