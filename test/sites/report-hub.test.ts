/**
 * The assessment report over the hub's sites (issue 17), on the real PostgreSQL: two sensors' SQLite built
 * by the real `otwatch analyze` of captures, ingested by the hub's repository; `otwatch report --postgres`
 * and GET /api/v1/report list every site with PostgreSQL's counts, `--site` limits them, a hostile site
 * and asset name come out escaped, an unknown site is a clear usage error.
 */
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Asset } from '../../src/core/model.js';
import { buildHubApp } from '../../src/api/hub-app.js';
import { HubRepository, type Change, type SiteState } from '../../src/store/pg/hub-repository.js';
import { migratePg } from '../../src/store/pg/migrations.js';
import { openPool, type PgPool } from '../../src/store/pg/pool.js';
import { createPgToken } from '../../src/store/pg/token-repository.js';
import { corpusAvailable, corpusPath, repoRoot } from '../helpers/corpus.js';
import { PG_URL, pgSchema, sensorData, type SiteData } from './helpers.js';

const plant = join(repoRoot, 'fixtures/plant/plant.pcap');
const policy = join(repoRoot, 'fixtures/plant/policy.yaml');
const HOSTILE_SITE = '<script>alert("site")</script>';
const HOSTILE_ASSET = '<img src=x onerror=alert(1)>';

const cli = runCli;

const state = (id: string, name: string | null, cursor: number, lastHeard: Date): SiteState => ({
  id,
  name,
  cursor,
  lastHeard,
  heartbeat: { pending: 0, counters: {} },
  gaps: 0,
  gapAt: null,
  snapshotRequestedAt: null,
  repairUntil: null,
});

/** A sensor's state as the changes its outbox would publish (one version each). */
function changesOf(site: string, d: SiteData): Change[] {
  let version = 0;
  return [
    ...d.assets.map((a) => ({ kind: 'asset' as const, site, id: a.id, version: ++version, data: a })),
    ...d.paths.map((p) => ({ kind: 'path' as const, site, id: p.id, version: ++version, data: p })),
    ...d.findings.map((f) => ({ kind: 'finding' as const, site, id: f.id, version: ++version, data: f })),
  ];
}

/** The cells of the summary table's row of one site, tags stripped. */
function summaryRow(html: string, site: string): string[] {
  const table = /<table class="sites">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? '';
  const row = table.split('<tr>').find((r) => r.includes(`href="#site-${site.replace(/[^A-Za-z0-9_-]/g, '_')}"`));
  if (!row) return [];
  return [...row.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]*>/g, '').trim());
}

describe.skipIf(!corpusAvailable)('report over the hub: every site or some, from PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-report-hub-'));
  const db = pgSchema();
  const empty = pgSchema();
  let pool: PgPool;
  let app: FastifyInstance;
  let token: string;
  const expected: Record<string, SiteData> = {};

  beforeAll(async () => {
    // two sensors: the plant audited against its policy, Modbus and S7 captures of the corpus without one
    const a = join(dir, 'a.db');
    const b = join(dir, 'b.db');
    expect((await cli(['analyze', plant, '--db', a, '--policy', policy, '--quiet'])).code).toBe(0);
    const bCaptures = [
      corpusPath('modbus/ICS-Security-Tools__modbus_test.pcap'),
      corpusPath('s7comm/ICS-Security-Tools__S7-1511_db2_var1_HMI.pcap'),
    ];
    expect((await cli(['analyze', ...bCaptures, '--db', b, '--quiet'])).code).toBe(0);
    expected['plant-a'] = sensorData(a);
    expected['plant-b'] = sensorData(b);
    // a device on plant a that names itself with markup
    const hostile = {
      ...expected['plant-a'].assets[0]!,
      id: 'ip:10.66.66.66' as Asset['id'],
      ips: ['10.66.66.66'],
      names: [HOSTILE_ASSET],
    };
    expected['plant-a'].assets.push(hostile);
    expect(expected['plant-a'].findings.length).toBeGreaterThan(0);
    expect(expected['plant-b'].assets.length).toBeGreaterThan(1);

    pool = await openPool({ url: PG_URL, schema: db.schema });
    await migratePg(pool);
    const repo = new HubRepository(pool);
    const ca = changesOf('plant-a', expected['plant-a']);
    const cb = changesOf('plant-b', expected['plant-b']);
    await repo.ingest(
      [...ca, ...cb],
      [
        state('plant-a', 'Plant A', ca.length, new Date()),
        // a sensor names its site as it likes; plant b has not been heard from for an hour
        state('plant-b', HOSTILE_SITE, cb.length, new Date(Date.now() - 3600_000)),
      ],
    );
    app = await buildHubApp({ pool, staleAfterS: 60 });
    token = (await createPgToken(pool, 'viewer', 'report test')).token;
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await db.drop();
    await empty.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const report = async (...extra: string[]) => {
    const out = join(dir, `r-${Math.random().toString(36).slice(2)}.html`);
    const r = await cli(['report', '--postgres', PG_URL, '--pg-schema', db.schema, '--out', out, ...extra]);
    return { ...r, html: r.code === 0 ? readFileSync(out, 'utf8') : '' };
  };

  async function pgCounts(site: string) {
    const one = async (sql: string) => Number((await pool.query(sql, [site])).rows[0].n);
    const open = async (severity: string) =>
      one(
        `SELECT COUNT(*) AS n FROM findings WHERE site = $1 AND data IS NOT NULL AND status IN ('open', 'reopened') AND severity = '${severity}'`,
      );
    return {
      assets: await one('SELECT COUNT(*) AS n FROM assets WHERE site = $1 AND data IS NOT NULL'),
      paths: await one('SELECT COUNT(*) AS n FROM paths WHERE site = $1 AND data IS NOT NULL'),
      open: [await open('critical'), await open('high'), await open('medium'), await open('low'), await open('info')],
    };
  }

  it('lists every site, worst first, with the counts PostgreSQL holds, then a section per site', async () => {
    const r = await report();
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/2 site\(s\)/);
    for (const site of ['plant-a', 'plant-b']) {
      const c = await pgCounts(site);
      // and PostgreSQL holds what each sensor's SQLite holds
      expect(c.assets).toBe(expected[site]!.assets.length);
      expect(c.paths).toBe(expected[site]!.paths.length);
      const row = summaryRow(r.html, site);
      expect(row.slice(2, 9)).toEqual([String(c.assets), String(c.paths), ...c.open.map(String)]);
      expect(r.html).toContain(`<section class="site" id="site-${site}">`);
    }
    // plant a has open findings, plant b none: a first; b is stale
    expect(r.html.indexOf('href="#site-plant-a"')).toBeLessThan(r.html.indexOf('href="#site-plant-b"'));
    expect(summaryRow(r.html, 'plant-b')[1]).toMatch(/stale$/);
    expect(summaryRow(r.html, 'plant-a')[1]).not.toMatch(/stale/);
    // the fix-first list names the site of each finding; as many rows as open findings (below the bound)
    const fixFirst = /<table class="fix-first">([\s\S]*?)<\/table>/.exec(r.html)![1]!;
    const open = (await pgCounts('plant-a')).open.reduce((x, y) => x + y, 0);
    expect(open).toBeGreaterThan(0);
    expect(fixFirst.split('<tr>').length - 2).toBe(Math.min(open, 50));
    expect(fixFirst).toContain('href="#site-plant-a">Plant A</a>');
    // each finding of plant a's sensor that is open shows its title in the site's section
    for (const f of expected['plant-a'].findings.filter((x) => x.status === 'open').slice(0, 5)) expect(r.html).toContain(f.rule);
  });

  it('escapes a hostile site name and asset name: no markup of theirs reaches the page', async () => {
    const r = await report();
    expect(r.html).not.toContain('<script>');
    expect(r.html).not.toContain('<img');
    expect(r.html).toContain('&lt;script&gt;alert(&quot;site&quot;)&lt;/script&gt;');
    expect(r.html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('--site limits the report to the sites named', async () => {
    const r = await report('--site', 'plant-b');
    expect(r.code).toBe(0);
    expect(r.html).toContain('id="site-plant-b"');
    expect(r.html).not.toContain('site-plant-a');
    expect(r.html).not.toContain('Plant A');
    expect(summaryRow(r.html, 'plant-b')[2]).toBe(String(expected['plant-b'].assets.length));
    const both = await report('--site', 'plant-b', '--site', 'plant-a');
    expect(both.html).toContain('id="site-plant-a"');
    expect(both.html).toContain('id="site-plant-b"');
  });

  it('an unknown site is a usage error naming it (exit 2); bad combinations too', async () => {
    const r = await report('--site', 'plant-a', '--site', 'nowhere');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown site 'nowhere'");
    expect(r.err).toContain("'plant-a', 'plant-b'");
    expect((await cli(['report', '--site', 'plant-a', '--out', join(dir, 'x.html')])).err).toContain('--site needs --postgres');
    expect((await report('--db', join(dir, 'a.db'))).code).toBe(2);
  });

  it('a hub with no site yet gives a report that says so', async () => {
    const p = await openPool({ url: PG_URL, schema: empty.schema });
    await migratePg(p);
    await p.end();
    const out = join(dir, 'empty.html');
    const r = await cli(['report', '--postgres', PG_URL, '--pg-schema', empty.schema, '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('No site has reported to this hub yet');
  });

  it('a database no hub wrote is a clear error, not a stack trace', async () => {
    const r = await cli(['report', '--postgres', PG_URL, '--pg-schema', `${empty.schema}_none`, '--out', join(dir, 'n.html')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('holds no hub tables');
    const c = await openPool({ url: PG_URL });
    await c.query(`DROP SCHEMA IF EXISTS ${empty.schema}_none`);
    await c.end();
  });

  it('GET /api/v1/report serves the same report to a viewer, one site with site=, 404 for an unknown one', async () => {
    const get = (url: string, auth = true) => app.inject({ url, headers: auth ? { authorization: `Bearer ${token}` } : {} });
    expect((await get('/api/v1/report', false)).statusCode).toBe(401);
    const all = await get('/api/v1/report');
    expect(all.statusCode).toBe(200);
    expect(all.headers['content-type']).toMatch(/^text\/html/);
    expect(all.headers['content-security-policy']).toContain("default-src 'none'");
    expect(summaryRow(all.body, 'plant-a')[2]).toBe(String(expected['plant-a'].assets.length));
    expect(all.body).not.toContain('<script>');
    const one = await get('/api/v1/report?site=plant-a');
    expect(one.body).toContain('id="site-plant-a"');
    expect(one.body).not.toContain('id="site-plant-b"');
    const unknown = await get('/api/v1/report?site=nowhere');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().message).toContain("unknown site 'nowhere'");
    expect((await get('/api/v1/report?site=a%20b')).statusCode).toBe(400);
  });
});
