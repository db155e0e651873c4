/** Small helpers the rules share: grouping paths by a rule's subject, and times as text. */
import type { ConduitUse } from './conduit-match.js';

export function groupBy<T>(items: readonly T[], key: (t: T) => string | undefined): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(t);
    else m.set(k, [t]);
  }
  return m;
}

/** Seconds since the epoch as ISO 8601 UTC, without the milliseconds nobody reads. */
export function isoDate(ts: number): string {
  return new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
}

const conduitSets = new WeakMap<readonly ConduitUse[], string>();

/**
 * The ids of the conduits of some uses, sorted, once, joined by '+': a rule's subject names them. Paths with one
 * verdict share its list of uses (assess.ts), so the text is made once per list, not once per path.
 */
export function conduitSet(uses: readonly ConduitUse[]): string {
  let key = conduitSets.get(uses);
  if (key === undefined) conduitSets.set(uses, (key = [...new Set(uses.map((u) => u.conduit.id))].sort().join('+')));
  return key;
}
