/**
 * The `iec104` section of `otwatch stats` against Wireshark's oracle, for every capture of the corpus:
 * equal where the oracle has a section, absent (or only the extra `other_ports` key) where it has none.
 * No capture needs a correction: Wireshark's framing (garbage prefixes, short APDUs, short ASDUs in
 * TestDissectIec104.pcap) is reproduced on purpose (see framer.ts).
 */
import { describe, expect, it } from 'vitest';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../helpers/corpus.js';

describe.skipIf(!corpusAvailable)('iec104 section vs the Wireshark oracle (corpus)', () => {
  const captures = corpusCaptures();
  const withIec104 = captures.filter((c) => oracleFor(c).iec104 !== undefined);

  it('finds the captures that have an iec104 oracle', () => {
    expect(withIec104.length).toBeGreaterThanOrEqual(3);
  });

  for (const rel of withIec104) {
    it(`${rel} equals the oracle`, async () => {
      const report = await statsForCaptures([corpusPath(rel)]);
      const mine = { ...(report['iec104'] as Record<string, unknown>) };
      delete mine['other_ports'];
      expect(mine).toEqual(oracleFor(rel).iec104);
    });
  }

  it('reports no IEC 104 where Wireshark saw none, and finds none by heuristic elsewhere', async () => {
    const wrong: string[] = [];
    for (const rel of captures) {
      if (oracleFor(rel).iec104 !== undefined) continue;
      const report = await statsForCaptures([corpusPath(rel)]);
      const sec = report['iec104'] as Record<string, unknown> | undefined;
      if (sec) wrong.push(`${rel}: ${JSON.stringify(sec).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});
