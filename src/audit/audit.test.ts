import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { audit } from './audit.js';
import { RULES, type RuleId } from './constants.js';
import { cleartextReasons } from './rules-security.js';
import { securityModeName, securityPolicyName } from '../protocols/opcua/security.js';
import { assess } from './assess.js';
import { loadPolicyFile, loadPolicyText } from './policy-load.js';
import type { Policy } from './policy-types.js';
import { asset, path, T0 } from '../../test/helpers/audit.js';

const policyFile = fileURLToPath(new URL('../../fixtures/policies/audit-test.yaml', import.meta.url));

async function policy(): Promise<Policy> {
  const r = await loadPolicyFile(policyFile);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.policy;
}

/* The planted inventory: one violation per rule, plus traffic that must raise nothing. */
const assets = [
  asset('10.10.1.20', 'workstation', { purdueLevel: 4 }),
  asset('10.10.1.21', 'opcua_client'),
  asset('10.10.1.22', 'opcua_client'),
  asset('10.20.1.10', 'hmi'),
  asset('10.20.1.11', 'hmi'),
  asset('10.20.1.30', 'opcua_server'),
  asset('10.20.1.31', 'opcua_server'),
  asset('10.20.1.50', 'engineering_workstation'),
  asset('10.20.1.77', 'server', { vlans: [99] }), // in scada by IP and mgmt by VLAN
  asset('10.30.1.5', 'plc'),
  asset('10.30.1.6', 'plc'),
  asset('10.40.1.5', 'bacnet_controller'),
  asset('10.99.0.5', 'workstation'), // in no zone
];

const paths = [
  path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 100 } }), // allowed; cleartext on SL-T 2
  path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 50, write: 3 } }), // write not allowed
  path({ from: '10.10.1.20', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5 } }), // no conduit + Purdue bypass
  path({ from: '10.30.1.5', to: '10.20.1.10', protocol: 'modbus', port: 502, ops: { read: 1 } }), // wrong initiating side
  path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'modbus', port: 503, ops: { read: 1 } }), // wrong port
  path({
    from: '10.10.1.21',
    to: '10.20.1.30',
    protocol: 'opcua',
    port: 4840,
    ops: { session: 2, read: 9 },
    facts: { security_mode: ['None'], security_policy: ['http://opcfoundation.org/UA/SecurityPolicy#None'], auth: ['anonymous'] },
  }),
  path({
    from: '10.10.1.22',
    to: '10.20.1.31',
    protocol: 'opcua',
    port: 4840,
    ops: { session: 2, read: 9 },
    facts: {
      security_mode: ['SignAndEncrypt'],
      security_policy: ['http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256'],
      auth: ['username'],
    },
  }),
  path({
    from: '10.20.1.50',
    to: '10.30.1.6',
    protocol: 's7comm',
    port: 102,
    ops: { session: 1, read: 4, program: 2 },
    lastSeen: T0 + 7200,
  }), // only the expired conduit allows program
  path({ from: '10.20.1.10', to: '10.30.1.6', protocol: 's7comm', port: 102, ops: { session: 1, read: 40, control: 1 } }), // PLC stop across read/write conduit
  path({ from: '10.40.1.5', to: '10.20.1.10', protocol: 'bacnet', transport: 'udp', port: 47808, ops: { read: 7 } }), // allowed, SL-T 1: nothing
  path({ from: '10.20.1.10', to: '10.20.1.11', protocol: 'modbus', port: 502, ops: { write: 7 } }), // inside one zone: nothing
  path({ from: '10.99.0.5', to: '10.20.1.10', protocol: 'http', port: 80 }), // from an unzoned asset
];

function subjects(findings: { rule: string; subject: { key: string } }[], rule: RuleId): string[] {
  return findings
    .filter((f) => f.rule === rule)
    .map((f) => f.subject.key)
    .sort();
}

describe('audit: each rule fires where planted and nowhere else', async () => {
  const p = await policy();
  const { findings, pathStatus } = audit(assets, paths, p, { now: T0 + 86_400 });

  it('places every path', () => {
    expect(pathStatus).toEqual({ allowed: 7, no_conduit: 2, not_allowed: 2, intra_zone: 1 });
  });

  it('flow between zones with no conduit', () => {
    expect(subjects(findings, RULES.flowWithoutConduit)).toEqual(['ent>control modbus/tcp/502', 'unzoned>scada http/tcp/80']);
    const f = findings.find((x) => x.rule === RULES.flowWithoutConduit && x.zones.includes('ent'))!;
    expect(f.requirements).toEqual(['SR 5.1', 'SR 5.2']);
    expect(f.evidence.paths[0]!.initiatorIp).toBe('10.10.1.20');
    expect(f.evidence.packets).toBe(20);
    expect(f.evidence.operations).toEqual([{ operation: 'read', count: 5, examples: ['read example'] }]);
  });

  it('flow a conduit does not allow: initiating side and port', () => {
    expect(subjects(findings, RULES.flowNotAllowed)).toEqual([
      'scada-control control>scada modbus/tcp/502',
      'scada-control scada>control modbus/tcp/503',
    ]);
    const side = findings.find((x) => x.rule === RULES.flowNotAllowed && x.subject.key.includes('control>scada'))!;
    expect(side.explanation).toContain('only when opened by scada, but control opened it');
    const port = findings.find((x) => x.rule === RULES.flowNotAllowed && x.subject.key.endsWith('/503'))!;
    expect(port.explanation).toContain('only on port 502, not 503');
  });

  it('operation not allowed: Modbus write on a read-only conduit, S7 PLC stop', () => {
    expect(subjects(findings, RULES.operationNotAllowed)).toEqual([
      'scada-control scada>control modbus write',
      'scada-control scada>control s7comm control',
    ]);
    const stop = findings.find((x) => x.subject.key.endsWith('s7comm control'))!;
    expect(stop.severity).toBe('critical');
    expect(stop.requirements).toEqual(['SR 5.2', 'SR 3.1', 'SR 2.1']);
    expect(stop.evidence.operations.map((o) => o.operation)).toEqual(['control']);
    const write = findings.find((x) => x.subject.key.endsWith('modbus write'))!;
    expect(write.severity).toBe('high');
    expect(write.explanation).toContain('3 write operation(s)');
  });

  it('Purdue bypass: level 4 straight to level 1', () => {
    expect(subjects(findings, RULES.purdueBypass)).toEqual(['ent>control modbus']);
  });

  it('cleartext industrial protocols on conduits with SL-T >= 2', () => {
    expect(subjects(findings, RULES.cleartextProtocol)).toEqual([
      'ent-scada opcua',
      'integrator+scada-control s7comm',
      'scada-control modbus',
      'scada-control s7comm',
    ]);
    const ua = findings.find((x) => x.subject.key === 'ent-scada opcua')!;
    // Only the None channel is evidence: the SignAndEncrypt/Basic256Sha256 path to .31 is not.
    expect(ua.evidence.paths.map((e) => e.responderIp)).toEqual(['10.20.1.30']);
    expect(ua.evidence.details[0]).toContain('security mode None');
  });

  it('anonymous OPC UA session into a zone with FR1 SL-T >= 2', () => {
    expect(subjects(findings, RULES.opcuaAnonymous)).toEqual(['ip:10.20.1.30']);
  });

  it('asset in no zone, asset in two zones, zone without SL-T', () => {
    expect(subjects(findings, RULES.assetUnzoned)).toEqual(['ip:10.99.0.5']);
    expect(subjects(findings, RULES.assetMultipleZones)).toEqual(['ip:10.20.1.77']);
    expect(findings.find((f) => f.rule === RULES.assetMultipleZones)!.explanation).toContain("placed in 'scada'");
    expect(subjects(findings, RULES.zoneWithoutSlt)).toEqual(['lab']);
  });

  it('unused conduit and expired temporary conduit still in use', () => {
    expect(subjects(findings, RULES.conduitUnused)).toEqual(['scada-lab']);
    expect(subjects(findings, RULES.conduitExpiredInUse)).toEqual(['integrator']);
    const exp = findings.find((f) => f.rule === RULES.conduitExpiredInUse)!;
    expect(exp.explanation).toContain('owner: Integrator');
    expect(exp.evidence.paths.map((e) => e.responderIp)).toEqual(['10.30.1.6']);
  });

  it('finding ids are stable and unique', () => {
    const again = audit(assets, [...paths].reverse(), p, { now: T0 + 86_400 }).findings;
    expect(again.map((f) => f.id).sort()).toEqual(findings.map((f) => f.id).sort());
    expect(new Set(findings.map((f) => f.id)).size).toBe(findings.length);
    expect(findings.length).toBe(17);
  });
});

describe('audit details', async () => {
  const p = await policy();

  it('a conduit used before its expiry is neither expired-in-use nor unused', () => {
    const early = [
      path({
        from: '10.20.1.50',
        to: '10.30.1.6',
        protocol: 's7comm',
        port: 102,
        ops: { program: 1 },
        firstSeen: T0 - 200 * 86_400,
        lastSeen: T0 - 190 * 86_400,
      }),
    ];
    const { findings } = audit([asset('10.20.1.50'), asset('10.30.1.6')], early, p, { now: T0 });
    expect(findings.filter((f) => f.rule === RULES.conduitExpiredInUse)).toEqual([]);
    expect(subjects(findings, RULES.conduitUnused)).not.toContain('integrator');
    expect(subjects(findings, RULES.operationNotAllowed)).toEqual([]);
  });

  it('activeSince leaves out traffic that stopped before the window', () => {
    const { findings } = audit(assets, paths, p, { now: T0 + 86_400, activeSince: T0 + 5000 });
    // Only the integrator path (last seen T0+7200) is still active.
    expect(subjects(findings, RULES.conduitExpiredInUse)).toEqual(['integrator']);
    expect(subjects(findings, RULES.flowWithoutConduit)).toEqual([]);
  });

  it('an asset-name member wins over the VLAN member of another zone', () => {
    const r = loadPolicyText(
      'version: 1\nzones:\n  - {id: a, name: A, members: [{vlan: 5}]}\n  - {id: b, name: B, members: [{asset: plc-7}]}\n',
    );
    if (!r.ok) throw new Error('policy');
    const x = asset('10.0.0.7', 'plc', { vlans: [5], names: ['PLC-7'] });
    const { assessment, findings } = audit([x], [], r.policy, { now: T0 });
    expect(assessment.placements.get(x.id)!.zone).toBe('b');
    expect(subjects(findings, RULES.assetMultipleZones)).toEqual([x.id]);
  });

  it('a zone excluding an address leaves that device unzoned', () => {
    const r = loadPolicyText(
      'version: 1\nzones:\n  - id: a\n    name: A\n    members: [{cidr: 10.0.0.0/24}]\n    exclude: [{ip: 10.0.0.9}]\n',
    );
    if (!r.ok) throw new Error('policy');
    const placed = assess(r.policy, [asset('10.0.0.9'), asset('10.0.0.8')], []).placements;
    expect(placed.get('ip:10.0.0.9')!.zone).toBe('unzoned');
    expect(placed.get('ip:10.0.0.8')!.zone).toBe('a');
  });

  it('OPC UA weaknesses: Sign where confidentiality is required, deprecated policies, numeric modes', () => {
    const mk = (facts: Record<string, string[]>) => path({ from: '10.10.1.21', to: '10.20.1.30', protocol: 'opcua', port: 4840, facts });
    const reasons = (facts: Record<string, string[]>) => cleartextReasons(p, assess(p, assets, [mk(facts)]).paths[0]!);
    expect(reasons({ security_mode: ['2'], security_policy: ['http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256'] })).toEqual([
      'OPC UA security mode Sign only: no encryption on a conduit that requires confidentiality',
    ]);
    expect(
      reasons({ security_mode: ['SignAndEncrypt'], security_policy: ['http://opcfoundation.org/UA/SecurityPolicy#Basic128Rsa15'] }),
    ).toEqual(['OPC UA deprecated security policy Basic128Rsa15']);
    expect(reasons({ security_mode: ['3'], security_policy: ['http://opcfoundation.org/UA/SecurityPolicy#Aes256_Sha256_RsaPss'] })).toEqual(
      [],
    );
    expect(securityModeName('1')).toBe('None');
    expect(securityPolicyName('http://opcfoundation.org/UA/SecurityPolicy#Basic256')).toBe('Basic256');
  });

  it('Sign only is accepted where the conduit says confidentiality is not required', () => {
    const r = loadPolicyText(
      'version: 1\nzones:\n  - {id: a, name: A, sl_t: 2, members: [{cidr: 10.1.0.0/24}]}\n  - {id: b, name: B, sl_t: 2, members: [{cidr: 10.2.0.0/24}]}\nconduits:\n  - {id: ab, between: [a, b], confidentiality: false, flows: [{protocol: opcua}]}\n',
    );
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const pa = path({ from: '10.1.0.1', to: '10.2.0.1', protocol: 'opcua', port: 4840, facts: { security_mode: ['Sign'] } });
    const { findings } = audit([asset('10.1.0.1'), asset('10.2.0.1')], [pa], r.policy, { now: T0 });
    expect(findings.map((f) => f.rule)).toEqual([]);
  });
});

describe('cleartext rule and authenticated variants', () => {
  // FR4 (confidentiality) at 1 on the first policy, at 2 on the second
  const policyWith = (fr4: number) => {
    const sl = `{ FR1: 2, FR2: 2, FR3: 2, FR4: ${fr4}, FR5: 2, FR6: 1, FR7: 1 }`;
    const loaded = loadPolicyText(`version: 1
zones:
  - { id: scada, name: SCADA, level: 2, sl_t: ${sl}, members: [{ cidr: 10.20.1.0/24 }] }
  - { id: control, name: Control, level: 1, sl_t: ${sl}, members: [{ cidr: 10.30.1.0/24 }] }
conduits:
  - id: scada-control
    between: [scada, control]
    sl_t: ${sl}
    flows: [{ protocol: dnp3, ports: [20000], initiator: scada }]
`);
    if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
    return loaded.policy;
  };
  const p = policyWith(1);
  const ends = [asset('10.20.1.10', 'hmi'), asset('10.30.1.5', 'plc')];
  const dnp3 = (auth: string[]) =>
    path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'dnp3', port: 20000, ops: { read: 3 }, facts: { auth } });
  const reasonsFor = (pa: ReturnType<typeof path>) => cleartextReasons(p, assess(p, ends, [pa]).paths[0]!);

  it('flags DNP3 without secure authentication, or with it on only some messages', () => {
    expect(reasonsFor(dnp3(['none']))[0]).toMatch(/dnp3 carries no authentication/);
    expect(reasonsFor(dnp3(['none', 'secure_authentication']))[0]).toMatch(/dnp3 carries no authentication/);
  });

  it('accepts DNP3 whose every message was under secure authentication (no confidentiality asked)', () => {
    expect(reasonsFor(dnp3(['secure_authentication']))).toEqual([]);
  });

  it('still flags it where the conduit requires confidentiality', () => {
    const strict = policyWith(2);
    const r = cleartextReasons(strict, assess(strict, ends, [dnp3(['secure_authentication'])]).paths[0]!);
    expect(r).toEqual(['dnp3 with secure authentication is authenticated but not encrypted, on a conduit that requires confidentiality']);
  });
});
