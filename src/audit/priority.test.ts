/**
 * Findings at the size of a plant: Purdue bypasses grouped per zone pair and protocol (not one per
 * asset pair), titles that tell apart findings whose labels read alike, and the "fix first" rank.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { asset, path, T0 } from '../../test/helpers/audit.js';
import { audit } from './audit.js';
import { RULES } from './constants.js';
import { loadPolicyFile } from './policy-load.js';
import type { Policy } from './policy-types.js';
import { UNZONED_GROUP_MIN } from './rules-model.js';
import { macAssetId } from '../core/ids.js';

const policyFile = fileURLToPath(new URL('../../fixtures/policies/audit-test.yaml', import.meta.url));

async function policy(): Promise<Policy> {
  const r = await loadPolicyFile(policyFile);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.policy;
}

describe('Purdue bypass at the size of a plant', async () => {
  const p = await policy();
  // 30 enterprise workstations each reading 4 control PLCs over Modbus, 2 of them also over S7: 128 asset pairs.
  const ws = Array.from({ length: 30 }, (_, i) => asset(`10.10.1.${100 + i}`, 'workstation'));
  const plcs = Array.from({ length: 4 }, (_, i) => asset(`10.30.1.${10 + i}`, 'plc'));
  const paths = [
    ...ws.flatMap((w) => plcs.map((c) => path({ from: w.ips[0]!, to: c.ips[0]!, protocol: 'modbus', port: 502, ops: { read: 3 } }))),
    ...ws
      .slice(0, 2)
      .flatMap((w) => plcs.map((c) => path({ from: w.ips[0]!, to: c.ips[0]!, protocol: 's7comm', port: 102, ops: { read: 1 } }))),
  ];
  const { findings } = audit([...ws, ...plcs], paths, p, { now: T0 + 86_400 });
  const bypass = findings.filter((f) => f.rule === RULES.purdueBypass);

  it('is one finding per zone pair and protocol, as the no-conduit rule, with every asset pair as evidence', () => {
    expect(bypass.map((f) => f.subject.key).sort()).toEqual(['ent>control modbus', 'ent>control s7comm']);
    expect(findings.filter((f) => f.rule === RULES.flowWithoutConduit)).toHaveLength(2);
    const modbus = bypass.find((f) => f.subject.key.endsWith('modbus'))!;
    expect(modbus.evidence.pathCount).toBe(120);
    expect(modbus.evidence.pathIds).toHaveLength(120);
    expect(modbus.evidence.assetIds).toHaveLength(34);
    expect(modbus.explanation).toContain('120 asset pairs');
    // the listed pairs are capped, the rest counted
    expect(modbus.evidence.details).toContain('10.10.1.100 (L4) → 10.30.1.10 (L1)');
    expect(modbus.evidence.details.at(-1)).toBe('… and 100 more asset pair(s)');
    expect(modbus.title).toBe('Purdue bypass ent (L4) → control (L1) modbus');
  });
});

describe('titles and the fix-first rank', async () => {
  const p = await policy();
  const assets = [
    asset('10.10.1.20', 'workstation'),
    asset('10.20.1.10', 'hmi'),
    asset('10.20.1.50', 'engineering_workstation'),
    asset('10.30.1.5', 'plc'),
    asset('10.30.1.6', 'plc'),
  ];
  const paths = [
    // cleartext s7comm on scada-control alone (reads) and on the integrator's conduit too (program download)
    path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 's7comm', port: 102, ops: { read: 40 }, firstSeen: T0 - 100 }),
    path({ from: '10.20.1.50', to: '10.30.1.6', protocol: 's7comm', port: 102, ops: { read: 4, program: 2 } }),
    // cleartext modbus with writes, read-only conduit: a write not allowed (high) and cleartext (high)
    path({ from: '10.20.1.10', to: '10.30.1.6', protocol: 'modbus', port: 502, ops: { read: 10, write: 3 } }),
  ];
  const { findings } = audit(assets, paths, p, { now: T0 + 86_400 });

  it('tells apart the two cleartext s7comm findings whose labels read the same', () => {
    const s7 = findings.filter((f) => f.rule === RULES.cleartextProtocol && f.subject.key.endsWith('s7comm'));
    expect(s7).toHaveLength(2);
    expect(s7[0]!.subject.label).toBe(s7[1]!.subject.label); // the rule's labels alone are ambiguous
    expect(s7.map((f) => f.title).sort()).toEqual([
      'Unprotected s7comm on conduit scada-control (scada → control)',
      'Unprotected s7comm on conduits integrator + scada-control (scada → control)',
    ]);
    expect(new Set(findings.map((f) => f.title)).size).toBe(findings.length);
  });

  it('ranks by severity, then program/control before write before read reaching level 0-1', () => {
    const byKey = (rule: string, key: string) => findings.find((f) => f.rule === rule && f.subject.key === key)!;
    const program = byKey(RULES.cleartextProtocol, 'integrator+scada-control s7comm');
    const reads = byKey(RULES.cleartextProtocol, 'scada-control s7comm');
    const writes = byKey(RULES.cleartextProtocol, 'scada-control modbus');
    expect([program.severity, writes.severity, reads.severity]).toEqual(['high', 'high', 'medium']);
    expect(program.priority).toEqual({ rank: 4, opClass: 'program/control', reason: 'high; program/control reaching level 1 (10.30.1.6)' });
    expect(writes.priority?.opClass).toBe('write');
    expect(writes.priority!.rank).toBe(5);
    expect(reads.priority?.opClass).toBe('read');
    // the disallowed-operation finding is about the write only, not the reads of the same path
    expect(byKey(RULES.operationNotAllowed, 'scada-control scada>control modbus write').priority?.opClass).toBe('write');
    // a zone without SL-T reaches nothing
    expect(findings.find((f) => f.rule === RULES.zoneWithoutSlt)!.priority?.opClass).toBe('none');
  });
});

describe('assets in no zone at the size of a plant', async () => {
  const p = await policy();
  // 50 stray hosts of one subnet each polling a PLC, one more in another subnet, one without an address
  const stray = Array.from({ length: 50 }, (_, i) => asset(`10.200.0.${i + 1}`, 'hmi'));
  const lone = asset('10.201.0.9', 'workstation');
  const nameless = { ...asset('0.0.0.0', 'unknown'), id: macAssetId('02:00:00:00:00:01'), ips: [], macs: ['02:00:00:00:00:01'] };
  const plc = asset('10.30.1.5', 'plc');
  const paths = stray.map((a) => path({ from: a.ips[0]!, to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 1 } }));
  const { findings } = audit([...stray, lone, nameless, plc], paths, p, { now: T0 + 86_400 });
  const unzoned = findings.filter((f) => f.rule === RULES.assetUnzoned);

  it('is one finding per subnet with every asset as evidence, keyed by the subnet so that its id stays', () => {
    expect(unzoned.map((f) => f.subject.key).sort()).toEqual(['ip:10.201.0.9', 'mac:02:00:00:00:00:01', 'subnet:10.200.0.0/24']);
    const big = unzoned.find((f) => f.subject.key === 'subnet:10.200.0.0/24')!;
    expect(big.title).toBe('In no zone: 50 assets in 10.200.0.0/24');
    expect(big.explanation).toBe('50 assets of 10.200.0.0/24 (50 hmi) belong to no zone, so no conduit can govern their traffic');
    expect(big.evidence.assetIds).toEqual([...stray.map((a) => a.id), plc.id].sort());
    expect(big.evidence.pathCount).toBe(50);
    expect(big.evidence.details).toHaveLength(21);
    expect(big.evidence.details.at(-1)).toBe('… and 30 more asset(s)');
    // a stray device of its own keeps a finding of its own, with its name and address
    const one = unzoned.find((f) => f.subject.key === 'ip:10.201.0.9')!;
    expect(one.subject.label).toBe('10.201.0.9');
    expect(unzoned.find((f) => f.subject.key.startsWith('mac:'))!.evidence.assetIds).toEqual(['mac:02:00:00:00:00:01']);
  });

  it('groups a subnet only from UNZONED_GROUP_MIN unzoned assets on', () => {
    const four = stray.slice(0, UNZONED_GROUP_MIN - 1);
    const r = audit([...four, plc], [], p, { now: T0 + 86_400 }).findings.filter((f) => f.rule === RULES.assetUnzoned);
    expect(r.map((f) => f.subject.key).sort()).toEqual(four.map((a) => a.id).sort());
  });
});

describe('Purdue bypass between unzoned devices', async () => {
  const p = await policy();
  const ws = asset('10.99.0.5', 'workstation', { purdueLevel: 4 });
  const plc = asset('10.99.0.6', 'plc', { purdueLevel: 1 });
  const paths = [
    path({ from: '10.99.0.5', to: '10.99.0.6', protocol: 'modbus', port: 502, ops: { read: 1 } }),
    path({ from: '10.99.0.6', to: '10.99.0.5', protocol: 'modbus', port: 502, ops: { read: 1 } }),
  ];
  const { findings } = audit([ws, plc], paths, p, { now: T0 + 86_400 });

  it('keys each direction by the devices’ own levels, so that one label never covers both', () => {
    expect(
      findings
        .filter((f) => f.rule === RULES.purdueBypass)
        .map((f) => [f.subject.key, f.subject.label])
        .sort(),
    ).toEqual([
      ['unzoned(L1)>unzoned(L4) modbus', 'unzoned (L1) → unzoned (L4) modbus'],
      ['unzoned(L4)>unzoned(L1) modbus', 'unzoned (L4) → unzoned (L1) modbus'],
    ]);
  });
});
