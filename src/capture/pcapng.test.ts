import { describe, expect, it } from 'vitest';
import { block, epb, idb, isb, nrb, pb, shb, spb } from '../../test/helpers/capture-build.js';
import { collector, parseInChunks } from '../../test/helpers/capture-collect.js';
import { CaptureParser } from './parser.js';
import { interfaceTiming, tsresolDivisor } from './pcapng.js';

const ETHERNET = 1;
const NULL_LOOPBACK = 0;
const RAW_IPV4 = 228;
const T0 = 1_700_000_000n;

/** Offsets of each part once concatenated. */
function offsets(parts: Buffer[]): number[] {
  const out: number[] = [];
  let off = 0;
  for (const p of parts) {
    out.push(off);
    off += p.length;
  }
  return out;
}

/**
 * Two interfaces with different link types and resolutions: 0 Ethernet in ns, 1 BSD loopback in
 * 2^-20 s with if_tsoffset 100 s; packets alternate between them; an ISB, an NRB and a custom block
 * sit in between and are skipped.
 */
function twoInterfaces(le = true): Buffer[] {
  return [
    shb(le),
    idb(ETHERNET, { tsresol: 9, snaplen: 262144 }, le),
    nrb(le),
    idb(NULL_LOOPBACK, { tsresol: 0x80 | 20, tsoffset: 100 }, le),
    epb(0, T0 * 1_000_000_000n + 123_456_789n, Buffer.alloc(61, 0x11), 61, le),
    epb(1, (T0 << 20n) + (1n << 19n), Buffer.alloc(44, 0x22), 1000, le, true),
    isb(0, le),
    block(0x40000bad, Buffer.from('custom block body'), le),
    epb(0, (T0 + 1n) * 1_000_000_000n, Buffer.alloc(3, 0x33), 3, le),
  ];
}

describe('pcapng', () => {
  for (const le of [true, false]) {
    it(`reads two interfaces with their own link type, tsresol and tsoffset (${le ? 'LE' : 'BE'} section)`, () => {
      const bytes = Buffer.concat(twoInterfaces(le));
      const { result, seen } = parseInChunks(bytes);
      expect(result).toEqual({
        format: 'pcapng',
        compressed: false,
        packets: 3,
        bytesRead: bytes.length,
        linkTypes: [ETHERNET, NULL_LOOPBACK],
        interfaces: 2,
        skippedBlocks: 3,
      });
      expect(seen.map((s) => s.linkType)).toEqual([ETHERNET, NULL_LOOPBACK, ETHERNET]);
      expect(seen.map((s) => s.data)).toEqual([Buffer.alloc(61, 0x11), Buffer.alloc(44, 0x22), Buffer.alloc(3, 0x33)]);
      expect(seen.map((s) => s.origLen)).toEqual([61, 1000, 3]);
      expect(seen[0]!.ts - 1_700_000_000).toBeCloseTo(0.123456789, 6); // ns units
      expect(seen[1]!.ts).toBeCloseTo(1_700_000_100.5, 6); // 2^-20 units, + 100 s offset
      expect(seen[2]!.ts).toBe(1_700_000_001);
    });
  }

  it("reads an SPB with interface 0's snaplen, and the obsolete PB", () => {
    const bytes = Buffer.concat([
      shb(),
      idb(RAW_IPV4, { snaplen: 30 }),
      epb(0, T0 * 1_000_000n + 250_000n, Buffer.alloc(20, 1)),
      // 30 bytes of a 100-byte packet, padded to 32 in the block: the snaplen says where data ends.
      spb(Buffer.alloc(30, 2), 100),
      // 18 bytes padded to 20: the original length says where data ends.
      spb(Buffer.alloc(18, 3)),
      pb(0, T0 * 1_000_000n + 500_000n, Buffer.alloc(9, 4)),
    ]);
    const { result, seen } = parseInChunks(bytes);
    expect(result.error).toBeUndefined();
    expect(result.packets).toBe(4);
    expect(seen.map((s) => s.data)).toEqual([Buffer.alloc(20, 1), Buffer.alloc(30, 2), Buffer.alloc(18, 3), Buffer.alloc(9, 4)]);
    expect(seen.map((s) => s.origLen)).toEqual([20, 100, 18, 9]);
    expect(seen.every((s) => s.linkType === RAW_IPV4)).toBe(true);
    // SPBs have no time stamp: they carry the previous packet's.
    expect(seen.map((s) => s.ts)).toEqual([1_700_000_000.25, 1_700_000_000.25, 1_700_000_000.25, 1_700_000_000.5]);
  });

  it('starts a new set of interfaces at each SHB, whatever its byte order', () => {
    const bytes = Buffer.concat([
      shb(true),
      idb(ETHERNET),
      idb(ETHERNET),
      epb(1, 1n, Buffer.alloc(4, 1)),
      shb(false),
      idb(NULL_LOOPBACK, {}, false),
      epb(0, 2n, Buffer.alloc(4, 2), 4, false),
    ]);
    const { result, seen } = parseInChunks(bytes);
    expect(result.error).toBeUndefined();
    expect(result.interfaces).toBe(3);
    expect(result.linkTypes).toEqual([ETHERNET, NULL_LOOPBACK]);
    expect(seen.map((s) => [s.linkType, s.data[0]])).toEqual([
      [ETHERNET, 1],
      [NULL_LOOPBACK, 2],
    ]);

    // Interface 1 belonged to the first section only.
    const stale = Buffer.concat([shb(), idb(ETHERNET), idb(ETHERNET), shb(), idb(ETHERNET), epb(1, 1n, Buffer.alloc(4))]);
    const r = parseInChunks(stale).result;
    expect(r.packets).toBe(0);
    expect(r.error).toMatchObject({ record: 6 });
    expect(r.error!.message).toMatch(/EPB block 6 at offset \d+ refers to interface 1, the section has 1/);
  });

  describe('truncated files give the readable packets and where it broke', () => {
    const parts = twoInterfaces();
    const bytes = Buffer.concat(parts);
    const at = offsets(parts);
    const last = parts.length - 1; // the final EPB, block number parts.length
    const lastLen = parts[last]!.length;

    it('cut inside a block header', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, at[last]! + 6));
      expect(seen).toHaveLength(2);
      expect(result.error).toEqual({
        message: `truncated block header: block ${parts.length} at offset ${at[last]} has 6 of 12 bytes`,
        offset: at[last],
        record: parts.length,
      });
    });

    it('cut inside a block body', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, at[last]! + 20));
      expect(seen).toHaveLength(2);
      expect(result.error).toEqual({
        message: `truncated block: block ${parts.length} at offset ${at[last]} has 20 of ${lastLen} bytes`,
        offset: at[last],
        record: parts.length,
      });
    });

    it('cut inside a block trailer', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, bytes.length - 2));
      expect(seen).toHaveLength(2);
      expect(result.error).toEqual({
        message: `truncated block: block ${parts.length} at offset ${at[last]} has ${lastLen - 2} of ${lastLen} bytes (block trailer missing)`,
        offset: at[last],
        record: parts.length,
      });
    });

    it('cut inside a skipped block, body or trailer', () => {
      const custom = 7; // index of the custom block: block number 8
      const len = parts[custom]!.length;
      const body = parseInChunks(bytes.subarray(0, at[custom]! + 16)).result;
      expect(body.packets).toBe(2);
      expect(body.error).toEqual({
        message: `truncated block: block 8 at offset ${at[custom]} (skipped block) has 16 of ${len} bytes`,
        offset: at[custom],
        record: 8,
      });
      const trailer = parseInChunks(bytes.subarray(0, at[custom]! + len - 1)).result;
      expect(trailer.error!.message).toBe(
        `truncated block: block 8 at offset ${at[custom]} (skipped block) has ${len - 1} of ${len} bytes (block trailer missing)`,
      );
    });

    it('cut inside the section header', () => {
      const { result, seen } = parseInChunks(bytes.subarray(0, 20));
      expect(seen).toHaveLength(0);
      expect(result.format).toBe('pcapng');
      expect(result.error).toMatchObject({ offset: 0, record: 1 });
      expect(result.error!.message).toMatch(/^truncated block: block 1 at offset 0 has 20 of 28 bytes/);
    });
  });

  describe('corruption gives the packets before it and a located error', () => {
    it('a trailer that disagrees with the header', () => {
      const parts = twoInterfaces();
      const at = offsets(parts);
      const bytes = Buffer.concat(parts);
      const fifth = at[5]!;
      bytes.writeUInt32LE(4, fifth + parts[5]!.length - 4);
      const { result, seen } = parseInChunks(bytes);
      expect(seen).toHaveLength(1);
      expect(result.error).toMatchObject({ offset: fifth, record: 6 });
      expect(result.error!.message).toBe(
        `block trailer mismatch: block 6 at offset ${fifth} (EPB) ends with length 4, its header says ${parts[5]!.length}`,
      );
    });

    it('a skipped block whose trailer disagrees', () => {
      const parts = twoInterfaces();
      const at = offsets(parts);
      const bytes = Buffer.concat(parts);
      bytes.writeUInt32LE(12, at[6]! + parts[6]!.length - 4); // the ISB
      const { result } = parseInChunks(bytes);
      expect(result.packets).toBe(2);
      expect(result.error).toMatchObject({ offset: at[6], record: 7 });
      expect(result.error!.message).toMatch(/^block trailer mismatch: block 7 at offset \d+ ends with length 12/);
    });

    it('absurd or misaligned block lengths', () => {
      const parts = twoInterfaces();
      const at = offsets(parts);
      for (const [len, why] of [
        [0x7fff_fff0, 'longer than the limit 327680'],
        [30, 'not a multiple of 4'],
        [8, 'shorter than the minimum 32'],
      ] as const) {
        const bytes = Buffer.concat(parts);
        bytes.writeUInt32LE(len, at[4]! + 4);
        const { result } = parseInChunks(bytes);
        expect(result.packets).toBe(0);
        expect(result.error).toEqual({
          message: `corrupt block header: block 5 at offset ${at[4]} (EPB) has total length ${len}: ${why}`,
          offset: at[4],
          record: 5,
        });
      }
    });

    it('a captured length larger than its block', () => {
      const bytes = Buffer.concat([shb(), idb(ETHERNET), epb(0, 1n, Buffer.alloc(8))]);
      bytes.writeUInt32LE(200, bytes.length - 40 + 20); // caplen of the 40-byte EPB
      const { result } = parseInChunks(bytes);
      expect(result.error!.message).toMatch(/corrupt packet block: block 3 at offset \d+ claims 200 captured bytes in a 40-byte block/);
    });

    it('an SPB before any interface, a bad byte-order magic', () => {
      expect(parseInChunks(Buffer.concat([shb(), spb(Buffer.alloc(4))])).result.error!.message).toMatch(
        /simple packet block 2 at offset 28 comes before any interface description/,
      );
      const bad = Buffer.concat([shb(), idb(ETHERNET)]);
      bad.writeUInt32BE(0x12345678, 8);
      expect(parseInChunks(bad).result.error).toEqual({
        message: 'corrupt section header: block 1 at offset 0 has byte-order magic 0x12345678, expected 0x1a2b3c4d in either byte order',
        offset: 0,
        record: 1,
      });
    });
  });

  it('steps over a large unknown block without holding it whole', () => {
    const big = block(0x00000bad, Buffer.alloc(4 << 20, 0x5a)); // 4 MiB: above the 1 MiB buffered-block limit
    const bytes = Buffer.concat([shb(), idb(ETHERNET), big, epb(0, 1n, Buffer.alloc(10, 7))]);
    const { seen, onPacket } = collector();
    const parser = new CaptureParser(onPacket);
    let held = 0;
    for (let off = 0; off < bytes.length; off += 65536) {
      parser.push(bytes.subarray(off, off + 65536));
      // What the parser keeps between chunks (private: this test is about memory, not the API).
      held = Math.max(held, (parser as unknown as { pending: Buffer }).pending.length);
    }
    const result = parser.end();
    expect(held).toBeLessThanOrEqual(65536);
    expect(result.error).toBeUndefined();
    expect(result.skippedBlocks).toBe(1);
    expect(seen.map((s) => s.data)).toEqual([Buffer.alloc(10, 7)]);
  });
});

describe('IDB options', () => {
  it('tsresol: powers of 10 and of 2', () => {
    expect(tsresolDivisor(6)).toBe(1e6);
    expect(tsresolDivisor(9)).toBe(1e9);
    expect(tsresolDivisor(0)).toBe(1);
    expect(tsresolDivisor(0x80 | 10)).toBe(1024);
  });

  it('a malformed option list keeps the defaults instead of failing the interface', () => {
    const opts = Buffer.from([9, 0, 200, 0, 9]); // if_tsresol claiming 200 bytes in a 5-byte list
    expect(interfaceTiming(opts, 0, opts.length, true)).toEqual({ divisor: 1e6, offset: 0 });
  });
});
