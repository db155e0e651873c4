import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { block, epb, idb, isb, pcapFile, shb, spb } from '../../test/helpers/capture-build.js';
import { chunkSizes, parseInChunks } from '../../test/helpers/capture-collect.js';
import { CaptureParser, looksLikeCapture } from './index.js';

const pcap = pcapFile(
  Array.from({ length: 25 }, (_, i) => ({ data: Buffer.alloc(40 + i * 7, i), sec: 1_600_000_000 + i, frac: i * 1000 })),
  { littleEndian: false },
);
const pcapng = Buffer.concat([
  shb(),
  idb(1, { tsresol: 9 }),
  idb(113),
  isb(0),
  ...Array.from({ length: 20 }, (_, i) => epb(i % 2, BigInt(i) * 1_000_000_000n + 7n, Buffer.alloc(30 + i * 5, i))),
  block(0xbad, Buffer.alloc(100)),
  spb(Buffer.alloc(50, 0xee)),
  shb(false),
  idb(0, {}, false),
  epb(0, 5n, Buffer.alloc(9, 1), 9, false),
]);

describe('CaptureParser chunking', () => {
  for (const [name, bytes] of [
    ['pcap', pcap],
    ['pcapng', pcapng],
  ] as const) {
    it(`${name}: 1-byte chunks and random splits give the same packets and result as one chunk`, () => {
      const whole = parseInChunks(bytes);
      expect(whole.result.error).toBeUndefined();
      expect(whole.seen.length).toBeGreaterThan(20);
      const byByte = parseInChunks(bytes, [1]);
      expect(byByte.result).toEqual(whole.result);
      expect(byByte.seen).toEqual(whole.seen);
      for (const seed of [1, 2, 3]) {
        const random = parseInChunks(bytes, chunkSizes(500, 97, seed));
        expect(random.result).toEqual(whole.result);
        expect(random.seen).toEqual(whole.seen);
      }
    });

    it(`${name}: a truncated file reports the same error however it was split`, () => {
      const cut = bytes.subarray(0, bytes.length - 7);
      const whole = parseInChunks(cut);
      expect(whole.result.error).toBeDefined();
      expect(parseInChunks(cut, [1]).result).toEqual(whole.result);
      expect(parseInChunks(cut, chunkSizes(300, 61)).result).toEqual(whole.result);
    });
  }

  it('does not depend on the caller keeping its chunk (the leftover is copied)', () => {
    const { seen: expected } = parseInChunks(pcapng);
    const got: Buffer[] = [];
    const p = new CaptureParser((d, start, end) => got.push(Buffer.from(d.subarray(start, end))));
    const scratch = Buffer.alloc(33);
    for (let off = 0; off < pcapng.length; off += 33) {
      const n = pcapng.copy(scratch, 0, off, off + 33);
      p.push(scratch.subarray(0, n));
      scratch.fill(0xff); // the caller reuses its buffer
    }
    expect(p.end().error).toBeUndefined();
    expect(got).toEqual(expected.map((s) => s.data));
  });

  it('ignores input after an error and answers end() twice the same', () => {
    const bad = Buffer.from(pcap);
    bad.writeUInt32BE(0xffff_fff0, 24 + 8);
    const p = new CaptureParser(() => {});
    p.push(bad);
    expect(p.stopped).toBe(true);
    p.push(pcap);
    const r = p.end();
    expect(r.error!.record).toBe(1);
    expect(r.bytesRead).toBe(bad.length + pcap.length);
    expect(p.end()).toBe(r);
  });
});

describe('not a capture', () => {
  it('an empty input', () => {
    expect(parseInChunks(Buffer.alloc(0)).result).toEqual({
      format: 'unknown',
      compressed: false,
      packets: 0,
      bytesRead: 0,
      linkTypes: [],
      interfaces: 0,
      skippedBlocks: 0,
      error: { message: 'empty file: no capture header', offset: 0, record: 0 },
    });
  });

  it('fewer bytes than a magic number', () => {
    expect(parseInChunks(Buffer.from([0xd4, 0xc3]), [1]).result.error!.message).toBe(
      'too short for a capture: 2 bytes, a magic number needs 4',
    );
  });

  it('an HTML page, whatever its name', () => {
    const { result } = parseInChunks(Buffer.from('<html><body>capture.pcap</body></html>'), [2]);
    expect(result.format).toBe('unknown');
    expect(result.packets).toBe(0);
    expect(result.error).toEqual({
      message:
        'not a capture file: starts with 0x3c68746d, expected a pcap magic (a1b2c3d4, a1b23c4d, a1b2cd34 in either byte order) or a pcapng section header (0a0d0d0a)',
      offset: 0,
      record: 0,
    });
  });

  it('gzip given to CaptureParser directly says where to decompress', () => {
    expect(parseInChunks(gzipSync(pcap)).result.error!.message).toMatch(/^gzip-compressed data/);
  });
});

describe('looksLikeCapture', () => {
  it('accepts every pcap magic, a pcapng SHB and gzip-compressed captures', () => {
    expect(looksLikeCapture(pcap.subarray(0, 64))).toBe(true);
    expect(looksLikeCapture(pcapFile([], { littleEndian: true, nano: true }))).toBe(true);
    expect(looksLikeCapture(pcapFile([], { littleEndian: false, modified: true }))).toBe(true);
    expect(looksLikeCapture(pcapng.subarray(0, 64))).toBe(true);
    expect(looksLikeCapture(shb(false))).toBe(true);
    expect(looksLikeCapture(gzipSync(pcapng).subarray(0, 200))).toBe(true);
    expect(looksLikeCapture(gzipSync(pcap))).toBe(true);
  });

  it('rejects other content, short heads and gzip of anything else', () => {
    expect(looksLikeCapture(Buffer.alloc(0))).toBe(false);
    expect(looksLikeCapture(Buffer.from([0xd4, 0xc3, 0xb2]))).toBe(false);
    expect(looksLikeCapture(Buffer.from('%PDF-1.7 ...'))).toBe(false);
    expect(looksLikeCapture(Buffer.from('PK\x03\x04 zip'))).toBe(false);
    expect(looksLikeCapture(gzipSync(Buffer.from('just some text, not a capture')))).toBe(false);
    expect(looksLikeCapture(Buffer.from([0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6]))).toBe(false); // not inflatable
    const badBom = Buffer.from(shb());
    badBom.writeUInt32BE(0xdeadbeef, 8);
    expect(looksLikeCapture(badBom)).toBe(false);
  });
});
