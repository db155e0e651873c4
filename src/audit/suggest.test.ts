import { describe, expect, it } from 'vitest';
import { audit } from './audit.js';
import { RULES } from './constants.js';
import { loadPolicyText } from './policy-load.js';
import { subnetOf, suggestPolicy } from './suggest.js';
import { asset, path, T0 } from '../../test/helpers/audit.js';

describe('zones suggest', () => {
  const assets = [
    asset('10.10.1.20', 'workstation', { purdueLevel: 4 }),
    asset('10.20.1.10', 'hmi', { purdueLevel: 2 }),
    asset('10.20.1.11', 'engineering_workstation', { purdueLevel: 2 }),
    asset('10.20.1.99', 'unknown'), // joins the HMIs it talks to
    asset('10.30.1.5', 'plc', { purdueLevel: 1 }),
    asset('10.30.1.6', 'plc', { purdueLevel: 1 }),
    asset('10.50.1.7', 'plc', { purdueLevel: 1 }), // a subnet that mixes levels
    asset('10.50.1.8', 'hmi', { purdueLevel: 2 }),
  ];
  const paths = [
    path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 100, write: 2 } }),
    path({ from: '10.20.1.11', to: '10.30.1.6', protocol: 's7comm', port: 102, ops: { read: 5, program: 1 } }),
    path({ from: '10.20.1.99', to: '10.20.1.10', protocol: 'http', port: 80 }),
    path({ from: '10.10.1.20', to: '10.30.1.5', protocol: 'tcp/8443', port: 8443 }),
    path({ from: '10.50.1.8', to: '10.50.1.7', protocol: 'modbus', port: 502, ops: { read: 1 } }),
  ];
  const yaml = suggestPolicy(assets, paths, 'Test plant');

  it('produces a policy that loads in the same schema', () => {
    const r = loadPolicyText(yaml, 'suggested.yaml');
    if (!r.ok) throw new Error(r.errors.map((e) => `${e.line}: ${e.message}`).join('\n') + '\n' + yaml);
    const p = r.policy;
    expect(p.zones.map((z) => [z.id, z.level, z.members.map((m) => m.value)])).toEqual([
      ['enterprise-10-10-1-0', 4, ['10.10.1.0/24']],
      ['supervisory-10-20-1-0', 2, ['10.20.1.0/24']],
      ['control-10-30-1-0', 1, ['10.30.1.0/24']],
      ['control-10-50-1-0', 1, ['10.50.1.7']],
      ['supervisory-10-50-1-0', 2, ['10.50.1.8']],
    ]);
    expect(p.conduits.map((c) => c.id).sort()).toEqual([
      'control-10-30-1-0-to-enterprise-10-10-1-0',
      'control-10-30-1-0-to-supervisory-10-20-1-0',
      'control-10-50-1-0-to-supervisory-10-50-1-0',
    ]);
    // The suggestion explains the observed traffic: auditing it raises no flow findings.
    const { findings } = audit(assets, paths, p, { now: T0 });
    const flowRules = [RULES.flowWithoutConduit, RULES.flowNotAllowed, RULES.operationNotAllowed] as string[];
    expect(findings.filter((f) => flowRules.includes(f.rule))).toEqual([]);
    expect(findings.filter((f) => f.rule === RULES.purdueBypass)).toHaveLength(1);
  });

  it('gives the reason for every grouping as comments', () => {
    expect(yaml).toContain('# 3 asset(s) in 10.20.1.0/24: engineering_workstation x1, hmi x1, unknown x1; Purdue level 2 from their roles');
    expect(yaml).toContain('# 10.20.1.99 (unknown, level unknown) placed here: most of its traffic is with supervisory assets');
    expect(yaml).toContain('(the subnet mixes levels, so members are listed one by one)');
    expect(yaml).toContain('# WARNING: enterprise to control directly (Purdue bypass)');
    expect(yaml).toMatch(
      /# seen: 1 path\(s\), 20 packets, e\.g\. 10\.20\.1\.10 -> 10\.30\.1\.5\n\s+- protocol: modbus\n\s+transport: tcp\n\s+ports: \[502\]\n\s+initiator: supervisory-10-20-1-0\n\s+operations:\n\s+allow: \[read, write\]/,
    );
  });

  it('subnets of v4 and v6 addresses', () => {
    expect(subnetOf('10.20.1.77')).toBe('10.20.1.0/24');
    expect(subnetOf('2001:db8::5')).toBe('2001:db8::/64');
    expect(subnetOf('not-an-ip')).toBeUndefined();
  });
});
