/**
 * The matcher on the shared advisories (../shared/advisories) with identities written exactly as the
 * inventory reports them for the corpus captures its README names (test/vulns/corpus-match.test.ts
 * derives them from the captures themselves).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { advisoriesAvailable, loadAll } from '../../test/vulns/advisories.js';
import { matchAll } from './matcher.js';
import type { Advisory, AssetIdentity, VulnerabilityMatch } from './types.js';
import { vendorKeys } from './vendors.js';

// `otwatch assets --json` after analysing corpus/s7comm/icsnpp-s7comm__s7ident.pcap: S7comm SZL 0x0011/0x001C
const S7_315: AssetIdentity = {
  assetId: 'ip:172.17.0.2',
  orderNumber: '6ES7 315-2EH14-0AB0',
  product: 'CPU 315-2 PN/DP',
  firmware: 'V3.2.6',
  protocol: 's7comm',
};
// corpus/s7comm/plc4x__s7__manual-test-capture.pcapng (an S7-1200), without its firmware
const S7_1200_NO_FW: AssetIdentity = { assetId: 'mac:e0:dc:a0:b9:1b:0d', orderNumber: '6ES7 212-1AE40-0XB0', protocol: 's7comm' };
// fixtures/plant/plant.pcap: Modbus FC 43/14 device identification
const M251: AssetIdentity = {
  assetId: 'mac:00:00:54:1d:30:10',
  vendor: 'Schneider Electric',
  model: 'TM251MESE',
  orderNumber: 'TM251MESE',
  product: 'Modicon M251',
  firmware: 'V5.1.9.34',
  protocol: 'modbus',
};

let advisories: Advisory[] = [];
let kev = new Set<string>();
const run = (ids: AssetIdentity[]): VulnerabilityMatch[] => matchAll(ids, advisories, (c) => kev.has(c));
const of = (ms: VulnerabilityMatch[], trackingId: string): VulnerabilityMatch[] => ms.filter((m) => m.trackingId === trackingId);

describe.skipIf(!advisoriesAvailable)('matching the shared advisories', () => {
  beforeAll(() => {
    const all = loadAll();
    expect(all.errors).toEqual([]);
    advisories = all.advisories;
    kev = all.kev;
  });

  it('finds the S7-315 at V3.2.6 affected by ICSA-18-079-02 by model number, fixed in V3.2.16', () => {
    const ms = run([S7_315]);
    const [m] = of(ms, 'ICSA-18-079-02');
    expect(m).toMatchObject({
      cve: 'CVE-2018-4843',
      status: 'affected',
      confidence: 'high',
      basis: 'model_number',
      fixedVersion: 'V3.2.16',
      cvssScore: 6.5,
    });
    expect(m.why).toContain('order number 6ES7 315-2EH14-0AB0 (s7comm) = model number');
    expect(m.remediation).toBe('Update to V3.2.16 or later version');
    expect(of(ms, 'ICSA-22-104-06')[0]).toMatchObject({ status: 'affected', confidence: 'high', fixedVersion: 'V3.2.19' });
    const noFix = of(ms, 'ICSA-20-105-08')[0];
    expect(noFix).toMatchObject({ status: 'affected', confidence: 'high' });
    expect(noFix.fixedVersion).toBeUndefined();
  });

  it('finds the family entries of the S7-300 with medium confidence, the X of "< V3.X.16" filled from the firmware', () => {
    const [m] = of(run([S7_315]), 'ICSA-17-339-01');
    expect(m).toMatchObject({ status: 'affected', confidence: 'medium', basis: 'family', fixedVersion: 'V3.2.16' });
    expect(m.why).toContain('SIMATIC S7-300 CPU family');
  });

  it("trusts the vendor the device reports for numbers, not its network card's", () => {
    expect(of(run([{ ...S7_315, macVendor: 'Intel Corporate' }]), 'ICSA-18-079-02')[0]).toMatchObject({ confidence: 'high' });
    // a device that says it is another vendor's is not this Siemens number, nor of its family
    expect(run([{ ...S7_315, vendor: 'Schneider Electric', product: undefined }])).toEqual([]);
  });

  it('calls firmware newer than every range not affected', () => {
    const ms = run([{ ...S7_315, firmware: 'V3.2.19' }]);
    expect(of(ms, 'ICSA-18-079-02')[0]).toMatchObject({ status: 'not_affected', confidence: 'high' });
    expect(of(ms, 'ICSA-22-104-06')[0]).toMatchObject({ status: 'not_affected' });
    // "all versions" stays affected whatever the firmware
    expect(of(ms, 'ICSA-20-105-08')[0]).toMatchObject({ status: 'affected' });
  });

  it('calls an S7-1200 of unknown firmware potentially affected by its family entries', () => {
    const ms = run([S7_1200_NO_FW]);
    const m = of(ms, 'ICSA-22-349-03');
    expect(m.length).toBeGreaterThan(0);
    for (const x of m)
      expect(x).toMatchObject({ status: 'potentially_affected', confidence: 'medium', basis: 'family', fixedVersion: 'V4.6.0' });
    expect(ms.every((x) => x.status === 'potentially_affected')).toBe(true);
    // with its firmware known (V4.4.0 in the capture) the same entry decides
    expect(of(run([{ ...S7_1200_NO_FW, firmware: 'V4.4.0' }]), 'ICSA-22-349-03')[0].status).toBe('affected');
    expect(of(run([{ ...S7_1200_NO_FW, firmware: 'V4.6.0' }]), 'ICSA-22-349-03')[0].status).toBe('not_affected');
  });

  it('matches the Modicon M251 of the plant by product name only, with low confidence', () => {
    const ms = of(run([M251]), 'ICSA-17-089-02');
    expect(ms.length).toBeGreaterThan(0);
    for (const m of ms) expect(m).toMatchObject({ basis: 'name', confidence: 'low', status: 'affected' });
  });

  it('keeps an NAE55-only entry off an NAE45, and matches it to an NAE55', () => {
    const nae45: AssetIdentity = { assetId: 'a', vendor: 'Johnson Controls', model: 'MS-NAE4510-2', firmware: '9.0.2', protocol: 'bacnet' };
    expect(of(run([nae45]), 'ICSA-20-070-05')).toEqual([]);
    expect(run([nae45]).filter((m) => /NAE55/.test(m.why))).toEqual([]);
    const nae55 = { ...nae45, model: 'MS-NAE5510-2' };
    const [m] = of(run([nae55]), 'ICSA-20-070-05');
    expect(m).toMatchObject({ basis: 'family', confidence: 'medium', status: 'affected' });
    expect(m.why).toContain('"Network Automation Engine (NAE55 only)"');
    expect(of(run([{ ...nae55, firmware: '9.0.4' }]), 'ICSA-20-070-05')[0].status).toBe('not_affected');
  });

  it('never matches by a bare substring of a number or a name', () => {
    // a number that begins or extends a real one is not that number (its S7-300 family still holds)
    const numbers = run([
      { assetId: 'prefix', orderNumber: '6ES7 315-2EH14', firmware: 'V3.2.6' },
      { assetId: 'longer', orderNumber: '6ES7 315-2EH14-0AB01', firmware: 'V3.2.6' },
    ]);
    expect(numbers.length).toBeGreaterThan(0);
    expect(numbers.filter((m) => m.basis !== 'family')).toEqual([]);
    const ids: AssetIdentity[] = [
      { assetId: 'm25', vendor: 'Schneider Electric', product: 'Modicon M25', model: 'M25', firmware: '1.0' },
      { assetId: 'nae5', vendor: 'Johnson Controls', model: 'NAE5', firmware: '9.0.1' },
    ];
    expect(run(ids)).toEqual([]);
    // "S7-1200" names the CPU family (low confidence), never the "SIPLUS S7-1200 CP 1243-1" that contains its words
    const family = run([{ assetId: 'cp', vendor: 'Siemens', product: 'S7-1200', firmware: 'V4.0' }]);
    expect(family.length).toBeGreaterThan(0);
    for (const m of family) expect(m.why).toMatch(/product "S7-1200" and product name "SIMATIC S7-1200 CPU family/);
  });

  it('does not match BACnet devices of the icsnpp example capture (none of them is in an advisory)', () => {
    // vendor/model/firmware as the inventory reports them for corpus/bacnet/icsnpp-bacnet__bacnet_example.pcap
    const ids: AssetIdentity[] = [
      ['PowerCold Comfort Air Solutions, Inc.', 'GHU-026', '5.6.1'],
      ['Siemens Schweiz AG (Formerly: Cerberus AG)', 'RCG-525', '1.4.7'],
      ['JCI Systems Integration Services', 'EIB-728', '0.7.2'],
      ['Mitsubishi Electric Building Techno-Service Co., Ltd.', 'EWP-367', '0.4.2'],
      ['DAIKIN Industries Ltd.', 'EFV-321', '0.7.5'],
    ].map(([vendor, model, firmware], i) => ({ assetId: `b${i}`, vendor, model, firmware, protocol: 'bacnet' }));
    expect(run(ids)).toEqual([]);
  });

  it('flags known-exploited CVEs from the KEV catalogue', () => {
    const ms = run([S7_315, { ...S7_1200_NO_FW, firmware: 'V4.4.0' }]);
    for (const m of ms) expect(m.knownExploited).toBe(kev.has(m.cve));
  });
});

describe('vendor names', () => {
  it('maps the variants of one vendor to one key and keeps others apart', () => {
    expect(vendorKeys('Schneider Electric Software, LLC')).toContain('schneider-electric');
    expect(vendorKeys('Schneider Electric')).toContain('schneider-electric');
    expect(vendorKeys('Johnson Controls Inc.')).toContain('johnson-controls');
    expect(vendorKeys('Sensormatic Electronics, LLC, Johnson Controls Inc.')).toContain('johnson-controls');
    expect(vendorKeys('Siemens Schweiz AG (Formerly: Cerberus AG)')).toContain('siemens');
    expect(vendorKeys('Rockwell Automation ')).toEqual(['rockwell-automation']);
    expect(vendorKeys('Schneider Electric')).not.toContain('siemens');
  });
});
