/**
 * One shard of a sharded `otwatch stats` or `analyze` (src/pipeline/statistics.ts), in a worker thread: for each job
 * it reads the captures whole and decodes every frame, but keeps only the flows whose hash falls in its shard, then
 * posts back its protocol sections, counters and (for analyze) its sink's state, once, for the main thread to merge
 * (src/pipeline/statistics-merge.ts, src/inventory/merge.ts). The thread stays up for further jobs: starting one
 * (loading every decoder) costs more than a small capture.
 */
import { parentPort } from 'node:worker_threads';
import { runPipeline } from './pipeline.js';
import { StatsCollector } from './statistics.js';
import type { ShardJob, ShardResult, ShardSinkModule } from './shard-messages.js';
import { limitHeapGrowthWhenLarge } from '../core/heap-growth.js';

// this thread's heap counts too: a shard's flows are its own (src/core/heap-growth.ts)
limitHeapGrowthWhenLarge(false);

const sinkModules = new Map<string, Promise<ShardSinkModule>>();

async function runJob(job: ShardJob): Promise<ShardResult> {
  try {
    let sink;
    if (job.sink) {
      let mod = sinkModules.get(job.sink.module);
      if (!mod) sinkModules.set(job.sink.module, (mod = import(job.sink.module) as Promise<ShardSinkModule>));
      sink = (await mod).createShardSink(job.sink.options);
    }
    const collector = job.sections === false ? undefined : new StatsCollector(undefined, sink?.sink);
    const counters = await runPipeline(job.paths, collector ?? sink?.sink ?? new StatsCollector([]), {
      flow: { ...job.flow, shardIndex: job.shardIndex, shardCount: job.shardCount },
    });
    return { sections: collector?.sections() ?? {}, counters, state: sink?.state() };
  } catch (e) {
    // a missing or unreadable capture rejects runPipeline; the main thread rejects the analysis with it
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

const port = parentPort;
if (port) port.on('message', (job: ShardJob) => void runJob(job).then((r) => port.postMessage(r)));
