/**
 * Advisories imported first, traffic analysed after: the analysis matches the new identities by itself, without
 * another import (src/analysis/analyze-captures.ts without a policy; src/analysis/run-audit.ts with one).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { auditStep } from '../../src/analysis/run-audit.js';
import { Store } from '../../src/store/store.js';
import { VulnerabilityStore } from '../../src/store/vulnerability-repository.js';
import { corpusAvailable, corpusPath, repoRoot } from '../helpers/corpus.js';
import { advisoriesAvailable, csafPath } from './advisories.js';

const tmp = mkdtempSync(join(tmpdir(), 'otwatch-rematch-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.skipIf(!corpusAvailable || !advisoriesAvailable)('matching after an analysis', () => {
  it('without a policy: the S7-315 of s7ident is affected by ICSA-18-079-02 as soon as it is analysed', async () => {
    const store = new Store(join(tmp, 'plain.db'));
    try {
      const vulns = new VulnerabilityStore(store.db);
      expect(vulns.importFiles([csafPath('2018/icsa-18-079-02.json')]).errors).toEqual([]);
      expect(vulns.all()).toEqual([]); // nothing analysed yet
      await analyzeCaptures([corpusPath('s7comm/icsnpp-s7comm__s7ident.pcap')], { store });
      expect(vulns.all({ advisory: 'ICSA-18-079-02' })[0]).toMatchObject({ status: 'affected', fixedVersion: 'V3.2.16' });
    } finally {
      store.close();
    }
  });

  it('with a policy: the one audit writer matches them, in its transaction', async () => {
    const store = new Store(join(tmp, 'audited.db'));
    try {
      const vulns = new VulnerabilityStore(store.db);
      vulns.importFiles([csafPath('2018/icsa-18-079-02.json')]);
      await analyzeCaptures([corpusPath('s7comm/icsnpp-s7comm__s7ident.pcap')], {
        store,
        policy: join(repoRoot, 'fixtures/plant/policy.yaml'),
        audit: auditStep(),
      });
      expect(vulns.all({ advisory: 'ICSA-18-079-02' })[0]).toMatchObject({ status: 'affected' });
    } finally {
      store.close();
    }
  });
});
