/** `otwatch analyze`: captures into the inventory database, with an optional JSON report. */
import { closeSync, openSync, readSync } from 'node:fs';
import { looksLikeCapture } from '../../capture/index.js';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { analyzeCaptures, DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { StoreError } from '../../store/database.js';
import { CliError, parseMaxFlows, type Command } from './command.js';
import { terminalProgress, totalBytes } from './progress.js';
import { PUBLISH_FLAGS, PUBLISH_USAGE, publishSettings, withPublishing } from '../../sync/options.js';
import { SiteMismatch } from '../../store/outbox-repository.js';

const usage = `usage: otwatch analyze <capture...> [--db file] [--report file|-] [--policy file] [--silent-after seconds]
                       [--max-flows N] [--workers N] [--quiet]

Decodes pcap/pcapng captures into assets and communication paths and merges them into the database
(a capture already analysed into it is skipped, so nothing counts twice).

  --db file            SQLite database (default ${DEFAULT_DB})
  --report file|-      write the JSON report (stats, assets, paths, changes) to a file, or stdout with -
  --policy file        zone/conduit policy for the audit
  --silent-after s     report assets without traffic for s seconds (default 3600)
  --workers N          decode in N threads, each keeping its share of the flows and building its part of the
                       inventory (default: 2 for captures of 16 MiB or more on 2 cores or more, else 1)
  --quiet              no progress line (shown on a terminal only: bytes read of the total, packets/s, time left)
  --max-flows N        open flows kept at most (default 32768): past it a new flow first ends the oldest one
                       that never carried payload (a scan's), else the oldest not seen lately (its path is kept)
${PUBLISH_USAGE}`;

/** Whether the file starts like a capture (pcap, pcapng, or a gzip of one): its first 4 KiB, never more. */
function isCapture(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(4096);
    return looksLikeCapture(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
  } finally {
    closeSync(fd);
  }
}

export const analyzeCommand: Command = {
  name: 'analyze',
  usage,
  async run(argv) {
    const parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        db: { type: 'string' },
        report: { type: 'string' },
        policy: { type: 'string' },
        'silent-after': { type: 'string' },
        'max-flows': { type: 'string' },
        workers: { type: 'string' },
        quiet: { type: 'boolean' },
        ...PUBLISH_FLAGS,
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new CliError(`no capture given\n\n${usage}`);
    const silentAfter = values['silent-after'] === undefined ? undefined : Number(values['silent-after']);
    if (silentAfter !== undefined && !(silentAfter > 0)) throw new CliError(`--silent-after must be a positive number of seconds`);
    const maxFlows = parseMaxFlows(values['max-flows']);
    const workers = values.workers === undefined ? defaultWorkers(positionals) : Number(values.workers);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64)
      throw new CliError(`--workers takes a whole number from 1 to 64, not ${values.workers}\n\n${usage}`);
    let publish;
    try {
      publish = publishSettings(values);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    // A file that is no capture (text, random bytes, an empty file, /dev/zero) stops the run before the
    // database is opened: recorded, it would count as analysed and be skipped as such on the next run.
    const notCaptures = positionals.filter((p) => !isCapture(p));
    if (notCaptures.length)
      throw new CliError(
        `${notCaptures.map((f) => `${f}: not a pcap or pcapng capture, nor a gzip of one`).join('\n')}\nnothing analysed`,
        1,
      );
    const log = pino({ level: process.env.OTWATCH_LOG ?? 'warn' }, pino.destination(2));
    if (values.policy) {
      // a broken policy stops here, before any capture is read or anything is stored; the audit's modules
      // (policy schema, YAML) load only when a policy is given
      // (the audit step finds it loaded: the text is parsed once)
      const { loadPolicyForAudit, PolicyLoadError } = await import('../../analysis/run-audit.js');
      try {
        await loadPolicyForAudit(values.policy);
      } catch (err) {
        if (err instanceof PolicyLoadError) throw new CliError(err.message);
        throw err;
      }
    }
    try {
      const audit = values.policy ? (await import('../../analysis/run-audit.js')).auditStep() : undefined;
      const progress = terminalProgress(positionals, values.quiet);
      // with --publish: the site's outbox records this analysis in its transaction, then goes to the hub
      const {
        result: r,
        published,
        pending,
      } = await withPublishing(publish, values.db ?? DEFAULT_DB, log, (store) =>
        analyzeCaptures(positionals, {
          db: values.db,
          store,
          report: values.report,
          policy: values.policy,
          audit,
          silentAfter,
          log,
          maxFlows,
          workers,
          onProgress: progress && ((bytes, packets) => progress.update(bytes, packets)),
        }),
      );
      progress?.done();
      if (publish && values.report !== '-')
        console.log(
          `site ${publish.site}: ${published} change(s) published to ${publish.nats.url}` +
            (pending ? `, ${pending} waiting in the outbox for the next run (NATS unreachable?)` : ''),
        );
      if (values.report !== '-') {
        const s = r.store;
        console.log(
          `${r.files.length} capture(s) analysed into ${s.db}${r.skipped.length ? `, ${r.skipped.length} skipped (already analysed)` : ''}: ` +
            `${s.assets} assets (${s.newAssets} new), ${s.paths} paths (${s.newPaths} new), ${s.changes} changes recorded` +
            (r.findings ? `, ${r.findings.length} findings` : ''),
        );
        // a scan's probes (or connections to hosts that are down, or to closed ports) leave no path: how many there were
        const { unanswered = 0, refused = 0 } = r.stats?.otwatch.flows ?? {};
        if (unanswered + refused > 0)
          console.log(
            `${unanswered + refused} TCP connection attempt(s) made no path (a scan, or hosts that are down): ` +
              `${unanswered} got no answer (no asset made for their targets), ${refused} were refused`,
          );
      }
      // a gzip that held no capture: read as nothing and not recorded (analyzeCaptures), but an error all the same
      const unreadable = (r.stats?.otwatch.files ?? []).filter((f) => f.format === 'unknown');
      for (const f of unreadable) console.error(`otwatch analyze: ${f.file}: not a pcap or pcapng capture; not recorded`);
      return unreadable.length ? 1 : 0;
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(err.message, err.exitCode);
      if (err instanceof SiteMismatch) throw new CliError(err.message);
      throw err;
    }
  },
};

/** Below this much capture, one thread is done before a second one has loaded its decoders (as `stats`). */
const SHARD_FROM_BYTES = 16 * 2 ** 20;

function defaultWorkers(files: string[]): number {
  return availableParallelism() >= 2 && totalBytes(files) >= SHARD_FROM_BYTES ? 2 : 1;
}
