/**
 * The report over every site at 20 sites × 1,000 assets, 2,000 paths and 100 findings each (the benchmark's
 * sites run has the 2,000 assets per site; half of it keeps this test's ingest to a few seconds),
 * read from the real PostgreSQL: its time, bounded (a few seconds on a loaded two-core machine), and how it
 * grows from 10 sites to 20 (the reads are grouped counts and bounded per-site ranges: linear, not worse).
 * The rows go in through the hub's own ingest, as JSON shaped like a sensor's.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_TABLE_LIMIT } from '../../src/report/constants.js';
import { loadEnterpriseReport } from '../../src/report/enterprise-load.js';
import { renderEnterpriseReport } from '../../src/report/enterprise-render.js';
import { HubRepository, type Change, type SiteState } from '../../src/store/pg/hub-repository.js';
import { migratePg } from '../../src/store/pg/migrations.js';
import { openPool, type PgPool } from '../../src/store/pg/pool.js';
import { ReportRepository } from '../../src/store/pg/report-repository.js';
import { PG_URL, pgSchema } from './helpers.js';

const SITES = 20;
const ASSETS = 1000;
const PATHS = 2000;
const FINDINGS = 100;
const ROLES = ['plc', 'hmi', 'engineering_workstation', 'historian', 'workstation', 'server'];
const PROTOCOLS = ['modbus', 's7comm', 'opcua', 'enip', 'dnp3', 'iec104', 'bacnet', 'http'];
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const OPERATIONS = ['read', 'write', 'program', 'control', 'discovery'];

const ip = (i: number) => `10.${Math.floor(i / 65536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;

function siteChanges(site: string): Change[] {
  const out: Change[] = [];
  let v = 0;
  for (let i = 0; i < ASSETS; i++) {
    const id = `ip:${ip(i)}`;
    out.push({
      kind: 'asset',
      site,
      id,
      version: ++v,
      data: {
        id,
        ips: [ip(i)],
        macs: [`02:00:00:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`],
        vlans: [],
        names: [`dev-${site}-${i}`],
        identity: {
          vendor: { value: 'Siemens', protocol: 's7comm', ts: 1 },
          model: { value: `6ES7 51${i % 10}`, protocol: 's7comm', ts: 1 },
          firmware: { value: `V${i % 4}.${i % 9}`, protocol: 's7comm', ts: 1 },
        },
        role: ROLES[i % ROLES.length],
        roleEvidence: ['S7comm server on 102 to 3 clients'],
        purdueLevel: 1,
        protocolsServer: [PROTOCOLS[i % PROTOCOLS.length]],
        protocolsClient: [],
        firstSeen: 1_700_000_000,
        lastSeen: 1_700_000_000 + i,
      },
    });
  }
  for (let i = 0; i < PATHS; i++) {
    const protocol = PROTOCOLS[i % PROTOCOLS.length]!;
    const op = OPERATIONS[i % OPERATIONS.length]!;
    out.push({
      kind: 'path',
      site,
      id: `p${i}`,
      version: ++v,
      data: {
        id: `p${i}`,
        initiator: `ip:${ip(i % ASSETS)}`,
        responder: `ip:${ip((i * 7 + 1) % ASSETS)}`,
        initiatorIp: ip(i % ASSETS),
        responderIp: ip((i * 7 + 1) % ASSETS),
        protocol,
        transport: 'tcp',
        responderPort: 502,
        packetsToResponder: 100,
        packetsToInitiator: 100,
        bytesToResponder: 6000,
        bytesToInitiator: 6000,
        firstSeen: 1_700_000_000,
        lastSeen: 1_700_000_100,
        operations: {
          [op]: { count: 10, examples: ['HR 40001-40010 unit 1'], functions: { '3': 10 } },
          read: { count: 5, examples: [], functions: {} },
        },
        facts: {},
      },
    });
  }
  for (let i = 0; i < FINDINGS; i++) {
    const id = `ZC-FLOW-NO-CONDUIT:${site}-${i}`;
    out.push({
      kind: 'finding',
      site,
      id,
      version: ++v,
      data: {
        id,
        rule: 'ZC-FLOW-NO-CONDUIT',
        severity: SEVERITIES[i % SEVERITIES.length],
        status: i % 10 === 9 ? 'acknowledged' : 'open',
        title: `No conduit for cell-${i} → dmz`,
        subject: { kind: 'zone-pair', key: `cell-${i}|dmz`, label: `cell-${i} → dmz` },
        zones: [`cell-${i}`, 'dmz'],
        requirements: ['SR 5.1'],
        explanation: 'x',
        remediation: 'y',
        evidence: { paths: [], pathCount: 3, packets: 30, firstSeen: 1, lastSeen: 2, operations: [], facts: {}, details: [] },
      },
    });
  }
  return out;
}

const state = (id: string, cursor: number): SiteState => ({
  id,
  name: `Plant ${id}`,
  cursor,
  lastHeard: new Date(),
  heartbeat: null,
  gaps: 0,
  gapAt: null,
  snapshotRequestedAt: null,
  repairUntil: null,
});

describe('report over 20 sites × 1,000 assets', () => {
  const db = pgSchema();
  let pool: PgPool;
  const ids = Array.from({ length: SITES }, (_, i) => `site-${String(i).padStart(2, '0')}`);

  beforeAll(async () => {
    pool = await openPool({ url: PG_URL, schema: db.schema });
    await migratePg(pool);
    const repo = new HubRepository(pool);
    for (const id of ids) {
      const changes = siteChanges(id);
      await repo.ingest(changes, [state(id, changes.length)]);
    }
    await pool.query('ANALYZE');
  }, 300_000);

  afterAll(async () => {
    await pool?.end();
    await db.drop();
  });

  async function timed(sites?: string[]) {
    const repo = new ReportRepository(pool);
    const t0 = performance.now();
    const model = await loadEnterpriseReport(repo, { sites, staleAfterS: 60, now: Date.now() / 1000 });
    const t1 = performance.now();
    const html = renderEnterpriseReport(model);
    const t2 = performance.now();
    return { model, html, readMs: t1 - t0, renderMs: t2 - t1, totalMs: t2 - t0 };
  }

  it('reads and renders every site within seconds, each table bounded, and grows linearly with the sites', async () => {
    await timed(); // warm the connections and the caches, as a running hub has them
    const all = await timed();
    const half = await timed(ids.slice(0, SITES / 2));
    console.log(
      `report over ${SITES} sites × ${ASSETS} assets (${SITES * PATHS} paths, ${SITES * FINDINGS} findings): ` +
        `read ${all.readMs.toFixed(0)} ms + render ${all.renderMs.toFixed(0)} ms = ${all.totalMs.toFixed(0)} ms, ${(all.html.length / 1e6).toFixed(1)} MB; ` +
        `${SITES / 2} sites: ${half.totalMs.toFixed(0)} ms`,
    );
    expect(all.model.sites).toHaveLength(SITES);
    expect(all.model.totals).toEqual({ assets: SITES * ASSETS, paths: SITES * PATHS, stale: 0 });
    expect(all.model.openTotal).toBe(SITES * FINDINGS * 0.9);
    for (const s of all.model.sections) {
      expect(s.assets).toHaveLength(REPORT_TABLE_LIMIT);
      // every tenth finding (all of severity info) is acknowledged
      expect(s.site.open).toEqual({ critical: 20, high: 20, medium: 20, low: 20, info: 10 });
      expect(s.protocols.reduce((n, p) => n + p.n, 0)).toBe(PATHS);
    }
    expect(all.html).toContain(`${ASSETS - REPORT_TABLE_LIMIT} more not listed`);
    // bounds generous for a shared two-core machine; the measured times are printed above
    expect(all.totalMs).toBeLessThan(10_000);
    expect(all.totalMs).toBeLessThan(3 * half.totalMs + 500);
  }, 120_000);
});
