/**
 * Import and matching through the store: assets from the real corpus capture (the inventory's own
 * identities), advisories from the shared set, revisions and bad files written from real ones.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { Store } from '../../src/store/store.js';
import { rematchVulnerabilities, vulnerabilityCounts, VulnerabilityStore } from '../../src/store/vulnerability-repository.js';
import { corpusAvailable, corpusPath } from '../helpers/corpus.js';
import { advisoriesAvailable, csafPath, kevFile } from './advisories.js';

const S7IDENT = 's7comm/icsnpp-s7comm__s7ident.pcap';
const README_ADVISORIES = [
  '2018/icsa-18-079-02.json',
  '2022/icsa-22-104-06.json',
  '2020/icsa-20-105-08.json',
  '2022/icsa-22-349-03.json',
  '2017/icsa-17-089-02.json',
];

const tmp = mkdtempSync(join(tmpdir(), 'otwatch-vulns-store-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!corpusAvailable || !advisoriesAvailable)('vulnerabilities in the store', () => {
  let store: Store;
  let vulns: VulnerabilityStore;
  const folder = join(tmp, 'feed');

  beforeAll(async () => {
    store = new Store(join(tmp, 'otwatch.db'));
    await analyzeCaptures([corpusPath(S7IDENT)], { store });
    mkdirSync(join(folder, 'csaf'), { recursive: true });
    for (const rel of README_ADVISORIES) copyFileSync(csafPath(rel), join(folder, 'csaf', rel.replace('/', '-')));
    copyFileSync(kevFile, join(folder, 'kev.json'));
    vulns = new VulnerabilityStore(store.db);
  });
  afterAll(() => store?.close());

  it('imports the advisories and matches the S7-315 of the capture: ICSA-18-079-02 by model number, fixed in V3.2.16', () => {
    const s = vulns.importFiles([folder]);
    expect(s).toMatchObject({ files: 6, added: 5, replaced: 0, unchanged: 0, kevEntries: 1404, errors: [] });
    expect(s.rematch.assets).toBeGreaterThan(0);
    const [m] = vulns.all({ advisory: 'ICSA-18-079-02' });
    expect(m).toMatchObject({ cve: 'CVE-2018-4843', status: 'affected', confidence: 'high', fixedVersion: 'V3.2.16', cvssScore: 6.5 });
    expect(m.identity).toBe('6ES7 315-2EH14-0AB0 CPU 315-2 PN/DP V3.2.6');
    expect(m.addresses.length).toBeGreaterThan(0);
    expect(vulns.all({ advisory: 'ICSA-22-104-06' })[0]).toMatchObject({ status: 'affected', fixedVersion: 'V3.2.19' });
    expect(vulnerabilityCounts(store.db)).toEqual(new Map([[m.assetId, vulns.all({ status: 'affected' }).length]]));
    expect(vulns.perAsset()).toEqual([
      { assetId: m.assetId, affected: vulns.all({ status: 'affected' }).length, potentiallyAffected: 0, knownExploited: 0, maxCvss: 7.5 },
    ]);
  });

  it('imports the same files again without any change', () => {
    const before = vulns.all();
    const counts = vulns.counts();
    const s = vulns.importFiles([folder]);
    expect(s).toMatchObject({ added: 0, replaced: 0, unchanged: 5 });
    expect(vulns.counts()).toEqual(counts);
    expect(vulns.all()).toEqual(before);
  });

  it('replaces an advisory by a newer revision of the same tracking id, and keeps it over an older one', () => {
    const doc = JSON.parse(readFileSync(csafPath('2018/icsa-18-079-02.json'), 'utf8'));
    // revision 6 says the S7-315 line is fixed from V3.2.5 on: the V3.2.6 of the capture is no longer affected
    const walk = (branches: any[]): void => {
      for (const b of branches) {
        if (b.product?.product_identification_helper?.model_numbers?.includes('6ES7315-2EH14-0AB0')) b.name = 'vers:all/<V3.2.5';
        if (b.branches) walk(b.branches);
      }
    };
    walk(doc.product_tree.branches);
    doc.document.tracking.version = '6';
    doc.document.tracking.current_release_date = '2024-01-01T00:00:00.000000Z';
    const newer = join(tmp, 'newer');
    mkdirSync(newer);
    writeFileSync(join(newer, 'icsa-18-079-02-rev6.json'), JSON.stringify(doc));
    expect(vulns.importFiles([newer])).toMatchObject({ replaced: 1, added: 0 });
    expect(vulns.all({ advisory: 'ICSA-18-079-02', status: 'not_affected' })).toHaveLength(1);
    // the original revision 5 again: older than the stored one, kept out
    expect(vulns.importFiles([csafPath('2018/icsa-18-079-02.json')])).toMatchObject({ older: 1, replaced: 0 });
    expect(vulns.all({ advisory: 'ICSA-18-079-02' })[0].status).toBe('not_affected');
  });

  it('names a bad file and its JSON path and imports the rest', () => {
    const mixed = join(tmp, 'mixed');
    mkdirSync(mixed);
    const doc = JSON.parse(readFileSync(csafPath('2019/icsa-19-227-01.json'), 'utf8'));
    doc.vulnerabilities[0].scores = 'high';
    writeFileSync(join(mixed, 'bad.json'), JSON.stringify(doc));
    copyFileSync(csafPath('2020/icsa-20-070-05.json'), join(mixed, 'good.json'));
    const errors: string[] = [];
    const s = vulns.importFiles([mixed], (e) => errors.push(e));
    expect(s.added).toBe(1);
    expect(errors).toEqual([`${join(mixed, 'bad.json')}: $.vulnerabilities[0].scores: not an array`]);
    expect(s.errors).toEqual(errors);
  });

  it('re-matches when an identity changes: newer firmware makes the S7-315 not affected', () => {
    const [m] = vulns.all({ advisory: 'ICSA-22-104-06' });
    expect(m.status).toBe('affected');
    const row = store.db.prepare('SELECT data FROM assets WHERE id = ?').pluck().get(m.assetId) as string;
    const asset = JSON.parse(row);
    asset.identity.firmware.value = 'V3.2.19';
    store.db.prepare('UPDATE assets SET data = ? WHERE id = ?').run(JSON.stringify(asset), m.assetId);
    rematchVulnerabilities(store.db);
    expect(vulns.all({ advisory: 'ICSA-22-104-06' })[0].status).toBe('not_affected');
    expect(vulns.all({ advisory: 'ICSA-20-105-08' })[0].status).toBe('affected'); // all versions, no fix
  });
});
