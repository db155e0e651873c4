/**
 * How fast V8's old space may grow, for the CLI's long reads and the live agent. By default the heap limit after a
 * full collection is up to 4x the live size: a scan's flows, ended by the flow table's bound, then leave hundreds
 * of MiB of garbage before V8 collects it (a 1M-SYN scan peaked at 330 MiB in one thread). Past LARGE_HEAP_BYTES of
 * heap the growth is limited to half the live size. Limited from the start, the same setting cost an analysis of a
 * 2,000-asset plant, whose data all stays live, 50 ms (5%) of extra full collections.
 *
 * The heap is looked at between reads (a capture read awaits each chunk; the live agent waits for packets): a
 * synchronous phase after the read (the inventory's result, the save) never pays for the check. V8 reads the flag
 * at each full collection, in every thread of the process: a worker shard that gets there first limits them all.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';

const LARGE_HEAP_BYTES = 64 * 2 ** 20;
const CHECK_EVERY_MS = 20;

let watching: ReturnType<typeof setInterval> | undefined;

/**
 * From now on, limit the heap's growth once this thread's heap holds `largeBytes` (once per thread: later calls
 * return the same watch). Returns the timer, stopped once the limit is set. `setFlags` is for tests.
 */
export function limitHeapGrowthWhenLarge(
  largeBytes = LARGE_HEAP_BYTES,
  setFlags: (flags: string) => void = setFlagsFromString,
): ReturnType<typeof setInterval> {
  if (watching) return watching;
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size < largeBytes) return;
    setFlags('--heap-growing-percent=50');
    clearInterval(timer);
  }, CHECK_EVERY_MS);
  timer.unref();
  return (watching = timer);
}
