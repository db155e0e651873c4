/**
 * The findings, inventory table, sign-in and upload parts of the page in headless Chromium on the demo
 * plant: each defect of issue 20 checked where a person sees it, and the map asked to highlight what a
 * clicked finding is about (the 'otwatch:highlight' event with every asset and path id).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { auditStep } from '../../src/analysis/run-audit.js';
import { packageRoot } from '../../src/core/package-root.js';
import { buildApp } from '../../src/api/app.js';
import { createToken } from '../../src/store/token-repository.js';

const CHROMIUM = '/usr/bin/chromium';
const PLANT = join(packageRoot, 'fixtures/plant');

describe.skipIf(!existsSync(CHROMIUM))('findings, tables, sign-in and upload in headless Chromium', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  let admin: string;
  let browser: Browser;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-web-findings-'));
    const db = join(dir, 'plant.db');
    await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    app = await buildApp({ db, uploadDir: join(dir, 'uploads'), logger: false });
    expect(app.otwatch.policies.put(readFileSync(join(PLANT, 'policy.yaml'), 'utf8'), 'test').ok).toBe(true);
    admin = createToken(app.otwatch.store.db, 'admin', 'e2e-admin').token;
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${base}/`);
    return { page, errors };
  }

  async function signIn(): Promise<{ page: Page; errors: string[] }> {
    const r = await open();
    await r.page.locator('#token').fill(admin);
    await r.page.keyboard.press('Enter');
    await r.page.locator('#map-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    return r;
  }

  it('shows no tabs on the sign-in page, and a click on one there does nothing', async () => {
    const { page, errors } = await open();
    await page.locator('#signin-form').waitFor();
    expect(await page.locator('#tabs').isVisible()).toBe(false);
    await page.evaluate(() => (document.querySelector('#tabs [data-view="tables"]') as HTMLElement).click());
    expect(await page.locator('#view-signin').isVisible()).toBe(true);
    expect(await page.locator('#signin-error').textContent()).toBe('');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('opens a finding with its title, asks the map to highlight every path and asset, and has one Findings heading', async () => {
    const { page, errors } = await signIn();
    await page.evaluate(() =>
      document.addEventListener('otwatch:highlight', (e) => ((window as any).__highlight = (e as CustomEvent).detail)),
    );
    // the sidebar's list: fix first (program/control reaching level 1 at the top), by title
    const listed = await page.locator('#finding-list button').allTextContents();
    expect(listed[0]).toMatch(/^critical.*Operation not allowed on scada-control: s7comm (program|control) scada → control/);
    expect(listed.findIndex((t) => t.includes('Purdue bypass'))).toBeLessThan(
      listed.findIndex((t) => t.includes('No conduit for dmz → bms')),
    );
    const stored = app.otwatch.findings.all().find((f) => f.rule === 'ZC-FLOW-NO-CONDUIT' && f.zones.join() === 'dmz,bms')!;
    await page.locator(`#finding-list button[data-finding="${stored.id}"]`).click();
    await page.locator('#finding-title').waitFor();
    expect(await page.locator('#finding-title').textContent()).toContain(stored.title);
    const detail = await page.evaluate(() => (window as any).__highlight);
    expect(detail).toEqual({
      finding: stored.id,
      assets: stored.evidence.assetIds,
      paths: stored.evidence.pathIds,
      zones: ['dmz', 'bms'],
    });
    expect(detail.assets).toHaveLength(3);
    // the map marks them
    const marked = await page.evaluate(() =>
      (document.getElementById('cy') as any)._cyreg.cy
        .elements('.highlight')
        .map((e: any) => e.id())
        .sort(),
    );
    expect(marked).toEqual(expect.arrayContaining(stored.evidence.assetIds.map((id) => `a:${id}`)));
    // the sidebar's list and a details panel that lists findings do not both read "Findings"
    const headings = await page.locator('#side h2, #side h3').allTextContents();
    expect(headings.filter((t) => t.trim() === 'Findings').length).toBeLessThanOrEqual(1);
    // the acknowledge label sits above its text area, not wrapped round it
    const label = (await page.locator('form.ack label').boundingBox())!;
    const area = (await page.locator('#ack-comment').boundingBox())!;
    expect(label.y + label.height).toBeLessThanOrEqual(area.y + 1);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('prints no literal "null" or "undefined" in a zone panel, whatever the zone leaves unset', async () => {
    const { page, errors } = await signIn();
    for (const zone of ['dmz', 'enterprise', 'scada', 'control', 'bms', 'unzoned']) {
      await page.evaluate((z) => {
        const cy = (document.getElementById('cy') as any)._cyreg.cy;
        cy.getElementById(`z:${z}`).emit('tap');
      }, zone);
      const text = (await page.locator('#details').textContent())!;
      expect(text, zone).toMatch(zone === 'unzoned' ? /Unzoned/ : new RegExp(`\\(${zone}\\)`));
      expect(text, zone).not.toMatch(/\bnull\b|\bundefined\b/);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  it('gives the inventory table the columns engineers use, drop-down filters, and rows that open the asset', async () => {
    const { page, errors } = await signIn();
    await page.locator('#tabs button[data-view="tables"]').click();
    await page.locator('#table-count', { hasText: 'of 20' }).waitFor();
    expect(await page.locator('#data-table thead th').allTextContents()).toEqual([
      'Name',
      'IP',
      'Vendor',
      'Model',
      'Firmware',
      'Role',
      'Zone',
      'Protocols',
      'Last seen',
    ]);
    const roles = await page.locator('#table-filters select[name="role"] option').allTextContents();
    expect(roles).toEqual(expect.arrayContaining(['all', 'plc', 'hmi', 'historian', 'bacnet_controller']));
    const zones = await page.locator('#table-filters select[name="zone"] option').allTextContents();
    expect(zones).toEqual(['all', 'bms', 'control', 'dmz', 'enterprise', 'scada', 'unzoned']);
    expect(await page.locator('#table-filters select[name="vendor"] option', { hasText: /,$/ }).count()).toBe(0);
    await page.locator('#table-filters select[name="role"]').selectOption('plc');
    await page.locator('#table-filters button[type="submit"]').click();
    await page.locator('#table-count', { hasText: '1–5 of 5' }).waitFor();
    const row = page.locator('#data-table tbody tr', { hasText: '10.30.1.21' });
    expect(await row.textContent()).toContain('V3.2.6');
    expect(await row.textContent()).toContain('control');
    await row.locator('td').nth(3).click();
    await page.locator('#details h3', { hasText: 'Identity history' }).waitFor();
    expect(await page.locator('#details').textContent()).toContain('6ES7 315-2EH14-0AB0');

    // findings: fix first, no "open" button beside the status "open"
    await page.locator('#tabs button[data-view="tables"]').click();
    await page.locator('[data-table="findings"]').click();
    // the count of the assets table is still there until the findings arrive: wait for the findings' first row
    await expect.poll(() => page.locator('#data-table tbody tr').first().textContent()).toMatch(/^critical.*program\/control/);
    expect(await page.locator('#data-table tbody button', { hasText: /^open$/ }).count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('says an uploaded capture was skipped when it was analysed before, instead of "done: 0 packets"', async () => {
    const { page, errors } = await signIn();
    await page.locator('#tabs button[data-view="upload"]').click();
    await page.locator('#capture-file').setInputFiles(join(PLANT, 'plant.pcap'));
    await page.locator('#job-text[data-job-status="done"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('#job-text').textContent()).toMatch(/^skipped: this capture was already analysed/);
    expect(errors).toEqual([]);
    await page.close();
  });
});
