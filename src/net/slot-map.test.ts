import { describe, expect, it } from 'vitest';
import { SlotMap } from './slot-map.js';

/** Same answers and the same oldest-first order as a Map, whatever the sequence of operations. */
describe('SlotMap', () => {
  it('behaves as a Map<number, V> under random operations', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    for (const keySpace of [1, 2, 3, 8, 64]) {
      const ref = new Map<number, string>();
      const sm = new SlotMap<string>();
      for (let i = 0; i < 4000; i++) {
        const k = rnd(keySpace);
        const op = rnd(10);
        if (op < 4) {
          ref.set(k, `v${i}`);
          sm.set(k, `v${i}`);
        } else if (op < 7) {
          expect(sm.delete(k)).toBe(ref.delete(k));
        } else if (op < 8) {
          const oldest = ref.keys().next().value;
          expect(sm.oldestKey()).toBe(oldest);
          if (oldest !== undefined) {
            ref.delete(oldest);
            sm.delete(oldest);
          }
        } else if (op < 9 && rnd(50) === 0) {
          ref.clear();
          sm.clear();
        }
        expect(sm.get(k)).toBe(ref.get(k));
        expect(sm.has(k)).toBe(ref.has(k));
        expect(sm.size).toBe(ref.size);
      }
    }
  });

  it('keeps the first entry in place when its value is replaced, and spills in order', () => {
    const sm = new SlotMap<number>();
    sm.set(7, 1);
    sm.set(7, 2);
    expect(sm.size).toBe(1);
    expect(sm.get(7)).toBe(2);
    sm.set(3, 3);
    expect(sm.oldestKey()).toBe(7);
    sm.delete(7);
    expect(sm.oldestKey()).toBe(3);
    expect(sm.get(7)).toBeUndefined();
  });
});
