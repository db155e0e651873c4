/**
 * One shard of a sharded `otwatch stats` (src/pipeline/statistics.ts), in a worker thread: for each job it reads the captures
 * whole and decodes every frame, but keeps only the flows whose hash falls in its shard, then posts back its
 * protocol sections and counters for the main thread to merge (src/pipeline/statistics-merge.ts). The thread stays up for
 * further jobs: starting one (loading every decoder) costs more than a small capture.
 */
import { parentPort } from 'node:worker_threads';
import type { PipelineCounters } from '../core/counters.js';
import type { FlowTableOptions } from '../flows/flow-table.js';
import { runPipeline } from './pipeline.js';
import { StatsCollector } from './statistics.js';

export interface ShardJob {
  paths: string[];
  flow: Partial<FlowTableOptions>;
  shardIndex: number;
  shardCount: number;
}

export type ShardResult = { sections: Record<string, object>; counters: PipelineCounters; error?: undefined } | { error: string };

async function runJob(job: ShardJob): Promise<ShardResult> {
  try {
    const collector = new StatsCollector();
    const counters = await runPipeline(job.paths, collector, {
      flow: { ...job.flow, shardIndex: job.shardIndex, shardCount: job.shardCount },
    });
    return { sections: collector.sections(), counters };
  } catch (e) {
    // a missing or unreadable capture rejects runPipeline; the main thread rejects statsForCaptures with it
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

const port = parentPort;
if (port) port.on('message', (job: ShardJob) => void runJob(job).then((r) => port.postMessage(r)));
