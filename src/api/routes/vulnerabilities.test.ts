/**
 * The vulnerability routes over a database holding the S7-315 of a real capture and the shared advisories
 * of the README, imported through the store as `otwatch vulns import` does.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../analysis/analyze-captures.js';
import { Store } from '../../store/store.js';
import { VulnerabilityStore } from '../../store/vulnerability-repository.js';
import { bearer, corpusAvailable, tempDb, tokens } from '../../../test/helpers/api.js';
import { corpusPath } from '../../../test/helpers/corpus.js';
import { advisoriesAvailable, csafPath, kevFile } from '../../../test/vulns/advisories.js';
import { buildApp } from '../app.js';

describe.skipIf(!corpusAvailable || !advisoriesAvailable)('GET /api/v1/vulnerabilities', () => {
  const t = tempDb();
  let app: FastifyInstance;
  let tok: ReturnType<typeof tokens>;
  let assetId = '';

  beforeAll(async () => {
    const store = new Store(t.db);
    await analyzeCaptures([corpusPath('s7comm/icsnpp-s7comm__s7ident.pcap')], { store });
    new VulnerabilityStore(store.db).importFiles([
      csafPath('2018/icsa-18-079-02.json'),
      csafPath('2022/icsa-22-104-06.json'),
      csafPath('2020/icsa-20-105-08.json'),
      kevFile,
    ]);
    assetId = store.db.prepare("SELECT asset_id FROM vulnerability_matches WHERE tracking_id = 'ICSA-18-079-02'").pluck().get() as string;
    store.close();
    tok = tokens(t.db);
    app = await buildApp({ db: t.db });
  });
  afterAll(async () => {
    await app?.close();
    t.cleanup();
  });

  const get = (url: string, token = tok.viewer) => app.inject({ method: 'GET', url, headers: bearer(token) });

  it('lists the matches with advisory, CVE, CVSS, status, confidence, fix and why, most urgent first', async () => {
    const r = await get('/api/v1/vulnerabilities');
    expect(r.statusCode).toBe(200);
    const page = r.json();
    expect(page.total).toBe(page.items.length);
    const m = page.items.find((x: any) => x.trackingId === 'ICSA-18-079-02');
    expect(m).toMatchObject({
      assetId,
      cve: 'CVE-2018-4843',
      cvssScore: 6.5,
      status: 'affected',
      confidence: 'high',
      fixedVersion: 'V3.2.16',
    });
    expect(m.why).toContain('6ES7 315-2EH14-0AB0');
    const priorities = page.items.map((x: any) => x.priority);
    expect(priorities).toEqual([...priorities].sort((a, b) => a - b));
  });

  it('filters by advisory, CVE, status and CVSS, and rejects an unknown filter', async () => {
    const byAdvisory = (await get('/api/v1/vulnerabilities?advisory=ICSA-22-104-06')).json();
    expect(byAdvisory.items.map((x: any) => x.trackingId)).toEqual(['ICSA-22-104-06']);
    expect((await get('/api/v1/vulnerabilities?cve=CVE-2018-4843')).json().total).toBe(1);
    expect((await get('/api/v1/vulnerabilities?status=not_affected')).json().total).toBe(0);
    const high = (await get('/api/v1/vulnerabilities?min_cvss=7')).json();
    expect(high.items.every((x: any) => x.cvssScore >= 7)).toBe(true);
    const bad = await get('/api/v1/vulnerabilities?colour=red');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain("unknown query parameter 'colour'");
    expect((await get('/api/v1/vulnerabilities?status=doomed')).statusCode).toBe(400);
  });

  it('needs a token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/v1/vulnerabilities' })).statusCode).toBe(401);
  });

  it("serves an asset's vulnerabilities and the per-asset counts", async () => {
    const list = (await get(`/api/v1/assets/${encodeURIComponent(assetId)}/vulnerabilities`)).json();
    expect(list.length).toBe((await get('/api/v1/vulnerabilities')).json().total);
    const summary = (await get('/api/v1/vulnerabilities/summary')).json();
    expect(summary).toMatchObject({ advisories: 3, knownExploited: 1404 });
    expect(summary.assets).toEqual([{ assetId, affected: list.length, potentiallyAffected: 0, knownExploited: 0, maxCvss: 7.5 }]);
  });

  it('exports CSV (formula-safe) and CEF lines', async () => {
    const csv = await get('/api/v1/export/vulnerabilities?format=csv');
    expect(csv.statusCode).toBe(200);
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'asset,name,addresses,zone,identity,advisory,cve,cvss,cvss_vector,status,confidence,why,fixed_version,remediation,known_exploited,exposure',
    );
    expect(lines.some((l) => l.includes('ICSA-18-079-02,CVE-2018-4843,6.5,'))).toBe(true);
    const cef = await get('/api/v1/export/vulnerabilities?format=cef&advisory=ICSA-18-079-02');
    const [line] = cef.body.trim().split('\n');
    expect(line).toMatch(
      /^CEF:0\|otwatch\|otwatch\|[^|]+\|CVE-2018-4843\|CVE-2018-4843 affected on 6ES7 315-2EH14-0AB0 .*\|7\|cat=known_vulnerability /,
    );
    expect(line).toContain('cs2=ICSA-18-079-02');
    expect(line).toContain('cs4=V3.2.16');
  });
});
