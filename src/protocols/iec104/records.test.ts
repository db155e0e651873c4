/** APCI, ASDU and framing on hand-built bytes and on bytes taken from real captures. */
import { describe, expect, it } from 'vitest';
import { apciFormat, sequenceNumber, uFunction, uFunctionFn, uFunctionName } from './apci.js';
import { cp24, cp56 as readCp56, decodeAsdu, type AsduFields } from './asdu.js';
import { asdu, cp56, f32, i16, ioa } from '../../../test/helpers/iec104/build.js';
import { Framer, type FramerSink } from './framer.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function parse(bytes: Buffer | number[]): AsduFields {
  const b = Buffer.from(bytes);
  const f: AsduFields = {};
  decodeAsdu(b, 0, b.length, f);
  return f;
}

describe('APCI', () => {
  it('tells I, S and U frames apart by the low bits of the first control octet', () => {
    expect([0x00, 0x02, 0xfe, 0x01, 0x03, 0x07, 0x43, 0x83].map(apciFormat)).toEqual(['I', 'I', 'I', 'S', 'U', 'U', 'U', 'U']);
  });

  it('reads 15-bit sequence numbers', () => {
    expect(sequenceNumber(0x02, 0x00)).toBe(1);
    expect(sequenceNumber(0x16, 0x16)).toBe(2827); // TestDissectIec104 frame 25: "I (2827,2827)"
    expect(sequenceNumber(0xfe, 0xff)).toBe(0x7fff);
  });

  it('names U functions as Wireshark does, other bit patterns in hex', () => {
    expect([0x07, 0x0b, 0x13, 0x23, 0x43, 0x83].map((c) => uFunctionName(uFunction(c)))).toEqual([
      'STARTDT act',
      'STARTDT con',
      'STOPDT act',
      'STOPDT con',
      'TESTFR act',
      'TESTFR con',
    ]);
    expect(uFunctionName(uFunction(0x17))).toBe('0x05'); // STARTDT act + STOPDT act at once
    expect(uFunctionFn(uFunction(0x07))).toBe('startdt_act');
    expect(uFunctionFn(0x05)).toBe('u_0x05');
  });
});

describe('ASDU', () => {
  it('reads a general interrogation activation (TestDissectIec104 frame 109)', () => {
    const f = parse(hex('640106000d9100000014'));
    expect(f).toEqual({
      typeId: 100,
      type: 'C_IC_NA_1',
      sq: false,
      count: 1,
      cause: 6,
      causeName: 'act',
      negative: false,
      test: false,
      originator: 0,
      commonAddress: 37133,
      objects: [{ ioa: 0, qualifier: 20, value: 'station' }],
    });
  });

  it('reads a sequence of single points (SQ=1, frame 110)', () => {
    const f = parse(hex('018914000d911a2700d0808080c080808080'));
    expect(f.sq).toBe(true);
    expect(f.count).toBe(9);
    expect(f.cause).toBe(20);
    expect(f.objects!.map((o) => o.ioa)).toEqual([10010, 10011, 10012, 10013, 10014, 10015, 10016, 10017, 10018]);
    // 0xd0: OFF, blocked|substituted|not topical|invalid... as the quality bits say
    expect(f.objects![0]).toEqual({ ioa: 10010, value: 'off', quality: 0xd0 });
    expect(f.objects![4]).toEqual({ ioa: 10014, value: 'off', quality: 0xc0 });
    expect(f.malformed).toBeUndefined();
  });

  it('reads a double command select with its negative confirmation bit (frames 117-118)', () => {
    expect(parse(hex('2e0106010d91983a0082')).objects).toEqual([{ ioa: 15000, value: 'on', qualifier: 0, select: true }]);
    const con = parse(hex('2e0147010d91983a0082'));
    expect([con.cause, con.negative, con.originator]).toEqual([7, true, 1]);
  });

  it('reads single commands: select then execute, and the test bit (frames 124, 126, 133)', () => {
    expect(parse(hex('2d0106010d911a270081')).objects).toEqual([{ ioa: 10010, value: 'on', qualifier: 0, select: true }]);
    expect(parse(hex('2d0106010d911a270001')).objects).toEqual([{ ioa: 10010, value: 'on', qualifier: 0, select: false }]);
    const t = parse(hex('2d0186020d91ce560081'));
    expect([t.test, t.negative, t.originator, t.objects![0]!.ioa]).toEqual([true, false, 2, 22222]);
  });

  it('reads a clock synchronisation CP56Time2a (frame 139) and a time-tagged single point (frame 129)', () => {
    expect(parse(hex('670106040d91000000c83239081d0808')).objects).toEqual([{ ioa: 0, time: '2008-08-29T08:57:13.000' }]);
    expect(parse(hex('1e0103000d911a2700d1552a0000010100')).objects).toEqual([
      { ioa: 10010, value: 'on', quality: 0xd0, time: '2000-01-01T00:00:10.837' },
    ]);
  });

  it('reads measured values: normalised, scaled, float with quality and time', () => {
    const t = new Date(Date.UTC(2024, 4, 17, 13, 45, 12, 345));
    expect(parse(asdu({ type: 9, cause: 3, ca: 1 }, [...ioa(4001), ...i16(16384), 0x00])).objects).toEqual([
      { ioa: 4001, value: 0.5, quality: 0 },
    ]);
    expect(parse(asdu({ type: 11, cause: 1, ca: 1 }, [...ioa(4002), ...i16(-1234), 0x01])).objects).toEqual([
      { ioa: 4002, value: -1234, quality: 1 },
    ]);
    expect(parse(asdu({ type: 36, cause: 3, ca: 1 }, [...ioa(4003), ...f32(21.5), 0x80, ...cp56(t)])).objects).toEqual([
      { ioa: 4003, value: 21.5, quality: 0x80, time: '2024-05-17T13:45:12.345' },
    ]);
    expect(parse(asdu({ type: 13, cause: 3, ca: 1 }, [...ioa(1), ...f32(NaN), 0])).objects![0]!.value).toBe('NaN');
  });

  it('reads step positions, double points, regulating steps and set-points', () => {
    expect(parse(asdu({ type: 5, cause: 3, ca: 1 }, [...ioa(1), 0x7f, 0])).objects![0]!.value).toBe(-1);
    expect(
      parse(asdu({ type: 3, cause: 3, ca: 1, count: 2 }, [...ioa(1), 0x01, ...ioa(7), 0x02])).objects!.map((o) => [o.ioa, o.value]),
    ).toEqual([
      [1, 'off'],
      [7, 'on'],
    ]);
    expect(parse(asdu({ type: 47, cause: 6, ca: 1 }, [...ioa(9), 0x02 | (1 << 2)])).objects).toEqual([
      { ioa: 9, value: 'higher', qualifier: 1, select: false },
    ]);
    expect(parse(asdu({ type: 50, cause: 6, ca: 1 }, [...ioa(9), ...f32(42.25), 0x80])).objects).toEqual([
      { ioa: 9, value: 42.25, qualifier: 0, select: true },
    ]);
  });

  it('reads the time formats', () => {
    expect(cp24(Buffer.from([0x39, 0x30, 0x85]), 0)).toBe('05:12.345 invalid');
    expect(readCp56(Buffer.from(cp56(new Date(Date.UTC(2031, 11, 31, 23, 59, 59, 999)))), 0)).toBe('2031-12-31T23:59:59.999');
  });

  it('keeps what short ASDUs hold, field by field (frames 41 and 83)', () => {
    expect(parse([])).toEqual({ malformed: 'empty ASDU' });
    expect(parse(hex('1818'))).toEqual({ typeId: 24, sq: false, count: 24, malformed: 'ASDU ends before the cause of transmission' });
    const f = parse(hex('1a1a1a1a'));
    expect([f.typeId, f.cause, f.originator, f.commonAddress]).toEqual([26, 26, 26, undefined]);
    expect(f.malformed).toBe('ASDU ends inside the common address');
  });

  it('flags objects that run past the end, trailing bytes and zero objects', () => {
    expect(parse(asdu({ type: 1, cause: 20, ca: 5, count: 3 }, [...ioa(1), 0, ...ioa(2)])).malformed).toBe(
      'ASDU ends inside object 2 of 3 (1 octets of elements expected)',
    );
    expect(parse(asdu({ type: 1, cause: 20, ca: 5 }, [...ioa(1), 0, 0xaa])).malformed).toBe('1 octets after 1 objects');
    expect(parse(asdu({ type: 1, cause: 20, ca: 5, count: 0 }, [])).malformed).toBe('no information objects');
  });

  it('keeps the first address of types without a fixed layout', () => {
    expect(parse(asdu({ type: 125, cause: 13, ca: 5 }, [...ioa(77), 1, 0, 1, 3, 0xaa, 0xbb, 0xcc])).objects).toEqual([{ ioa: 77 }]);
    expect(parse(asdu({ type: 200, cause: 6, ca: 5 }, [...ioa(3), 9])).objects).toEqual([{ ioa: 3 }]);
  });
});

/** Collects what the framer finds. */
function frame(chunks: string[]): { apdus: string[]; prefixes: number[]; anomalies: string[]; pending: number } {
  const apdus: string[] = [];
  const prefixes: number[] = [];
  const anomalies: string[] = [];
  const sink: FramerSink = {
    apdu: (buf, start, length, prefix) => {
      apdus.push(buf.toString('hex', start, start + 2 + length));
      prefixes.push(prefix);
    },
    framingAnomaly: (kind) => anomalies.push(kind),
  };
  const f = new Framer();
  for (const c of chunks) f.push(hex(c), sink);
  return { apdus, prefixes, anomalies, pending: f.pending };
}

describe('framing', () => {
  it('splits several APDUs in one segment and joins one split across segments', () => {
    const r = frame(['680401000200680e02000200640107000d91000000146804', '43000000']);
    expect(r.apdus).toEqual(['680401000200', '680e02000200640107000d9100000014', '680443000000']);
    expect(r.pending).toBe(0);
  });

  it('reproduces Wireshark on TestDissectIec104 frames 7-20 (garbage, short lengths, prefixes)', () => {
    // 00 | 01 68 | 02 02 68 00 12 12 | 68 04 43 ..: "0001680202": a PDU of 6 with length 2 (no format);
    // then "001212" waits and is the 3-octet prefix of the TESTFR act (frame 13).
    const r = frame(['00', '0168', '020268001212', '680443000000', '0303036801131313', '040404046802141414', '680443000000']);
    expect(r.apdus).toEqual(['680443000000', '680443000000']);
    expect(r.prefixes).toEqual([3, 1]);
    expect(r.anomalies.filter((a) => a === 'iec104_short_apdu')).toHaveLength(3);
  });

  it('counts a PDU of 6 whose garbage prefix makes up for a short length (frame 36: U with bits 0x05)', () => {
    const r = frame(['07070707070707680517171717171717', '680443000000']); // frames 36 and 38
    expect(r.apdus).toEqual(['68051717171717', '680443000000']);
    expect(r.prefixes).toEqual([7, 2]);
  });

  it('ends the segment on a PDU shorter than 6 octets, and drops segments without a start octet', () => {
    const r = frame(['6802aaaa680443000000', '0102030405060708', '680443000000']);
    expect(r.apdus).toEqual(['680443000000']);
    expect(r.anomalies).toEqual(['iec104_bad_length', 'iec104_garbage_dropped']);
  });

  it('holds a partial APDU with its garbage count, and at most one APDU whatever the prefix', () => {
    const r = frame(['00'.repeat(1000) + '68fd' + '00'.repeat(100)]);
    expect(r.apdus).toEqual([]);
    expect(r.pending).toBe(102);
    const done = frame(['00'.repeat(1000) + '68fd' + '00'.repeat(100), '00'.repeat(153) + '680443000000']);
    expect(done.prefixes).toEqual([1000, 0]);
  });
});
