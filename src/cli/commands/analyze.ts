/** `otwatch analyze`: captures into the inventory database, with an optional JSON report. */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { analyzeCaptures, DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { auditStep } from '../../analysis/run-audit.js';
import { formatPolicyError, loadPolicyFile } from '../../audit/policy-load.js';
import { StoreError } from '../../store/database.js';
import { CliError, parseMaxFlows, type Command } from './command.js';
import { PUBLISH_FLAGS, PUBLISH_USAGE, publishSettings, withPublishing } from '../../sync/options.js';
import { SiteMismatch } from '../../store/outbox-repository.js';

const usage = `usage: otwatch analyze <capture...> [--db file] [--report file|-] [--policy file] [--silent-after seconds]
                       [--max-flows N]

Decodes pcap/pcapng captures into assets and communication paths and merges them into the database
(a capture already analysed into it is skipped, so nothing counts twice).

  --db file            SQLite database (default ${DEFAULT_DB})
  --report file|-      write the JSON report (stats, assets, paths, changes) to a file, or stdout with -
  --policy file        zone/conduit policy for the audit
  --silent-after s     report assets without traffic for s seconds (default 3600)
  --max-flows N        open flows kept at most (default 32768): past it a new flow first ends the oldest one
                       that never carried payload (a scan's), else the oldest not seen lately (its path is kept)
${PUBLISH_USAGE}`;

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
        ...PUBLISH_FLAGS,
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new CliError(`no capture given\n\n${usage}`);
    const silentAfter = values['silent-after'] === undefined ? undefined : Number(values['silent-after']);
    if (silentAfter !== undefined && !(silentAfter > 0)) throw new CliError(`--silent-after must be a positive number of seconds`);
    const maxFlows = parseMaxFlows(values['max-flows']);
    let publish;
    try {
      publish = publishSettings(values);
    } catch (err) {
      throw new CliError((err as Error).message);
    }
    const log = pino({ level: process.env.OTWATCH_LOG ?? 'warn' }, pino.destination(2));
    if (values.policy) {
      // a broken policy stops here, before any capture is read or anything is stored
      const loaded = await loadPolicyFile(values.policy);
      if (!loaded.ok)
        throw new CliError(`the policy has ${loaded.errors.length} error(s):\n${loaded.errors.map(formatPolicyError).join('\n')}`);
    }
    try {
      const audit = values.policy ? auditStep() : undefined;
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
        }),
      );
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
      }
      return 0;
    } catch (err) {
      if (err instanceof StoreError || err instanceof SiteMismatch) throw new CliError(err.message);
      throw err;
    }
  },
};
