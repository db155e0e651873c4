import { getHeapStatistics } from 'node:v8';
import { describe, expect, it, vi } from 'vitest';
import { LARGE_HEAP_GROWTH, limitHeapGrowthWhenLarge, SMALL_HEAP_GROWTH } from './heap-growth.js';

describe('limitHeapGrowthWhenLarge', () => {
  it('lets a small heap grow fast from the first thread, limits it once large, then stops; watches once per thread', async () => {
    const calls: string[] = [];
    const large = getHeapStatistics().used_heap_size + 16 * 2 ** 20;
    const timer = limitHeapGrowthWhenLarge(true, large, (f) => calls.push(f));
    expect(calls).toEqual([SMALL_HEAP_GROWTH]);
    expect(limitHeapGrowthWhenLarge(false, 0, (f) => calls.push(`second: ${f}`))).toBe(timer);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(1); // still small: nothing more
    // the heap grows past the threshold (32 MiB kept alive)
    const kept = Array.from({ length: 32 }, () => Array.from({ length: 2 ** 17 }, (_, i) => ({ i })));
    await new Promise((r) => setTimeout(r, 60));
    expect(kept.length).toBe(32);
    expect(calls).toEqual([SMALL_HEAP_GROWTH, LARGE_HEAP_GROWTH]);
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(2); // stopped
  });
});

describe('limitHeapGrowth (a full flow table)', () => {
  it('limits the growth at once and once, after which a watch started later never lets the heap grow fast', async () => {
    vi.resetModules(); // a thread of its own: this module's state afresh
    const fresh = await import('./heap-growth.js');
    const calls: string[] = [];
    fresh.limitHeapGrowth(false, (f) => calls.push(f));
    fresh.limitHeapGrowth(false, (f) => calls.push(f));
    expect(calls).toEqual([LARGE_HEAP_GROWTH]);
    fresh.limitHeapGrowthWhenLarge(true, Number.MAX_SAFE_INTEGER, (f) => calls.push(f));
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toEqual([LARGE_HEAP_GROWTH]);
  });
});
