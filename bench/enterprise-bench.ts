/**
 * The hub's enterprise audit at scale (issue 17): 20 sites × 20,000 paths, 5% of them crossing into the next
 * site's ranges (a ring of conduits that allow Modbus reads; 1% of the crossing paths also write). Measured:
 * 1. in memory: every path classified (an index look-up per address) and the rules over the crossing ones:
 *    what a full evaluation costs, and so what the incremental one saves;
 * 2. with PostgreSQL: the hub's start with the policy (every path's two addresses scanned, the crossing rows
 *    fetched, evaluated, findings written), then one fetch's worth of changes (6,400 paths) observed and
 *    evaluated, as after an ingest.
 *
 * Needs PostgreSQL for part 2 (OTWATCH_BENCH_PG, default postgres://postgres@127.0.0.1:5432/test); uses a schema
 * of its own and drops it; `--no-pg` measures part 1 only.
 *
 * Usage: npx tsx bench/enterprise-bench.ts [--sites 20] [--paths 20000] [--no-pg]
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadEnterprisePolicyText, type EnterprisePolicy } from '../src/audit/enterprise-policy.js';
import { enterpriseAudit, EnterpriseJudge, type InterSitePath } from '../src/audit/enterprise-rules.js';
import type { Path } from '../src/core/model.js';
import { asPathId, ipAssetId } from '../src/core/ids.js';
import { EnterpriseAuditor } from '../src/hub/enterprise-auditor.js';
import { HubRepository, type Change } from '../src/store/pg/hub-repository.js';
import { migratePg } from '../src/store/pg/migrations.js';
import { openPool } from '../src/store/pg/pool.js';

const PG_URL = process.env.OTWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

function policy(sites: string[]): EnterprisePolicy {
  const n = sites.length;
  const text =
    'version: 1\nsites:\n' +
    sites.map((s, i) => `  - id: ${s}\n    ranges: [10.${i}.0.0/16]\n`).join('') +
    'conduits:\n' +
    sites
      .map(
        (s, i) =>
          `  - id: c${i}\n    between: [${s}, ${sites[(i + 1) % n]}]\n    flows: [{protocol: modbus, operations: {allow: [read]}}]\n`,
      )
      .join('');
  const r = loadEnterprisePolicyText(text, 'bench.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.policy;
}

/** Path k of site i: 5% go to the next site's controllers, the rest stay home. */
function makePath(i: number, k: number, n: number): Path {
  const crossing = k % 20 === 0;
  const from = `10.${i}.${(k >> 8) & 255}.${k & 255}`;
  const to = `10.${crossing ? (i + 1) % n : i}.200.${k % 50}`;
  const write = crossing && k % 2000 === 0;
  return {
    id: asPathId(`${from}>${to}/modbus/502`),
    initiator: ipAssetId(from),
    responder: ipAssetId(to),
    initiatorIp: from,
    responderIp: to,
    protocol: 'modbus',
    transport: 'tcp',
    responderPort: 502,
    packetsToResponder: 10 + (k % 7),
    packetsToInitiator: 10,
    bytesToResponder: 1000,
    bytesToInitiator: 1000,
    firstSeen: 1_750_000_000,
    lastSeen: 1_750_000_000 + k,
    operations: {
      read: { count: 3, examples: ['FC 3 read holding registers 0-9'], functions: { '3': 3 } },
      ...(write ? { write: { count: 1, examples: ['FC 6 write register 4'], functions: { '6': 1 } } } : {}),
    },
    facts: {},
  };
}

const ms = (t: number) => `${t.toFixed(0)} ms`;

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const v = parseArgs({
    args: argv,
    options: { sites: { type: 'string' }, paths: { type: 'string' }, 'no-pg': { type: 'boolean' } },
  }).values;
  const n = Number(v.sites ?? 20);
  const per = Number(v.paths ?? 20_000);
  const sites = Array.from({ length: n }, (_, i) => `site${i}`);
  const p = policy(sites);
  const seen: { site: string; path: Path }[] = [];
  for (let i = 0; i < n; i++) for (let k = 0; k < per; k++) seen.push({ site: sites[i]!, path: makePath(i, k, n) });

  console.log(`enterprise audit: ${n} sites × ${per.toLocaleString('en')} paths (${seen.length.toLocaleString('en')})`);
  const runs: { classify: number; rules: number; crossing: number; findings: number }[] = [];
  for (let rep = 0; rep < 5; rep++) {
    const t0 = performance.now();
    const judge = new EnterpriseJudge(p);
    const crossing: InterSitePath[] = [];
    for (const s of seen) {
      const x = judge.classify(s.site, s.path);
      if (x) crossing.push(x);
    }
    const t1 = performance.now();
    const findings = enterpriseAudit(judge, crossing);
    runs.push({ classify: t1 - t0, rules: performance.now() - t1, crossing: crossing.length, findings: findings.length });
  }
  const median = (f: (r: (typeof runs)[number]) => number) => runs.map(f).sort((a, b) => a - b)[runs.length >> 1]!;
  console.log(
    `  in memory (median of ${runs.length}): classify every path ${ms(median((r) => r.classify))}, ` +
      `rules over ${runs[0]!.crossing.toLocaleString('en')} crossing paths ${ms(median((r) => r.rules))}, ${runs[0]!.findings} findings`,
  );
  if (v['no-pg']) return;

  const schema = `bench_ent_${randomBytes(4).toString('hex')}`;
  let pool: pg.Pool;
  try {
    pool = await openPool({ url: PG_URL, schema });
  } catch (err) {
    console.log(`  PostgreSQL part skipped: ${(err as Error).message}`);
    return;
  }
  try {
    await migratePg(pool);
    const hub = new HubRepository(pool);
    let version = 0;
    const t0 = performance.now();
    for (let i = 0; i < seen.length; i += 10_000) {
      const changes: Change[] = seen
        .slice(i, i + 10_000)
        .map((s) => ({ kind: 'path', site: s.site, id: s.path.id, version: ++version, data: s.path }));
      await hub.ingest(changes, []);
    }
    console.log(`  PostgreSQL: ${seen.length.toLocaleString('en')} paths ingested in ${ms(performance.now() - t0)} (setup, not the audit)`);
    const auditor = new EnterpriseAuditor(pool, p, { debounceMs: 0 });
    const t1 = performance.now();
    await auditor.start();
    console.log(
      `  hub start with the policy: scan every path's addresses and fetch the crossing rows ${ms(auditor.lastLoad!.ms)}; whole start: scan, fetch ${auditor.interSitePaths.toLocaleString('en')} crossing rows, evaluate, write findings: ${ms(performance.now() - t1)} ` +
        `(evaluation ${ms(auditor.lastEvaluation!.totalMs)}, rules ${ms(auditor.lastEvaluation!.auditMs)})`,
    );
    // one fetch's worth: 64 messages of 100 path changes, newer versions of paths spread over every site
    const batch: Change[] = [];
    for (let j = 0; j < 6400; j++) {
      const s = seen[(j * 61) % seen.length]!;
      batch.push({ kind: 'path', site: s.site, id: s.path.id, version: ++version, data: { ...s.path, lastSeen: s.path.lastSeen + 60 } });
    }
    const t2 = performance.now();
    auditor.observe(batch);
    const t3 = performance.now();
    const e = (await auditor.evaluate())!;
    console.log(
      `  after an ingest of 6,400 path changes: observe ${ms(t3 - t2)}, evaluate over the crossing paths ${ms(e.totalMs)} (rules ${ms(e.auditMs)}), ` +
        `${e.findings} findings`,
    );
  } finally {
    await pool.end();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('enterprise-bench.ts')) await main();
