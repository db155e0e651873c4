/**
 * Merging of two views of the same asset or path (two captures, or a capture into the database).
 * Every merge is commutative and associative (sums, min/max, sorted unions capped by value, newest value
 * by time with a value tie-break), so analysing captures in any order gives the same inventory.
 */
import type { IdentityAttribute, Operation } from '../core/events.js';
import { MAX_EXAMPLES, MAX_FACT_VALUES } from './constants.js';
import type { Asset, IdentityValue, OperationSummary, Path } from '../core/model.js';

/** Adds a value to a sorted, de-duplicated list kept to the `max` smallest values (in place). */
export function addCapped(list: string[], value: string, max: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] === value || lo >= max) return;
  list.splice(lo, 0, value);
  if (list.length > max) list.length = max;
}

export function unionSorted<T extends string | number>(a: readonly T[], b: readonly T[]): T[] {
  const out = [...new Set([...a, ...b])];
  return out.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** The value that wins for one identity attribute: the newest report, then the larger value for a total order. */
export function newerIdentity(a: IdentityValue | undefined, b: IdentityValue | undefined): IdentityValue | undefined {
  if (!a) return b;
  if (!b) return a;
  if (a.ts !== b.ts) return a.ts > b.ts ? a : b;
  if (a.value !== b.value) return a.value > b.value ? a : b;
  return a.protocol >= b.protocol ? a : b;
}

export function mergeOperation(a: OperationSummary, b: OperationSummary): OperationSummary {
  const examples = [...a.examples];
  for (const e of b.examples) addCapped(examples, e, MAX_EXAMPLES);
  const functions: Record<string, number> = { ...a.functions };
  for (const [fn, n] of Object.entries(b.functions)) functions[fn] = (functions[fn] ?? 0) + n;
  return { count: a.count + b.count, examples, functions: sortKeys(functions) };
}

export function mergeFacts(a: Record<string, string[]>, b: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const key of unionSorted(Object.keys(a), Object.keys(b))) {
    const values = [...(a[key] ?? [])];
    for (const v of b[key] ?? []) addCapped(values, v, MAX_FACT_VALUES);
    out[key] = values;
  }
  return out;
}

/** Merges two views of one path (same id). */
export function mergePath(a: Path, b: Path): Path {
  const operations: Partial<Record<Operation, OperationSummary>> = {};
  for (const op of unionSorted(Object.keys(a.operations), Object.keys(b.operations)) as Operation[]) {
    const x = a.operations[op];
    const y = b.operations[op];
    operations[op] = x && y ? mergeOperation(x, y) : (x ?? y)!;
  }
  return {
    ...a,
    // a path between two multi-homed assets keeps one address pair: the smaller, for determinism
    initiatorIp: a.initiatorIp <= b.initiatorIp ? a.initiatorIp : b.initiatorIp,
    responderIp: a.responderIp <= b.responderIp ? a.responderIp : b.responderIp,
    packetsToResponder: a.packetsToResponder + b.packetsToResponder,
    packetsToInitiator: a.packetsToInitiator + b.packetsToInitiator,
    bytesToResponder: a.bytesToResponder + b.bytesToResponder,
    bytesToInitiator: a.bytesToInitiator + b.bytesToInitiator,
    firstSeen: Math.min(a.firstSeen, b.firstSeen),
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
    operations,
    facts: mergeFacts(a.facts, b.facts),
  };
}

/**
 * Merges two views of one asset (same id). Role, evidence and Purdue level are left to the caller,
 * which recomputes them from the merged paths.
 */
export function mergeAsset(a: Asset, b: Asset): Asset {
  const identity: Asset['identity'] = {};
  for (const attr of unionSorted(Object.keys(a.identity), Object.keys(b.identity)) as IdentityAttribute[]) {
    identity[attr] = newerIdentity(a.identity[attr], b.identity[attr]);
  }
  const out: Asset = {
    ...a,
    ips: unionSorted(a.ips, b.ips),
    macs: unionSorted(a.macs, b.macs),
    vlans: unionSorted(a.vlans, b.vlans),
    macVendor: a.macVendor ?? b.macVendor,
    names: unionSorted(a.names, b.names),
    identity,
    protocolsServer: unionSorted(a.protocolsServer, b.protocolsServer),
    protocolsClient: unionSorted(a.protocolsClient, b.protocolsClient),
    firstSeen: Math.min(a.firstSeen, b.firstSeen),
    lastSeen: Math.max(a.lastSeen, b.lastSeen),
  };
  // Optional fields stay absent unless one side has them (stored JSON and API output unchanged for others).
  delete out.via;
  delete out.routes;
  // A device seen behind two routers (moved, or redundant routers) keeps one: the smaller id, whatever the order.
  const via = a.via !== undefined && b.via !== undefined ? (a.via <= b.via ? a.via : b.via) : (a.via ?? b.via);
  if (via !== undefined) out.via = via;
  if (a.routes || b.routes) out.routes = unionSorted(a.routes ?? [], b.routes ?? []);
  return out;
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}
