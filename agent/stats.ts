/**
 * `otwatch stats`: the oracle-format statistics of captures (keys defined in ../shared/corpus/README.md),
 * one section per protocol module that has a stats builder, plus otwatch's own counters under `otwatch`.
 */
import { basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { protocolModules } from '../parsers/protocols.js';
import type { AddressBinding, FlowSummary, PipelineSink, ProtocolEvent, ProtocolModule, ProtocolStats } from '../parsers/types.js';
import { runPipeline, type PipelineOptions } from './pipeline.js';
import type { PipelineCounters } from './counters.js';
import { mergeCounters, mergeSections, UnmergeableError } from './stats-merge.js';
import type { ShardJob, ShardResult } from './shard-worker.js';

export interface StatsReport {
  file: string;
  packets: number;
  [section: string]: unknown;
  otwatch: PipelineCounters;
}

/** Feeds every event to every module's stats builder. Other sinks (the inventory) can be chained behind it. */
export class StatsCollector implements PipelineSink {
  private readonly builders: { name: string; stats: ProtocolStats }[] = [];

  constructor(modules: readonly ProtocolModule[] = protocolModules, private readonly next?: PipelineSink) {
    for (const m of modules) {
      const stats = m.createStats?.();
      if (stats) this.builders.push({ name: m.name, stats });
    }
  }

  onEvent(event: ProtocolEvent<object>): void {
    for (const b of this.builders) b.stats.onEvent(event);
    this.next?.onEvent(event);
  }

  onFlowEnd(summary: FlowSummary): void {
    this.next?.onFlowEnd(summary);
  }

  onBinding(binding: AddressBinding): void {
    this.next?.onBinding(binding);
  }

  /** Sections of the protocols seen, keyed by module name. */
  sections(): Record<string, object> {
    const out: Record<string, object> = {};
    for (const b of this.builders) {
      const s = b.stats.section();
      if (s !== undefined) out[b.name] = s;
    }
    return out;
  }
}

export interface StatsOptions extends PipelineOptions {
  /**
   * Worker threads, each decoding every packet but keeping only its share of the flows (by flow hash); their
   * sections and counters are merged. 1 (the default) runs in this thread. Custom `modules` cannot cross to a
   * worker: with them the analysis runs in this thread whatever `workers` says.
   */
  workers?: number;
}

export async function statsForCaptures(paths: string[], opts: StatsOptions = {}): Promise<StatsReport> {
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  if (workers > 1 && !opts.modules) {
    const sharded = await shardedStats(paths, opts, workers);
    if (sharded) return report(paths, sharded.sections, sharded.counters);
    opts.log?.warn('stats: shard results could not be merged; analysing again in one thread');
  }
  const collector = new StatsCollector(opts.modules ?? protocolModules);
  const counters = await runPipeline(paths, collector, opts);
  return report(paths, collector.sections(), counters);
}

function report(paths: string[], sections: Record<string, object>, counters: PipelineCounters): StatsReport {
  return {
    file: paths.map((p) => basename(p)).join(','),
    packets: counters.packets,
    ...sections,
    otwatch: counters,
  };
}

/** Run the shards and merge them; undefined when a section holds a value the generic merge cannot combine. */
async function shardedStats(
  paths: string[],
  opts: StatsOptions,
  shards: number,
): Promise<{ sections: Record<string, object>; counters: PipelineCounters } | undefined> {
  const flow = opts.flow ?? {};
  // shard 0 runs here (its modules are loaded already: a worker costs ~0.2 s of CPU to start), the others in workers
  const others = Array.from({ length: shards - 1 }, (_, i) => runShard({ paths, flow, shardIndex: i + 1, shardCount: shards }));
  const primary = (async () => {
    const collector = new StatsCollector(protocolModules);
    const counters = await runPipeline(paths, collector, { log: opts.log, flow: { ...flow, shardIndex: 0, shardCount: shards } });
    return { sections: collector.sections(), counters };
  })();
  // settle every shard before reporting, so that no worker is left running a job when a reading error rejects
  const settled = await Promise.allSettled([primary, ...others]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const results = settled.map((r) => (r as PromiseFulfilledResult<{ sections: Record<string, object>; counters: PipelineCounters }>).value);
  const counters = mergeCounters(results[0].counters, results.slice(1).map((r) => r.counters));
  const log = opts.log;
  try {
    return { sections: results.map((r) => r.sections).reduce((a, b) => mergeSections(a, b)), counters };
  } catch (e) {
    if (e instanceof UnmergeableError) {
      log?.warn({ err: e.message }, 'stats: unmergeable shard section');
      return undefined;
    }
    throw e;
  }
}

/**
 * Shard threads kept for the next analysis (`otwatch stats a.pcap b.pcap`, tests over the corpus): a thread costs
 * more to start (every decoder module loaded) than a small capture costs to read. Idle ones are unref'd, so they
 * never keep the process alive.
 */
const idleWorkers: Worker[] = [];

function startWorker(): Worker {
  // from sources (tests, tsx) the worker is TypeScript: Node 20 does not apply `--import tsx` in a worker's
  // execArgv before loading its entry, so a small bootstrap registers tsx in the worker, then imports it
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './shard-worker.ts' : './shard-worker.js', import.meta.url);
  return fromSources
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, { eval: true })
    : new Worker(url);
}

/**
 * Start (and load) the worker threads a `workers: n` analysis uses, ahead of it: a benchmark times the analysis
 * the way the one-thread run is timed, after its modules are loaded.
 */
export async function prepareStatsWorkers(workers: number): Promise<void> {
  const jobs = Array.from({ length: Math.max(0, workers - 1 - idleWorkers.length) }, () => runShard({ paths: [], flow: {}, shardIndex: 1, shardCount: 2 }, true));
  await Promise.all(jobs);
}

function runShard(job: ShardJob, fresh = false): Promise<{ sections: Record<string, object>; counters: PipelineCounters }> {
  const worker = (fresh ? undefined : idleWorkers.pop()) ?? startWorker();
  worker.ref();
  return new Promise((resolve, reject) => {
    const onMessage = (m: ShardResult) => {
      worker.off('error', onError).off('exit', onExit);
      worker.unref();
      idleWorkers.push(worker);
      if (m.error !== undefined) reject(new Error(m.error));
      else resolve(m);
    };
    const onError = (e: Error) => {
      worker.off('message', onMessage).off('exit', onExit);
      void worker.terminate();
      reject(e);
    };
    const onExit = (code: number) => {
      worker.off('message', onMessage).off('error', onError);
      reject(new Error(`stats shard ${job.shardIndex} exited with code ${code} without a result`));
    };
    worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    worker.postMessage(job);
  });
}
