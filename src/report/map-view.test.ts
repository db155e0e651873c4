/**
 * The map's aggregation (map-view.ts) over hand-made rows: which paths a live boundary finding makes violating
 * (and with which severity), the status of each zone pair (violated, expired, allowed, unused), counts by role,
 * the vulnerability hook, filters, and the paths of a pair a page at a time, violating first.
 */
import { describe, expect, it } from 'vitest';
import { loadPolicyText } from '../audit/policy-load.js';
import type { MapFindingRow, MapRows } from '../store/map-repository.js';
import { MapView } from './map-view.js';

const POLICY = `version: 1
name: test
zones:
  - { id: ent, name: Enterprise, level: 4, members: [{ cidr: 10.1.0.0/16 }] }
  - { id: scada, name: SCADA, level: 2, members: [{ cidr: 10.2.0.0/16 }] }
  - { id: ctl, name: Control, level: 1, members: [{ cidr: 10.3.0.0/16 }] }
  - { id: bms, name: BMS, level: 1, members: [{ cidr: 10.4.0.0/16 }] }
conduits:
  - id: scada-ctl
    name: supervision
    between: [scada, ctl]
    flows: [{ protocol: modbus, initiator: scada, operations: { allow: [read] } }]
  - id: scada-bms
    name: bms supervision
    between: [scada, bms]
    flows: [{ protocol: bacnet, initiator: scada }]
  - id: old
    name: integrator
    between: [ent, scada]
    expires: 2020-01-01
    flows: [{ protocol: rdp, initiator: ent }]
`;

const loaded = loadPolicyText(POLICY, 'policy.yaml');
if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
const policy = loaded.policy;

type PathSpec = [id: string, ini: string, res: string, proto: string, ops: string[], status: string, last: number];

function rows(paths: PathSpec[], findings: Partial<MapFindingRow>[], conduits: Record<string, string[]> = {}): MapRows {
  const assets = [
    ['ip:10.1.0.1', 'ent', 'workstation'],
    ['ip:10.2.0.1', 'scada', 'hmi'],
    ['ip:10.2.0.2', 'scada', 'hmi'],
    ['ip:10.3.0.1', 'ctl', 'plc'],
    ['ip:10.3.0.2', 'ctl', 'plc'],
    ['ip:10.3.0.3', 'ctl', 'plc'],
  ].map(([id, zone, role], i) => ({
    id: id!,
    label: id!.slice(3),
    ips: [id!.slice(3)],
    role: role!,
    zone: zone!,
    vendor: null,
    model: null,
    firmware: null,
    ...(i === 3 ? { vulnerabilities: 2 } : {}),
    firstSeen: 0,
    lastSeen: 100,
  }));
  const zoneIds = ['ent', 'scada', 'ctl', 'bms'];
  const protocols = [...new Set(paths.map((p) => p[3]))];
  const operations = [...new Set(paths.flatMap((p) => p[4]))];
  const zoneOfAsset = (id: string) => zoneIds.indexOf(assets.find((a) => a.id === id)!.zone);
  return {
    assets,
    assetIndex: new Map(assets.map((a, i) => [a.id, i])),
    zoneIds,
    protocols,
    operations,
    paths: {
      ids: paths.map((p) => p[0]),
      initiator: Int32Array.from(paths.map((p) => assets.findIndex((a) => a.id === p[1]))),
      responder: Int32Array.from(paths.map((p) => assets.findIndex((a) => a.id === p[2]))),
      protocol: Uint16Array.from(paths.map((p) => protocols.indexOf(p[3]))),
      transport: paths.map(() => 'tcp'),
      port: Uint16Array.from(paths.map(() => 502)),
      packets: Float64Array.from(paths.map(() => 10)),
      firstSeen: Float64Array.from(paths.map(() => 0)),
      lastSeen: Float64Array.from(paths.map((p) => T0 + p[6])),
      fromZone: Uint16Array.from(paths.map((p) => zoneOfAsset(p[1]))),
      toZone: Uint16Array.from(paths.map((p) => zoneOfAsset(p[2]))),
      status: paths.map((p) => p[5]),
      ops: Uint32Array.from(paths.map((p) => p[4].reduce((m, o) => m | (1 << operations.indexOf(o)), 0))),
      orphanEnds: new Map(),
    },
    pathIndex: new Map(paths.map((p, i) => [p[0], i])),
    conduitPaths: new Map(Object.entries(conduits).map(([c, ids]) => [c, ids.map((id) => paths.findIndex((p) => p[0] === id))])),
    findings: findings.map((f, i) => ({
      id: `f${i}`,
      rule: 'ZC-FLOW-NO-CONDUIT',
      severity: 'high',
      status: 'open',
      label: `finding ${i}`,
      conduit: null,
      zones: [],
      subject: { kind: 'flow', key: '' },
      evidencePaths: [],
      protocols: [],
      operations: [],
      ...f,
    })),
  };
}

/** Traffic in 2023, after the integrator conduit expired. */
const T0 = 1_700_000_000;

const PATHS: PathSpec[] = [
  ['p1', 'ip:10.2.0.1', 'ip:10.3.0.1', 'modbus', ['read'], 'allowed', 50],
  ['p2', 'ip:10.2.0.1', 'ip:10.3.0.2', 'modbus', ['read', 'write'], 'allowed', 60],
  ['p3', 'ip:10.2.0.2', 'ip:10.3.0.3', 'modbus', ['read'], 'allowed', 70],
  ['p4', 'ip:10.1.0.1', 'ip:10.3.0.1', 's7comm', ['program'], 'no_conduit', 80],
  ['p5', 'ip:10.1.0.1', 'ip:10.2.0.1', 'rdp', ['session'], 'allowed', 90],
  ['p6', 'ip:10.3.0.1', 'ip:10.3.0.2', 's7comm', ['read'], 'intra_zone', 95],
];
const FINDINGS: Partial<MapFindingRow>[] = [
  // write denied on scada → ctl modbus: the paths with a write only
  { rule: 'ZC-OPERATION-NOT-ALLOWED', severity: 'high', zones: ['scada', 'ctl'], protocols: ['modbus'], operations: ['write'] },
  // enterprise programs a PLC with no conduit: critical, matched by zones, protocol and verdict
  { rule: 'ZC-FLOW-NO-CONDUIT', severity: 'critical', zones: ['ent', 'ctl'], protocols: ['s7comm'] },
  // the expired conduit still carries rdp
  { rule: 'ZC-CONDUIT-EXPIRED-IN-USE', severity: 'high', conduit: 'old', zones: ['ent', 'scada'] },
  // a weakness, not a boundary violation: never makes a path violating
  { rule: 'ZC-CLEARTEXT-PROTOCOL', severity: 'medium', zones: ['scada', 'ctl'], protocols: ['modbus'] },
  // resolved findings are not read by the repository; an acknowledged one still counts
];

describe('the map view', () => {
  const view = new MapView(rows(PATHS, FINDINGS, { old: ['p5'], 'scada-ctl': ['p1', 'p2', 'p3'] }), policy);

  it('makes violating exactly the paths a live boundary finding covers, and colours each zone pair by status', () => {
    const o = view.overview({});
    const pair = (k: string) => o.pairs.find((p) => p.key === k)!;
    expect(pair('ctl|scada')).toMatchObject({
      paths: 3,
      violations: 1,
      status: 'violated',
      conduits: ['scada-ctl'],
      bySeverity: { high: 1 },
    });
    expect(pair('ctl|ent')).toMatchObject({ paths: 1, violations: 1, status: 'violated', conduits: [], bySeverity: { critical: 1 } });
    expect(pair('ent|scada')).toMatchObject({ paths: 1, violations: 1, status: 'violated', expired: true, conduits: ['old'] });
    expect(pair('bms|scada')).toMatchObject({ paths: 0, violations: 0, status: 'unused', conduits: ['scada-bms'] });
    expect(o.totals).toMatchObject({ assets: 6, paths: 6, violatingPaths: 3 });
    // zones: counts by role, violating assets (an end of a violating path), the vulnerability hook, paths inside
    const ctl = o.zones.find((z) => z.id === 'ctl')!;
    expect(ctl).toMatchObject({ assets: 3, roles: { plc: 3 }, violatingAssets: 2, vulnerableAssets: 1, inside: 1, insideViolations: 0 });
    expect(o.zones.map((z) => z.id)).toEqual(['ent', 'scada', 'ctl', 'bms']);
    const plc = o.assets.find((a) => a.id === 'ip:10.3.0.1')!;
    expect(plc).toMatchObject({ violations: 1, vulnerabilities: 2, active: true });
    expect(o.assets.find((a) => a.id === 'ip:10.3.0.3')).not.toHaveProperty('vulnerabilities');
  });

  it('keeps the violations of one severity under the severity filter, and of one protocol or time under those', () => {
    const critical = view.overview({ severity: 'critical' }, [], false);
    expect(critical.pairs.filter((p) => p.violations).map((p) => p.key)).toEqual(['ctl|ent']);
    expect(critical.findings.map((f) => f.severity)).toEqual(['critical']);
    expect(critical.index).toBeUndefined();
    const modbus = view.overview({ protocol: 'modbus' });
    expect(modbus.pairs.find((p) => p.key === 'ctl|ent')).toMatchObject({ paths: 0, status: 'unused' });
    expect(modbus.assets.find((a) => a.id === 'ip:10.1.0.1')!.active).toBe(false);
    const late = view.overview({ from: T0 + 85 });
    expect(late.totals.paths).toBe(2);
    expect(view.overview({ operation: 'write' }).totals).toMatchObject({ paths: 1, violatingPaths: 1 });
  });

  it('gives a zone pair\u2019s paths a page at a time, violating first, then by id', () => {
    const all = view.pairPaths('ctl|scada', {}, 0, 10)!;
    expect(all.total).toBe(3);
    expect(all.violating).toBe(1);
    expect(all.items.map((p) => p.id)).toEqual(['p2', 'p1', 'p3']);
    expect(all.items[0]).toMatchObject({
      violating: true,
      severities: ['high'],
      initiatorLabel: '10.2.0.1',
      operations: ['read', 'write'],
    });
    expect(view.pairPaths('ctl|scada', {}, 1, 1)!.items.map((p) => p.id)).toEqual(['p1']);
    expect(view.pairPaths('ctl|ctl', {}, 0, 10)!.items.map((p) => p.id)).toEqual(['p6']);
    expect(view.pairPaths('bms|scada', {}, 0, 10)).toEqual({ total: 0, violating: 0, items: [] });
    expect(view.pairPaths('ctl|nowhere', {}, 0, 10)).toBeUndefined();
  });

  it('gives a zone\u2019s assets with their marks, and nothing for a zone it does not know', () => {
    expect(view.zone('ctl', {})!.map((a) => [a.id, a.violations])).toEqual([
      ['ip:10.3.0.1', 1],
      ['ip:10.3.0.2', 1],
      ['ip:10.3.0.3', 0],
    ]);
    expect(view.zone('bms', {})).toEqual([]);
    expect(view.zone('nowhere', {})).toBeUndefined();
  });
});
