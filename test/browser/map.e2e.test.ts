/**
 * The plant map at the size of a real plant, in headless Chromium (Debian's, driven by playwright-core): a
 * generated plant of ~2,000 assets, ~20,000 paths and 10 zones (bench/gen/plant-db.ts) served by the app.
 * Measures and checks the issue's targets: the map ready after navigation, the first /api/v1/map payload, a
 * filter change, a click on an asset, a zoom and "find asset" to the next frame; and the picture: no two
 * zones overlap, no asset box overlaps another (every zone opened), bands in Purdue order top to bottom,
 * conduits never under a zone, the same positions on a second load. The numbers are printed; the bounds are
 * the targets with room for a shared, loaded test machine: twice the time targets, times how much slower than an
 * unloaded core the page runs at that moment (slowdown()), on the best of a few trials of each interaction; the
 * payload bound as is.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlantDb, PLANT_ZONES } from '../../bench/gen/plant-db.js';
import { buildApp } from '../../src/api/app.js';
import { createToken } from '../../src/store/token-repository.js';

const CHROMIUM = '/usr/bin/chromium';
const READY_BOUND_MS = 4000; // target 2 s
const STEP_BOUND_MS = 400; // target 200 ms
const PAYLOAD_BOUND = 1_000_000; // target 1 MB, as is
/** A fixed workload (sorting 200,000 numbers) takes about this long in Chromium on an unloaded core. */
const CALIBRATION_MS = 20;

if (!existsSync(CHROMIUM)) console.warn(`map.e2e: ${CHROMIUM} not found, the plant-size map test is skipped`);

interface Box {
  id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface Picture {
  zones: Box[];
  assets: Box[];
  edges: { id: string; points: { x: number; y: number }[]; classes: string[] }[];
  positions: Record<string, { x: number; y: number }>;
}

/** The drawn picture, read from the cytoscape instance on its container (no test hook in the page). */
function readPicture(page: Page): Promise<Picture> {
  return page.evaluate(() => {
    const cy = (document.getElementById('cy') as unknown as { _cyreg: { cy: any } })._cyreg.cy;
    const box = (n: any) => {
      const b = n.boundingBox({ includeLabels: false, includeOverlays: false });
      return { id: n.data('ref'), x1: b.x1, y1: b.y1, x2: b.x2, y2: b.y2 };
    };
    return {
      zones: cy.nodes('.zone').map(box),
      assets: cy.nodes('.asset').map(box),
      edges: cy.edges('.zedge').map((e: any) => ({
        id: e.data('ref'),
        points: (e.segmentPoints() ?? []).map((p: any) => ({ x: p.x, y: p.y })),
        classes: e.classes(),
      })),
      positions: Object.fromEntries(cy.nodes('.zone, .asset').map((n: any) => [n.id(), { ...n.position() }])),
    };
  });
}

const overlaps = (a: Box, b: Box) => a.x1 < b.x2 && b.x1 < a.x2 && a.y1 < b.y2 && b.y1 < a.y2;

/** Pairs of overlapping boxes, by a sweep over x (linear-ish in the boxes, not quadratic). */
function overlapping(boxes: Box[]): [string, string][] {
  const sorted = [...boxes].sort((a, b) => a.x1 - b.x1);
  const out: [string, string][] = [];
  const active: Box[] = [];
  for (const b of sorted) {
    for (let i = active.length - 1; i >= 0; i--) if (active[i]!.x2 <= b.x1) active.splice(i, 1);
    for (const a of active) if (overlaps(a, b)) out.push([a.id, b.id]);
    active.push(b);
  }
  return out;
}

/**
 * How much slower than an unloaded core the page runs now: the median of five runs of a fixed workload over
 * CALIBRATION_MS, at least 1. The time bounds are multiplied by it, so that a machine shared with other test
 * runs (load averages of 15 on 2 cores were seen) does not fail the test, while a map that got slower does.
 */
async function slowdown(page: Page): Promise<number> {
  const ms = await page.evaluate(() => {
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      let s = 1;
      const a = new Float64Array(200_000);
      for (let i = 0; i < a.length; i++) a[i] = s = (s * 16807) % 2147483647;
      const t = performance.now();
      a.sort();
      times.push(performance.now() - t);
    }
    return times.sort((x, y) => x - y)[2]!;
  });
  return Math.max(1, ms / CALIBRATION_MS);
}

/** Milliseconds from an action in the page to the second animation frame after `done` (the frame showing it). */
async function timed(page: Page, action: () => Promise<unknown>, until: string): Promise<number> {
  await page.evaluate((until) => {
    const w = window as any;
    w.__t = new Promise<number>((resolve) => {
      let t0 = 0;
      const start = (e: Event) => {
        if (!t0) t0 = e.timeStamp || performance.now();
      };
      for (const type of ['pointerdown', 'change', 'wheel']) document.addEventListener(type, start, { capture: true, once: true });
      const check = () => {
        const ok =
          until === 'map:updated'
            ? w.__updated
            : until === 'frame'
              ? true
              : document.querySelector('#details')?.textContent?.includes(until);
        if (!ok || !t0) return false;
        requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
        return true;
      };
      w.__updated = false;
      document.addEventListener('map:updated', () => ((w.__updated = true), check()), { once: true });
      const obs = new MutationObserver(() => check() && obs.disconnect());
      obs.observe(document.getElementById('details')!, { childList: true, subtree: true, characterData: true });
      if (until === 'frame') document.addEventListener('wheel', () => setTimeout(check), { capture: true, once: true });
    });
  }, until);
  await action();
  return page.evaluate(() => (window as any).__t as Promise<number>);
}

/** The time to the next frame of each wheel step (dy) over the map's middle, a pause between steps. */
async function zoomTimes(page: Page, steps: readonly number[]): Promise<number[]> {
  const out: number[] = [];
  for (const dy of steps) {
    out.push(
      await timed(
        page,
        async () => {
          await page.mouse.move(700, 400);
          await page.mouse.wheel(0, dy);
        },
        'frame',
      ),
    );
    await page.waitForTimeout(100);
  }
  return out;
}

describe.skipIf(!existsSync(CHROMIUM))('the plant map at 2,000 assets / 20,000 paths / 10 zones, in headless Chromium', () => {
  let dir: string;
  let app: FastifyInstance;
  let base: string;
  let token: string;
  let browser: Browser;
  const measured: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-map-'));
    const db = join(dir, 'plant.db');
    const plant = buildPlantDb(db);
    measured.plant = `${plant.assets} assets, ${plant.paths} paths, ${plant.zones} zones, ${plant.findings} findings`;
    expect(plant.assets).toBeGreaterThanOrEqual(1990);
    expect(plant.paths).toBeGreaterThanOrEqual(20_000);
    app = await buildApp({ db, uploadDir: join(dir, 'uploads'), logger: false });
    token = createToken(app.otwatch.store.db, 'viewer', 'map-e2e').token;
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
  }, 120_000);

  afterAll(async () => {
    console.log(
      `map.e2e measured:\n${Object.entries(measured)
        .map(([k, v]) => `  ${k}: ${v}`)
        .join('\n')}`,
    );
    await browser?.close();
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A fresh page, signed in through the token the page keeps for its tab; navigation to ready, timed. */
  async function open(): Promise<{ page: Page; errors: string[]; readyMs: number; payload: number }> {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    let payload = -1;
    page.on('response', async (r) => {
      if (payload < 0 && new URL(r.url()).pathname === '/api/v1/map') {
        payload = -2;
        payload = (await r.body()).length;
      }
    });
    await page.addInitScript((t) => sessionStorage.setItem('otwatch.token', t), token);
    const t0 = Date.now();
    await page.goto(`${base}/`);
    await page.locator('#map-status[data-ready="true"]').waitFor({ timeout: 30_000 });
    const readyMs = Date.now() - t0;
    await expect.poll(() => payload).toBeGreaterThan(0);
    return { page, errors, readyMs, payload };
  }

  it('is ready within the bound, with a first payload under 1 MB, in bands of Purdue order, nothing overlapping, conduits never under a zone', async () => {
    const { page, errors, readyMs, payload } = await open();
    const factor = await slowdown(page);
    measured['map ready after navigation'] = `${readyMs} ms (machine ${factor.toFixed(1)}x slower than unloaded)`;
    measured['first /api/v1/map payload'] = `${(payload / 1024).toFixed(0)} KiB`;
    expect(readyMs).toBeLessThanOrEqual(READY_BOUND_MS * factor);
    expect(payload).toBeLessThanOrEqual(PAYLOAD_BOUND);

    const first = await readPicture(page);
    // every zone of the policy and the unzoned hosts; large zones closed (counts by role), small ones open
    expect(first.zones.map((z) => z.id).sort()).toEqual([...PLANT_ZONES.map((z) => z.id), 'unzoned'].sort());
    const line1 = await page.evaluate(() => {
      const cy = (document.getElementById('cy') as any)._cyreg.cy;
      return cy.getElementById('z:line-1').data('label') as string;
    });
    expect(line1).toMatch(/\d+ PLCs/);
    expect(line1).toMatch(/in violations/);

    // bands: every zone of a higher level lies wholly above every zone of a lower level, unzoned at the bottom
    const level = new Map<string, number>(PLANT_ZONES.map((z) => [z.id, z.level]));
    level.set('unzoned', -1);
    const zs = first.zones;
    for (const a of zs)
      for (const b of zs) if (level.get(a.id)! > level.get(b.id)!) expect(a.y2, `${a.id} above ${b.id}`).toBeLessThan(b.y1);
    expect(overlapping(zs)).toEqual([]);

    // conduits: coloured by status, and no point of their lines inside a zone other than their ends
    const statuses = new Set(first.edges.flatMap((e) => e.classes.filter((c: string) => c.startsWith('status-'))));
    expect([...statuses].sort()).toEqual(['status-allowed', 'status-unused', 'status-violated']);
    for (const e of first.edges) {
      const [a, b] = e.id.split('|');
      for (const p of e.points)
        for (const z of zs) {
          if (z.id === a || z.id === b) continue;
          expect(p.x > z.x1 && p.x < z.x2 && p.y > z.y1 && p.y < z.y2, `${e.id} runs under ${z.id}`).toBe(false);
        }
    }

    // every zone opened: 2,000 asset boxes, none on another, none outside its zone
    const t0 = Date.now();
    for (const z of PLANT_ZONES)
      await page.evaluate(async (id) => {
        const cy = (document.getElementById('cy') as any)._cyreg.cy;
        cy.getElementById(`z:${id}`).emit('dbltap');
        await new Promise((r) => setTimeout(r, 0));
      }, z.id);
    await expect.poll(async () => (await readPicture(page)).assets.length, { timeout: 20_000 }).toBeGreaterThanOrEqual(1990);
    measured['open all 10 zones'] = `${Date.now() - t0} ms`;
    const all = await readPicture(page);
    expect(overlapping(all.assets)).toEqual([]);
    expect(overlapping(all.zones)).toEqual([]);
    const zoneBox = new Map(all.zones.map((z) => [z.id, z]));
    for (const a of all.assets) {
      const inside = all.zones.filter((z) => a.x1 >= z.x1 && a.x2 <= z.x2 && a.y1 >= z.y1 && a.y2 <= z.y2);
      expect(inside.length, `${a.id} inside one zone`).toBe(1);
    }
    for (const a of all.zones)
      for (const b of all.zones) if (level.get(a.id)! > level.get(b.id)!) expect(a.y2).toBeLessThan(zoneBox.get(b.id)!.y1);

    // zoom with every asset drawn
    await check(page, 'zoom, all 2,000 assets drawn', await zoomTimes(page, [-240, 240, -240]));
    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);

  /**
   * Records an interaction's times and checks the best of them against the bound: the test machine is shared,
   * and the best of a few trials is the interaction's own cost rather than the neighbours' load.
   */
  async function check(page: Page, name: string, times: number[]): Promise<void> {
    const best = Math.min(...times);
    const factor = await slowdown(page);
    measured[name] =
      `best ${best.toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(', ')}; machine ${factor.toFixed(1)}x slower than unloaded)`;
    expect(best, name).toBeLessThanOrEqual(STEP_BOUND_MS * factor);
  }

  it('filters, clicks, zooms and finds within the bound, and draws the same positions on a second load', async () => {
    const { page, errors, readyMs } = await open();
    measured['map ready (second load)'] = `${readyMs} ms`;
    const before = await readPicture(page);
    const red = (p: Picture) => p.edges.filter((e) => e.classes.includes('violation')).map((e) => e.id);
    expect(red(before).length).toBeGreaterThan(3);

    // filters: the severity, then the protocol, each answered by the server and drawn without moving anything
    const severity = page.locator('#filters select[name="severity"]');
    const filters: number[] = [];
    for (const level of ['critical', 'high', 'medium']) filters.push(await timed(page, () => severity.selectOption(level), 'map:updated'));
    await page.locator('#filters button[type="reset"]').click();
    await expect.poll(async () => red(await readPicture(page))).toEqual(red(before));
    filters.push(await timed(page, () => severity.selectOption('critical'), 'map:updated'));
    const critical = await readPicture(page);
    expect(critical.positions).toEqual(before.positions);
    // the only critical boundary finding: program downloads from SCADA south into line 3
    expect(red(critical)).toEqual(['line-3|scada-south']);
    await page.locator('#filters button[type="reset"]').click();
    await expect.poll(async () => red(await readPicture(page))).toEqual(red(before));
    const protocol = page.locator('#filters select[name="protocol"]');
    for (const p of ['bacnet', 'modbus', 's7comm']) filters.push(await timed(page, () => protocol.selectOption(p), 'map:updated'));
    await check(page, 'filter change to next frame', filters);
    await page.locator('#filters button[type="reset"]').click();
    await expect.poll(async () => red(await readPicture(page))).toEqual(red(before));

    // clicks on assets (the unzoned hosts are drawn from the start): details with the identity history
    const clicks: number[] = [];
    for (const k of [0, 7, 14]) {
      const target = await page.evaluate((k) => {
        const cy = (document.getElementById('cy') as any)._cyreg.cy;
        const n = cy.nodes('.asset')[k];
        cy.zoom({ level: 1, position: n.position() });
        cy.center(n);
        const r = n.renderedPosition();
        const c = document.getElementById('cy')!.getBoundingClientRect();
        return { x: c.left + r.x, y: c.top + r.y, label: n.data('name') as string };
      }, k);
      await page.waitForTimeout(100);
      clicks.push(await timed(page, () => page.mouse.click(target.x, target.y), 'Identity history'));
      expect(await page.locator('#details h2').first().textContent()).toBe(target.label);
    }
    await check(page, 'click on an asset to its details', clicks);

    await check(page, 'zoom to next frame', await zoomTimes(page, [240, -240, 240]));

    // find a PLC inside a closed zone by its address: the zone opens, the asset is selected and described
    const finds: number[] = [];
    for (const ip of ['10.7.0.12', '10.6.0.40', '10.8.0.9']) {
      finds.push(
        await timed(
          page,
          async () => {
            await page.locator('#filters input[name="find"]').fill(ip);
            await page.keyboard.press('Enter');
          },
          'Identity history',
        ),
      );
      expect(await page.locator('#details').textContent()).toContain(ip);
      const selected = await page.evaluate(() => (document.getElementById('cy') as any)._cyreg.cy.$('node.asset:selected').data('ref'));
      expect(selected).toBe(`ip:${ip}`);
    }
    await check(page, 'find asset in a closed zone to its details', finds);

    // a finding opened elsewhere (findings.js dispatches otwatch:highlight): its conduit and its assets marked
    const marked = await page.evaluate(() => {
      const detail = { finding: 'x', zones: ['scada-south', 'line-3'], assets: ['ip:10.7.0.12', 'ip:10.9.0.5'], paths: [] };
      document.dispatchEvent(new CustomEvent('otwatch:highlight', { detail }));
      const cy = (document.getElementById('cy') as any)._cyreg.cy;
      return cy
        .$('.highlight')
        .map((e: any) => e.id())
        .sort();
    });
    // 10.9.0.5 lies in the closed building zone: the zone is marked for it
    expect(marked).toEqual(['a:ip:10.7.0.12', 'z:bms', 'ze:line-3|scada-south']);

    // a zone pair of 4,400 paths: a virtual list holding only the rows in view, violating first
    await page.evaluate(() => (document.getElementById('cy') as any)._cyreg.cy.getElementById('ze:line-3|scada-south').emit('tap'));
    await page.locator('#details .vlist .vrow').first().waitFor({ timeout: 10_000 });
    const rows = await page.locator('#details .vlist .vrow').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(60);
    expect(await page.locator('#details .vlist .vrow').first().getAttribute('class')).toContain('bad');
    expect(errors).toEqual([]);
    await page.close();

    // a second load: the same positions
    const t0 = Date.now();
    const again = await open();
    measured['map ready (third load)'] = `${again.readyMs} ms (open ${Date.now() - t0} ms)`;
    const t1 = Date.now();
    expect((await readPicture(again.page)).positions).toEqual(before.positions);
    measured['positions compared'] = `${Date.now() - t1} ms`;
    await again.page.close();
  }, 180_000);
});
