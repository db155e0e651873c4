import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { audit } from './audit.js';
import { formatGapTable, gapTable } from './gap.js';
import { loadPolicyFile } from './policy-load.js';
import { asset, path, T0 } from '../../test/helpers/audit.js';

describe('SL-A estimate vs SL-T per zone and FR', async () => {
  const r = await loadPolicyFile(fileURLToPath(new URL('../../fixtures/policies/rules-test.yaml', import.meta.url)));
  if (!r.ok) throw new Error('rules-test.yaml');
  const assets = [
    asset('10.20.1.10', 'hmi'),
    asset('10.30.1.5', 'plc'),
    asset('10.40.1.5', 'bacnet_controller'),
    asset('10.10.1.3', 'workstation'),
  ];
  const paths = [
    path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 10, write: 1 } }),
    path({ from: '10.10.1.3', to: '10.40.1.5', protocol: 'bacnet', transport: 'udp', port: 47808, ops: { read: 1 } }),
  ];
  const { findings } = audit(assets, paths, r.policy, { now: T0 });
  const rows = gapTable(r.policy, findings);
  const row = (zone: string, fr: string) => rows.find((x) => x.zone === zone && x.fr === fr)!;

  it('cleartext Modbus across scada-control caps FR1, FR3, FR4 of both zones at 1', () => {
    expect(row('control', 'FR3')).toMatchObject({ slt: 3, slaCap: 1, gap: 2 });
    expect(row('control', 'FR4')).toMatchObject({ slt: 1, slaCap: 1, gap: 0 });
    expect(row('scada', 'FR1')).toMatchObject({ slt: 2, slaCap: 1, gap: 1 });
    expect(row('control', 'FR3').evidence).toContain('ZC-CLEARTEXT-PROTOCOL scada-control: modbus');
  });

  it('a flow with no conduit caps FR5 at 0 for the zones it joins, nothing else', () => {
    expect(row('bms', 'FR5')).toMatchObject({ slt: 1, slaCap: 0, gap: 1 });
    expect(row('enterprise', 'FR5')).toMatchObject({ slt: 1, slaCap: 0, gap: 1 });
    expect(row('bms', 'FR3')).toMatchObject({ slaCap: null, gap: 0 });
    expect(row('control', 'FR6')).toMatchObject({ slt: 2, slaCap: null, gap: 0, evidence: [] });
  });

  it('has one row per zone and FR, and a readable table', () => {
    expect(rows).toHaveLength(4 * 7);
    const text = formatGapTable(rows);
    expect(text.split('\n')[0]).toMatch(/^zone\s+FR\s+SL-T\s+SL-A<=\s+gap\s+evidence$/);
    expect(text).toMatch(/\ncontrol\s+FR3\s+3\s+1\s+2\s+ZC-CLEARTEXT-PROTOCOL scada-control: modbus/);
  });
});
