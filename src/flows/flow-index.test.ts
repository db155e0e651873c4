import { describe, expect, it } from 'vitest';
import { FlowIndex4 } from './flow-index.js';
import { tupleHash } from './flow-key.js';

type Key = [lo: number, hi: number, ports: number, proto: number];
const name = (k: Key): string => k.join('|');

describe('FlowIndex4', () => {
  it('answers as a Map over random adds and deletes, through growth and long probe runs', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    // few distinct addresses and ports: keys that differ in one part only, and many sharing home slots
    const keyOf = (): Key => [(0x0a000000 + rnd(40)) | 0, (0xc0a80000 + rnd(40)) | 0, ((40000 + rnd(30)) << 16) | 502, rnd(2) ? 6 : 17];
    const index = new FlowIndex4<string>();
    const ref = new Map<string, string>();
    const keys: Key[] = [];
    for (let i = 0; i < 40000; i++) {
      const k = i < 30000 && rnd(3) > 0 ? keyOf() : (keys[rnd(keys.length || 1)] ?? keyOf());
      const h = tupleHash(...k);
      if (ref.has(name(k))) {
        expect(index.get(...k, h)).toBe(ref.get(name(k)));
        if (rnd(2)) {
          expect(index.delete(...k, h)).toBe(true);
          ref.delete(name(k));
          expect(index.get(...k, h)).toBeUndefined();
        }
      } else {
        expect(index.get(...k, h)).toBeUndefined();
        expect(index.delete(...k, h)).toBe(false);
        index.add(...k, h, `v${i}`);
        ref.set(name(k), `v${i}`);
        keys.push(k);
      }
      expect(index.size).toBe(ref.size);
    }
    expect(ref.size).toBeGreaterThan(9000); // grew past its first slots
    for (const k of keys) expect(index.get(...k, tupleHash(...k))).toBe(ref.get(name(k)));
  });

  it('finds keys whose hashes share a home slot after others of the run are deleted', () => {
    // keys whose home slots (the hash's low 14 bits, in the first 16,384 slots) are 100, 101 and 102: one run
    const keys: Key[] = [];
    for (let i = 1; keys.length < 24; i++) {
      const k: Key = [i, 2, 3, 6];
      const home = tupleHash(...k) & 16383;
      if (home >= 100 && home <= 102 && keys.filter((x) => (tupleHash(...x) & 16383) === home).length < 8) keys.push(k);
    }
    const index = new FlowIndex4<number>();
    keys.forEach((k, i) => index.add(...k, tupleHash(...k), i));
    const gone = [0, 5, 6, 23, 10, 11];
    for (const i of gone) expect(index.delete(...keys[i]!, tupleHash(...keys[i]!))).toBe(true);
    keys.forEach((k, i) => expect(index.get(...k, tupleHash(...k))).toBe(gone.includes(i) ? undefined : i));
    expect(index.size).toBe(keys.length - gone.length);
  });

  it('forgets every key at clear, and takes keys again', () => {
    const index = new FlowIndex4<number>();
    const keys: Key[] = Array.from({ length: 9000 }, (_, i) => [i, i + 1, 80, 6]); // grown once
    keys.forEach((k, i) => index.add(...k, tupleHash(...k), i));
    index.clear();
    expect(index.size).toBe(0);
    for (const k of keys) expect(index.get(...k, tupleHash(...k))).toBeUndefined();
    index.add(...keys[3]!, tupleHash(...keys[3]!), 33);
    expect(index.get(...keys[3]!, tupleHash(...keys[3]!))).toBe(33);
    expect(index.size).toBe(1);
  });

  it('refuses protocol 0, its mark of an empty slot', () => {
    expect(() => new FlowIndex4<number>().add(1, 2, 3, 0, 5, 1)).toThrow(RangeError);
  });
});
