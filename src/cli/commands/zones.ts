/** `otwatch zones suggest|gap`: propose a zone/conduit model from the inventory, or estimate SL-A against SL-T. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { audit } from '../../audit/audit.js';
import { formatGapTable, gapTable } from '../../audit/gap.js';
import { formatPolicyError, loadPolicyFile } from '../../audit/policy-load.js';
import { suggestPolicy } from '../../audit/suggest.js';
import { CliError, type Command } from './command.js';
import { runSubcommand, withStore } from './helpers.js';

const usage = `usage: otwatch zones suggest [--db file] [--out file]
       otwatch zones gap --policy file [--db file] [--json]

suggest      proposes a first zone/conduit model (YAML, the policy schema) from the stored assets and
             paths: zones by subnet and Purdue level of the roles, conduits from the observed flows,
             with the reason for each grouping as comments. Review it and set sl_t before use.
gap          per zone and FR: SL-T from the policy against the SL-A the observed traffic allows at most.
  --db file  inventory database (default ${DEFAULT_DB})
  --out file write the suggestion there instead of stdout
  --json     the gap rows as JSON`;

async function suggest(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, out: { type: 'string' } } });
  const db = values.db ?? DEFAULT_DB;
  const yaml = withStore(db, (s) => suggestPolicy(s.assets(), s.paths(), `Suggested from ${db}`));
  if (values.out) writeFileSync(values.out, yaml);
  else process.stdout.write(yaml);
  return 0;
}

async function gap(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { db: { type: 'string' }, policy: { type: 'string' }, json: { type: 'boolean' } } });
  if (!values.policy) throw new CliError(`--policy is required\n\n${usage}`);
  const r = await loadPolicyFile(values.policy);
  if (!r.ok) {
    for (const e of r.errors) console.error(formatPolicyError(e));
    throw new CliError(`${values.policy}: ${r.errors.length} error(s), policy not loaded`, 1);
  }
  const policy = r.policy;
  const rows = withStore(values.db ?? DEFAULT_DB, (s) =>
    gapTable(policy, audit(s.assets(), s.paths(), policy, { now: Date.now() / 1000 }).findings),
  );
  console.log(values.json ? JSON.stringify(rows, null, 2) : formatGapTable(rows));
  return 0;
}

export const zonesCommand: Command = {
  name: 'zones',
  usage,
  run: (argv) => runSubcommand(argv, { suggest, gap }, usage),
};
