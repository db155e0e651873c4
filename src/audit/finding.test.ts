import { describe, expect, it } from 'vitest';
import type { Path } from '../core/model.js';
import { asPathId } from '../core/ids.js';
import { busiest, evidenceFor, pathPackets } from './finding.js';
import { path } from '../../test/helpers/audit.js';

/** Paths with few distinct packet counts (many ties) and ids in no particular order. */
function paths(n: number, seed: number): Path[] {
  let x = seed;
  const next = () => (x = (x * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: n }, (_, i) => {
    const p = path({ from: `10.0.0.${i % 250}`, to: '10.0.1.1', protocol: 'modbus', port: 502 });
    return { ...p, id: asPathId(`path:${(next() % 1000).toString(16)}-${i}`), packetsToResponder: next() % 4 };
  });
}

const sorted = (ps: readonly Path[], k: number) =>
  [...ps].sort((a, b) => pathPackets(b) - pathPackets(a) || a.id.localeCompare(b.id)).slice(0, k);

describe('evidence', () => {
  it('busiest: the first k of a stable sort by packets then id, ties included', () => {
    for (const [n, k, seed] of [
      [0, 5, 1],
      [3, 5, 2],
      [5, 5, 3],
      [200, 5, 4],
      [200, 1, 5],
      [1000, 5, 6],
    ] as const) {
      const ps = paths(n, seed);
      expect(busiest(ps, k).map((p) => p.id)).toEqual(sorted(ps, k).map((p) => p.id));
    }
    // equal packets and equal ids: the order they came in
    const same = path({ from: '10.0.0.1', to: '10.0.1.1', protocol: 'modbus', port: 502 });
    const twins = [0, 1, 2].map((i) => ({ ...same, firstSeen: i }));
    expect(busiest(twins, 2).map((p) => p.firstSeen)).toEqual([0, 1]);
  });

  it('evidenceFor: totals, examples, facts and ids over every path', () => {
    const a = path({
      from: '10.0.0.1',
      to: '10.0.1.1',
      protocol: 'modbus',
      port: 502,
      ops: { read: 3, write: 1 },
      facts: { auth: ['none'] },
    });
    const b = path({ from: '10.0.0.2', to: '10.0.1.1', protocol: 'modbus', port: 502, ops: { write: 4 }, facts: { auth: ['x', 'none'] } });
    const e = evidenceFor([a, b], ['write'], ['detail']);
    expect(e).toMatchObject({ pathCount: 2, packets: 40, details: ['detail'], facts: { auth: ['none', 'x'] } });
    expect(e.operations).toEqual([{ operation: 'write', count: 5, examples: ['write example'] }]);
    expect(e.pathIds).toEqual([a.id, b.id].sort());
    expect(e.assetIds).toEqual([a.initiator, b.initiator, a.responder].sort());
  });
});
