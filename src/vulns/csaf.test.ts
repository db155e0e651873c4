import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { advisoriesAvailable, csafPath, kevFile } from '../../test/vulns/advisories.js';
import { AdvisoryError, readCsaf } from './csaf.js';
import { readKev } from './kev.js';
import { readAdvisoryFiles } from './read-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'otwatch-csaf-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const S7_ADVISORY = '2018/icsa-18-079-02.json';

function realDoc(rel: string): Record<string, any> {
  return JSON.parse(readFileSync(csafPath(rel), 'utf8'));
}

describe.skipIf(!advisoriesAvailable)('CSAF 2.0 reader on the shared advisories', () => {
  it('reads tracking, product tree, model numbers, CVSS and remediations of ICSA-18-079-02', () => {
    const a = readCsaf(realDoc(S7_ADVISORY), S7_ADVISORY);
    expect(a.trackingId).toBe('ICSA-18-079-02');
    expect(a.version).toBe('5');
    expect(a.publisher).toBe('CISA');
    expect(a.currentReleaseDate).toBe('2019-10-08T00:00:00.000000Z');
    const s7315 = a.products.find((p) => p.modelNumbers.includes('6ES7315-2EH14-0AB0'))!;
    expect(s7315).toMatchObject({ vendor: 'Siemens', version: 'vers:all/<V3.2.16', versionKind: 'range' });
    expect(s7315.name).toBe('SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)');
    const v = a.vulnerabilities.find((x) => x.cve === 'CVE-2018-4843')!;
    expect(v.cvssScore).toBe(6.5);
    expect(v.cvssVector).toMatch(/^CVSS:3\.1\/AV:A\//);
    expect(v.knownAffected).toContain(s7315.productId);
    const fix = v.remediations.find((r) => r.category === 'vendor_fix' && r.productIds.includes(s7315.productId))!;
    expect(fix.details).toBe('Update to V3.2.16 or later version');
  });

  it('names the file and the JSON path of what it cannot read', () => {
    const bad = realDoc(S7_ADVISORY);
    bad.product_tree.branches[0].branches[3].name = 42;
    expect(() => readCsaf(bad, 'x.json')).toThrow(
      new AdvisoryError('x.json', '$.product_tree.branches[0].branches[3].name', 'missing or not a string'),
    );
    const noId = realDoc(S7_ADVISORY);
    delete noId.document.tracking.id;
    expect(() => readCsaf(noId, 'y.json')).toThrow('y.json: $.document.tracking.id: missing');
    const v1 = realDoc(S7_ADVISORY);
    v1.document.csaf_version = '1.2';
    expect(() => readCsaf(v1, 'z.json')).toThrow('$.document.csaf_version: is "1.2"');
    const rem = realDoc(S7_ADVISORY);
    rem.vulnerabilities[0].remediations[2].category = 'pray';
    expect(() => readCsaf(rem, 'r.json')).toThrow('$.vulnerabilities[0].remediations[2].category: unknown remediation category "pray"');
  });

  it('refuses a hostile product tree nested thousands deep without overflowing the stack', () => {
    const deep = realDoc(S7_ADVISORY);
    let branch: Record<string, unknown> = { category: 'vendor', name: 'x' };
    deep.product_tree.branches = [branch];
    for (let i = 0; i < 5000; i++) {
      const next = { category: 'product_family', name: `f${i}` };
      branch.branches = [next];
      branch = next;
    }
    expect(() => readCsaf(deep, 'deep.json')).toThrow(/deeper than 32 branches/);
  });

  it('reads the KEV catalogue', () => {
    const kev = readKev(JSON.parse(readFileSync(kevFile, 'utf8')), kevFile);
    expect(kev.entries.length).toBe(1404);
    expect(kev.entries.every((e) => /^CVE-\d{4}-\d+$/.test(e.cve))).toBe(true);
  });

  it('imports the good files of a folder and reports each bad one by name, without stopping', () => {
    const dir = join(tmp, 'mixed');
    mkdirSync(join(dir, 'deeper/still'), { recursive: true });
    copyFileSync(csafPath(S7_ADVISORY), join(dir, 'deeper/still/a.json'));
    copyFileSync(csafPath('2017/icsa-17-089-02.json'), join(dir, 'b.json'));
    writeFileSync(join(dir, 'broken.json'), '{"document": {"csaf_version": "2.0"'); // cut short
    writeFileSync(join(dir, 'other.json'), '{"hello": "world"}');
    const bad = realDoc('2017/icsa-17-089-02.json');
    bad.vulnerabilities[0].product_status.known_affected = 'all of them';
    writeFileSync(join(dir, 'c.json'), JSON.stringify(bad));
    writeFileSync(join(dir, 'notes.txt'), 'not an advisory');
    const results = [...readAdvisoryFiles([dir, join(tmp, 'missing')])];
    const ok = results.filter((r) => r.kind === 'csaf').map((r) => (r.kind === 'csaf' ? r.advisory.trackingId : ''));
    expect(ok.sort()).toEqual(['ICSA-17-089-02', 'ICSA-18-079-02']);
    const errors = results.filter((r) => r.kind === 'error').map((r) => (r.kind === 'error' ? r.message : ''));
    expect(errors).toHaveLength(4);
    expect(errors.find((e) => e.includes('broken.json'))).toMatch(/broken\.json: \$: not JSON/);
    expect(errors.find((e) => e.includes('other.json'))).toMatch(/neither a CSAF 2.0 document/);
    expect(errors.find((e) => e.includes('c.json'))).toMatch(
      /c\.json: \$\.vulnerabilities\[0\]\.product_status\.known_affected: not an array/,
    );
    expect(errors.find((e) => e.includes('missing'))).toMatch(/cannot read/);
  });
});
