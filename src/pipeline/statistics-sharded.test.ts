/**
 * Sharded `otwatch stats`: every corpus capture analysed in one thread and in two worker shards must give the
 * same report (protocol sections and counters). A decoder or stats builder keeping state across flows, or a
 * section value the generic merge combines wrongly, shows here as a difference.
 */
import { describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { corpusAvailable, corpusCaptures, corpusPath } from '../../test/helpers/corpus.js';
import { statsForCaptures, StatsCollector } from './statistics.js';
import { runPipeline } from './pipeline.js';
import { mergeCounters, mergeSections, mergeValues, UnmergeableError } from './statistics-merge.js';

describe('merge of shard sections', () => {
  it('sums counts and count maps, unites sets in the oracle order, recurses into other_ports', () => {
    const a = {
      pdus: 3,
      by_function: { '3': 2, '16': 1 },
      clients: ['10.0.0.2', '10.0.0.9'],
      unit_ids: [1, 10],
      other_ports: { pdus: 1, servers: ['b:1'] },
    };
    const b = { pdus: 2, by_function: { '3': 1, '4': 1 }, clients: ['10.0.0.10'], unit_ids: [2, 10] };
    expect(mergeValues(a, b)).toEqual({
      pdus: 5,
      by_function: { '3': 3, '4': 1, '16': 1 },
      clients: ['10.0.0.10', '10.0.0.2', '10.0.0.9'], // code-unit order, as the oracle's sorted()
      unit_ids: [1, 2, 10],
      other_ports: { pdus: 1, servers: ['b:1'] },
    });
  });

  it('keeps DNP3 object groups in group/variation order and ENIP identities by serial, without duplicates', () => {
    expect(mergeValues(['g2v1', 'g60v1'], ['g10v2', 'g60v1'], 'object_groups')).toEqual(['g2v1', 'g10v2', 'g60v1']);
    const id = (serial: string, name: string) => ({ vendor_id: 1, serial, product_name: name });
    expect(mergeValues([id('0x00000002', 'b')], [id('0x00000001', 'a'), id('0x00000002', 'b')], 'list_identity')).toEqual([
      id('0x00000001', 'a'),
      id('0x00000002', 'b'),
    ]);
  });

  it('refuses what it cannot combine: text values, lists in an order it does not know', () => {
    expect(() => mergeValues({ mode: 'x' }, { mode: 'y' })).toThrow(UnmergeableError);
    expect(() => mergeValues(['b', 'a'], ['c'], 'names')).toThrow(UnmergeableError);
    expect(() => mergeSections({ p: { n: 1 } }, { p: { n: [1] } })).toThrow(UnmergeableError);
  });
});

describe.skipIf(!corpusAvailable)('sharded stats on the corpus', () => {
  const captures = corpusCaptures();

  it('splits the flows of a capture between the shards (in this thread, no workers)', async () => {
    const file = corpusPath(captures.find((c) => c.startsWith('modbus/'))!);
    const whole = await runPipeline([file], new StatsCollector());
    const shards = [];
    for (const shardIndex of [0, 1]) {
      const collector = new StatsCollector();
      const counters = await runPipeline([file], collector, { flow: { shardIndex, shardCount: 2 } });
      shards.push({ sections: collector.sections(), counters });
    }
    expect(whole.flows.tcp).toBeGreaterThan(1);
    expect(shards[0].counters.flows.tcp).toBeLessThan(whole.flows.tcp);
    expect(shards[0].counters.flows.tcp + shards[1].counters.flows.tcp).toBe(whole.flows.tcp);
    // every shard reads every packet, and counts those of its flows (the primary also those outside flows)
    expect(shards[1].counters.packets).toBeGreaterThan(0);
    expect(shards[1].counters.packets).toBeLessThan(whole.packets);
    expect(shards[0].counters.packets + shards[1].counters.packets).toBe(whole.packets);
    expect(mergeCounters(shards[0].counters, [shards[1].counters])).toEqual(whole);
  });

  it.each(captures)(
    '%s: 2 workers report what 1 thread reports',
    async (rel) => {
      const path = corpusPath(rel);
      const one = await statsForCaptures([path]);
      // a merge failure would fall back to one thread silently but for this warning: the shards must have merged
      const warnings: unknown[] = [];
      const log = {
        warn: (...args: unknown[]) => void (JSON.stringify(args).includes('shard') && warnings.push(args)),
      } as unknown as Logger;
      const two = await statsForCaptures([path], { workers: 2, log });
      expect(warnings).toEqual([]);
      const { otwatch: c1, ...sections1 } = one;
      const { otwatch: c2, ...sections2 } = two;
      expect(sections2).toEqual(sections1);
      expect(c2).toEqual(c1);
      // sections in the same key order, so the printed JSON reads the same
      expect(JSON.stringify(two)).toBe(JSON.stringify(one));
    },
    60_000,
  );
});
