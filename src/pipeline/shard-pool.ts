/**
 * The worker threads of a sharded `otwatch stats` or `analyze` (src/pipeline/statistics.ts): started on demand, or ahead of time so
 * that they load their modules while the main thread loads its own, and kept for the next analysis.
 * Nothing heavy is imported here: the stats command starts its workers before it loads the pipeline.
 */
import { Worker } from 'node:worker_threads';
import type { ShardJob, ShardOutput, ShardResult } from './shard-messages.js';

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
  // no inherited Node options: `--input-type` or `-e` of the main thread's command line would break the worker
  return fromSources
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, {
        eval: true,
        execArgv: [],
      })
    : new Worker(url, { execArgv: [] });
}

/**
 * Start (and load) the worker threads a `workers: n` analysis uses, ahead of it: a benchmark times the analysis
 * the way the one-thread run is timed, after its modules are loaded.
 */
export async function prepareStatsWorkers(workers: number): Promise<void> {
  const jobs = Array.from({ length: Math.max(0, workers - 1 - idleWorkers.length) }, () =>
    runShard({ paths: [], flow: {}, shardIndex: 1, shardCount: 2 }, true),
  );
  await Promise.all(jobs);
}

/**
 * Start the threads a `workers: n` analysis uses without waiting for them: each loads its decoders on the
 * other core while this thread loads its own (a worker started only when the analysis starts finishes its
 * shard that much later than the main thread does).
 */
export function startStatsWorkers(workers: number): void {
  for (let i = idleWorkers.length; i < workers - 1; i++) {
    const w = startWorker();
    w.unref();
    // one that dies while idle (failed to load) leaves the pool; the next analysis starts another
    const drop = () => {
      const i = idleWorkers.indexOf(w);
      if (i >= 0) idleWorkers.splice(i, 1);
    };
    w.once('error', drop).once('exit', drop);
    idleWorkers.push(w);
  }
}

export function runShard(job: ShardJob, fresh = false): Promise<ShardOutput> {
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
      reject(new Error(`shard ${job.shardIndex} exited with code ${code} without a result`));
    };
    worker.once('message', onMessage).once('error', onError).once('exit', onExit);
    worker.postMessage(job);
  });
}
