/**
 * Merging what the shards of a sharded `otwatch stats` return (src/pipeline/statistics.ts): each shard decoded a disjoint
 * set of flows, so the oracle-format sections combine generically (counts sum, sets unite) and the result
 * equals one unsharded run as long as no stats builder keeps state across flows that is not a count or a set.
 */
import type { PipelineCounters } from '../core/counters.js';

/** A section value the generic merge cannot combine (a string, a boolean, a list in an unknown order). */
export class UnmergeableError extends Error {}

/**
 * Lists the oracle sorts by their numbers rather than by code unit: DNP3 `object_groups` ("g2v1" before
 * "g10v2", src/protocols/dnp3/stats.ts sorts by group then variation).
 */
const NATURAL_ORDER_LISTS: ReadonlySet<string> = new Set(['object_groups']);

/** Merge two protocol sections (or any values inside them); `key` names the value, for the lists' order. */
export function mergeValues(a: unknown, b: unknown, key = ''): unknown {
  if (a === undefined) return b;
  if (b === undefined) return a;
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (Array.isArray(a) && Array.isArray(b)) return mergeLists(a, b, key);
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: Record<string, unknown> = {};
    for (const k of mergedKeyOrder(Object.keys(a), Object.keys(b))) out[k] = mergeValues(a[k], b[k], k);
    return out;
  }
  throw new UnmergeableError(`${key || 'value'}: cannot merge ${describe(a)} with ${describe(b)}`);
}

/** Union of two sorted, de-duplicated lists, sorted as the oracle sorts that list. */
function mergeLists(a: unknown[], b: unknown[], key: string): unknown[] {
  const all = [...a, ...b];
  if (all.length === 0) return [];
  // the oracle's list items are JSON of any shape: numbers, strings or objects keyed by `key`
  /* eslint-disable @typescript-eslint/no-explicit-any */
  let compare: (x: any, y: any) => number;
  let identity: (x: any) => unknown = (x) => x;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  if (all.every((x) => typeof x === 'number')) compare = byNumber;
  else if (all.every((x) => typeof x === 'string')) compare = NATURAL_ORDER_LISTS.has(key) ? natural : byCodeUnit;
  else if (all.every(isPlainObject)) {
    identity = (x) => JSON.stringify(x);
    compare = all.every((x) => typeof x.serial === 'string')
      ? (x, y) => byCodeUnit(x.serial, y.serial) || byCodeUnit(JSON.stringify(x), JSON.stringify(y))
      : (x, y) => byCodeUnit(JSON.stringify(x), JSON.stringify(y));
  } else throw new UnmergeableError(`${key}: list of mixed or unknown element types`);
  // a shard's list in another order than assumed would be re-sorted silently into a different report
  if (!isSorted(a, compare) || !isSorted(b, compare)) throw new UnmergeableError(`${key}: list not in the order assumed for it`);
  const seen = new Set<unknown>();
  const out: unknown[] = [];
  for (const x of all) {
    const id = identity(x);
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(x);
  }
  return out.sort(compare);
}

/**
 * Key order of a merged map (cosmetic: JSON output reads like an unsharded run's): the first of code-unit and
 * natural order both inputs follow, else the first input's keys then the second's new ones.
 */
function mergedKeyOrder(a: string[], b: string[]): string[] {
  const union = [...new Set([...a, ...b])];
  for (const c of [byCodeUnit, natural]) {
    if (isSorted(a, c) && isSorted(b, c)) return union.sort(c);
  }
  return union;
}

export function mergeSections(a: Record<string, object>, b: Record<string, object>): Record<string, object> {
  const out: Record<string, object> = {};
  for (const k of mergedKeyOrder(Object.keys(a), Object.keys(b))) out[k] = mergeValues(a[k], b[k], k) as object;
  return out;
}

/**
 * Counters of a sharded run: each packet was counted by one shard (a plain IPv4 one by its flow's shard, any
 * other by the primary: src/pipeline/pipeline.ts), so packet, byte and frame counts sum, as flows and what happened in
 * them do. Every shard read every file and reassembled every fragment: those counts are the primary's.
 */
export function mergeCounters(primary: PipelineCounters, others: readonly PipelineCounters[]): PipelineCounters {
  const out: PipelineCounters = structuredClone(primary);
  for (const o of others) {
    out.packets += o.packets;
    out.bytes += o.bytes;
    for (const k of Object.keys(out.frames) as (keyof PipelineCounters['frames'])[]) out.frames[k] += o.frames[k];
    out.unknownLinkTypes = mergeValues(out.unknownLinkTypes, o.unknownLinkTypes) as Record<string, number>;
    out.flows.tcp += o.flows.tcp;
    out.flows.udp += o.flows.udp;
    out.flows.unanswered += o.flows.unanswered;
    out.flows.refused += o.flows.refused;
    out.tcp.gaps += o.tcp.gaps;
    out.tcp.gapBytes += o.tcp.gapBytes;
    out.tcp.retransmittedBytes += o.tcp.retransmittedBytes;
    out.events += o.events;
    out.mismatches = mergeValues(out.mismatches, o.mismatches) as Record<string, number>;
    out.heuristicFlows = mergeValues(out.heuristicFlows, o.heuristicFlows) as Record<string, number>;
    out.anomalies = mergeValues(out.anomalies, o.anomalies) as Record<string, number>;
  }
  return out;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON object of the oracle format, any shape
function isPlainObject(x: unknown): x is Record<string, any> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isSorted<T>(xs: readonly T[], compare: (x: T, y: T) => number): boolean {
  for (let i = 1; i < xs.length; i++) if (compare(xs[i - 1], xs[i]) > 0) return false;
  return true;
}

function byNumber(x: number, y: number): number {
  return x - y;
}

/** UTF-16 code-unit order, as Array.prototype.sort() without a comparator and Python's sorted() on BMP text. */
function byCodeUnit(x: string, y: string): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Digit runs compared as numbers, the rest by code unit: "g2v1" < "g10v2", "3:2" < "16:1". */
function natural(x: string, y: string): number {
  const rx = x.match(/\d+|\D+/g) ?? [];
  const ry = y.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(rx.length, ry.length); i++) {
    const p = rx[i];
    const q = ry[i];
    if (p === q) continue;
    const np = /^\d/.test(p);
    const nq = /^\d/.test(q);
    if (np && nq) return Number(p) - Number(q) || byCodeUnit(p, q);
    return byCodeUnit(p, q);
  }
  return rx.length - ry.length;
}

function describe(x: unknown): string {
  return Array.isArray(x) ? 'a list' : x === null ? 'null' : typeof x;
}
