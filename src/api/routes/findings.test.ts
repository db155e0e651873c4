/**
 * The findings and inventory routes on the demo plant, with inject(): the fix-first order (also across
 * pages with a cursor), titles, every path and asset id of one finding for the map, and the values of
 * the inventory table's drop-downs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../analysis/analyze-captures.js';
import { auditStep } from '../../analysis/run-audit.js';
import { packageRoot } from '../../core/package-root.js';
import { createToken } from '../../store/token-repository.js';
import { buildApp } from '../app.js';

const PLANT = join(packageRoot, 'fixtures/plant');

describe('findings and inventory routes on the demo plant', () => {
  let dir: string;
  let app: FastifyInstance;
  let viewer: string;
  const get = async (url: string) => {
    const r = await app.inject({ url: `/api/v1/${url}`, headers: { authorization: `Bearer ${viewer}` } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json();
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-findings-routes-'));
    const db = join(dir, 'plant.db');
    await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    app = await buildApp({ db, uploadDir: join(dir, 'up'), logger: false });
    expect(app.otwatch.policies.put(readFileSync(join(PLANT, 'policy.yaml'), 'utf8'), 'test').ok).toBe(true);
    viewer = createToken(app.otwatch.store.db, 'viewer', 'v').token;
  });

  afterAll(async () => {
    await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sorts by priority: severity, then program/control before write before read, then the oldest; the same across pages', async () => {
    const all = (await get('findings?sort=priority&limit=500')).items;
    expect(all.length).toBeGreaterThan(10);
    const key = (f: any) => [f.priority.rank, Math.floor(f.evidence.firstSeen ?? f.firstDetected)];
    for (let i = 1; i < all.length; i++) {
      const [a, b] = [key(all[i - 1]), key(all[i])];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]), `${all[i - 1].title} before ${all[i].title}`).toBe(true);
    }
    // first: the S7 program download and stop from scada into control, then the writes
    expect(all[0].priority.opClass).toBe('program/control');
    expect(all[0].severity).toBe('critical');
    const high = all.filter((f: any) => f.severity === 'high').map((f: any) => f.priority.opClass);
    expect(high.indexOf('program/control')).toBeLessThan(high.indexOf('write'));
    expect(high.lastIndexOf('write')).toBeLessThan(high.indexOf('none'));
    // paged with a cursor: the same order
    const paged: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = await get(`findings?sort=priority&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(paged.map((f) => f.id)).toEqual(all.map((f: any) => f.id));
    // with a filter (zone: a join) the order holds too
    const control = (await get('findings?sort=priority&zone=control&limit=500')).items.map((f: any) => f.id);
    expect(control).toEqual(all.filter((f: any) => f.zones.includes('control')).map((f: any) => f.id));
  });

  it('gives every finding a distinct title; the two cleartext s7comm findings no longer read alike', async () => {
    const all = (await get('findings?limit=500')).items;
    expect(new Set(all.map((f: any) => f.title)).size).toBe(all.length);
    const s7 = all.filter((f: any) => f.rule === 'ZC-CLEARTEXT-PROTOCOL' && f.subject.key.endsWith('s7comm')).map((f: any) => f.title);
    expect(s7.sort()).toEqual([
      'Unprotected s7comm on conduit scada-control (scada → control)',
      'Unprotected s7comm on conduits integrator-programming + scada-control (scada → control)',
    ]);
    // lists stay small: the ids for the map come with one finding only
    expect(all[0].evidence.pathIds).toBeUndefined();
  });

  it('returns one finding with every path and asset id behind it', async () => {
    const list = (await get('findings?rule=ZC-FLOW-NO-CONDUIT&limit=50')).items;
    const dmzBms = list.find((f: any) => f.zones.join() === 'dmz,bms');
    const one = await get(`findings/${encodeURIComponent(dmzBms.id)}`);
    expect(one.evidence.pathIds).toHaveLength(2);
    expect(one.evidence.assetIds).toEqual(['mac:00:10:8d:5a:40:10', 'mac:00:10:8d:5a:40:11', 'mac:18:64:72:91:0f:10']);
  });

  it('lists the values of the asset filters for drop-downs, and filters by them', async () => {
    const facets = await get('facets');
    expect(facets.zones).toEqual(['bms', 'control', 'dmz', 'enterprise', 'scada', 'unzoned']);
    expect(facets.roles).toContain('plc');
    expect(facets.protocols).toContain('s7comm');
    expect(facets.vendors).toContain('Siemens AG');
    expect(facets.vendors.filter((v: string) => /[,;]\s*$/.test(v))).toEqual([]);
    expect(facets.operations).toEqual(expect.arrayContaining(['control', 'program', 'read', 'write']));
    expect(facets.conduits).toContain('integrator-programming');
    expect(facets.rules).toContain('ZC-PURDUE-BYPASS');
    for (const zone of facets.zones) {
      const page = await get(`assets?zone=${zone}&limit=100`);
      expect(page.total).toBeGreaterThan(0);
      expect(page.items.every((a: any) => a.zone === zone)).toBe(true);
    }
    const plc = (await get('assets?role=plc&limit=100')).items.find((a: any) => a.ips.includes('10.30.1.21'));
    expect(plc.identity.firmware.value).toBe('V3.2.6');
  });
});
