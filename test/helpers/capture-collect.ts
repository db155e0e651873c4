/** Test helpers that run the capture reader and keep copies of what it delivered. */
import { CaptureParser } from '../../src/capture/index.js';
import type { CaptureResult, PacketHandler } from '../../src/capture/index.js';

export interface Seen {
  data: Buffer; // a copy: the reader's buffer is only valid during the call
  ts: number;
  linkType: number;
  origLen: number;
}

export function collector(): { seen: Seen[]; onPacket: PacketHandler } {
  const seen: Seen[] = [];
  return {
    seen,
    onPacket: (buf, start, end, ts, linkType, origLen) => seen.push({ data: Buffer.from(buf.subarray(start, end)), ts, linkType, origLen }),
  };
}

/** Feeds `bytes` to a CaptureParser in chunks of the given sizes (cycled). */
export function parseInChunks(bytes: Buffer, sizes: number[] = [bytes.length]): { result: CaptureResult; seen: Seen[] } {
  const { seen, onPacket } = collector();
  const p = new CaptureParser(onPacket);
  let off = 0;
  for (let i = 0; off < bytes.length; i++) {
    const n = Math.max(1, sizes[i % sizes.length]!);
    p.push(bytes.subarray(off, off + n));
    off += n;
  }
  return { result: p.end(), seen };
}

/** Deterministic pseudo-random chunk sizes in [1, max] (xorshift), for split-anywhere tests. */
export function chunkSizes(count: number, max: number, seed = 0x9e3779b9): number[] {
  const out: number[] = [];
  let x = seed >>> 0;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(1 + (x % max));
  }
  return out;
}
