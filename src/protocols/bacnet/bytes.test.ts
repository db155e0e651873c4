/**
 * onBytes (datagrams in place, data[start, end) of a larger buffer) gives the very events and anomalies
 * that onData gives for the same datagrams as Buffers of their own: hand-made datagrams of every layer,
 * and every UDP datagram of the BACnet corpus captures as they lie in the capture buffer.
 */
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusCaptures, corpusPath } from '../../../test/helpers/corpus.js';
import { readCapture } from '../../capture/index.js';
import { decodeFrame, Frame, FrameKind } from '../../net/frame.js';
import { IPPROTO_UDP } from '../../net/constants.js';
import { bacnetModule, createLlcDecoder } from './index.js';
import { app, bvlc, close, ctx, fakeContext, oid, open, unicast, utf8 } from '../../../test/helpers/bacnet/test-helpers.js';

type Datagram = [fromInitiator: boolean, bytes: Buffer];

/** Events and anomalies of `datagrams` through onData (llc: the LLC decoder). */
function viaOnData(datagrams: Datagram[], llc = false) {
  const c = fakeContext();
  const d = llc ? createLlcDecoder(c) : bacnetModule.createDecoder(c);
  datagrams.forEach(([fromInitiator, b], i) => d.onData(fromInitiator, b, 1000 + i));
  d.onEnd?.(2000);
  return { events: JSON.stringify(c.events), anomalies: c.anomalies };
}

/** The same through onBytes, each datagram at offset 7 of a buffer with 0xff octets on both sides. */
function viaOnBytes(datagrams: Datagram[], llc = false) {
  const c = fakeContext();
  const d = llc ? createLlcDecoder(c) : bacnetModule.createDecoder(c);
  datagrams.forEach(([fromInitiator, b], i) => {
    const big = Buffer.concat([Buffer.alloc(7, 0xff), b, Buffer.alloc(9, 0xff)]);
    d.onBytes!(fromInitiator, big, 7, 7 + b.length, 1000 + i);
  });
  d.onEnd?.(2000);
  return { events: JSON.stringify(c.events), anomalies: c.anomalies };
}

const rpAck = (invoke: number, type: number, prop: number, value: number[]) =>
  unicast([0x30, invoke, 0x0c, ...ctx(0, oid(type, 77)), ...ctx(1, [prop]), ...open(3), ...value, ...close(3)]);

const DATAGRAMS: Datagram[] = [
  // Who-Is, I-Am, ReadProperty and acks (one value, several values, device object), WriteProperty
  [true, bvlc(0x0b, [0x01, 0x00, 0x10, 0x08, ...ctx(0, [0x00]), ...ctx(1, [0x03, 0xe8])])],
  [false, unicast([0x10, 0x00, ...app(12, oid(8, 260001)), ...app(2, [0x05, 0xc4]), ...app(9, [0x03]), ...app(2, [0x05])])],
  [true, unicast([0x00, 0x05, 0x01, 0x0c, ...ctx(0, oid(0, 1)), ...ctx(1, [85])])],
  [false, rpAck(1, 0, 85, app(4, [0x41, 0x20, 0, 0]))],
  [false, rpAck(2, 8, 77, app(7, utf8('Plant 1')))],
  [false, rpAck(3, 0, 87, [...app(4, [0x41, 0x20, 0, 0]), ...app(0, []), ...app(7, utf8('x'))])],
  [
    true,
    unicast([
      0x00,
      0x05,
      0x02,
      0x0f,
      ...ctx(0, oid(2, 3)),
      ...ctx(1, [85]),
      ...open(3),
      ...app(4, [0x42, 0, 0, 0]),
      ...close(3),
      ...ctx(4, [8]),
    ]),
  ],
  [false, unicast([0x20, 0x02, 0x0f])],
  // Forwarded-NPDU, BVLC-Result, Register-Foreign-Device, routed NPDU, network message, reject, abort
  [true, bvlc(0x04, [192, 168, 1, 20, 0xba, 0xc0, 0x01, 0x00, 0x10, 0x08])],
  [false, bvlc(0x00, [0x00, 0x30])],
  [true, bvlc(0x05, [0x00, 0x3c])],
  [
    false,
    bvlc(0x0a, [0x01, 0x08, 0x00, 0x05, 0x01, 0x11, 0x10, 0x00, ...app(12, oid(8, 42)), ...app(2, [50]), ...app(9, [3]), ...app(2, [42])]),
  ],
  [false, bvlc(0x0b, [0x01, 0x80, 0x01, 0x00, 0x05, 0x00, 0x06])],
  [false, unicast([0x60, 0x05, 0x09])],
  [true, unicast([0x71, 0x05, 0x04])],
  // Segmented complex ack in two segments
  [false, unicast([0x3c, 0x07, 0x00, 0x02, 0x0c, ...ctx(0, oid(8, 5)), ...ctx(1, [77])])],
  [false, unicast([0x38, 0x07, 0x01, 0x02, 0x0c, ...open(3), ...app(7, utf8('dev')), ...close(3)])],
  // Broken: not BVLC, short BVLC, bad length, truncated NPDU and APDU
  [true, Buffer.from([0x82, 0x0a, 0x00, 0x04])],
  [true, Buffer.from([0x81, 0x0a, 0x00])],
  [true, bvlc(0x0a, [0x01, 0x00, 0x10, 0x08], 100)],
  [true, bvlc(0x0a, [0x01, 0x20, 0x00])],
  [true, bvlc(0x0a, [0x01, 0x00])],
  [true, unicast([0x00, 0x05])],
];

describe('BACnet onBytes: datagrams in place', () => {
  it('gives the events and anomalies onData gives, on every layer', () => {
    const a = viaOnData(DATAGRAMS);
    expect(JSON.parse(a.events).length).toBeGreaterThan(15);
    expect(viaOnBytes(DATAGRAMS)).toEqual(a);
  });

  it('over LLC, with and without the LLC header', () => {
    const npdu = (b: Buffer): Buffer => b.subarray(4); // the NPDU of a B/IP datagram
    const llc: Datagram[] = DATAGRAMS.slice(0, 8).map(([i, b], k) => [
      i,
      k % 2 ? Buffer.concat([Buffer.from([0x82, 0x82, 0x03]), npdu(b)]) : npdu(b),
    ]);
    const a = viaOnData(llc, true);
    expect(JSON.parse(a.events).length).toBe(8);
    expect(viaOnBytes(llc, true)).toEqual(a);
  });

  it.skipIf(!corpusAvailable)(
    'gives the same events for every UDP datagram of the BACnet captures, read in the capture buffer',
    async () => {
      let datagrams = 0;
      for (const rel of corpusCaptures('bacnet')) {
        const inPlace = fakeContext();
        const copied = fakeContext();
        const a = bacnetModule.createDecoder(inPlace);
        const b = bacnetModule.createDecoder(copied);
        const f = new Frame();
        await readCapture(corpusPath(rel), (data, start, end, ts, linkType) => {
          if (decodeFrame(linkType, data, start, end, ts, f) !== FrameKind.Transport || f.l4proto !== IPPROTO_UDP) return;
          if (f.payloadEnd <= f.payload || data[f.payload] !== 0x81) return;
          datagrams++;
          a.onBytes!(true, data, f.payload, f.payloadEnd, ts);
          b.onData(true, Buffer.from(data.subarray(f.payload, f.payloadEnd)), ts);
        });
        expect(JSON.stringify(inPlace.events), rel).toBe(JSON.stringify(copied.events));
        expect(inPlace.anomalies, rel).toEqual(copied.anomalies);
      }
      expect(datagrams).toBeGreaterThan(1000);
    },
    60_000,
  );
});
