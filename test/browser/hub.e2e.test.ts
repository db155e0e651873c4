/**
 * The hub's web page end to end in headless Chromium (issue 17): the enterprise view lists every site worst first,
 * with its state and counts; a click drills into that site's plant map and its lists, "All sites" comes back. A
 * site's name and an asset's name are what a sensor (or a device on its network) sent: they show as text, never
 * as markup. The sites' rows reach PostgreSQL through a sensor's real outbox and the hub's own ingest.
 *
 * With the sample enterprise policy in force, "Between sites" lists the open EZ-* findings worst first as the
 * API orders them, and each site's row counts its own; a hub without one says so in one line.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { auditStep } from '../../src/analysis/run-audit.js';
import { buildHubApp } from '../../src/api/hub-app.js';
import { loadEnterprisePolicyFile } from '../../src/audit/enterprise-policy.js';
import { loadPolicyText } from '../../src/audit/policy-load.js';
import { sitePolicyOf } from '../../src/sync/site-policy.js';
import { EnterpriseAuditor } from '../../src/hub/enterprise-auditor.js';
import type { StoredEnterpriseFinding } from '../../src/store/pg/enterprise-repository.js';
import { packageRoot } from '../../src/core/package-root.js';
import { Outbox } from '../../src/store/outbox-repository.js';
import { HubRepository, type Change, type SiteState } from '../../src/store/pg/hub-repository.js';
import { migratePg } from '../../src/store/pg/migrations.js';
import { openPool, type PgPool } from '../../src/store/pg/pool.js';
import { createPgToken } from '../../src/store/pg/token-repository.js';
import { Store } from '../../src/store/store.js';
import { path } from '../helpers/audit.js';
import { PG_URL, pgSchema } from '../sites/helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const PLANT = join(packageRoot, 'fixtures/plant');
const HOSTILE_SITE = `<img src=x onerror="window.__pwned=1">Plant & "A"`;
const HOSTILE_ASSET = `<script>window.__pwned=2</script><b>plc</b>`;
/** A protocol name as a sensor may send it: it reaches a finding's title and the protocol column. */
const HOSTILE_PROTOCOL = `<img src=x onerror="window.__pwned=3">`;
/** A zone name as a sensor's policy may hold it: drawn as the zone's label. */
const HOSTILE_ZONE = `<img src=x onerror="window.__pwned=4">Zone`;

const state = (id: string, name: string, cursor: number, lastHeard: Date): SiteState => ({
  id,
  name,
  cursor,
  lastHeard,
  heartbeat: null,
  gaps: 0,
  gapAt: null,
  snapshotRequestedAt: null,
  repairUntil: null,
});

/** The map's zones and asset labels, read from the cytoscape instance on its container. */
function readMap(page: Page): Promise<{ zones: string[]; labels: string[] }> {
  return page.evaluate(() => {
    const cy = (document.getElementById('cy') as unknown as { _cyreg: { cy: any } })._cyreg.cy;
    return {
      zones: cy
        .nodes('.zone')
        .map((n: any) => n.data('ref'))
        .sort(),
      labels: cy.nodes('.asset').map((n: any) => n.data('label')),
    };
  });
}

describe.skipIf(!existsSync(CHROMIUM))('the hub’s web page in headless Chromium', () => {
  const db = pgSchema();
  let dir: string;
  let pool: PgPool;
  let app: FastifyInstance;
  let plainApp: FastifyInstance;
  let plainBase: string;
  let auditor: EnterpriseAuditor;
  let base: string;
  let token: string;
  let browser: Browser;
  let plantZones: string[];
  let plantAssets: number;
  let plantFindings: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-hub-web-'));
    pool = await openPool({ url: PG_URL, schema: db.schema });
    await migratePg(pool);
    const repo = new HubRepository(pool);

    // plant-a: the bundled plant audited against its policy, published through its outbox
    const store = new Store(join(dir, 'plant-a.db'));
    const outbox = new Outbox(store.db);
    outbox.enable('plant-a');
    await analyzeCaptures([join(PLANT, 'plant.pcap')], { store, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    for (let b = outbox.batch(1000); b.length; b = outbox.batch(1000)) {
      const last = b[b.length - 1]!.seq;
      await repo.ingest(
        b.map((c): Change => ({ kind: c.kind, site: 'plant-a', id: c.id, version: c.seq, data: c.data })),
        [state('plant-a', HOSTILE_SITE, last, new Date())],
      );
      outbox.acknowledge(b, last);
    }
    plantZones = (store.db.prepare('SELECT DISTINCT zone FROM asset_zones ORDER BY zone').pluck().all() as string[]).sort();
    plantAssets = store.db.prepare('SELECT COUNT(*) FROM assets').pluck().get() as number;
    plantFindings = store.db.prepare('SELECT COUNT(*) FROM findings').pluck().get() as number;
    store.close();

    // tiny: one asset whose name is markup, no placement (an older sensor), not heard from for a day
    const asset = {
      id: 'ip:10.9.9.9',
      ips: ['10.9.9.9'],
      macs: [],
      vlans: [],
      names: [HOSTILE_ASSET],
      identity: {},
      role: 'plc',
      roleEvidence: [],
      purdueLevel: null,
      protocolsServer: [],
      protocolsClient: [],
      firstSeen: 1,
      lastSeen: 2,
    };
    await repo.ingest(
      [
        { kind: 'asset', site: 'tiny', id: asset.id, version: 1, data: asset },
        {
          kind: 'finding',
          site: 'tiny',
          id: 'f-low',
          version: 2,
          data: {
            id: 'f-low',
            rule: 'r',
            severity: 'low',
            status: 'open',
            title: 'A low one',
            requirements: [],
            subject: { kind: 'asset', key: asset.id, label: 'x' },
            zones: [],
            evidence: { paths: [], lastSeen: 2 },
          },
        },
      ],
      [state('tiny', 'Tiny site', 2, new Date(Date.now() - 86_400_000))],
    );
    // quiet: heard from, nothing open
    await repo.ingest([], [state('quiet', 'Quiet site', 0, new Date())]);

    // traffic between sites, as the sensors of tiny and quiet saw it (neither declared by the enterprise policy:
    // an address in no site's ranges counts as the site whose sensor saw it): tiny writes to north's controller
    // (no conduit, critical), quiet reads south in clear text over a hostile protocol name, and tiny reads the
    // enterprise data centre over http
    const crossing = [
      { site: 'tiny', p: path({ from: '10.9.9.9', to: '10.20.1.5', protocol: 'modbus', port: 502, ops: { read: 5, write: 2 } }) },
      { site: 'quiet', p: path({ from: '10.8.8.8', to: '10.30.1.7', protocol: HOSTILE_PROTOCOL, port: 4444, ops: { read: 1 } }) },
      { site: 'tiny', p: path({ from: '10.9.9.9', to: '10.10.1.50', protocol: 'http', port: 80 }) },
    ];
    await repo.ingest(
      crossing.map(({ site, p }, i): Change => ({ kind: 'path', site, id: p.id, version: 100 + i, data: p })),
      [],
    );
    const ep = await loadEnterprisePolicyFile(join(packageRoot, 'fixtures/policies/enterprise.yaml'));
    if (!ep.ok) throw new Error(ep.errors.map((e) => e.message).join('\n'));
    auditor = new EnterpriseAuditor(pool, ep.policy, { debounceMs: 0 });
    await auditor.start();

    app = await buildHubApp({ pool, staleAfterS: 600, enterprise: () => auditor });
    plainApp = await buildHubApp({ pool, staleAfterS: 600 });
    token = (await createPgToken(pool, 'viewer', 'e2e')).token;
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    plainBase = await plainApp.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await plainApp?.close();
    await auditor?.close();
    await pool?.end();
    await db.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens on the sites worst first, drills into a site’s map and lists, and comes back; names stay text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (req) => {
      if (!req.url().startsWith(base)) errors.push(`external request ${req.url()}`);
    });
    await page.goto(`${base}/`);
    await page.locator('#token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('#sites-status[data-ready="true"]').waitFor({ timeout: 30_000 });

    // the enterprise view: one row per site, the worst open finding first; no upload, policy or report at the hub
    const rows = page.locator('#sites-table tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.site))).toEqual(['plant-a', 'tiny', 'quiet']);
    const first = await rows.nth(0).locator('td').allTextContents();
    expect(first[0]).toBe(`${HOSTILE_SITE} plant-a`);
    expect(first[1]).toBe('ok');
    expect(first[2]).toBe(String(plantAssets));
    expect(first[5]).toBe('critical');
    expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe('stale');
    expect(await rows.nth(2).locator('td').nth(5).textContent()).toBe('-');
    expect(await page.locator('#sites-table img').count()).toBe(0);
    for (const v of ['upload', 'policy']) expect(await page.locator(`#tabs [data-view="${v}"]`).isHidden()).toBe(true);
    expect(await page.locator('#report-btn').isHidden()).toBe(true);
    expect(await page.locator('#tabs [data-view="map"]').isHidden()).toBe(true);

    // a click on the site: its plant map, the zones its sensor placed the assets in
    await rows.nth(0).locator('button.site-open').click();
    await page.locator('#map-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    expect(await page.locator('#site-name').textContent()).toBe(HOSTILE_SITE);
    const map = await readMap(page);
    expect(map.zones).toEqual(plantZones);
    expect(map.zones.length).toBeGreaterThan(3);
    expect(map.labels).toHaveLength(plantAssets);
    expect(await page.locator('#map-status').textContent()).toContain(
      `${plantAssets} assets in ${plantZones.filter((z) => z !== 'unzoned').length} zones`,
    );
    expect(await page.locator('#finding-list button').count()).toBeGreaterThan(3);

    // its lists: the site's assets only
    await page.locator('#tabs [data-view="tables"]').click();
    await expect.poll(() => page.locator('#table-count').textContent()).toBe(`1–${plantAssets} of ${plantAssets}`);
    expect(await page.locator('#table-filters select[name="role"] option').count()).toBeGreaterThan(2);
    await page.locator('[data-table="findings"]').click();
    await expect.poll(() => page.locator('#table-count').textContent()).toBe(`1–${plantFindings} of ${plantFindings}`);

    // back to every site, then the other site: its map only, its asset's markup as a label
    await page.locator('#all-sites').click();
    await page.locator('#sites-status[data-ready="true"]').waitFor();
    expect(await page.locator('#site-bar').isHidden()).toBe(true);
    await rows.nth(1).locator('button.site-open').click();
    await page.locator('#map-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    // (the map shortens a long label; cytoscape draws it on its canvas, as text)
    expect(await readMap(page)).toEqual({ zones: ['unzoned'], labels: [`${HOSTILE_ASSET.slice(0, 17)}…`] });
    await page.locator('#tabs [data-view="tables"]').click();
    await page.locator('[data-table="assets"]').click();
    await expect.poll(() => page.locator('#table-count').textContent()).toBe('1–1 of 1');
    await expect.poll(() => page.locator('#data-table tbody td').first().textContent()).toBe(HOSTILE_ASSET);
    expect(await page.locator('#data-table b, #data-table script, #data-table img, #site-bar img, #sites-table img').count()).toBe(0);

    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('lists the open findings between sites worst first, and each site’s count in its row; as text', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.locator('#token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('#between-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#sites-status[data-ready="true"]').waitFor({ timeout: 30_000 });

    const api = async (url: string) =>
      (await (await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        items: StoredEnterpriseFinding[];
        total: number;
      };
    const open = (await api('/api/v1/enterprise/findings?status=open&limit=500')).items;
    const rules = open.map((f) => f.rule);
    expect(rules).toEqual(expect.arrayContaining(['EZ-INTER-SITE-NO-CONDUIT']));
    expect(open[0]!.severity).toBe('critical'); // tiny's write to north's controller, with no conduit
    expect(open.some((f) => f.sites.join('|') === 'quiet|south')).toBe(true);
    expect(open.some((f) => f.sites.join('|') === 'tiny|enterprise')).toBe(true);

    const rows = page.locator('#between-table tbody tr');
    expect(await rows.evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.finding))).toEqual(open.map((f) => f.id));
    const cells = await rows.evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
    const when = (iso: string) =>
      page.evaluate((t) => {
        const d = new Date(t);
        const p = (n: number) => String(n).padStart(2, '0');
        return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
      }, iso);
    for (const [i, f] of open.entries()) {
      const protocols = [...new Set(f.evidence.paths.map((p) => p.protocol))].sort().join(', ');
      expect(cells[i]).toEqual([
        f.severity,
        f.rule,
        `${f.sites[0]} → ${f.sites[1]}`,
        protocols,
        f.title,
        await when(f.firstSeen),
        await when(f.lastSeen),
      ]);
    }
    expect(cells.flat().join('\n')).toContain(HOSTILE_PROTOCOL);
    expect(await page.locator('#between-status').textContent()).toBe(
      `${open.length} open finding(s) between sites under enterprise policy “ACME water, all plants”, worst first.`,
    );

    // the sites list: a column with each site's open inter-site findings, as the API filters them by site
    const header = await page.locator('#sites-table thead th').allTextContents();
    expect(header[header.length - 1]).toBe('Between sites');
    for (const site of ['plant-a', 'tiny', 'quiet']) {
      const want = (await api(`/api/v1/enterprise/findings?status=open&site=${site}`)).total;
      const got = await page.locator(`#sites-table tbody tr[data-site="${site}"] td.between-count`).textContent();
      expect(got, site).toBe(String(want));
    }
    expect(await page.locator('#sites-table tbody tr[data-site="tiny"] td.between-count').textContent()).not.toBe('0');
    expect(await page.locator('#between-table img, #between-table b, #between-table script').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a site whose heartbeat carried its policy: every zone by name and level, empty ones too, conduits on their pairs', async () => {
    // what plant-a's sensor sends in its heartbeat (src/sync/site-policy.ts), one zone name made hostile
    const loaded = loadPolicyText(readFileSync(join(PLANT, 'policy.yaml'), 'utf8'));
    if (!loaded.ok) throw new Error('the plant policy loads');
    const summary = sitePolicyOf(loaded.policy, 'e2e-policy', 1);
    summary.zones[0]!.name = HOSTILE_ZONE;
    expect(await new HubRepository(pool).writeSitePolicies([{ site: 'plant-a', policy: summary }])).toEqual(['plant-a']);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    await page.locator('#token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('#sites-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#sites-table tbody tr[data-site="plant-a"] button.site-open').click();
    await page.locator('#map-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    const drawn = await page.evaluate(() => {
      const cy = (document.getElementById('cy') as unknown as { _cyreg: { cy: any } })._cyreg.cy;
      return {
        zones: cy.nodes('.zone').map((n: any) => [n.data('ref'), n.data('label')]),
        bands: cy.nodes('.band').map((n: any) => n.data('label')),
        pairs: cy.edges().map((e: any) => e.data('ref')),
      };
    });
    const labels = new Map(drawn.zones as [string, string][]);
    for (const z of loaded.policy.zones) {
      const name = z.id === summary.zones[0]!.id ? HOSTILE_ZONE : z.name;
      expect(labels.get(z.id), z.id).toMatch(
        new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\n${z.level === null ? '' : `L${z.level} · `}`),
      );
    }
    // the sensor's empty zones are drawn too, and the zones stand in more than one Purdue band
    expect(loaded.policy.zones.every((z) => labels.has(z.id))).toBe(true);
    expect(new Set(loaded.policy.zones.map((z) => z.level)).size).toBeGreaterThan(2);
    expect(drawn.bands.length).toBeGreaterThan(2);
    // each conduit between two zones sits on its zone pair's edge
    const zoneIds = new Set(loaded.policy.zones.map((z) => z.id));
    const between = loaded.policy.conduits
      .filter((c) => c.a.kind === 'zone' && c.b.kind === 'zone' && zoneIds.has(c.a.zone) && zoneIds.has(c.b.zone))
      .map((c) => [(c.a as { zone: string }).zone, (c.b as { zone: string }).zone].sort().join('|'));
    expect(between.length).toBeGreaterThan(3);
    for (const key of between) expect(drawn.pairs, key).toContain(key);
    expect(await page.locator('#map-status').textContent()).toContain(`in ${loaded.policy.zones.length} zones`);
    // (the legend's role icons are the page's own images; none came from the zone's name)
    expect(await page.locator('img[src="x"], [onerror]').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  it('a hub without an enterprise policy says so in one line and shows no count column', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(`${plainBase}/`);
    await page.locator('#token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('#between-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#sites-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    // the policy the other app recorded in the same database is not in force here: its findings are not shown
    expect(await page.locator('#between-status').textContent()).toBe(
      'No enterprise policy: traffic between sites is not judged (otwatch hub --enterprise-policy file.yaml).',
    );
    expect(await page.locator('#between-table tr').count()).toBe(0);
    expect(await page.locator('#sites-table thead th').allTextContents()).toEqual([
      'Site',
      'State',
      'Assets',
      'Paths',
      'Open findings',
      'Worst',
      'Last heard',
    ]);
    await page.close();
  }, 60_000);
});
