/**
 * The messages between the main thread and the shard threads of a sharded analysis (src/pipeline/shard-pool.ts,
 * src/pipeline/shard-worker.ts): a job out, one result back. Types only, so that statistics.ts, the pool and the
 * worker all import them from here and none of them from another (no import circle).
 *
 * A shard posts its accumulated state once, never its events: a structured clone costs microseconds per event,
 * more than the analysis itself.
 */
import type { PipelineCounters } from '../core/counters.js';
import type { PipelineSink } from '../core/events.js';
import type { FlowTableOptions } from '../flows/flow-table.js';

/**
 * A sink a shard runs behind its statistics (the inventory, for `otwatch analyze`), named by the module that
 * builds it: the pipeline knows nothing of the layers above it. The module exports `createShardSink(options)`.
 */
export interface ShardSinkSpec {
  /** The module's URL (file:), loaded in the worker with import(). */
  module: string;
  /** Structured-cloneable options passed to createShardSink. */
  options?: unknown;
}

/** What a ShardSinkSpec's module builds in the worker. */
export interface ShardSink {
  sink: PipelineSink;
  /** The sink's state after the captures end, structured-cloneable, posted to the main thread once. */
  state(): unknown;
}

export type ShardSinkModule = { createShardSink(options: unknown): ShardSink };

export interface ShardJob {
  paths: string[];
  flow: Partial<FlowTableOptions>;
  shardIndex: number;
  shardCount: number;
  sink?: ShardSinkSpec;
  /** false: no protocol sections, only the sink and the counters (an analysis that writes no JSON report). */
  sections?: boolean;
}

/** A shard's protocol sections, pipeline counters and (with a sink) the sink's state. */
export interface ShardOutput {
  sections: Record<string, object>;
  counters: PipelineCounters;
  state?: unknown;
}

export type ShardResult = (ShardOutput & { error?: undefined }) | { error: string };
