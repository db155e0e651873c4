/**
 * `otwatch report`: the IEC 62443-3-2 assessment report of a store as one self-contained HTML file
 * (zoning/report/). The summary of each report is archived in the store, so that the next report lists
 * what changed since.
 */
import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { PolicyStore } from '../../store/policy-repository.js';
import { formatPolicyError, loadPolicyFile } from '../../audit/policy-load.js';
import type { Policy } from '../../audit/policy-types.js';
import { buildReport } from '../../report/model.js';
import { renderReport } from '../../report/render.js';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { StoreError, storeError } from '../../store/database.js';
import { Store } from '../../store/store.js';
import { sanitize } from '../../core/sanitize.js';
import type { PgPool } from '../../store/pg/pool.js';
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch report [--db file] [--policy file] --out report.html [--no-archive]
       otwatch report --postgres url [--pg-schema name] [--pg-ca file] [--pg-cert file --pg-key file]
                      [--site id]... [--stale-after s] --out report.html

Writes the zone and conduit assessment of the inventory database as one HTML document (no external
files; print it to PDF from a browser): system under consideration, zone/conduit drawing, assets and
SL-T vs evidence-based SL-A per zone, conduits declared vs observed, findings with their SRs, evidence
and remediation, unzoned assets, and the changes since the previous report of this database.

  --db file      inventory database (default ${DEFAULT_DB})
  --policy file  the zone/conduit policy (default: the one the API stored in the database)
  --out file     where to write the report ('-' for stdout)
  --no-archive   do not remember this report for the next report's change log

With --postgres, the report covers the sites of a hub (otwatch hub) instead: a summary of every site (last
heard, stale or not, assets, paths, open findings by severity, worst findings; worst site first), the open
findings to fix first across the sites, then each site's findings, assets and paths. Each site's findings
are its sensor's audit against its own policy.

  --postgres url     the hub's PostgreSQL: postgres://user@host:5432/db (sslmode=verify-full in the URL, or --pg-ca)
  --pg-schema name   the hub's tables are in this schema (default: public)
  --pg-ca file       TLS: the CA that signed the server's certificate; --pg-cert/--pg-key: a client certificate
  --site id          only this site (repeat for several; default: every site)
  --stale-after s    a site not heard from for s seconds is stale (default 60, as otwatch hub)`;

/** Whether we may write `file` and its folder (SQLite's write-ahead log lives beside it). */
function writable(file: string): boolean {
  try {
    accessSync(file, constants.W_OK);
    accessSync(dirname(resolve(file)), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function policyFrom(file: string | undefined, store: Store): Promise<Policy> {
  if (file) {
    const r = await loadPolicyFile(file);
    if (!r.ok) {
      for (const e of r.errors) console.error(formatPolicyError(e));
      throw new CliError(`${file}: ${r.errors.length} error(s), no report written`, 1);
    }
    return r.policy;
  }
  const stored = new PolicyStore(store.db).policy();
  if (!stored) throw new CliError('no policy stored in the database: pass --policy file');
  return stored;
}

function writeHtml(out: string, html: string, summary: string): void {
  if (out === '-') process.stdout.write(html);
  else {
    writeFileSync(out, html);
    console.error(`${out}: ${summary}`);
  }
}

interface HubReportValues {
  postgres: string;
  out: string;
  'pg-schema'?: string;
  'pg-ca'?: string;
  'pg-cert'?: string;
  'pg-key'?: string;
  site?: string[];
  'stale-after'?: string;
}

/** The report over a hub's sites, from its PostgreSQL (read only: nothing is archived). */
async function hubReport(values: HubReportValues): Promise<number> {
  const staleAfterS = values['stale-after'] === undefined ? 60 : Number(values['stale-after']);
  if (!(staleAfterS > 0)) throw new CliError('--stale-after must be a positive number of seconds');
  if (!!values['pg-cert'] !== !!values['pg-key']) throw new CliError('--pg-cert and --pg-key go together');
  const tls = values['pg-ca'] || values['pg-cert'] ? { ca: values['pg-ca'], cert: values['pg-cert'], key: values['pg-key'] } : undefined;
  // loaded here: a sensor's report need not load the PostgreSQL client
  const { openPool } = await import('../../store/pg/pool.js');
  const { ReportRepository } = await import('../../store/pg/report-repository.js');
  const { loadEnterpriseReport, UnknownSitesError } = await import('../../report/enterprise-load.js');
  const { renderEnterpriseReport } = await import('../../report/enterprise-render.js');
  let pool: PgPool | undefined;
  let model;
  try {
    pool = await openPool({ url: values.postgres, schema: values['pg-schema'], tls, max: 4 });
    model = await loadEnterpriseReport(new ReportRepository(pool), { sites: values.site, staleAfterS, now: Date.now() / 1000 });
  } catch (err) {
    if (err instanceof UnknownSitesError) throw new CliError(sanitize(err.message));
    // 42P01: no such table: a database no hub has written to
    const e = err as { code?: string; message?: string };
    if (e.code === '42P01')
      throw new CliError('the database holds no hub tables (has an otwatch hub run with this --postgres and --pg-schema?)');
    throw new CliError(`cannot read the hub database: ${sanitize(e.message ?? String(err))}`);
  } finally {
    await pool?.end().catch(() => undefined);
  }
  writeHtml(
    values.out,
    renderEnterpriseReport(model),
    `${model.sites.length} site(s), ${model.totals.assets} asset(s), ${model.openTotal} open finding(s)`,
  );
  return 0;
}

export const reportCommand: Command = {
  name: 'report',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        policy: { type: 'string' },
        out: { type: 'string' },
        'no-archive': { type: 'boolean' },
        postgres: { type: 'string' },
        'pg-schema': { type: 'string' },
        'pg-ca': { type: 'string' },
        'pg-cert': { type: 'string' },
        'pg-key': { type: 'string' },
        site: { type: 'string', multiple: true },
        'stale-after': { type: 'string' },
      },
    });
    if (!values.out) throw new CliError(`--out is required\n\n${usage}`);
    const hubOnly = (['pg-schema', 'pg-ca', 'pg-cert', 'pg-key', 'site', 'stale-after'] as const).filter((k) => values[k] !== undefined);
    if (values.postgres) {
      const sensorOnly = (['db', 'policy', 'no-archive'] as const).filter((k) => values[k] !== undefined);
      if (sensorOnly.length) throw new CliError(`--${sensorOnly[0]} is for a sensor's database, not with --postgres`);
      return hubReport({ ...values, postgres: values.postgres, out: values.out });
    }
    if (hubOnly.length) throw new CliError(`--${hubOnly[0]} needs --postgres (the hub's database)`);
    const db = values.db ?? DEFAULT_DB;
    // A report only reads, but for its archive: on a database we may not write it is written all the
    // same, read-only and not archived (the next report's change log cannot count it), and says so.
    let archive = !values['no-archive'];
    const readonly = !archive || !writable(db);
    if (archive && readonly) {
      archive = false;
      console.error(`otwatch report: ${db} is read-only: the report is written but not archived for the next report's change log`);
    }
    let store: Store;
    try {
      store = new Store(db, readonly ? { readonly: true } : { mustExist: true });
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(err.message, err.exitCode);
      throw err;
    }
    try {
      const policy = await policyFrom(values.policy, store);
      let model;
      try {
        model = buildReport(store, policy, { now: Date.now() / 1000, archive });
      } catch (err) {
        const e = storeError(err, db);
        if (e instanceof StoreError) throw new CliError(e.message, e.exitCode);
        throw err;
      }
      writeHtml(
        values.out,
        renderReport(model),
        `${model.findings.length} finding(s), ${model.graph.assets.length} asset(s), ${model.changes.length} change(s) since the previous report`,
      );
      return 0;
    } finally {
      store.close();
    }
  },
};
