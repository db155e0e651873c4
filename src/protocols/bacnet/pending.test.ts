import { describe, expect, it } from 'vitest';
import { PendingServices } from './pending.js';

describe('PendingServices', () => {
  it("answers as a Map used the decoder's way (delete, set, evict the oldest past a bound)", () => {
    let seed = 99;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const [keys, max] of [
      [512, 256],
      [40, 16],
      [12, 10], // around the short arrays' size, where the table takes over
      [3, 2],
    ] as const) {
      const ref = new Map<number, number>();
      const p = new PendingServices(max);
      for (let i = 0; i < 6000; i++) {
        const k = rnd(keys);
        const op = rnd(10);
        if (op < 6) {
          const svc = rnd(40);
          ref.delete(k);
          ref.set(k, svc);
          if (ref.size > max) ref.delete(ref.keys().next().value!);
          p.delete(k);
          p.set(k, svc);
          p.evictOver(max);
        } else if (op < 8) {
          expect(p.delete(k)).toBe(ref.delete(k));
        } else if (op === 8 && rnd(100) === 0) {
          ref.clear();
          p.clear();
        }
        expect(p.get(k)).toBe(ref.get(k));
        expect(p.size).toBe(ref.size);
      }
      for (let k = 0; k < keys; k++) expect(p.get(k)).toBe(ref.get(k));
    }
  });

  it('renews (delete, set, evict past its bound) as that Map', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const [keys, max] of [
      [512, 256],
      [40, 16],
      [3, 2],
      [300, 256],
    ] as const) {
      const ref = new Map<number, number>();
      const p = new PendingServices(max);
      for (let i = 0; i < 20000; i++) {
        const k = rnd(keys);
        const svc = rnd(40);
        ref.delete(k);
        ref.set(k, svc);
        if (ref.size > max) ref.delete(ref.keys().next().value!);
        p.renew(k, svc);
        const op = rnd(40);
        // reads now and then, between runs of renewals
        if (op === 0) {
          const q = rnd(keys);
          expect(p.get(q)).toBe(ref.get(q));
        } else if (op === 1) expect(p.size).toBe(ref.size);
        else if (op === 2) expect(p.delete(k)).toBe(ref.delete(k));
      }
      for (let k = 0; k < keys; k++) expect(p.get(k)).toBe(ref.get(k));
      expect(p.size).toBe(ref.size);
    }
  });

  it('keeps a present key in place when its service changes', () => {
    const p = new PendingServices(256);
    p.set(1, 12);
    p.set(2, 15);
    p.set(1, 14);
    p.evictOver(1);
    expect(p.get(1)).toBeUndefined();
    expect(p.get(2)).toBe(15);
  });

  it('keeps every key and service whole, in the short array and in the table', () => {
    for (const n of [3, 8, 9, 40]) {
      const p = new PendingServices(512);
      // the largest keys and services an entry can hold, and zeros
      const entries = Array.from({ length: n }, (_, i) => [i === 0 ? 0 : 511 - i, i % 2 === 0 ? 0x7ffe : i] as const);
      for (const [k, svc] of entries) p.set(k, svc);
      expect(p.size).toBe(n);
      for (const [k, svc] of entries) expect(p.get(k)).toBe(svc);
      expect(p.get(1)).toBeUndefined();
      p.evictOver(n - 1); // the oldest goes: key 0
      expect(p.get(0)).toBeUndefined();
      expect(p.get(entries[1]![0])).toBe(entries[1]![1]);
    }
    expect(() => new PendingServices(4).set(512, 1)).toThrow(RangeError);
    expect(() => new PendingServices(4).set(1, 0x7fff)).toThrow(RangeError);
  });
});
