/**
 * `otwatch stats`: the oracle-format statistics of captures (keys defined in ../shared/corpus/README.md),
 * one section per protocol module that has a stats builder, plus otwatch's own counters under `otwatch`.
 */
import { basename } from 'node:path';
import { protocolModules } from '../protocols/registry.js';
import type { AddressBinding, FlowSummary, PipelineSink, ProtocolEvent, ProtocolModule, ProtocolStats } from '../core/events.js';
import type { Logger } from 'pino';
import { runPipeline, type PipelineOptions, type ProgressHandler } from './pipeline.js';
import type { PipelineCounters } from '../core/counters.js';
import type { FlowTableOptions } from '../flows/flow-table.js';
import { mergeCounters, mergeSections, UnmergeableError } from './statistics-merge.js';
import { runShard } from './shard-pool.js';
import type { ShardOutput, ShardSinkSpec } from './shard-messages.js';

export interface StatsReport {
  file: string;
  packets: number;
  [section: string]: unknown;
  otwatch: PipelineCounters;
}

/**
 * Feeds each event to the stats builders that count its protocol. Other sinks (the inventory) can be
 * chained behind it.
 */
export class StatsCollector implements PipelineSink {
  private readonly builders: { name: string; stats: ProtocolStats }[] = [];
  /** Event protocol → the builders it is offered to (most events reach one builder, not all of them). */
  private readonly routes = new Map<string, ProtocolStats[]>();

  constructor(
    modules: readonly ProtocolModule[] = protocolModules,
    private readonly next?: PipelineSink,
  ) {
    const bindings = next?.onBinding?.bind(next);
    if (bindings) this.onBinding = bindings;
    for (const m of modules) {
      const stats = m.createStats?.();
      if (stats) this.builders.push({ name: m.name, stats });
    }
  }

  onEvent(event: ProtocolEvent<object>): void {
    const route = this.routes.get(event.protocol) ?? this.route(event.protocol);
    for (let i = 0; i < route.length; i++) route[i].onEvent(event);
    this.next?.onEvent(event);
  }

  private route(protocol: string): ProtocolStats[] {
    const to = this.builders.filter((b) => b.stats.protocols?.includes(protocol) ?? true).map((b) => b.stats);
    this.routes.set(protocol, to);
    return to;
  }

  onFlowEnd(summary: FlowSummary): void {
    this.next?.onFlowEnd(summary);
  }

  /** Only when the next sink takes bindings: statistics need none, and without it none are made. */
  readonly onBinding?: (binding: AddressBinding) => void;

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

export async function statsForCaptures(paths: string[], opts: StatsOptions & { onProgress?: ProgressHandler } = {}): Promise<StatsReport> {
  const workers = Math.max(1, Math.floor(opts.workers ?? 1));
  if (workers > 1 && !opts.modules) {
    const sharded = await runSharded(paths, { ...opts, workers });
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

export interface ShardedRunOptions {
  /** Shards: this thread runs the first, worker threads the others. */
  workers: number;
  flow?: Partial<FlowTableOptions>;
  log?: Logger;
  /** The sink behind the statistics in this thread's shard (the inventory of `analyze`). */
  sink?: PipelineSink;
  /** The same sink in the worker shards, built there by its module; their states come back in `states`. */
  shardSink?: ShardSinkSpec;
  /** This thread's reading: it reads every byte (and sees every packet) of the captures, as each shard does. */
  onProgress?: ProgressHandler;
  /**
   * false: the shards build no protocol sections and only feed their sink (an analysis that writes no JSON report:
   * the per-event statistics were a tenth of its work). Default true.
   */
  sections?: boolean;
}

/**
 * Run the shards and merge their sections and counters; the worker shards' sink states are returned for the
 * caller to merge into `sink`. Undefined when a section holds a value the generic merge cannot combine.
 */
export async function runSharded(
  paths: string[],
  opts: ShardedRunOptions,
): Promise<{ sections: Record<string, object>; counters: PipelineCounters; states: unknown[] } | undefined> {
  const flow = opts.flow ?? {};
  const shards = opts.workers;
  // shard 0 runs here (its modules are loaded already: a worker costs ~0.2 s of CPU to start), the others in workers
  const others = Array.from({ length: shards - 1 }, (_, i) =>
    runShard({ paths, flow, shardIndex: i + 1, shardCount: shards, sink: opts.shardSink, sections: opts.sections }),
  );
  const primary = (async (): Promise<ShardOutput> => {
    const collector = opts.sections === false && opts.sink ? undefined : new StatsCollector(protocolModules, opts.sink);
    const counters = await runPipeline(paths, collector ?? opts.sink!, {
      log: opts.log,
      flow: { ...flow, shardIndex: 0, shardCount: shards },
      onProgress: opts.onProgress,
    });
    return { sections: collector?.sections() ?? {}, counters };
  })();
  // settle every shard before reporting, so that no worker is left running a job when a reading error rejects
  const settled = await Promise.allSettled([primary, ...others]);
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  const results = settled.map((r) => (r as PromiseFulfilledResult<ShardOutput>).value);
  const counters = mergeCounters(
    results[0].counters,
    results.slice(1).map((r) => r.counters),
  );
  const log = opts.log;
  try {
    return {
      sections: results.map((r) => r.sections).reduce((a, b) => mergeSections(a, b)),
      counters,
      states: results.slice(1).map((r) => r.state),
    };
  } catch (e) {
    if (e instanceof UnmergeableError) {
      log?.warn({ err: e.message }, 'stats: unmergeable shard section');
      return undefined;
    }
    throw e;
  }
}
