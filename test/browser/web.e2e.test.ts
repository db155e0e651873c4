/**
 * The web page end to end in headless Chromium (Debian's, driven by playwright-core): the bundled plant
 * capture analysed against its policy, the app served on a free port, sign in with a token, the map's
 * zones, assets with their roles and red violation edges, filters that do not move the layout, an asset's
 * identity history, a finding opened and acknowledged, a capture uploaded and its job followed to the end.
 * The map's screenshot is a test artefact (and docs/img/plant-map.png with OTWATCH_UPDATE_SCREENSHOT=1).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { packageRoot } from '../../src/core/package-root.js';
import { auditStep } from '../../src/analysis/run-audit.js';
import type { Finding } from '../../src/audit/finding.js';
import { VIOLATION_RULES } from '../../src/report/constants.js';
import { buildApp } from '../../src/api/app.js';
import { createToken } from '../../src/store/token-repository.js';

const CHROMIUM = '/usr/bin/chromium';
const PLANT = join(packageRoot, 'fixtures/plant');
const ARTIFACTS = process.env.OTWATCH_ARTIFACTS ?? join(tmpdir(), 'otwatch-artifacts');
const expected = JSON.parse(readFileSync(join(PLANT, 'expected.json'), 'utf8')) as {
  findings: { rule: string; paths?: [string, string, string, number][] }[];
  assets: { ip?: string; ips?: string[]; role: string }[];
};

/** The plant's zones by /24, from the policy text (every zone there is one cidr /24). */
function zoneByIp(policyText: string): (ip: string) => string {
  const zones = [...policyText.matchAll(/- id: (\S+)[\s\S]*?cidr: (\d+\.\d+\.\d+)\.0\/24/g)].map((m) => [m[2]!, m[1]!] as const);
  return (ip) => zones.find(([net]) => ip.startsWith(`${net}.`))?.[1] ?? 'unzoned';
}

interface CyView {
  zones: string[];
  assets: { ref: string; role: string; label: string }[];
  red: string[];
  positions: Record<string, { x: number; y: number }>;
}

/** The map's state, read from the cytoscape instance on its container (no test hook in the page). */
function readMap(page: Page): Promise<CyView> {
  return page.evaluate(() => {
    const cy = (document.getElementById('cy') as unknown as { _cyreg: { cy: any } })._cyreg.cy;
    const positions: Record<string, { x: number; y: number }> = {};
    cy.nodes('.asset').forEach((n: any) => {
      positions[n.id()] = { ...n.position() };
    });
    return {
      zones: cy
        .nodes('.zone')
        .map((n: any) => n.data('ref'))
        .sort(),
      assets: cy.nodes('.asset').map((n: any) => ({ ref: n.data('ref'), role: n.data('role'), label: n.data('label') })),
      red: cy
        .edges('.zedge.violation')
        .filter((e: any) => !e.hasClass('hidden'))
        .map((e: any) => e.data('ref'))
        .sort(),
      positions,
    };
  });
}

describe.skipIf(!existsSync(CHROMIUM))('web page in headless Chromium', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  let admin: string;
  let viewer: string;
  let browser: Browser;
  let findings: Finding[];
  const policyText = readFileSync(join(PLANT, 'policy.yaml'), 'utf8');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-web-'));
    const db = join(dir, 'plant.db');
    const r = await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    findings = r.findings as Finding[];
    app = await buildApp({ db, uploadDir: join(dir, 'uploads'), logger: false });
    // the analysis recorded the plant policy as version 1 (src/analysis/run-audit.ts): the server audits with it
    expect(app.otwatch.policies.current()?.text).toBe(policyText);
    admin = createToken(app.otwatch.store.db, 'admin', 'e2e-admin').token;
    viewer = createToken(app.otwatch.store.db, 'viewer', 'e2e-viewer').token;
    base = await app.listen({ host: '127.0.0.1', port: 0 });
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
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function signIn(token: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    // everything the page loads must come from otwatch itself
    page.on('request', (req) => {
      if (!req.url().startsWith(base)) errors.push(`external request ${req.url()}`);
    });
    await page.goto(`${base}/`);
    await page.locator('#token').fill(token);
    await page.keyboard.press('Enter');
    await page.locator('#map-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    return { page, errors };
  }

  it('signs in, draws zones, assets with their roles and red violation edges, and keeps the layout across filters', async () => {
    const { page, errors } = await signIn(admin);
    const view = await readMap(page);
    const zoneOf = zoneByIp(policyText);

    expect(view.zones).toEqual(['bms', 'control', 'dmz', 'enterprise', 'scada', 'unzoned']);
    const byIp = new Map<string, { role: string; label: string }>();
    const assets = app.otwatch.store.assets();
    expect(view.assets).toHaveLength(assets.length);
    for (const a of assets)
      for (const ip of a.ips)
        byIp.set(
          ip,
          view.assets.find((v) => v.ref === a.id)!,
        );
    for (const e of expected.assets) {
      const ip = e.ip ?? e.ips![0]!;
      expect(byIp.get(ip)?.role, ip).toBe(e.role);
    }

    // every planted boundary violation makes its zone pair red, and nothing else is red
    const violating = new Set(
      expected.findings
        .filter((f) => VIOLATION_RULES.has(f.rule as never) && f.paths)
        .flatMap((f) => f.paths!.map(([a, b]) => [zoneOf(a), zoneOf(b)].sort().join('|'))),
    );
    violating.forEach((k) => {
      if (k.split('|')[0] === k.split('|')[1]) violating.delete(k);
    });
    expect(violating.size).toBe(6);
    expect(view.red).toEqual([...violating].sort());
    expect(await page.locator('#map-status').textContent()).toMatch(/20 assets in 5 zones/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'plant-map.png') });
    if (process.env.OTWATCH_UPDATE_SCREENSHOT) await page.screenshot({ path: join(packageRoot, 'docs/img/plant-map.png') });

    // critical severity: only the S7 program/control downloads across scada-control stay red; nothing moves
    // (the map applies a filter when the server's counts for it arrive: wait for the picture, not a fixed time)
    await page.locator('#filters select[name="severity"]').selectOption('critical');
    await expect.poll(async () => (await readMap(page)).red).toEqual(['control|scada']);
    expect((await readMap(page)).positions).toEqual(view.positions);
    // BACnet only: the zone pairs where BACnet crosses a boundary against the policy
    await page.locator('#filters button[type="reset"]').click();
    await page.locator('#filters select[name="protocol"]').selectOption('bacnet');
    await expect.poll(async () => (await readMap(page)).red).toEqual(['bms|dmz', 'bms|scada']);
    await page.locator('#filters button[type="reset"]').click();
    await expect.poll(async () => (await readMap(page)).red).toEqual(view.red);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('finds an asset from the keyboard and shows its identity history, paths and findings', async () => {
    const { page, errors } = await signIn(admin);
    await page.locator('#filters input[name="find"]').fill('10.30.1.21');
    await page.keyboard.press('Enter');
    await page.locator('#details h3', { hasText: 'Identity history' }).waitFor();
    const text = await page.locator('#details').textContent();
    expect(text).toContain('CPU 315-2 PN/DP');
    expect(text).toContain('6ES7 315-2EH14-0AB0');
    expect(text).toContain('ZC-OPERATION-NOT-ALLOWED');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a finding with the keyboard and acknowledges it (admin); a viewer cannot', async () => {
    const { page, errors } = await signIn(admin);
    const first = page.locator('#finding-list button').first();
    const id = (await first.getAttribute('data-finding'))!;
    expect(findings.map((f) => f.id)).toContain(id);
    await first.focus();
    await page.keyboard.press('Enter');
    await page.locator('#finding-title').waitFor();
    expect(await page.locator('#details').textContent()).toContain('Remediation');
    await page.locator('#ack-comment').fill('accepted until the line 2 outage (ticket 42)');
    await page.locator('#ack-submit').click();
    await page.locator('#ack-result', { hasText: 'Acknowledged.' }).waitFor();
    const stored = app.otwatch.findings.get(id)!;
    expect(stored.status).toBe('acknowledged');
    expect(stored.ack?.reason).toBe('accepted until the line 2 outage (ticket 42)');
    expect(stored.ack?.by).toContain('e2e-admin');
    expect(await page.locator(`#finding-list button[data-finding="${id}"]`).textContent()).toContain('(acknowledged)');
    expect(errors).toEqual([]);
    await page.close();

    const v = await signIn(viewer);
    await v.page.locator('#finding-list button').first().click();
    await v.page.locator('#finding-title').waitFor();
    expect(await v.page.locator('#ack-submit').count()).toBe(0);
    expect(await v.page.locator('#details').textContent()).toContain('needs an admin token');
    await v.page.close();
  });

  it('tables page through the API with filters; a broken policy is refused with the error at its line; the suggest draft shows', async () => {
    const { page, errors } = await signIn(admin);
    await page.locator('#tabs button[data-view="tables"]').click();
    await page.locator('#table-count', { hasText: 'of 20' }).waitFor();
    await page.locator('#table-filters select[name="role"]').selectOption('plc');
    await page.locator('#table-filters button[type="submit"]').click();
    await page.locator('#table-count', { hasText: '1–5 of 5' }).waitFor();
    await page.locator('[data-table="findings"]').click();
    await page.locator('#table-count', { hasText: `of ${findings.length}` }).waitFor();

    await page.locator('#tabs button[data-view="policy"]').click();
    await expect.poll(() => page.locator('#policy-text').inputValue()).toContain('Demo plant');
    const broken = policyText.replace('    level: 4\n', '    level: 7\n');
    const line = broken.split('\n').indexOf('    level: 7') + 1;
    await page.locator('#policy-text').fill(broken);
    await page.locator('#policy-save').click();
    await page.locator('#policy-lines li.bad').first().waitFor();
    expect(await page.locator('#policy-lines li.bad').first().getAttribute('data-line')).toBe(String(line));
    expect(app.otwatch.policies.current()!.version).toBe(1); // refused: the old one stays

    await page.locator('#suggest').click();
    await expect.poll(() => page.locator('#suggest-text').textContent()).toContain('zones:');
    expect(await page.locator('#suggest-download').isVisible()).toBe(true);
    expect(errors.filter((e) => !e.includes('400'))).toEqual([]);
    await page.close();
  });

  it('uploads a capture, follows its job to the end and lands on the map', async () => {
    const { page, errors } = await signIn(admin);
    await page.locator('#tabs button[data-view="upload"]').click();
    const capture = join(PLANT, 'peers/modbus.pcap');
    await page.locator('#capture-file').setInputFiles(capture);
    await page.locator('#job-text[data-job-status="done"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#upload-progress').evaluate((e) => (e as HTMLProgressElement).value)).toBe(100);
    const jobText = (await page.locator('#job-text').textContent())!;
    expect(jobText).toMatch(/^done: \d+ packets/);
    const packets = Number(/(\d+) packets/.exec(jobText)![1]);
    expect(packets).toBeGreaterThan(0);
    const jobs = app.otwatch.store.db.prepare("SELECT status, packets FROM jobs WHERE status = 'done'").all() as {
      status: string;
      packets: number;
    }[];
    expect(jobs.map((j) => j.packets)).toContain(packets);
    await page.locator('#to-map').click();
    await page.locator('#view-map').waitFor({ state: 'visible' });
    expect(errors).toEqual([]);
    await page.close();
  });
});
