/**
 * The `enip` section of `otwatch stats` against Wireshark's oracle, for every capture of the corpus (the
 * whole pipeline with every registered decoder): equal where the oracle has a section, absent where it has
 * none. No capture needs a correction: where otwatch and Wireshark 4.0.17 differ, this file would say why.
 */
import { describe, expect, it } from 'vitest';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../helpers/corpus.js';
import { clearConnections } from '../../src/protocols/enip/connections.js';

describe.skipIf(!corpusAvailable)('enip section vs the Wireshark oracle (corpus)', () => {
  const captures = corpusCaptures();
  const withEnip = captures.filter((c) => oracleFor(c).enip !== undefined);

  it('finds the captures that have an enip oracle', () => {
    expect(withEnip.length).toBeGreaterThanOrEqual(23);
  });

  for (const rel of withEnip) {
    it(`${rel} equals the oracle`, async () => {
      clearConnections();
      const report = await statsForCaptures([corpusPath(rel)]);
      expect(report['enip']).toEqual(oracleFor(rel).enip);
    }, 60_000);
  }

  it('reports no EtherNet/IP where Wireshark saw none', async () => {
    const wrong: string[] = [];
    for (const rel of captures) {
      if (oracleFor(rel).enip !== undefined) continue;
      const report = await statsForCaptures([corpusPath(rel)]);
      if (report['enip'] !== undefined) wrong.push(`${rel}: ${JSON.stringify(report['enip']).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
