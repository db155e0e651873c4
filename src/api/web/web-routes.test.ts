/**
 * The routes behind the page, with inject(): the page and its files (public, from a fixed list, strict
 * CSP, the graph library from node_modules), the map's data, the zones suggest draft and the report,
 * each behind a token.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../analysis/analyze-captures.js';
import { packageRoot } from '../../core/package-root.js';
import { auditStep } from '../../analysis/run-audit.js';
import type { Finding } from '../../audit/finding.js';
import { loadPolicyText } from '../../audit/policy-load.js';
import { buildApp } from '../app.js';
import { createToken } from '../../store/token-repository.js';
import { REPORT_CSP } from '../routes/report.js';
import { PAGE_CSP, VENDOR_FILES } from '../routes/web.js';

const PLANT = join(packageRoot, 'fixtures/plant');

describe('web routes', () => {
  let dir: string;
  let app: FastifyInstance;
  let viewer: string;
  let findings: Finding[];
  const auth = () => ({ authorization: `Bearer ${viewer}` });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-webroutes-'));
    const db = join(dir, 'plant.db');
    findings = (await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() }))
      .findings as Finding[];
    app = await buildApp({ db, uploadDir: join(dir, 'up'), logger: false });
    viewer = createToken(app.otwatch.store.db, 'viewer', 'v').token;
  });

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page and its files without a token, with a CSP that allows only its own scripts', async () => {
    const page = await app.inject({ url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(page.body).toBe(readFileSync(join(packageRoot, 'src/api/web/index.html'), 'utf8'));
    for (const src of page.body.matchAll(/(?:src|href)="([^"]+)"/g)) {
      const r = await app.inject({ url: src[1]! });
      expect(r.statusCode, src[1]).toBe(200);
    }
    for (const [name] of VENDOR_FILES) expect((await app.inject({ url: `/web/vendor/${name}` })).statusCode).toBe(200);
    const js = await app.inject({ url: '/web/map.js' });
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    // nothing outside the list: no traversal, no tests, no sources
    for (const url of [
      '/web/../package.json',
      '/web/%2e%2e/package.json',
      '/web/web.e2e.test.ts',
      '/web/nope.js',
      '/web/vendor/../../package.json',
    ]) {
      const r = await app.inject({ url });
      // a '..' is resolved by the URL parser first (then no route: 401 before 404); never the file
      expect([401, 404], url).toContain(r.statusCode);
      expect(r.body).not.toContain('"devDependencies"');
    }
  });

  it('GET /api/v1/map needs a token, and shows the placement the analysis with its policy left', async () => {
    expect((await app.inject({ url: '/api/v1/map' })).statusCode).toBe(401);
    // analyze --policy recorded the policy as the current version (src/analysis/run-audit.ts): no PUT needed
    expect(app.otwatch.policies.current()?.version).toBe(1);
    const map = (await app.inject({ url: '/api/v1/map', headers: auth() })).json();
    // the policy's zones, then the assets no zone holds
    expect(map.zones.map((z: { id: string }) => z.id)).toEqual(['enterprise', 'dmz', 'scada', 'control', 'bms', 'unzoned']);
    const assets = app.otwatch.store.assets();
    // every zone of the demo is small: all its assets come with the first answer, and all are in the find index
    expect(map.assets).toHaveLength(assets.length);
    expect(map.index).toHaveLength(assets.length);
    expect(map.zones.reduce((n: number, z: { assets: number }) => n + z.assets, 0)).toBe(assets.length);
    expect(map.totals.paths).toBe(app.otwatch.store.paths().length);
    expect(map.findings.map((f: { id: string }) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
    const pair = (m: typeof map, key: string) => m.pairs.find((p: { key: string }) => p.key === key);
    // the enterprise client writing Modbus to a PLC: no conduit, violated
    expect(pair(map, 'control|enterprise')).toMatchObject({ status: 'violated', conduits: [] });
    expect(pair(map, 'control|enterprise').violations).toBeGreaterThan(0);
    expect(pair(map, 'control|scada').conduits).toContain('scada-control');
    // a severity keeps the violations of that severity only: critical is the S7 download on scada-control
    const critical = (await app.inject({ url: '/api/v1/map?severity=critical&index=false', headers: auth() })).json();
    expect(critical.index).toBeUndefined();
    expect(critical.pairs.filter((p: { violations: number }) => p.violations).map((p: { key: string }) => p.key)).toEqual([
      'control|scada',
    ]);
    expect(critical.findings.every((f: { severity: string }) => f.severity === 'critical')).toBe(true);
    expect((await app.inject({ url: '/api/v1/map?severity=urgent', headers: auth() })).statusCode).toBe(400);
  });

  it("GET /api/v1/map/zones/:id gives a zone's assets; /map/pairs/:key/paths a page of its paths, violating first", async () => {
    expect((await app.inject({ url: '/api/v1/map/zones/control' })).statusCode).toBe(401);
    const zone = (await app.inject({ url: '/api/v1/map/zones/control', headers: auth() })).json();
    expect(zone.assets.length).toBeGreaterThan(0);
    expect(zone.assets.every((a: { zone: string }) => a.zone === 'control')).toBe(true);
    expect((await app.inject({ url: '/api/v1/map/zones/nowhere', headers: auth() })).statusCode).toBe(404);

    const url = (key: string, q = '') => `/api/v1/map/pairs/${encodeURIComponent(key)}/paths${q}`;
    const page = (await app.inject({ url: url('enterprise|control'), headers: auth() })).json();
    expect(page.total).toBeGreaterThan(0);
    expect(page.violating).toBeGreaterThan(0);
    const flags = page.items.map((p: { violating: boolean }) => p.violating);
    expect(flags).toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
    const modbus = page.items.find((p: { protocol: string; fromZone: string }) => p.protocol === 'modbus' && p.fromZone === 'enterprise');
    expect(modbus).toMatchObject({ toZone: 'control', status: 'no_conduit', violating: true });
    const one = (await app.inject({ url: url('control|scada', '?limit=1&offset=1'), headers: auth() })).json();
    expect(one.items).toHaveLength(1);
    expect(one.total).toBeGreaterThan(1);
    expect((await app.inject({ url: url('control'), headers: auth() })).statusCode).toBe(400);
    expect((await app.inject({ url: url('control|nowhere'), headers: auth() })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/v1/whoami', headers: auth() })).json()).toEqual({ role: 'viewer', label: 'v' });
  });

  it('GET /api/v1/map marks the assets with known vulnerabilities (affected or potentially), as soon as they are matched', async () => {
    const before = (await app.inject({ url: '/api/v1/map', headers: auth() })).json();
    const plc = before.assets.find((a: { role: string; zone: string }) => a.role === 'plc' && a.zone === 'control');
    expect(plc.vulnerabilities ?? 0).toBe(0);
    const put = app.otwatch.store.db.prepare(
      `INSERT INTO vulnerability_matches (id, asset_id, tracking_id, cve, product_id, status, confidence, basis, why, identity, known_exploited, exposed, priority)
       VALUES (?, ?, 'ADV-1', ?, 'p', ?, 'high', 'model', 'test', 'test', 0, 0, 1)`,
    );
    put.run(`${plc.id}|ADV-1|CVE-1`, plc.id, 'CVE-1', 'known_affected');
    put.run(`${plc.id}|ADV-1|CVE-2`, plc.id, 'CVE-2', 'not_affected');
    const after = (await app.inject({ url: '/api/v1/map', headers: auth() })).json();
    expect(after.assets.find((a: { id: string }) => a.id === plc.id).vulnerabilities).toBe(1);
    expect(after.zones.find((z: { id: string }) => z.id === 'control').vulnerableAssets).toBe(1);
    app.otwatch.store.db.prepare('DELETE FROM vulnerability_matches WHERE asset_id = ?').run(plc.id);
  });

  it('GET /api/v1/zones/suggest gives a draft policy that the loader accepts', async () => {
    const r = await app.inject({ url: '/api/v1/zones/suggest', headers: auth() });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^application\/yaml/);
    const loaded = loadPolicyText(r.body, 'suggested.yaml');
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.policy.zones.length).toBeGreaterThan(1);
  });

  it('GET /api/v1/report is the self-contained report with its own CSP, for any token', async () => {
    expect((await app.inject({ url: '/api/v1/report' })).statusCode).toBe(401);
    const r = await app.inject({ url: '/api/v1/report?download=true', headers: auth() });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-security-policy']).toBe(REPORT_CSP);
    expect(r.headers['content-disposition']).toMatch(/attachment/);
    expect(r.body).toMatch(/^<!DOCTYPE html>/);
    for (const f of findings) expect(r.body).toContain(f.rule);
    // a GET does not archive: the change log baseline stays empty
    expect(app.otwatch.store.db.prepare('SELECT COUNT(*) FROM report_summaries').pluck().get()).toBe(0);
  });
});
