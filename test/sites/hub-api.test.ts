/**
 * The hub's API over PostgreSQL (issue 17): tokens created centrally by the CLI, GET /api/v1/sites, and the
 * lists with a site filter; the data is written through the hub's own ingest (no NATS needed here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildHubApp } from '../../src/api/hub-app.js';
import { main } from '../../src/cli/cli.js';
import { HubRepository, type Change, type SiteState } from '../../src/store/pg/hub-repository.js';
import { migratePg } from '../../src/store/pg/migrations.js';
import { openPool, type PgPool } from '../../src/store/pg/pool.js';
import { PG_URL, pgSchema } from './helpers.js';

const site = (id: string, cursor: number, lastHeard: Date | null): SiteState => ({
  id,
  name: `Site ${id}`,
  cursor,
  lastHeard,
  heartbeat: { pending: 0, counters: { packets: 12, batches: 3, odd: 'x' } },
  gaps: 0,
  gapAt: null,
  snapshotRequestedAt: null,
  repairUntil: null,
});

const asset = (id: string, role: string, lastSeen: number) => ({
  id,
  ips: [],
  macs: [],
  vlans: [],
  names: [id],
  identity: {},
  role,
  roleEvidence: [],
  purdueLevel: null,
  protocolsServer: role === 'plc' ? ['modbus'] : [],
  protocolsClient: [],
  firstSeen: 1,
  lastSeen,
});

describe('hub API', () => {
  const db = pgSchema();
  let pool: PgPool;
  let app: FastifyInstance;
  let token: string;

  beforeAll(async () => {
    pool = await openPool({ url: PG_URL, schema: db.schema });
    await migratePg(pool);
    const repo = new HubRepository(pool);
    const changes: Change[] = [];
    for (const s of ['north', 'south'])
      for (let i = 0; i < 30; i++)
        changes.push({
          kind: 'asset',
          site: s,
          id: `ip:10.0.0.${i}`,
          version: 10 + i,
          data: asset(`ip:10.0.0.${i}`, i % 3 ? 'hmi' : 'plc', 100 + i),
        });
    changes.push({
      kind: 'finding',
      site: 'north',
      id: 'f1',
      version: 5,
      data: { id: 'f1', rule: 'r1', severity: 'high', status: 'open', evidence: { lastSeen: 5 }, zones: [] },
    });
    // an older version of an asset arriving after the newer one changes nothing
    changes.push({ kind: 'asset', site: 'north', id: 'ip:10.0.0.1', version: 1, data: asset('ip:10.0.0.1', 'gateway', 1) });
    await repo.ingest(changes, [site('north', 40, new Date()), site('south', 40, new Date(Date.now() - 3600_000))]);
    app = await buildHubApp({ pool, staleAfterS: 60 });
    // the CLI writes the token into the same schema
    const out: string[] = [];
    const log = console.log;
    console.log = (s: string) => out.push(s);
    const errLog = console.error;
    console.error = () => undefined;
    try {
      expect(await main(['token', 'create', '--role', 'viewer', '--postgres', PG_URL, '--pg-schema', db.schema])).toBe(0);
    } finally {
      console.log = log;
      console.error = errLog;
    }
    token = out[0]!;
  });

  afterAll(async () => {
    await app?.close();
    await pool?.end();
    await db.drop();
  });

  const get = (url: string, auth = true) => app.inject({ url, headers: auth ? { authorization: `Bearer ${token}` } : {} });

  it('refuses without a token, serves with the one created by `otwatch token create --postgres`', async () => {
    expect((await get('/api/v1/sites', false)).statusCode).toBe(401);
    expect((await app.inject({ url: '/api/v1/sites', headers: { authorization: 'Bearer otw_nope' } })).statusCode).toBe(401);
    expect((await get('/health', false)).json()).toEqual({ status: 'ok' });
  });

  it('lists the sites with counts, worst finding, last heard and staleness', async () => {
    const r = await get('/api/v1/sites');
    expect(r.statusCode).toBe(200);
    expect(r.json().items.map((s: any) => [s.id, s.name, s.assets, s.openFindings, s.worstSeverity, s.stale])).toEqual([
      ['north', 'Site north', 30, 1, 'high', false],
      ['south', 'Site south', 30, 0, null, true],
    ]);
    expect(r.json().items[0].counters).toEqual({ packets: 12, batches: 3 });
  });

  it('filters every list by site, pages with cursors, ignores older versions', async () => {
    const north = await get('/api/v1/assets?site=north&limit=500');
    expect(north.json().total).toBe(30);
    expect(north.json().items.every((a: any) => a.site === 'north')).toBe(true);
    expect(north.json().items.find((a: any) => a.id === 'ip:10.0.0.1').role).toBe('hmi');
    const plcs = await get('/api/v1/assets?site=south&protocol=modbus');
    expect(plcs.json().total).toBe(10);
    // cursor pages over both sites: every asset once
    const seen = new Set<string>();
    let cursor = '';
    do {
      const p = (await get(`/api/v1/assets?limit=7&sort=last_seen&order=desc${cursor ? `&cursor=${cursor}` : ''}`)).json();
      for (const a of p.items) seen.add(`${a.site}/${a.id}`);
      cursor = p.nextCursor ?? '';
    } while (cursor);
    expect(seen.size).toBe(60);
    expect((await get('/api/v1/findings?site=south')).json().total).toBe(0);
    expect((await get('/api/v1/findings?site=north')).json().items[0]).toMatchObject({ id: 'f1', site: 'north', severity: 'high' });
    expect((await get('/api/v1/paths?site=north')).json().total).toBe(0);
  });

  it('refuses bad input with 400, never a crash', async () => {
    expect((await get('/api/v1/assets?site=a%20b')).statusCode).toBe(400);
    expect((await get('/api/v1/assets?colour=red')).statusCode).toBe(400);
    expect((await get('/api/v1/assets?cursor=garbage')).statusCode).toBe(400);
    expect((await get(`/api/v1/assets?cursor=${Buffer.from('[1,"x"]').toString('base64url')}`)).statusCode).toBe(400);
  });

  it('serves one asset of one site with its identity history and findings', async () => {
    const r = await get('/api/v1/assets/ip%3A10.0.0.0?site=north');
    expect(r.statusCode).toBe(200);
    expect(r.json().asset).toMatchObject({ id: 'ip:10.0.0.0', site: 'north', role: 'plc' });
    expect((await get('/api/v1/assets/ip%3A10.0.0.0?site=nowhere')).statusCode).toBe(404);
    expect((await get('/api/v1/assets/ip%3A10.0.0.0')).statusCode).toBe(400); // ids repeat across sites: the site is required
  });

  it('reports each site in Prometheus metrics', async () => {
    const r = await get('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.body).toContain('otwatch_site_assets{site="north"} 30');
    expect(r.body).toContain('otwatch_site_stale{site="south"} 1');
    expect(r.body).toContain('otwatch_site_open_findings{site="north"} 1');
    expect((await get('/metrics', false)).statusCode).toBe(401);
  });
});
