import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { limitHeapGrowthWhenLarge } from './heap-growth.js';

describe('limitHeapGrowthWhenLarge', () => {
  it('limits the growth once the heap holds the threshold, then stops watching, and watches once per thread', async () => {
    const calls: string[] = [];
    // a threshold this thread's heap is past already, and one it cannot reach: only the first call watches
    const used = getHeapStatistics().used_heap_size;
    const timer = limitHeapGrowthWhenLarge(Math.floor(used / 2), (f) => calls.push(f));
    expect(limitHeapGrowthWhenLarge(Number.MAX_SAFE_INTEGER, (f) => calls.push(`second: ${f}`))).toBe(timer);
    await new Promise((r) => setTimeout(r, 120));
    expect(calls).toEqual(['--heap-growing-percent=50']);
    // stopped: no second setting however long the heap stays large
    await new Promise((r) => setTimeout(r, 60));
    expect(calls).toHaveLength(1);
  });
});
