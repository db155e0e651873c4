/**
 * The identities the inventory derives from real captures against every shared advisory: the examples of
 * ../shared/advisories/README.md, from the bytes of the captures through the whole pipeline.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import type { Asset } from '../../src/core/model.js';
import { Store } from '../../src/store/store.js';
import { identityOfAsset, matchAll } from '../../src/vulns/matcher.js';
import type { Advisory } from '../../src/vulns/types.js';
import { corpusAvailable, corpusPath, repoRoot } from '../helpers/corpus.js';
import { advisoriesAvailable, loadAll } from './advisories.js';

async function assetsOf(path: string): Promise<Asset[]> {
  const store = new Store(':memory:');
  try {
    return (await analyzeCaptures([path], { store })).assets;
  } finally {
    store.close();
  }
}

describe.skipIf(!corpusAvailable || !advisoriesAvailable)('corpus identities against the shared advisories', () => {
  let advisories: Advisory[] = [];
  let kev = new Set<string>();
  beforeAll(() => ({ advisories, kev } = loadAll()));
  const match = (assets: Asset[]) => matchAll(assets.map(identityOfAsset), advisories, (c) => kev.has(c));

  it('S7-300 of icsnpp s7ident (6ES7 315-2EH14-0AB0, V3.2.6): ICSA-18-079-02, -22-104-06 and -20-105-08 by model number', async () => {
    const ms = match(await assetsOf(corpusPath('s7comm/icsnpp-s7comm__s7ident.pcap')));
    const by = (id: string) => ms.find((m) => m.trackingId === id);
    expect(by('ICSA-18-079-02')).toMatchObject({ status: 'affected', confidence: 'high', fixedVersion: 'V3.2.16' });
    expect(by('ICSA-22-104-06')).toMatchObject({ status: 'affected', confidence: 'high', fixedVersion: 'V3.2.19' });
    expect(by('ICSA-20-105-08')).toMatchObject({ status: 'affected', confidence: 'high' });
  });

  it('S7-1200 of plc4x (6ES7 212-1AE40-0XB0): the family entry of ICSA-22-349-03, decided by the firmware the capture carries', async () => {
    const assets = await assetsOf(corpusPath('s7comm/plc4x__s7__manual-test-capture.pcapng'));
    const plc = assets.find((a) => a.identity.order_number?.value === '6ES7 212-1AE40-0XB0')!;
    expect(plc).toBeDefined();
    const ms = match([plc]).filter((m) => m.trackingId === 'ICSA-22-349-03');
    expect(ms.length).toBeGreaterThan(0);
    const expected = plc.identity.firmware ? 'affected' : 'potentially_affected'; // V4.4.0 < V4.6.0 when present
    for (const m of ms) expect(m).toMatchObject({ status: expected, confidence: 'medium', basis: 'family' });
  });

  it('Modicon M251 of the bundled plant (V5.1.9.34): ICSA-17-089-02 by product name, low confidence', async () => {
    const assets = await assetsOf(`${repoRoot}/fixtures/plant/plant.pcap`);
    const ms = match(assets).filter((m) => m.trackingId === 'ICSA-17-089-02');
    expect(ms.length).toBeGreaterThan(0);
    for (const m of ms) expect(m).toMatchObject({ status: 'affected', confidence: 'low', basis: 'name' });
    expect(ms[0].why).toContain('product "Modicon M251" (modbus)');
  });

  it('the 30-odd BACnet devices of the icsnpp example (fictitious models) meet no advisory', async () => {
    const assets = await assetsOf(corpusPath('bacnet/icsnpp-bacnet__bacnet_example.pcap'));
    expect(assets.filter((a) => a.identity.model).length).toBeGreaterThan(20);
    expect(match(assets)).toEqual([]);
  });
});
