/**
 * Sharded `otwatch analyze`: worker shards each build their part of the inventory from their flows and post it
 * once; merged on the main thread it must give the same assets, paths, changes, statistics and findings as one
 * thread. An inventory step that depends on the order of events, or a merge that is not a plain union, shows here.
 */
import { join } from 'node:path';
import type { Logger } from 'pino';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusCaptures, corpusPath, repoRoot } from '../../test/helpers/corpus.js';
import { audit } from '../audit/audit.js';
import { loadPolicyFile } from '../audit/policy-load.js';
import { analyzeCaptures, type AnalysisReport } from './analyze-captures.js';

/** What must not depend on the number of shards (the counters do: each shard counts its own flows' packets). */
function outcome(r: AnalysisReport) {
  const { otwatch: _counters, ...sections } = r.stats ?? { otwatch: undefined };
  return { assets: r.assets, paths: r.paths, changes: r.changes, sections };
}

/** Keeps warnings: shards whose results could not be merged fall back to one thread, and the test would prove nothing. */
function keepWarnings(warnings: unknown[]): Logger {
  const nop = () => undefined;
  return { warn: (...a: unknown[]) => warnings.push(a), info: nop, debug: nop, error: nop } as unknown as Logger;
}

async function oneAndSharded(files: string[], workers: number): Promise<[AnalysisReport, AnalysisReport]> {
  const warnings: unknown[] = [];
  const one = await analyzeCaptures(files, { db: ':memory:' });
  const sharded = await analyzeCaptures(files, { db: ':memory:', workers, log: keepWarnings(warnings) });
  expect(warnings).toEqual([]);
  return [one, sharded];
}

describe('sharded analyze', () => {
  it('gives the plant the same inventory, paths, changes and findings with 1 and 3 shards', async () => {
    const loaded = await loadPolicyFile(join(repoRoot, 'fixtures/plant/policy.yaml'));
    if (!loaded.ok) throw new Error('the plant policy does not load');
    const [one, three] = await oneAndSharded([join(repoRoot, 'fixtures/plant/plant.pcap')], 3);
    expect(outcome(three)).toEqual(outcome(one));
    expect(one.assets.length).toBeGreaterThan(10);
    const findings = (r: AnalysisReport) => audit(r.assets, r.paths, loaded.policy, { now: 2e9 }).findings;
    expect(findings(three)).toEqual(findings(one));
    expect(findings(one).length).toBeGreaterThan(0);
  });

  it.skipIf(!corpusAvailable)(
    'gives the corpus in one analysis, and each capture with routed, layer-2 or changing devices, the same result with 1 and 2 shards',
    async () => {
      const files = corpusCaptures().map(corpusPath);
      for (const f of files.filter((f) => /\/(bacnet|enip|profinet)\//.test(f))) {
        const [one, two] = await oneAndSharded([f], 2);
        expect(outcome(two), f).toEqual(outcome(one));
      }
      const [one, two] = await oneAndSharded(files, 2);
      expect(outcome(two)).toEqual(outcome(one));
      expect(one.assets.length).toBeGreaterThan(100);
    },
    120_000,
  );
});
