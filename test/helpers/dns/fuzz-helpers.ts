/** Test helper (not used by the pipeline): seeded mutations of valid messages for the fuzz tests. */

/** xorshift32: the same inputs on every run, so a failure reproduces. */
export { xorshift32 as rng } from '../../../bench/gen/rng.js';

/** A mutated copy: bit flips, byte overwrites (often compression pointers), truncation, or random bytes. */
export function mutate(seedMsg: Buffer, r: () => number): Buffer {
  const kind = Math.floor(r() * 5);
  if (kind === 4) return Buffer.from(Array.from({ length: Math.floor(r() * 300) }, () => Math.floor(r() * 256)));
  const b = Buffer.from(seedMsg);
  if (kind === 3) return b.subarray(0, Math.floor(r() * b.length));
  const n = 1 + Math.floor(r() * 6);
  for (let i = 0; i < n && b.length > 0; i++) {
    const at = Math.floor(r() * b.length);
    if (kind === 0) b[at] ^= 1 << Math.floor(r() * 8);
    else if (kind === 1) b[at] = Math.floor(r() * 256);
    else {
      // a compression pointer to anywhere, the usual way to build loops
      b[at] = 0xc0 | Math.floor(r() * 4);
      if (at + 1 < b.length) b[at + 1] = Math.floor(r() * 256);
    }
  }
  return b;
}
