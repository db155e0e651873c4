/**
 * The hub's enterprise audit on the real PostgreSQL (issue 17): paths ingested through the hub's own
 * repository, the auditor's findings with their lifecycle (open, seen again, resolved when the traffic goes
 * or a new policy allows it, reopened), the API plugin on the hub's app, and the evaluation timed at
 * 20 sites x 20,000 paths.
 */
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import { buildHubApp } from '../../src/api/hub-app.js';
import { loadEnterprisePolicyFile, loadEnterprisePolicyText, type EnterprisePolicy } from '../../src/audit/enterprise-policy.js';
import { enterpriseAudit, EnterpriseJudge, type InterSitePath } from '../../src/audit/enterprise-rules.js';
import type { Path } from '../../src/core/model.js';
import { EnterpriseAuditor } from '../../src/hub/enterprise-auditor.js';
import { EnterpriseRepository, type StoredEnterpriseFinding } from '../../src/store/pg/enterprise-repository.js';
import { HubRepository, type Change } from '../../src/store/pg/hub-repository.js';
import { migratePg } from '../../src/store/pg/migrations.js';
import { openPool, type PgPool } from '../../src/store/pg/pool.js';
import { path } from '../helpers/audit.js';
import { PG_URL, pgSchema } from './helpers.js';

const sample = fileURLToPath(new URL('../../fixtures/policies/enterprise.yaml', import.meta.url));

async function samplePolicy(): Promise<EnterprisePolicy> {
  const r = await loadEnterprisePolicyFile(sample);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.policy;
}

/** The sample with a conduit that also allows south's traffic to the enterprise zone's web servers. */
async function widerPolicy(): Promise<EnterprisePolicy> {
  const { readFile } = await import('node:fs/promises');
  const text =
    (await readFile(sample, 'utf8')) + '  - id: south-to-intranet\n    between: [south, enterprise]\n    flows: [{protocol: http}]\n';
  const r = loadEnterprisePolicyText(text, 'wider.yaml');
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.policy;
}

let version = 100;
const change = (site: string, p: Path | null, id?: string): Change => ({
  kind: 'path',
  site,
  id: id ?? p!.id,
  version: ++version,
  data: p,
});

describe('enterprise audit at the hub (PostgreSQL)', () => {
  const db = pgSchema();
  let pool: PgPool;
  let hubRepo: HubRepository;
  let repo: EnterpriseRepository;

  const readNorthSouth = path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 100 } });
  const southToIntranet = path({ from: '10.30.1.9', to: '10.10.1.50', protocol: 'http', port: 80 });
  const local = path({ from: '10.20.1.10', to: '10.20.1.12', protocol: 'modbus', port: 502, ops: { write: 9 } });
  const writeNorthSouth = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5, write: 2 } });

  const all = async (q: Partial<Parameters<EnterpriseRepository['findingPage']>[0]> = {}) =>
    (await repo.findingPage({ limit: 500, ...q })).items;
  const byRule = (items: StoredEnterpriseFinding[], rule: string) => items.filter((f) => f.rule === rule);

  beforeAll(async () => {
    pool = await openPool({ url: PG_URL, schema: db.schema });
    await migratePg(pool);
    hubRepo = new HubRepository(pool);
    repo = new EnterpriseRepository(pool);
    await hubRepo.ingest(
      [change('north', readNorthSouth), change('south', readNorthSouth), change('south', southToIntranet), change('north', local)],
      [],
    );
  });

  afterAll(async () => {
    await pool?.end();
    await db.drop();
  });

  it('judges what PostgreSQL holds at start, then only the changed paths; resolves, reopens, and follows a policy change', async () => {
    const policy = await samplePolicy();
    const auditor = new EnterpriseAuditor(pool, policy, { debounceMs: 0 });
    await auditor.start();
    expect(auditor.interSitePaths).toBe(3); // the local write is not held
    let items = await all();
    expect(items.map((f) => [f.rule, f.severity, f.sites, f.observedAt, f.status])).toEqual([
      ['EZ-INTER-SITE-NO-CONDUIT', 'high', ['south', 'enterprise'], ['south'], 'open'],
      ['EZ-INTER-SITE-CLEARTEXT', 'medium', ['north', 'south'], ['north', 'south'], 'open'],
    ]);
    const noConduit = items[0]!;
    expect(noConduit.evidence.sitePaths).toEqual([{ site: 'south', pathId: southToIntranet.id }]);
    expect(noConduit.policyHash).toBe(policy.hash);

    // a batch with a write across the WAN: judged after the ingest, without reading the other paths again
    const batch = [change('north', writeNorthSouth), change('north', local)];
    await hubRepo.ingest(batch, []);
    auditor.observe(batch);
    expect(await auditor.evaluateIfDue()).toBe(true);
    items = await all();
    const write = byRule(items, 'EZ-INTER-SITE-NOT-ALLOWED');
    expect(write.map((f) => [f.severity, f.sites, f.status, f.conduit])).toEqual([
      ['critical', ['north', 'south'], 'open', 'north-south-supervision'],
    ]);
    expect(write[0]!.evidence.sitePaths).toEqual([{ site: 'north', pathId: writeNorthSouth.id }]);
    // seen again: first seen kept, last seen moved
    const again = byRule(items, 'EZ-INTER-SITE-NO-CONDUIT')[0]!;
    expect(again.firstSeen).toBe(noConduit.firstSeen);
    expect(Date.parse(again.lastSeen)).toBeGreaterThan(Date.parse(noConduit.lastSeen));
    // nothing changed since: no evaluation
    expect(await auditor.evaluateIfDue()).toBe(false);
    // an older version of a path arriving late changes nothing
    auditor.observe([{ ...change('north', writeNorthSouth), version: 1 }]);
    expect(await auditor.evaluateIfDue()).toBe(false);

    // the write's path deleted at its site: resolved as traffic gone
    const gone = [change('north', null, writeNorthSouth.id)];
    await hubRepo.ingest(gone, []);
    auditor.observe(gone);
    await auditor.evaluateIfDue();
    const resolved = byRule(await all({ status: 'resolved' }), 'EZ-INTER-SITE-NOT-ALLOWED');
    expect(resolved.map((f) => [f.status, f.resolution])).toEqual([['resolved', 'traffic']]);
    expect(resolved[0]!.resolvedAt).not.toBeNull();

    // a new policy that allows south's http to the intranet: the no-conduit finding resolved by the policy
    const wider = await widerPolicy();
    const auditor2 = new EnterpriseAuditor(pool, wider, { debounceMs: 0 });
    await auditor2.start();
    items = await all();
    expect(byRule(items, 'EZ-INTER-SITE-NO-CONDUIT').map((f) => [f.status, f.resolution])).toEqual([['resolved', 'policy']]);
    expect((await all({ status: 'open' })).map((f) => f.rule)).toEqual(['EZ-INTER-SITE-CLEARTEXT']);
    expect((await repo.policy())!.hash).toBe(wider.hash);

    // back to the sample policy: the finding comes back, reopened and counted
    const auditor3 = new EnterpriseAuditor(pool, policy, { debounceMs: 0 });
    await auditor3.start();
    const back = byRule(await all({ status: 'open' }), 'EZ-INTER-SITE-NO-CONDUIT');
    expect(back.map((f) => [f.status, f.reopened, f.firstSeen])).toEqual([['open', 1, noConduit.firstSeen]]);
  });

  describe('the API plugin on the hub app', () => {
    let app: FastifyInstance;
    let token: string;
    let auditor: EnterpriseAuditor;

    beforeAll(async () => {
      auditor = new EnterpriseAuditor(pool, await samplePolicy(), { debounceMs: 0 });
      await auditor.start();
      // the enterprise routes are part of every hub app; the auditor in force is this one (no running hub here)
      app = await buildHubApp({ pool, staleAfterS: 60, enterprise: () => auditor });
      const created = await runCli(['token', 'create', '--role', 'viewer', '--postgres', PG_URL, '--pg-schema', db.schema]);
      expect(created.code).toBe(0);
      token = created.out.trim().split('\n').pop()!.trim();
    });
    afterAll(async () => {
      await app?.close();
    });

    const get = (url: string, auth = true) => app.inject({ method: 'GET', url, headers: auth ? { authorization: `Bearer ${token}` } : {} });

    it('pages the findings with severity, status and site filters; needs a token', async () => {
      expect((await get('/api/v1/enterprise/findings', false)).statusCode).toBe(401);
      const first = await get('/api/v1/enterprise/findings?limit=1');
      expect(first.statusCode).toBe(200);
      const p1 = first.json();
      expect(p1.total).toBe(3); // no conduit (open), cleartext (open), the write (resolved)
      expect(p1.items.map((f: StoredEnterpriseFinding) => f.rule)).toEqual(['EZ-INTER-SITE-NOT-ALLOWED']);
      const p2 = (await get(`/api/v1/enterprise/findings?limit=1&cursor=${p1.nextCursor}`)).json();
      expect(p2.items.map((f: StoredEnterpriseFinding) => f.rule)).toEqual(['EZ-INTER-SITE-NO-CONDUIT']);
      expect(p2.items[0].sites).toEqual(['south', 'enterprise']);
      expect(p2.items[0].evidence.sitePaths).toEqual([{ site: 'south', pathId: southToIntranet.id }]);
      const medium = (await get('/api/v1/enterprise/findings?severity=medium')).json();
      expect(medium.items.map((f: StoredEnterpriseFinding) => [f.rule, f.status])).toEqual([['EZ-INTER-SITE-CLEARTEXT', 'open']]);
      const open = (await get('/api/v1/enterprise/findings?status=open&site=enterprise')).json();
      expect(open.items.map((f: StoredEnterpriseFinding) => f.rule)).toEqual(['EZ-INTER-SITE-NO-CONDUIT']);
      expect((await get('/api/v1/enterprise/findings?severity=urgent')).statusCode).toBe(400);
      expect((await get('/api/v1/enterprise/findings?cursor=bogus')).statusCode).toBe(400);
    });

    it('summarises the policy in force', async () => {
      const r = await get('/api/v1/enterprise/policy');
      expect(r.statusCode).toBe(200);
      const p = r.json();
      expect(p).toMatchObject({ name: 'ACME water, all plants', active: true, sites: 2, conduits: 2, interSitePaths: 3 });
      expect(p.zones.map((z: { id: string; ranges: string[] }) => [z.id, z.ranges])).toEqual([
        ['north', ['10.20.1.0/24']],
        ['south', ['10.30.1.0/24', '10.31.0.0/16']],
        ['enterprise', ['10.10.1.0/24']],
      ]);
      expect(p.conduitList[0].flows[0]).toMatchObject({
        protocol: 'modbus',
        initiator: 'north',
        allow: ['read', 'identify', 'diagnostic'],
      });
      expect(p.evaluation.findings).toBe(2);
    });

    it('counts the open findings on /metrics (by severity, per site, evaluations, last evaluation) and per site on /sites', async () => {
      const site = (id: string) => ({
        id,
        name: null,
        cursor: 0,
        lastHeard: new Date(),
        heartbeat: null,
        gaps: 0,
        gapAt: null,
        snapshotRequestedAt: null,
        repairUntil: null,
      });
      await hubRepo.writeSites(pool, [site('north'), site('south'), site('west')]);
      const open = (await get('/api/v1/enterprise/findings?status=open&limit=500')).json().items as StoredEnterpriseFinding[];
      expect(open.length).toBeGreaterThan(1);
      const text = (await get('/metrics')).body;
      for (const sev of ['critical', 'high', 'medium', 'low', 'info'])
        expect(text, sev).toContain(
          `otwatch_enterprise_open_findings{severity="${sev}"} ${open.filter((f) => f.severity === sev).length}\n`,
        );
      expect(text).toContain(`otwatch_enterprise_evaluations_total ${auditor.evaluations}\n`);
      expect(auditor.evaluations).toBeGreaterThan(0);
      const at = Number(/^otwatch_enterprise_last_evaluation_seconds (\S+)$/m.exec(text)![1]);
      expect(Math.abs(at - Date.parse((await repo.policy())!.evaluatedAt!) / 1000)).toBeLessThan(0.01);
      expect(at).toBeGreaterThan(Date.now() / 1000 - 600);
      const items = (await get('/api/v1/sites')).json().items as { id: string; interSiteFindings: number | null }[];
      for (const id of ['north', 'south', 'west']) {
        const want = (await get(`/api/v1/enterprise/findings?status=open&site=${id}`)).json().total as number;
        expect(items.find((s) => s.id === id)!.interSiteFindings, id).toBe(want);
        expect(text).toContain(`otwatch_site_enterprise_open_findings{site="${id}"} ${want}\n`);
      }
      expect(items.find((s) => s.id === 'south')!.interSiteFindings).toBeGreaterThan(0);
      expect(items.find((s) => s.id === 'west')!.interSiteFindings).toBe(0);

      // a hub app without an enterprise audit: no enterprise counters, no per-site count
      const plain = await buildHubApp({ pool, staleAfterS: 60 });
      try {
        const auth = { authorization: `Bearer ${token}` };
        expect((await plain.inject({ url: '/metrics', headers: auth })).body).not.toContain('otwatch_enterprise_');
        const bare = (await plain.inject({ url: '/api/v1/sites', headers: auth })).json().items as { interSiteFindings: null }[];
        expect(bare.every((s) => s.interSiteFindings === null)).toBe(true);
      } finally {
        await plain.close();
      }
    });
  });

  it('stores a finding whose evidence carries what jsonb refuses (a lone surrogate, NUL) from a device', async () => {
    const { ENTERPRISE_RULES } = await import('../../src/audit/enterprise-rules.js');
    const judge = new EnterpriseJudge(await samplePolicy());
    const p = path({ from: '10.31.9.9', to: '10.10.1.77', protocol: 's7comm', port: 102, ops: { read: 1 } });
    p.operations.read!.examples = ['read DB1 \ud800 name', 'nul \u0000 here', 'a pair \ud83d\ude00 stays', 'text \\ud800 stays'];
    const findings = enterpriseAudit(judge, [judge.classify('south', p)!]);
    expect(findings.map((f) => f.rule)).toEqual([ENTERPRISE_RULES.noConduit]);
    const scratch = await openPool({ url: PG_URL, schema: `${db.schema}_x` });
    try {
      await migratePg(scratch);
      await new EnterpriseRepository(scratch).sync(findings, 'h', 'traffic');
      const stored = (await new EnterpriseRepository(scratch).findingPage({ limit: 10 })).items[0]!;
      expect(stored.evidence.operations[0]!.examples).toEqual([
        'read DB1 \ufffd name',
        'nul  here',
        'a pair \ud83d\ude00 stays',
        'text \\ud800 stays',
      ]);
    } finally {
      await scratch.query(`DROP SCHEMA ${db.schema}_x CASCADE`);
      await scratch.end();
    }
  });

  it('evaluates 20 sites x 20,000 paths in linear time (timed)', async () => {
    // 20 sites of 10.<n>.0.0/16; each site's paths: 19,000 local, 1,000 to the next site's controllers
    const sites = Array.from({ length: 20 }, (_, i) => `site${i}`);
    const text =
      'version: 1\nsites:\n' +
      sites.map((s, i) => `  - id: ${s}\n    ranges: [10.${i}.0.0/16]\n`).join('') +
      'conduits:\n' +
      sites
        .map(
          (s, i) =>
            `  - id: c${i}\n    between: [${s}, ${sites[(i + 1) % 20]}]\n    flows: [{protocol: modbus, operations: {allow: [read]}}]\n`,
        )
        .join('');
    const r = loadEnterprisePolicyText(text);
    if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
    const seen: { site: string; p: Path }[] = [];
    // two shared operation summaries: 400,000 paths of their own would hold half a gigabyte in the test worker
    const reads = path({ from: '10.0.0.1', to: '10.0.0.2', protocol: 'modbus', port: 502, ops: { read: 3 } }).operations;
    const writes = path({ from: '10.0.0.1', to: '10.0.0.2', protocol: 'modbus', port: 502, ops: { read: 3, write: 1 } }).operations;
    for (let i = 0; i < 20; i++)
      for (let k = 0; k < 20_000; k++) {
        const other = k < 1000 ? (i + 1) % 20 : i;
        const p = path({ from: `10.${i}.${(k >> 8) & 255}.${k & 255}`, to: `10.${other}.200.${k % 50}`, protocol: 'modbus', port: 502 });
        p.operations = k % 100 === 0 ? writes : reads;
        seen.push({ site: sites[i]!, p });
      }
    const t0 = performance.now();
    const judge = new EnterpriseJudge(r.policy);
    const crossing: InterSitePath[] = [];
    for (const { site, p } of seen) {
      const x = judge.classify(site, p);
      if (x) crossing.push(x);
    }
    const t1 = performance.now();
    const findings = enterpriseAudit(judge, crossing);
    const t2 = performance.now();
    console.log(
      `enterprise audit, 20 sites x 20,000 paths: classify ${seen.length} paths ${(t1 - t0).toFixed(0)} ms, ` +
        `rules over ${crossing.length} crossing paths ${(t2 - t1).toFixed(0)} ms, ${findings.length} findings`,
    );
    expect(crossing.length).toBe(20_000);
    // per site pair: cleartext (the reads) and the write not allowed
    expect(findings.length).toBe(40);
    expect(findings.filter((f) => f.severity === 'critical').length).toBe(20);
    expect(t1 - t0).toBeLessThan(5000);
    expect(t2 - t1).toBeLessThan(5000);
  });
});
