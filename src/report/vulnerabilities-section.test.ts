/**
 * The report's "Known vulnerabilities" section on the bundled plant (its S7-315 at V3.2.6 and Modicon M251
 * at V5.1.9.34) after importing the shared advisories that name them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../analysis/analyze-captures.js';
import { auditStep } from '../analysis/run-audit.js';
import { packageRoot } from '../core/package-root.js';
import { loadPolicyFile } from '../audit/policy-load.js';
import { Store } from '../store/store.js';
import { VulnerabilityStore } from '../store/vulnerability-repository.js';
import { advisoriesAvailable, csafPath, kevFile } from '../../test/vulns/advisories.js';
import { buildReport, type ReportModel } from './model.js';
import { renderReport } from './render.js';
import { cvssMetrics, boundedFrs } from '../vulns/sl-ceiling.js';

const PLANT = join(packageRoot, 'fixtures/plant');
const NOW = 1_758_100_000;

describe.skipIf(!advisoriesAvailable)('known vulnerabilities in the assessment report', () => {
  let dir: string;
  let store: Store;
  let model: ReportModel;
  let html: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-report-vulns-'));
    const db = join(dir, 'plant.db');
    await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    store = new Store(db);
    new VulnerabilityStore(store.db).importFiles([
      csafPath('2019/icsa-19-099-06.json'),
      csafPath('2022/icsa-22-104-06.json'),
      csafPath('2017/icsa-17-089-02.json'),
      kevFile,
    ]);
    const p = await loadPolicyFile(join(PLANT, 'policy.yaml'));
    if (!p.ok) throw new Error('the plant policy must load');
    model = buildReport(store, p.policy, { now: NOW });
    html = renderReport(model);
  });
  afterAll(() => {
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the S7-315 and the M251 in their zones with advisory, CVE, status and fix', () => {
    const rows = model.vulnerabilities.zones.flatMap((z) => z.rows.map((r) => ({ ...r, reportZone: z.zone })));
    const s7 = rows.find((r) => r.trackingId === 'ICSA-22-104-06')!;
    expect(s7).toMatchObject({ status: 'affected', confidence: 'high', fixedVersion: 'V3.2.19' });
    expect([s7.reportZone, s7.zone]).toEqual(['control', 'control']); // the plant policy's PLC zone, as the report and the audit place it
    expect(rows.some((r) => r.trackingId === 'ICSA-17-089-02' && r.confidence === 'low')).toBe(true);
    expect(html).toContain('<section id="vulnerabilities"><h2>Known vulnerabilities</h2>');
    expect(html).toContain('CVE-2022-25622');
  });

  it('puts one update per asset and fix in the action list, joined with the conduit findings, highest rank first', () => {
    const a = model.vulnerabilities.actions;
    expect(a.some((x) => x.kind === 'vulnerability' && /to V3\.2\.19 or later/.test(x.action))).toBe(true);
    expect(a.some((x) => x.kind === 'finding')).toBe(true);
    expect(a.map((x) => x.rank)).toEqual([...a.map((x) => x.rank)].sort((x, y) => y - x));
  });

  it("bounds SL-A of the S7-315's zone for FR 7 at 1 by a network DoS without privileges (SR 7.1), with the CVE as evidence", () => {
    const rows = model.vulnerabilities.zones.flatMap((z) => z.rows.map((r) => ({ ...r, reportZone: z.zone })));
    const dos = rows.find((r) => r.trackingId === 'ICSA-19-099-06')!; // CVE-2019-6568, AV:N/PR:N/UI:N/A:H
    expect(cvssMetrics(dos.cvssVector)).toMatchObject({ AV: 'N', PR: 'N', UI: 'N', A: 'H' });
    expect(boundedFrs(dos)).toContain('FR7');
    const gap = model.gaps.find((g) => g.zone === dos.reportZone && g.fr === 'FR7')!;
    expect(gap.slaCap).toBe(1);
    expect(gap.evidence.some((e) => e.startsWith('known vulnerabilities (SR 7.1, SR 7.2): ') && e.includes('CVE-2019-6568'))).toBe(true);
    // a zone without a vulnerable asset keeps what the findings alone say
    const other = model.gaps.filter((g) => g.zone !== dos.reportZone && g.fr === 'FR7');
    for (const g of other) expect(g.evidence.some((e) => e.startsWith('known vulnerabilities'))).toBe(false);
  });
});
