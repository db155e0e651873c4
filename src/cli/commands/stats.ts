/** `otwatch stats <capture...>`: protocol statistics as JSON, in the corpus oracle's format. */
import type * as ShardPool from '../../pipeline/shard-pool.js';
import type * as Statistics from '../../pipeline/statistics.js';
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { terminalJson } from '../../core/sanitize.js';
import { CliError, parseMaxFlows, type Command } from './command.js';
import { terminalProgress } from './progress.js';

/**
 * Below this much capture, one thread is done before a second one has loaded its decoders (~0.1 s of a
 * core): the default shards only larger captures.
 */
const SHARD_FROM_BYTES = 16 * 2 ** 20;

const usage = `usage: otwatch stats [--brief] [--quiet] [--workers N] [--max-flows N] <capture...>

Prints, as JSON, the protocol statistics of each capture (pcap or pcapng, optionally gzip-compressed)
in the format of the corpus oracle: packets, and one section per protocol seen (modbus, s7comm, opcua,
bacnet). otwatch's own counters (skipped frames, mismatches, anomalies, TCP gaps) are under "otwatch".
Several captures print a JSON array, one report per capture.

  --brief       leave out the "otwatch" counters
  --quiet       no progress line (shown on a terminal only: bytes read of the total, packets/s, time left)
  --workers N   decode in N worker threads, each keeping its share of the flows (default: 2 for a
                capture of 16 MiB or more on a machine with 2 cores or more, else 1; --workers 1
                analyses in one thread)
  --max-flows N open flows kept at most, over all threads (default 32768): past it a new flow first ends
                the oldest one that never carried payload (a scan's), else the oldest not seen lately,
                counted as otwatch.anomalies["flow.evicted"]`;

export const statsCommand: Command = {
  name: 'stats',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      options: { brief: { type: 'boolean' }, quiet: { type: 'boolean' }, workers: { type: 'string' }, 'max-flows': { type: 'string' } },
      allowPositionals: true,
    });
    if (positionals.length === 0) throw new CliError(`no capture given\n\n${usage}`);
    const workers = values.workers === undefined ? defaultWorkers(positionals) : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64)
      throw new CliError(`--workers takes a whole number from 1 to 64, not ${values.workers}\n\n${usage}`);
    const maxFlows = parseMaxFlows(values['max-flows']);
    // the shard threads start first, and load their decoders on the other cores while this thread loads its own
    (await loadModule<typeof ShardPool>('shard-pool')).startStatsWorkers(workers);
    const { statsForCaptures } = await loadModule<typeof Statistics>('stats');
    const reports = [];
    let broken = false;
    const progress = terminalProgress(positionals, values.quiet);
    for (const file of positionals) {
      let read = { bytes: 0, packets: 0 };
      const onProgress = progress
        ? (bytes: number, packets: number) => {
            read = { bytes, packets };
            progress.update(bytes, packets);
          }
        : undefined;
      const report: Record<string, unknown> = {
        ...(await statsForCaptures([file], { workers, flow: maxFlows ? { maxFlows } : undefined, onProgress })),
      };
      progress?.offset(read.bytes, read.packets);
      const fileReport = (report.otwatch as { files: { error?: { message: string; offset: number; record: number } }[] }).files[0];
      if (fileReport?.error) {
        broken = true;
        const e = fileReport.error;
        console.error(
          `otwatch stats: ${file}: ${e.message} (byte offset ${e.offset}, record ${e.record}); statistics cover what was readable`,
        );
      }
      if (values.brief) delete report.otwatch;
      reports.push(report);
    }
    progress?.done();
    // device identification strings as the devices sent them, with DEL, C1 and bidi controls as \u escapes
    console.log(terminalJson(reports.length === 1 ? reports[0] : reports, 1));
    return broken ? 1 : 0;
  },
};

/**
 * The pipeline, loaded when the command runs (the CLI's other commands do not pay for it): shard-pool (small) first,
 * so that the worker threads load their decoders on the other cores while this thread loads its own.
 */
async function loadModule<T>(name: 'stats' | 'shard-pool'): Promise<T> {
  return (await (name === 'stats' ? import('../../pipeline/statistics.js') : import('../../pipeline/shard-pool.js'))) as T;
}

function defaultWorkers(files: string[]): number {
  if (availableParallelism() < 2) return 1;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes = Math.max(bytes, statSync(f).size);
    } catch {
      // a missing file is reported by the analysis itself
    }
  }
  return bytes >= SHARD_FROM_BYTES ? 2 : 1;
}
