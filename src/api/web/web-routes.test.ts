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
    expect(map.zones.map((z: { id: string }) => z.id)).toEqual(['enterprise', 'dmz', 'scada', 'control', 'bms']);
    expect(map.assets).toHaveLength(app.otwatch.store.assets().length);
    expect(map.paths).toHaveLength(app.otwatch.store.paths().length);
    expect(map.findings.map((f: { id: string }) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
    const modbusWrite = map.paths.find(
      (p: { protocol: string; fromZone: string; toZone: string }) =>
        p.protocol === 'modbus' && p.fromZone === 'enterprise' && p.toZone === 'control',
    );
    expect(modbusWrite.status).toBe('no_conduit');
    expect(modbusWrite.violations).toEqual(['ZC-FLOW-NO-CONDUIT', 'ZC-PURDUE-BYPASS']);
    expect((await app.inject({ url: '/api/v1/whoami', headers: auth() })).json()).toEqual({ role: 'viewer', label: 'v' });
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
