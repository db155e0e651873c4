/**
 * When the live agent flushes. Two rules:
 * - one flush at a time: the next one is scheduled when the last has ended. A timer that fired every interval
 *   whatever happened started a second flush while the first waited on its audit, and under load flushes piled
 *   up (measured: eight flushes of 7 to 17 s each running side by side in a 20 s benchmark run);
 * - flushes take at most `maxShare` of the agent's thread. A flush costs about the same whatever the window's
 *   length (it writes every path that had traffic), so when one takes long the wait before the next one
 *   stretches: the thread that decodes the traffic is the same, and a window flushed too often starves it.
 *   The window is then longer than asked: a crash loses more; `stretched` says so for the log.
 */
export interface FlushScheduleOptions {
  /** The interval asked for (flush_seconds), in ms. */
  everyMs: number;
  /** Share of the time flushes may take (0 to 1; default 0.25). */
  maxShare?: number;
  /** Called when the wait before the next flush is longer than asked (once per stretched flush). */
  stretched?: (waitMs: number, flushMs: number) => void;
}

export class FlushSchedule {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private readonly maxShare: number;

  constructor(
    private readonly flush: () => Promise<unknown>,
    private readonly o: FlushScheduleOptions,
  ) {
    this.maxShare = Math.min(1, Math.max(0.01, o.maxShare ?? 0.25));
  }

  start(): void {
    this.stopped = false;
    this.schedule(this.o.everyMs);
  }

  /** The wait after a flush that took `flushMs`: the interval asked for, or longer so that flushes keep their share. */
  waitAfter(flushMs: number): number {
    const asked = Math.max(0, this.o.everyMs - flushMs);
    const fair = flushMs / this.maxShare - flushMs;
    return Math.max(asked, fair);
  }

  /** Stops scheduling; resolves once a flush in progress has ended (the caller's last flush must not overlap it). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      const t = performance.now();
      // the flush reports its own failures; a rejection here must not end the schedule
      this.running = this.flush()
        .catch(() => undefined)
        .then(() => {
          this.running = undefined;
          const took = performance.now() - t;
          const wait = this.waitAfter(took);
          if (wait > Math.max(0, this.o.everyMs - took) + 1) this.o.stretched?.(wait, took);
          this.schedule(wait);
        });
    }, ms);
  }
}
