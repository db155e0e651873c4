import { describe, expect, it } from 'vitest';
import { pcapFile, pcapHeader, pcapRecord } from '../../test/helpers/capture-build.js';
import type { PcapOptions, PcapRecord } from '../../test/helpers/capture-build.js';
import { parseInChunks } from '../../test/helpers/capture-collect.js';

/** Three records of distinct sizes and contents, so that a mix-up shows. */
function records(): PcapRecord[] {
  return [
    { data: Buffer.alloc(60, 0xa1), sec: 1_700_000_000, frac: 123_456 },
    { data: Buffer.alloc(70, 0xb2), sec: 1_700_000_001, frac: 999_999, origLen: 1514 },
    { data: Buffer.alloc(80, 0xc3), sec: 1_700_000_002, frac: 0 },
  ];
}

/** Offset of each record in a file built by pcapFile, from the sizes of its parts. */
function recordOffsets(recs: PcapRecord[], o: PcapOptions = {}): number[] {
  const out: number[] = [];
  let off = pcapHeader(o).length;
  for (const r of recs) {
    out.push(off);
    off += pcapRecord(r, o).length;
  }
  return out;
}

describe('classic pcap', () => {
  for (const littleEndian of [true, false]) {
    it(`reads a ${littleEndian ? 'little' : 'big'}-endian file: data, µs time stamps, link type, original length`, () => {
      const recs = records();
      const bytes = pcapFile(recs, { littleEndian, linkType: 113 });
      expect(bytes.readUInt32BE(0)).toBe(littleEndian ? 0xd4c3b2a1 : 0xa1b2c3d4);
      const { result, seen } = parseInChunks(bytes);
      expect(result).toEqual({
        format: 'pcap',
        compressed: false,
        packets: 3,
        bytesRead: bytes.length,
        linkTypes: [113],
        interfaces: 1,
        skippedBlocks: 0,
      });
      expect(seen.map((s) => s.data)).toEqual(recs.map((r) => r.data));
      expect(seen.map((s) => s.linkType)).toEqual([113, 113, 113]);
      expect(seen.map((s) => s.origLen)).toEqual([60, 1514, 80]);
      expect(seen[0]!.ts).toBeCloseTo(1_700_000_000.123456, 6);
      expect(seen[1]!.ts).toBeCloseTo(1_700_000_001.999999, 6);
      expect(seen[2]!.ts).toBe(1_700_000_002);
    });
  }

  for (const littleEndian of [true, false]) {
    it(`reads nanosecond time stamps (${littleEndian ? 'LE' : 'BE'}) as fractions of a second, not µs`, () => {
      const bytes = pcapFile(
        [
          { data: Buffer.alloc(20, 1), sec: 1_700_000_000, frac: 123_456_789 },
          { data: Buffer.alloc(20, 2), sec: 1_700_000_000, frac: 999_999_000 },
          { data: Buffer.alloc(20, 3), sec: 1_700_000_000, frac: 1_500 },
        ],
        { littleEndian, nano: true },
      );
      const { result, seen } = parseInChunks(bytes);
      expect(result.error).toBeUndefined();
      expect(result.packets).toBe(3);
      // A double at 1.7e9 s resolves ~0.24 µs: that is where precision ends (999_999_999 ns rounds up
      // to the next second), so the checks stop at the µs digit.
      expect(seen[0]!.ts - 1_700_000_000).toBeCloseTo(0.123456789, 6);
      expect(seen[1]!.ts).toBeLessThan(1_700_000_001);
      expect(seen[1]!.ts - 1_700_000_000).toBeCloseTo(0.999999, 6);
      expect(seen[2]!.ts - 1_700_000_000).toBeCloseTo(0.0000015, 6);
      expect(seen[2]!.ts).toBeGreaterThan(seen[0]!.ts - 1); // and read in order
    });
  }

  it('reads the modified pcap variant (24-byte record headers)', () => {
    const recs = records();
    const bytes = pcapFile(recs, { modified: true, littleEndian: true });
    expect(bytes.readUInt32BE(0)).toBe(0x34cdb2a1);
    const { result, seen } = parseInChunks(bytes);
    expect(result.error).toBeUndefined();
    expect(seen.map((s) => s.data)).toEqual(recs.map((r) => r.data));
  });

  it('keeps the low 16 bits of the link-type field (the high bits carry FCS flags)', () => {
    const bytes = pcapHeader({ linkType: 0x1000_0001 });
    const { result } = parseInChunks(Buffer.concat([bytes, pcapRecord(records()[0]!)]));
    expect(result.linkTypes).toEqual([1]);
  });

  describe('truncated files give the readable packets and where it broke', () => {
    const recs = records();
    const bytes = pcapFile(recs);
    const [, , third] = recordOffsets(recs);

    it('cut inside the file header', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, 10));
      expect(seen).toHaveLength(0);
      expect(result.format).toBe('pcap');
      expect(result.error).toEqual({ message: 'truncated pcap file header: 10 of 24 bytes', offset: 0, record: 0 });
    });

    it('cut inside a record header', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, third! + 10));
      expect(seen).toHaveLength(2);
      expect(result.packets).toBe(2);
      expect(result.error).toMatchObject({ offset: third, record: 3 });
      expect(result.error!.message).toBe(`truncated record header: record 3 at offset ${third} has 10 of 16 header bytes`);
    });

    it('cut inside a record body', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, third! + 16 + 5));
      expect(seen).toHaveLength(2);
      expect(result.error).toMatchObject({ offset: third, record: 3 });
      expect(result.error!.message).toMatch(
        /^truncated record body: record 3 at offset \d+ needs 96 bytes \(16-byte header \+ 80 captured\), the file ends after 21$/,
      );
    });

    it('cut one byte before the end', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, bytes.length - 1));
      expect(seen).toHaveLength(2);
      expect(result.error!.record).toBe(3);
    });

    it('cut on a record boundary is a complete (shorter) file', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, third));
      expect(seen).toHaveLength(2);
      expect(result.error).toBeUndefined();
    });
  });

  it('treats an absurd captured length as corruption, after delivering the records before it', () => {
    const recs = records();
    const bytes = pcapFile(recs, { snaplen: 65535 });
    const [, second] = recordOffsets(recs);
    bytes.writeUInt32LE(0x7fff_ffff, second! + 8); // incl_len of record 2
    const { result, seen } = parseInChunks(bytes);
    expect(seen).toHaveLength(1);
    expect(result.packets).toBe(1);
    expect(result.error).toMatchObject({ offset: second, record: 2 });
    expect(result.error!.message).toMatch(
      /corrupt record header: record 2 .* claims 2147483647 captured bytes, more than the limit 131070/,
    );
  });

  it('bounds the captured length by a small snaplen too', () => {
    const bytes = pcapFile([{ data: Buffer.alloc(70_000), sec: 1, frac: 0 }], { snaplen: 96 });
    const { result } = parseInChunks(bytes);
    expect(result.packets).toBe(0);
    expect(result.error!.message).toMatch(/claims 70000 captured bytes, more than the limit 65535 \(snaplen 96\)/);
    // While a caplen a bit above snaplen is tolerated (some writers do it).
    const ok = parseInChunks(pcapFile([{ data: Buffer.alloc(100), sec: 1, frac: 0 }], { snaplen: 96 }));
    expect(ok.result.error).toBeUndefined();
    expect(ok.result.packets).toBe(1);
  });
});
