/**
 * The live agent's flush schedule, on real timers: never two flushes at once, however long one takes; a flush
 * that takes long pushes the next one back so that flushes keep their share of the thread; stop() waits for
 * the flush in progress; a failed flush does not end the schedule.
 */
import { describe, expect, it } from 'vitest';
import { FlushSchedule } from './flush-schedule.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('flush schedule', () => {
  it('waits the interval asked for after a quick flush, longer after a slow one', () => {
    const s = new FlushSchedule(async () => {}, { everyMs: 2000, maxShare: 0.25 });
    expect(s.waitAfter(100)).toBe(1900);
    expect(s.waitAfter(500)).toBe(1500);
    // 1 s of flush may be a quarter of the time: 3 s of decoding after it
    expect(s.waitAfter(1000)).toBe(3000);
    expect(s.waitAfter(4000)).toBe(12000);
  });

  it('never runs two flushes at once, even when each takes longer than the interval', async () => {
    let running = 0;
    let most = 0;
    let count = 0;
    const s = new FlushSchedule(
      async () => {
        running++;
        most = Math.max(most, running);
        count++;
        await sleep(60);
        running--;
      },
      { everyMs: 10, maxShare: 1 },
    );
    s.start();
    await sleep(400);
    await s.stop();
    expect(most).toBe(1);
    expect(count).toBeGreaterThanOrEqual(3);
    expect(running).toBe(0);
  });

  it('stretches the wait after a slow flush and says so', async () => {
    const starts: number[] = [];
    const stretched: { waitMs: number; flushMs: number }[] = [];
    const s = new FlushSchedule(
      async () => {
        starts.push(performance.now());
        await sleep(50);
      },
      { everyMs: 10, maxShare: 0.25, stretched: (waitMs, flushMs) => stretched.push({ waitMs, flushMs }) },
    );
    s.start();
    await sleep(700);
    await s.stop();
    expect(starts.length).toBeGreaterThanOrEqual(2);
    // a 50 ms flush at a quarter share: three times its length of waiting after it (timers may fire a little
    // early, so the flush is measured, not assumed), about 200 ms from start to start
    expect(stretched.length).toBeGreaterThanOrEqual(1);
    for (const { waitMs, flushMs } of stretched) {
      expect(flushMs).toBeGreaterThanOrEqual(45);
      expect(waitMs).toBeCloseTo(flushMs * 3, 6);
    }
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(180);
  });

  it('stop() resolves only once the flush in progress has ended, and no flush starts after it', async () => {
    let ended = 0;
    let started = 0;
    const s = new FlushSchedule(
      async () => {
        started++;
        await sleep(100);
        ended++;
      },
      { everyMs: 5 },
    );
    s.start();
    await sleep(30); // the first flush is under way
    await s.stop();
    expect(started).toBe(1);
    expect(ended).toBe(1);
    await sleep(100);
    expect(started).toBe(1);
  });

  it('goes on after a flush that failed', async () => {
    let calls = 0;
    const s = new FlushSchedule(
      async () => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
      },
      { everyMs: 10 },
    );
    s.start();
    await sleep(150);
    await s.stop();
    expect(calls).toBeGreaterThanOrEqual(3);
  });
});
