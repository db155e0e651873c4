import { describe, expect, it } from 'vitest';
import { assess } from './assess.js';
import { loadPolicyText } from './policy-load.js';
import { ConduitDemands, cleartextReasons, securityRules } from './rules-security.js';
import { asset, path } from '../../test/helpers/audit.js';

// one conduit without an SL-T of its own, from an address block that spans two zones of different SL-T
const text = `version: 1
zones:
  - { id: low, name: Low, sl_t: 1, members: [{ cidr: 10.0.0.0/24 }] }
  - { id: high, name: High, sl_t: 3, members: [{ cidr: 10.1.0.0/24 }] }
  - { id: plc, name: PLCs, sl_t: 1, members: [{ cidr: 10.9.0.0/24 }] }
conduits:
  - id: wide
    between: [{ cidr: 10.0.0.0/15 }, plc]
    flows: [{ protocol: modbus, initiator: a }]
`;

describe('cleartext: the SL-T a conduit takes from the zones it joins', () => {
  const loaded = loadPolicyText(text);
  if (!loaded.ok) throw new Error(loaded.errors.map((e) => e.message).join('\n'));
  const policy = loaded.policy;
  const assets = [asset('10.0.0.5'), asset('10.1.0.5'), asset('10.9.0.5')];
  const paths = [
    path({ from: '10.0.0.5', to: '10.9.0.5', protocol: 'modbus', port: 502, ops: { read: 1 } }),
    path({ from: '10.1.0.5', to: '10.9.0.5', protocol: 'modbus', port: 502, ops: { read: 1 } }),
    path({ from: '10.0.0.5', to: '10.9.0.5', protocol: 'modbus', port: 502, ops: { write: 1 } }),
  ];
  const assessed = assess(policy, assets, paths).paths;

  it('is worked out per zone pair, though the paths share one verdict', () => {
    expect(assessed.map((a) => a.status)).toEqual(['allowed', 'allowed', 'allowed']);
    expect(assessed[0]!.allowing).toBe(assessed[1]!.allowing);
    const demands = new ConduitDemands(policy);
    expect(assessed.map((a) => cleartextReasons(policy, a, demands).length)).toEqual([0, 1, 0]);
    expect(cleartextReasons(policy, assessed[1]!)[0]).toContain('conduit SL-T 3');
    const findings = securityRules(policy, { placements: new Map(), paths: assessed });
    expect(findings.map((f) => [f.subject.key, f.evidence.pathIds])).toEqual([['wide modbus', [paths[1]!.id]]]);
  });
});
