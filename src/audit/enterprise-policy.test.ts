import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadEnterprisePolicyFile, loadEnterprisePolicyText, summarisePolicy, ENTERPRISE_ZONE } from './enterprise-policy.js';
import { ZoneIndex } from './enterprise-index.js';
import { formatPolicyError } from './policy-load.js';

const sample = fileURLToPath(new URL('../../fixtures/policies/enterprise.yaml', import.meta.url));

function errorsOf(text: string): string[] {
  const r = loadEnterprisePolicyText(text, 'e.yaml');
  if (r.ok) throw new Error('expected errors');
  return r.errors.map(formatPolicyError);
}

describe('enterprise policy', () => {
  it('loads the documented sample: sites and the enterprise zone as zones, conduits with the site flows', async () => {
    const r = await loadEnterprisePolicyFile(sample);
    if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join('\n'));
    const p = r.policy;
    expect(p.zones.map((z) => [z.id, z.kind])).toEqual([
      ['north', 'site'],
      ['south', 'site'],
      [ENTERPRISE_ZONE, 'enterprise'],
    ]);
    expect(p.zones[0]!.slt).toBe(2);
    const c = p.conduits[0]!;
    expect(c.a).toMatchObject({ kind: 'zone', zone: 'north' });
    // the protocol's well-known port filled in, the initiator resolved to the first end, operations as written
    expect(c.flows[0]).toMatchObject({
      protocol: 'modbus',
      transport: 'tcp',
      ports: [502],
      initiator: 'a',
      allow: ['read', 'identify', 'diagnostic'],
    });
    expect(p.conduits[1]!.flows[0]).toMatchObject({ protocol: 'opcua', initiator: 'a', allow: null, deny: ['write', 'call', 'program'] });
    const s = summarisePolicy(p);
    expect(s.conduits[0]!.flows[0]!.initiator).toBe('north');
    expect(JSON.parse(JSON.stringify(s))).toEqual(s); // no bigints: storable as JSON
    expect(p.hash).toMatch(/^[0-9a-f]{16}$/);
  });

  it('places addresses by their ranges, IPv4 and IPv6, and nothing outside them', () => {
    const r = loadEnterprisePolicyText(
      'version: 1\nsites:\n  - id: a\n    ranges: [10.1.0.0/16, 10.9.9.9]\n  - id: b\n    ranges: [10.2.0.10-10.2.0.20, "2001:db8::/32"]\n',
    );
    if (!r.ok) throw new Error(r.errors.map(formatPolicyError).join('\n'));
    const ix = new ZoneIndex(r.policy);
    expect(ix.zoneOf('10.1.255.255')).toBe('a');
    expect(ix.zoneOf('10.9.9.9')).toBe('a');
    expect(ix.zoneOf('10.9.9.10')).toBeUndefined();
    expect(ix.zoneOf('10.2.0.10')).toBe('b');
    expect(ix.zoneOf('10.2.0.21')).toBeUndefined();
    expect(ix.zoneOf('2001:db8::1')).toBe('b');
    expect(ix.zoneOf('::ffff:10.1.2.3')).toBe('a'); // IPv4-mapped counts as the IPv4 address
    expect(ix.zoneOf('not an address')).toBeUndefined();
    expect(ix.zoneOf('10.1.2')).toBeUndefined();
    expect(ix.zoneOf('10.1.2.300')).toBeUndefined();
  });

  it('reports each mistake with its line and column', () => {
    const text = [
      'version: 1', //                                   1
      'sites:', //                                       2
      '  - id: north', //                                3
      '    ranges: [10.20.0.0/16]', //                   4
      '  - id: south', //                                5
      '    ranges: [10.20.5.0/24, 10.30.1.7/24]', //     6: overlaps north; host bits set
      '  - id: north', //                                7: duplicate
      '    ranges: [10.40.0.0/16]', //                   8
      'conduits:', //                                    9
      '  - id: n-s', //                                 10
      '    between: [north, west]', //                  11: unknown site
      '    flows:', //                                  12
      '      - protocol: modbus', //                    13
      '        initiator: east', //                     14: not an end
    ].join('\n');
    expect(errorsOf(text)).toEqual([
      "e.yaml:6:14: 'south' range 10.20.5.0/24 overlaps 'north' (line 3) range 10.20.0.0/16 at 10.20.5.0-10.20.5.255: an address belongs to one site",
      "e.yaml:6:28: '10.30.1.7/24' has host bits set: the network is 10.30.1.0/24 [/sites/1/ranges/1]",
      "e.yaml:7:9: duplicate site id 'north' (first defined at line 3) [/sites/2/id]",
      "e.yaml:11:22: conduit end refers to unknown site 'west': expected one of north, south [/conduits/0/between/1]",
      "e.yaml:14:20: initiator 'east' is not an end of the conduit: expected north, west, a, b, either [/conduits/0/flows/0/initiator]",
    ]);
  });

  it('reports schema and YAML errors where they are', () => {
    expect(errorsOf('version: 1\nsites:\n  - id: a\n    ranges: [10.0.0.0/8]\n    colour: red\n')).toEqual([
      "e.yaml:5:5: unknown key 'colour': expected one of id, name, description, ranges, sl_t [/sites/0/colour]",
    ]);
    expect(errorsOf('version: 1\nsites:\n  - id: "bad site"\n    ranges: [10.0.0.0/8]\n')[0]).toMatch(/^e\.yaml:3:9: expected a site id/);
    expect(errorsOf('version: 1\nsites: [\n')[0]).toMatch(/^e\.yaml:\d+:\d+: YAML: /);
    expect(
      errorsOf(
        'version: 1\nsites:\n  - id: a\n    ranges: [10.0.0.0/8]\nconduits:\n  - id: x\n    between: [a, a]\n    flows: [{protocol: modbus}]\n',
      ),
    ).toEqual(["e.yaml:7:14: conduit 'x' joins 'a' to itself: a conduit connects two different sites [/conduits/0/between]"]);
  });

  it('refuses a site named like the enterprise zone when there is one', () => {
    expect(
      errorsOf('version: 1\nsites:\n  - id: enterprise\n    ranges: [10.0.0.0/8]\nenterprise:\n  ranges: [172.16.0.0/12]\n')[0],
    ).toMatch(/^e\.yaml:3:9: site id 'enterprise' is the enterprise zone's/);
  });

  it('never throws on a mangled file: each variant loads or says where it is wrong', () => {
    const text = readFileSync(sample, 'utf8');
    let seed = 17;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const noise = [':', '-', '[', ']', '{', '}', '"', '&a', '*a', '\n', ' ', '0', '/99', 'x', '\t', '!!binary'];
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      let t = text;
      for (let k = 1 + rand(3); k > 0; k--) {
        const at = rand(t.length);
        t = rand(2) ? t.slice(0, at) + noise[rand(noise.length)]! + t.slice(at) : t.slice(0, at) + t.slice(at + 1 + rand(8));
      }
      const r = loadEnterprisePolicyText(t, 'm.yaml');
      if (r.ok) continue;
      refused++;
      for (const e of r.errors) {
        expect(e.line).toBeGreaterThanOrEqual(1);
        expect(e.col).toBeGreaterThanOrEqual(1);
        expect(e.message.length).toBeGreaterThan(0);
      }
    }
    expect(refused).toBeGreaterThan(100);
  });
});
