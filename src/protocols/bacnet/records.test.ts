import { describe, expect, it } from 'vitest';
import { decodeCharString, decodeValues, newTag, readTag, type Value, type ValueSink } from './tags.js';
import { bvlc, charString, ctx, app, close, open, oid } from '../../../test/helpers/bacnet/test-helpers.js';
import { looksLikeBvlc, parseApduHeader, parseBvlc, parseNpdu } from './records.js';

describe('BVLC', () => {
  it('decodes a forwarded NPDU with the original source address', () => {
    const b = bvlc(0x04, [192, 168, 1, 20, 0xba, 0xc0, 0x01, 0x00, 0x10, 0x08]);
    expect(parseBvlc(b)).toMatchObject({ fn: 4, length: 14, npduOffset: 10, origin: { ip: '192.168.1.20', port: 47808 } });
  });
  it('decodes BVLC-Result, Register-Foreign-Device, table acks and delete-entry', () => {
    expect(parseBvlc(bvlc(0x00, [0x00, 0x30]))).toMatchObject({ fn: 0, resultCode: 0x30 });
    expect(parseBvlc(bvlc(0x05, [0x00, 0x3c]))).toMatchObject({ fn: 5, ttl: 60 });
    expect(parseBvlc(bvlc(0x03, new Array(20).fill(1)))).toMatchObject({ fn: 3, entries: 2 });
    expect(parseBvlc(bvlc(0x07, new Array(15).fill(1)))).toMatchObject({ entries: 1, malformed: 'partial fdt entry' });
    expect(parseBvlc(bvlc(0x08, [10, 0, 0, 9, 0xba, 0xc1]))).toMatchObject({ entry: '10.0.0.9:47809' });
    expect(parseBvlc(bvlc(0x02, []))).toEqual({ fn: 2, length: 4 });
  });
  it('flags wrong lengths, short forwarded NPDUs and unknown functions; rejects non-BVLC', () => {
    expect(parseBvlc(bvlc(0x0a, [1, 0, 0x10, 0x08], 100))?.malformed).toBe('bvlc length beyond datagram');
    expect(parseBvlc(bvlc(0x0a, [1, 0, 0x10, 0x08], 6))?.malformed).toBe('bvlc length short of datagram');
    expect(parseBvlc(bvlc(0x0a, [], 2))?.malformed).toBe('bvlc length below header');
    const short = parseBvlc(bvlc(0x04, [1, 2, 3]));
    expect(short?.malformed).toBe('forwarded-npdu shorter than its address');
    expect(short?.npduOffset).toBeUndefined();
    expect(parseBvlc(bvlc(0x0d, []))?.malformed).toBe('unknown bvlc function');
    expect(parseBvlc(Buffer.from([0x82, 0x0a, 0, 4]))).toBeUndefined();
    expect(parseBvlc(Buffer.from([0x81, 0x0a, 0]))).toBeUndefined();
  });
  it('probe heuristic needs type, function and exact length', () => {
    expect(looksLikeBvlc(bvlc(0x0b, [1, 0, 0x10, 0x08]))).toBe(true);
    expect(looksLikeBvlc(bvlc(0x0b, [1, 0, 0x10, 0x08], 9))).toBe(false);
    expect(looksLikeBvlc(bvlc(0x20, [1, 0]))).toBe(false);
    expect(looksLikeBvlc(Buffer.from('GET / HTTP/1.1'))).toBe(false);
  });
});

describe('NPDU', () => {
  it('decodes DNET/DADR/SNET/SADR and hop count', () => {
    // control 0x28: DNET and SNET present; DNET 0xffff broadcast (DLEN 0), SNET 5 SADR 1 octet 0x07, hop 255
    const b = Buffer.from([0x01, 0x28, 0xff, 0xff, 0x00, 0x00, 0x05, 0x01, 0x07, 0xff, 0x10, 0x08]);
    expect(parseNpdu(b, 0, b.length)).toMatchObject({ dnet: 0xffff, dadr: '', snet: 5, sadr: '07', hopCount: 255, next: 10 });
  });
  it('decodes network-layer messages, proprietary ones with their vendor id', () => {
    const b = Buffer.from([0x01, 0x80, 0x01, 0x00, 0x05]);
    expect(parseNpdu(b, 0, b.length)).toMatchObject({ messageType: 1, next: 3 });
    const p = Buffer.from([0x01, 0x80, 0x80, 0x01, 0x04]);
    expect(parseNpdu(p, 0, p.length)).toMatchObject({ messageType: 0x80, vendorId: 260, next: 5 });
  });
  it('flags truncated routing headers and rejects other versions', () => {
    const b = Buffer.from([0x01, 0x20, 0x00, 0x05, 0x06, 0x01]);
    expect(parseNpdu(b, 0, b.length)?.malformed).toBe('npdu header truncated');
    expect(parseNpdu(Buffer.from([0x02, 0x00]), 0, 2)).toBeUndefined();
    expect(parseNpdu(Buffer.from([0x01]), 0, 1)).toBeUndefined();
  });
});

describe('APDU header', () => {
  it('decodes a segmented confirmed request', () => {
    const b = Buffer.from([0x0e, 0x65, 0x09, 0x02, 0x04, 0x0c]);
    expect(parseApduHeader(b, 0, b.length)).toMatchObject({
      type: 0,
      segmented: true,
      moreFollows: true,
      segmentedResponseAccepted: true,
      maxSegments: 64,
      maxApdu: 1476,
      invokeId: 9,
      sequence: 2,
      window: 4,
      service: 12,
      next: 6,
    });
  });
  it('decodes simple/complex/segment ack, error, reject, abort', () => {
    expect(parseApduHeader(Buffer.from([0x20, 0x05, 0x0f]), 0, 3)).toMatchObject({ type: 2, invokeId: 5, service: 15 });
    expect(parseApduHeader(Buffer.from([0x3c, 0x05, 0x01, 0x03, 0x0c]), 0, 5)).toMatchObject({
      type: 3,
      segmented: true,
      moreFollows: true,
      sequence: 1,
      service: 12,
      next: 5,
    });
    expect(parseApduHeader(Buffer.from([0x43, 0x05, 0x02, 0x03]), 0, 4)).toMatchObject({
      type: 4,
      nak: true,
      server: true,
      sequence: 2,
      window: 3,
    });
    expect(parseApduHeader(Buffer.from([0x50, 0x05, 0x14]), 0, 3)).toMatchObject({ type: 5, service: 20 });
    expect(parseApduHeader(Buffer.from([0x60, 0x05, 0x09]), 0, 3)).toMatchObject({ type: 6, reason: 9 });
    expect(parseApduHeader(Buffer.from([0x71, 0x05, 0x04]), 0, 3)).toMatchObject({ type: 7, server: true, reason: 4 });
  });
  it('flags truncated headers and reserved types', () => {
    expect(parseApduHeader(Buffer.from([0x00, 0x05]), 0, 2)?.malformed).toBe('apdu header truncated');
    expect(parseApduHeader(Buffer.from([0x08, 0x05, 0x01, 0x00]), 0, 4)?.malformed).toBe('apdu header truncated');
    expect(parseApduHeader(Buffer.from([0x90]), 0, 1)?.malformed).toBe('reserved apdu type');
    expect(parseApduHeader(Buffer.alloc(0), 0, 0)).toBeUndefined();
  });
});

describe('tags and values', () => {
  it('reads extended tag numbers and lengths, and refuses contents past the end', () => {
    const t = newTag();
    const long = Buffer.from([0x65, 254, 0x01, 0x00, ...new Array(256).fill(0x41)]);
    expect(readTag(long, 0, long.length, t)).toBe(true);
    expect(t).toMatchObject({ num: 6, context: false, start: 4, len: 256 });
    expect(readTag(long, 0, long.length - 1, t)).toBe(false);
    const ext = Buffer.from([0xf9, 0x20, 0x07]);
    expect(readTag(ext, 0, 3, t)).toBe(true);
    expect(t).toMatchObject({ num: 0x20, context: true, len: 1 });
    expect(readTag(Buffer.from([0x75]), 0, 1, t)).toBe(false);
  });
  it('decodes every application tag', () => {
    const bytes = Buffer.from([
      ...app(0, []),
      0x11,
      ...app(2, [0x01, 0x00]),
      ...app(3, [0xff, 0xfe]),
      ...app(4, [0x41, 0x20, 0, 0]),
      ...app(5, [0x40, 0x09, 0x21, 0xfb, 0x54, 0x44, 0x2d, 0x18]),
      ...app(6, [0xde, 0xad]),
      ...app(7, [0, 0x68, 0x69]),
      ...app(8, [0x04, 0xa0]),
      ...app(9, [0x03]),
      ...app(10, [124, 1, 31, 0xff]),
      ...app(11, [13, 5, 9, 0xff]),
      ...app(12, oid(8, 1234)),
    ]);
    const out: Value[] = [];
    const sink: ValueSink = { count: 0, keepStrings: true };
    expect(decodeValues(bytes, 0, bytes.length, -1, out, sink)).toBe(bytes.length);
    expect(out).toEqual([null, true, 256, -2, 10, 3.141592653589793, 'dead', 'hi', '1010', 3, '2024-01-31', '13:05:09.*', 'device:1234']);
    expect(sink.strings).toEqual(['hi']);
  });
  it('nests constructed values and fails on unbalanced closing tags', () => {
    const bytes = Buffer.from([...open(0), ...app(2, [5]), ...ctx(1, [7]), ...close(0), ...close(3)]);
    const out: Value[] = [];
    expect(decodeValues(bytes, 0, bytes.length, 3, out, { count: 0 })).toBe(bytes.length);
    expect(out).toEqual([{ tag: 0, items: [5, { tag: 1, value: 7 }] }]);
    expect(decodeValues(bytes, 0, bytes.length - 1, 3, [], { count: 0 })).toBe(-1);
    expect(decodeValues(Buffer.from(close(2)), 0, 1, 3, [], { count: 0 })).toBe(-1);
  });
  it('decodes character strings in every BACnet character set as Wireshark shows them', () => {
    const cs = (charset: number, bytes: number[] | Buffer): string => {
      const b = Buffer.from(charString(charset, bytes));
      return decodeCharString(b, 0, b.length).text;
    };
    expect(cs(0, Buffer.from('héllo'))).toBe('héllo');
    expect(cs(0, [0x89, 0xb7, 0x93, 0x78, 0x82, 0x51])).toBe('\ufffd\ufffd\ufffdx\ufffdQ');
    expect(cs(1, [0x03, 0xa4, 0x89, 0xb7, 0x93, 0x78, 0x82, 0x51])).toBe('\ufffd\ufffd\ufffdx\ufffdQ'); // DBCS: code page skipped
    expect(cs(2, [0x61, 0x62, 0x89, 0x63])).toBe('ab\ufffdc');
    expect(cs(3, Buffer.from([0, 0, 0, 0x41, 0, 0, 0x03, 0xa9]))).toBe('AΩ');
    expect(cs(4, Buffer.from('AΩé', 'utf16le').swap16())).toBe('AΩé');
    expect(cs(4, [0x00, 0x41, 0x00])).toBe('A'); // odd trailing octet dropped
    expect(cs(5, [0x63, 0x61, 0x66, 0xe9])).toBe('café');
    expect(cs(0, [0x61, 0x00, 0x62])).toBe('a'); // ends at NUL
    expect(cs(9, [0x78, 0x80])).toBe('x\ufffd');
    expect(decodeCharString(Buffer.alloc(0), 0, 0).text).toBe('');
  });
});
