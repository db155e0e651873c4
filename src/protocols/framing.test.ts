import { describe, expect, it } from 'vitest';
import { PduFramer, type PduSink } from './framing.js';
import { measureAdu } from './modbus/decoder.js';
import { findTpkt, measureTpkt } from './tpkt-cotp/tpkt.js';

/** Read holding registers 0..9, unit 1, transaction `tid` (12 bytes on the wire). */
function readHoldingRegisters(tid: number): Buffer {
  return Buffer.from([0, tid, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10]);
}

/** A COTP DT TPKT carrying `payload`. */
function tpkt(payload: number[]): Buffer {
  const len = 4 + 3 + payload.length;
  return Buffer.from([3, 0, len >> 8, len & 0xff, 2, 0xf0, 0x80, ...payload]);
}

function recorder(): { sink: PduSink; log: string[] } {
  const log: string[] = [];
  return {
    log,
    sink: {
      pdu: (buf, start, end, atStart) => log.push(`pdu ${buf.toString('hex', start, end)}${atStart ? ' @start' : ''}`),
      garbage: (_buf, from, to) => log.push(`garbage ${to - from}`),
      gaveUp: (chunks) => log.push(`gave up after ${chunks}`),
    },
  };
}

const mbap = { headerLen: 6, measure: measureAdu, maxGarbageChunks: 3, initialCapacity: 260 };

describe('PduFramer', () => {
  it('delivers the same ADUs wherever the stream is cut', () => {
    const stream = Buffer.concat([readHoldingRegisters(1), readHoldingRegisters(2), readHoldingRegisters(3)]);
    const whole = recorder();
    new PduFramer(whole.sink, mbap).push(stream);
    expect(whole.log).toEqual(['pdu 00010000000601030000000a @start', 'pdu 00020000000601030000000a', 'pdu 00030000000601030000000a']);
    for (let cut1 = 1; cut1 < stream.length; cut1++) {
      for (const cut2 of [cut1 + 1, cut1 + 5, stream.length - 1]) {
        if (cut2 <= cut1 || cut2 >= stream.length) continue;
        const r = recorder();
        const f = new PduFramer(r.sink, mbap);
        f.push(stream.subarray(0, cut1));
        f.push(stream.subarray(cut1, cut2));
        f.push(stream.subarray(cut2));
        expect(r.log.map((l) => l.replace(' @start', ''))).toEqual(whole.log.map((l) => l.replace(' @start', '')));
        expect(f.pending).toBe(0);
      }
    }
  });

  it('drops garbage to the end of the chunk, and gives up without one valid ADU', () => {
    const r = recorder();
    const f = new PduFramer(r.sink, mbap);
    const junk = Buffer.from('GET / HTTP/1.1\r\n');
    f.push(junk);
    f.push(junk);
    f.push(junk);
    f.push(readHoldingRegisters(1)); // too late: the direction was given up on
    expect(r.log).toEqual(['garbage 16', 'garbage 16', 'garbage 16', 'gave up after 3']);
    expect(f.givenUp).toBe(true);
  });

  it('keeps a split ADU across chunks and drops it at a gap', () => {
    const r = recorder();
    const f = new PduFramer(r.sink, mbap);
    f.push(readHoldingRegisters(1).subarray(0, 9));
    expect(f.pending).toBe(9);
    expect(f.gap()).toBe(9);
    f.push(readHoldingRegisters(2));
    // after a gap the chunk's first byte is not known to be where the sender started a PDU
    expect(r.log).toEqual(['pdu 00020000000601030000000a']);
  });

  it('resynchronises on the next plausible TPKT when given a resync function', () => {
    const r = recorder();
    const f = new PduFramer(r.sink, { headerLen: 6, measure: measureTpkt, resync: findTpkt, judgeShortHeader: true });
    const a = tpkt([0x32, 1]);
    const b = tpkt([0x32, 3]);
    f.push(Buffer.concat([a, Buffer.from([0xde, 0xad, 0xbe]), b]));
    expect(r.log).toEqual([`pdu ${a.toString('hex')} @start`, 'garbage 3', `pdu ${b.toString('hex')}`]);
  });

  it('judges a short carried-over TPKT header again as bytes arrive, and searches the held bytes', () => {
    const r = recorder();
    const f = new PduFramer(r.sink, { headerLen: 6, measure: measureTpkt, resync: findTpkt, judgeShortHeader: true });
    const b = tpkt([0x32, 7]);
    f.push(Buffer.from([3, 0])); // could be a TPKT start
    f.push(Buffer.from([0, 5])); // length 5: too short for COTP, so it was not one
    f.push(b);
    expect(r.log).toEqual(['garbage 4', `pdu ${b.toString('hex')} @start`]);
  });
});
