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
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch report [--db file] [--policy file] --out report.html [--no-archive]

Writes the zone and conduit assessment of the inventory database as one HTML document (no external
files; print it to PDF from a browser): system under consideration, zone/conduit drawing, assets and
SL-T vs evidence-based SL-A per zone, conduits declared vs observed, findings with their SRs, evidence
and remediation, unzoned assets, and the changes since the previous report of this database.

  --db file      inventory database (default ${DEFAULT_DB})
  --policy file  the zone/conduit policy (default: the one the API stored in the database)
  --out file     where to write the report ('-' for stdout)
  --no-archive   do not remember this report for the next report's change log`;

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

export const reportCommand: Command = {
  name: 'report',
  usage,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: { db: { type: 'string' }, policy: { type: 'string' }, out: { type: 'string' }, 'no-archive': { type: 'boolean' } },
    });
    if (!values.out) throw new CliError(`--out is required\n\n${usage}`);
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
      const html = renderReport(model);
      if (values.out === '-') process.stdout.write(html);
      else {
        writeFileSync(values.out, html);
        console.error(
          `${values.out}: ${model.findings.length} finding(s), ${model.graph.assets.length} asset(s), ${model.changes.length} change(s) since the previous report`,
        );
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
