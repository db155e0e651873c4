/** `otwatch policy check|export-rules`: validate and summarise a zone/conduit policy, or render its conduits as firewall rules. */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { audit } from '../../audit/audit.js';
import { SEVERITY_ORDER, type Severity } from '../../audit/constants.js';
import { conduitRules, renderCsv, renderNft } from '../../audit/export-rules.js';
import { formatGapTable, gapTable } from '../../audit/gap.js';
import { formatPolicyError, loadPolicyFile } from '../../audit/policy-load.js';
import type { Policy } from '../../audit/policy-types.js';
import { formatPolicySummary } from '../../audit/summary.js';
import { sanitize } from '../../core/sanitize.js';
import { CliError, type Command } from './command.js';
import { runSubcommand, withStore } from './helpers.js';

const usage = `usage: otwatch policy check <file> [--db file] [--json]
       otwatch policy export-rules <file> [--format csv|nft] [--out file]

check          validates the policy (YAML, schema src/audit/policy.schema.json, overlaps, references) and
               prints every error as file:line:column, or a summary of zones and conduits.
  --db file    also audits the stored inventory against it: findings per severity and the
               SL-A vs SL-T gap table per zone and FR (database default ${DEFAULT_DB})
  --json       the normalised policy (and audit) as JSON
export-rules   renders the conduits as firewall allow-rules.
  --format f   csv (default) or nft (nftables, default drop)
  --out file   write there instead of stdout

Exit status: 0 valid, 1 the policy has errors, 2 usage or database error.`;

async function load(file: string): Promise<Policy> {
  const r = await loadPolicyFile(file);
  if (r.ok) return r.policy;
  for (const e of r.errors) console.error(formatPolicyError(e));
  throw new CliError(`${file}: ${r.errors.length} error(s), policy not loaded`, 1);
}

function bigintSafe(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

async function check(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { db: { type: 'string' }, json: { type: 'boolean' } },
  });
  if (positionals.length !== 1) throw new CliError(`give one policy file\n\n${usage}`);
  const policy = await load(positionals[0]!);
  const now = Date.now() / 1000;
  const result = values.db ? withStore(values.db, (s) => audit(s.assets(), s.paths(), policy, { now })) : undefined;
  if (values.json) {
    const out = {
      policy,
      findings: result?.findings,
      gap: result ? gapTable(policy, result.findings) : undefined,
      pathStatus: result?.pathStatus,
    };
    console.log(JSON.stringify(out, bigintSafe, 2));
    return 0;
  }
  console.log(formatPolicySummary(policy, now));
  if (result) {
    const counts = new Map<Severity, number>();
    for (const f of result.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
    const bySeverity = [...counts]
      .sort((a, b) => SEVERITY_ORDER[a[0]] - SEVERITY_ORDER[b[0]])
      .map(([s, n]) => `${n} ${s}`)
      .join(', ');
    console.log(
      `\naudit of ${values.db}: ${Object.entries(result.pathStatus)
        .map(([k, n]) => `${n} ${k.replace('_', ' ')}`)
        .join(', ')} path(s); ${result.findings.length} finding(s)${bySeverity ? `: ${bySeverity}` : ''}`,
    );
    for (const f of result.findings)
      console.log(`  ${f.severity.padEnd(8)} ${f.rule.padEnd(26)} ${sanitize(f.explanation, { max: 1024 })}`); // names devices chose
    console.log('\n' + formatGapTable(gapTable(policy, result.findings)));
  }
  return 0;
}

async function exportRules(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string' }, out: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new CliError(`give one policy file\n\n${usage}`);
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'nft') throw new CliError(`--format must be csv or nft, not '${format}'`);
  const policy = await load(positionals[0]!);
  const set = conduitRules(policy, Date.now() / 1000);
  const text = format === 'csv' ? renderCsv(set) : renderNft(set, policy.name ?? positionals[0]!);
  if (values.out) writeFileSync(values.out, text);
  else process.stdout.write(text);
  if (format === 'csv') for (const w of set.warnings) console.error(`warning: ${w}`);
  return 0;
}

export const policyCommand: Command = {
  name: 'policy',
  usage,
  run: (argv) => runSubcommand(argv, { check, 'export-rules': exportRules }, usage),
};
