/**
 * How fast V8's old space may grow, for the CLI's reads and the live agent, by the size of the heap:
 *
 * - below LARGE_HEAP_BYTES, six times the live size after a full collection (the process's first thread sets it
 *   at start): the first full collection of an analysis comes early (at ~20 MiB), and V8's own factor (up to 4x,
 *   less when collections are quick) then set a limit that a 2,000-asset plant, whose data all stays live, reached
 *   during its save: a second full collection, 40 ms of a 1 s analysis.
 * - from LARGE_HEAP_BYTES, half the live size: a scan's flows, ended by the flow table's bound, would otherwise
 *   leave hundreds of MiB of garbage before V8 collects it (a 1M-SYN scan peaked at 330 MiB in one thread with
 *   V8's factor). Set from the start, it cost the plant 50 ms of full collections.
 *
 * A full flow table limits the growth at once (limitHeapGrowth, from src/flows/flow-table.ts): the flows it ends
 * from then on are garbage at the rate new ones come, a scan's pattern (1M SYNs: 197 MiB in one thread, 249 MiB in
 * two; 375 MiB in two when only the heap's size decided).
 *
 * The heap is looked at between reads (a capture read awaits each chunk; the live agent waits for packets): a
 * synchronous phase after the read (the inventory's result, the save) never pays for the check. V8 reads the flag
 * at each full collection, in every thread of the process: the thread whose heap gets large first limits them all,
 * and no thread but the first ever lets the heap grow faster.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const LARGE_HEAP_BYTES = 64 * 2 ** 20;
const CHECK_EVERY_MS = 20;

export const SMALL_HEAP_GROWTH = '--heap-growing-percent=500';
export const LARGE_HEAP_GROWTH = '--heap-growing-percent=50';

let watching: ReturnType<typeof setInterval> | undefined;
let limited = false;

/**
 * Limit the heap's growth to half the live size from now on, in every thread (once per thread). `collect`: also
 * collect now, so that the limit the last full collection set (up to six times the live size) goes at once rather
 * than at the next one: a 1M-SYN scan peaked at 271 MiB in one thread without, 197 MiB with.
 */
export function limitHeapGrowth(collect: boolean, setFlags: (flags: string) => void = setFlagsFromString): void {
  if (limited) return;
  limited = true;
  if (watching) clearInterval(watching);
  setFlags(LARGE_HEAP_GROWTH);
  if (collect) fullCollection();
}

/** A full garbage collection, through the gc() V8 gives a context made after --expose-gc is set. */
function fullCollection(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

/**
 * Limit the heap's growth once this thread's heap holds `largeBytes` (once per thread: later calls return the same
 * watch, stopped once the heap is large). `firstThread`: the process's first thread, which also lets a small heap
 * grow fast from now on (a worker thread must not: the heap of another thread may be large already).
 * `largeBytes` and `setFlags` are for tests.
 */
export function limitHeapGrowthWhenLarge(
  firstThread: boolean,
  largeBytes = LARGE_HEAP_BYTES,
  setFlags: (flags: string) => void = setFlagsFromString,
): ReturnType<typeof setInterval> {
  if (watching) return watching;
  const timer = setInterval(() => {
    if (getHeapStatistics().used_heap_size >= largeBytes) limitHeapGrowth(false, setFlags);
  }, CHECK_EVERY_MS);
  timer.unref();
  watching = timer;
  if (limited)
    clearInterval(timer); // limited already: nothing to watch for
  else if (firstThread && getHeapStatistics().used_heap_size < largeBytes) setFlags(SMALL_HEAP_GROWTH);
  return timer;
}
