/** Application header and object walk on hand-built fragments, well formed and not. */
import { describe, expect, it } from 'vitest';
import { iinFlags, parseFragment } from './app.js';
import { attribute, crob, request, response } from '../../../test/helpers/dnp3/build.js';
import { objectSize, SIZE_UNKNOWN } from './object-sizes.js';
import { walkObjects } from './objects.js';

const walk = (fc: number, objects: number[]) => walkObjects(Buffer.from(objects), 0, objects.length, fc);
const gv = (types: number[]) => types.map((t) => `g${t >> 8}v${t & 0xff}`);

describe('application header', () => {
  it('reads control, function and IIN of a response', () => {
    const f = parseFragment(response(129, 0x9002, [], 5), 0, 4);
    expect(f).toMatchObject({ fir: true, fin: true, con: false, uns: false, seq: 5, function: 129, iin: 0x9002 });
    expect(iinFlags(0x9002)).toEqual(['device_restart', 'need_time', 'object_unknown']);
  });
  it('flags fragments shorter than their header', () => {
    expect(parseFragment(Buffer.from([0xc0]), 0, 1).malformed).toMatch(/shorter/);
    expect(parseFragment(Buffer.from([0xc0, 0x81, 0x00]), 0, 3).malformed).toMatch(/internal indications/);
  });
});

describe('object walk', () => {
  it('reads class polls and ranges in a read request without looking for values', () => {
    const w = walk(1, [60, 2, 0x06, 60, 3, 0x06, 60, 4, 0x06, 60, 1, 0x06, 1, 2, 0x00, 0, 9, 30, 0, 0x01, 0, 0, 0x13, 0]);
    expect(gv(w.types)).toEqual(['g60v2', 'g60v3', 'g60v4', 'g60v1', 'g1v2', 'g30v0']);
    expect(w.stop).toBeUndefined();
    expect(w.headers[0]).toEqual({ group: 60, variation: 2, qualifier: 6, prefix: 0, range: 6 });
    expect(w.headers[4]).toMatchObject({ start: 0, stop: 9, count: 10 });
    expect(w.headers[5]).toMatchObject({ start: 0, stop: 0x13, count: 20 });
  });
  it('steps over values in a response: flags, packed bits, counters, analog values with index prefixes', () => {
    const objects = [
      1,
      2,
      0x00,
      0,
      2,
      0x81,
      0x81,
      0x01, // g1v2 0-2 with flags
      1,
      1,
      0x00,
      0,
      9,
      0xff,
      0x03, // g1v1 0-9 packed in 2 octets
      20,
      1,
      0x01,
      5,
      0,
      5,
      0,
      0x01,
      1,
      2,
      3,
      4, // g20v1 5-5 (16-bit start/stop): flag + 32-bit count
      32,
      7,
      0x28,
      1,
      0,
      3,
      0,
      0x01,
      0,
      0,
      0x80,
      0x3f,
      1,
      2,
      3,
      4,
      5,
      6, // g32v7 index 3: flag, float, time
    ];
    const w = walk(129, objects);
    expect(gv(w.types)).toEqual(['g1v2', 'g1v1', 'g20v1', 'g32v7']);
    expect(w.stop).toBeUndefined();
    expect(w.headers[3]!.indexes).toEqual([3]);
  });
  it('stops where a size is unknown and says so, keeping the header', () => {
    expect(objectSize(85, 1)).toBeLessThan(0);
    expect(objectSize(200, 1)).toBe(SIZE_UNKNOWN);
    const w = walk(129, [1, 2, 0x00, 0, 0, 0x01, 200, 1, 0x00, 0, 0, 9, 30, 1, 0x06]);
    expect(gv(w.types)).toEqual(['g1v2', 'g200v1']);
    expect(w.stop).toMatch(/g200v1.*unknown/);
  });
  it('keeps a header whose objects run past the end, and one cut short after group and variation', () => {
    const w = walk(129, [30, 1, 0x00, 0, 3, 1, 2, 3]);
    expect(gv(w.types)).toEqual(['g30v1']);
    expect(w.stop).toMatch(/past the end/);
    const cut = walk(129, [1, 2, 0x06, 30, 1]);
    expect(gv(cut.types)).toEqual(['g1v2', 'g30v1']);
    expect(cut.stop).toMatch(/cut short/);
  });
  it('stops on a range whose stop is before its start, and on reserved codes', () => {
    expect(walk(129, [1, 2, 0x00, 5, 2]).stop).toMatch(/before start/);
    expect(walk(129, [1, 2, 0x0c, 5, 2]).stop).toMatch(/reserved range code 12/);
    expect(walk(129, [1, 2, 0x77, 1, 0]).stop).toMatch(/reserved prefix code 7/);
  });
  it('does not loop over huge counts of objects that take no octets, and bounds prefixed ones by the data', () => {
    // a read names points without values: variation 0 is "any variation" there
    const w = walk(1, [1, 0, 0x09, 0xff, 0xff, 0xff, 0xff, 60, 1, 0x06]);
    expect(gv(w.types)).toEqual(['g1v0', 'g60v1']);
    expect(w.headers[0]!.count).toBe(0xffffffff);
    const p = walk(2, [12, 1, 0x19, 0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    expect(p.stop).toMatch(/past the end/);
  });
  it('reads group 0 objects of variation 0 as data type, length and value, and invents no header from values (issue 18)', () => {
    // The Operate: g12v1 (all objects), g0v0 points 0..1, then 12 value octets. Before the fix g0v0
    // was given size 0 and its values read as headers: g12v1, g0v0 and a g0v3 that is not in the fragment.
    const body = [0x0c, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x03, 0x01, 0x64, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00];
    const w = walk(4, body);
    expect(gv(w.types)).not.toContain('g0v3');
    // As Wireshark 4.0.17 shows these bytes: point 0 "Data Type: NONE (Placeholder) (0x00)" (one octet),
    // point 1 "Data Type: INT (Signed Integer) (0x03)", "Device Attribute Length: 1",
    // "Device Attribute 8-Bit Integer Value: 100"; the octets left make an object header g0v0 with
    // "Start (8 bit): 100", "Stop (8 bit): 0" and the expert error "Negative number of items".
    expect(gv(w.types)).toEqual(['g12v1', 'g0v0', 'g0v0']);
    expect(w.headers[1]).toMatchObject({ start: 0, stop: 1, count: 2 });
    expect(w.attributes).toEqual([{ variation: 0, type: 3, value: 100 }]);
    expect(w.stop).toBe('g0v0: range stop 0 before start 100');
    expect(w.variationZero).toBeUndefined();
  });
  it('stops at variation 0 of another group where values follow, says why and flags it, instead of inventing headers', () => {
    // Operate g12v0 point 0..0 then a CROB's 11 octets: Wireshark 4.0.17 shows "Unknown Object\Variation
    // (0x0c00), 1 point" and the rest as one "Unknown Data Chunk"; it reads no further header either.
    const w = walk(4, [0x0c, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x64, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00]);
    expect(gv(w.types)).toEqual(['g12v0']);
    expect(w.stop).toBe('g12v0: size of g12v0 objects unknown (variation 0 with values): the walk stops here');
    expect(w.variationZero).toBe(true);
    // with an index prefix too (qualifier 0x17), and in a response
    const r = walk(129, [30, 0, 0x17, 1, 5, 1, 0, 0, 0, 0]);
    expect(gv(r.types)).toEqual(['g30v0']);
    expect(r.variationZero).toBe(true);
    // a read of g30v0 carries no values: no stop
    expect(walk(1, [30, 0, 0x06, 1, 0, 0x06]).stop).toBeUndefined();
  });
  it('reads control relay output blocks and analog output blocks with their point indexes', () => {
    const w = walk(5, [...crob(3, 0x03), ...crob(7, 0x41), 41, 2, 0x17, 1, 9, 0x2c, 0x01, 0]);
    expect(w.controls).toEqual([
      { group: 12, variation: 1, index: 3, code: 'latch on', value: 1, status: 0 },
      { group: 12, variation: 1, index: 7, code: 'pulse on close', value: 1, status: 0 },
      { group: 41, variation: 2, index: 9, value: 300, status: 0 },
    ]);
  });
  it('reads device attributes (group 0) as strings and numbers', () => {
    const w = walk(129, [
      ...attribute(252, 'ACME Corp'),
      ...attribute(250, 'RTU-5000'),
      0,
      241,
      0x00,
      0,
      0,
      2,
      2,
      0x00,
      0x08,
      ...attribute(248, 'SN-1\0pad'),
    ]);
    expect(w.attributes).toEqual([
      { variation: 252, type: 1, value: 'ACME Corp' },
      { variation: 250, type: 1, value: 'RTU-5000' },
      { variation: 241, type: 2, value: 2048 },
      { variation: 248, type: 1, value: 'SN-1' },
    ]);
    expect(w.stop).toBeUndefined();
  });
  it('reads the file name of a file command (g70v3, free format)', () => {
    const name = Buffer.from('/cfg/app.xml');
    const obj = Buffer.alloc(26 + name.length);
    obj.writeUInt16LE(26, 0);
    obj.writeUInt16LE(name.length, 2);
    obj.writeUInt16LE(1, 20); // mode: read
    name.copy(obj, 26);
    const w = walk(25, [70, 3, 0x5b, 1, obj.length & 0xff, obj.length >> 8, ...obj]);
    expect(w.files).toEqual(['/cfg/app.xml']);
    expect(w.stop).toBeUndefined();
  });
  it('notes secure authentication objects', () => {
    expect(walk(32, [120, 1, 0x5b, 1, 8, 0, 1, 2, 3, 4, 5, 6, 7, 8]).auth).toBe(true);
    expect(walk(1, [60, 1, 0x06]).auth).toBe(false);
  });
  it('parses a whole request', () => {
    const f = parseFragment(request(1, [60, 1, 0x06], 3), 0, 5);
    expect(f.function).toBe(1);
    expect(f.seq).toBe(3);
    expect(gv(f.walk!.types)).toEqual(['g60v1']);
  });
});
