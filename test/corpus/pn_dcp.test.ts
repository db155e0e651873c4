/**
 * The `pn_dcp` section of `otwatch stats` against Wireshark's oracle, for every capture of the corpus:
 * equal where the oracle has a section, absent where it has none.
 */
import { describe, expect, it } from 'vitest';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../helpers/corpus.js';

describe.skipIf(!corpusAvailable)('pn_dcp section vs the Wireshark oracle (corpus)', () => {
  const captures = corpusCaptures();
  const withDcp = captures.filter((c) => oracleFor(c).pn_dcp !== undefined);

  it('finds the captures that have a pn_dcp oracle', () => {
    expect(withDcp.length).toBeGreaterThanOrEqual(5);
  });

  for (const rel of withDcp) {
    it(`${rel} equals the oracle`, async () => {
      const report = await statsForCaptures([corpusPath(rel)]);
      expect(report['pn_dcp']).toEqual(oracleFor(rel).pn_dcp);
      // None of these PDUs is malformed (Wireshark flags none): nothing counted against pn_dcp.
      expect(Object.keys(report.otwatch.anomalies).filter((k) => k.startsWith('pn_dcp.'))).toEqual([]);
    });
  }

  it('reports no PROFINET DCP where Wireshark saw none', async () => {
    const wrong: string[] = [];
    for (const rel of captures) {
      if (oracleFor(rel).pn_dcp !== undefined) continue;
      const report = await statsForCaptures([corpusPath(rel)]);
      if (report['pn_dcp'] !== undefined) wrong.push(`${rel}: ${JSON.stringify(report['pn_dcp']).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
