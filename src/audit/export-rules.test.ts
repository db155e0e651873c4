import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { conduitRules, renderCsv, renderNft } from './export-rules.js';
import { loadPolicyFile, loadPolicyText } from './policy-load.js';
import { T0 } from '../../test/helpers/audit.js';

describe('export-rules', async () => {
  const r = await loadPolicyFile(fileURLToPath(new URL('../../fixtures/policies/rules-test.yaml', import.meta.url)));
  if (!r.ok) throw new Error('rules-test.yaml');
  const set = conduitRules(r.policy, T0);

  it('one allow rule per flow and permitted direction', () => {
    expect(
      set.rules.map((x) => `${x.conduit}#${x.flow} ${x.src.join(' ')} > ${x.dst.join(' ')} ${x.transport}/${x.ports.join(',')}`),
    ).toEqual([
      'enterprise-scada#1 10.10.1.0/24 > 10.20.1.0/24 tcp/4840',
      'scada-control#1 10.20.1.0/24 > 10.30.1.0/24 tcp/502',
      'scada-control#2 10.20.1.0/24 > 10.30.1.0/24 tcp/102',
      'scada-bms#1 10.20.1.0/24 > 10.40.1.0/24 udp/47808',
      'scada-bms#1 10.40.1.0/24 > 10.20.1.0/24 udp/47808',
      'integrator-programming#1 10.20.1.50/32 > 10.30.1.0/24 tcp/102',
    ]);
    expect(set.rules.find((x) => x.conduit === 'integrator-programming')!.expired).toBe(false);
  });

  it('CSV quotes what needs quoting and marks expired conduits for removal', () => {
    const later = conduitRules(r.policy, Date.UTC(2028, 0, 1) / 1000);
    const csv = renderCsv(later).split('\n');
    expect(csv[0]).toBe('conduit,flow,action,src_end,src,dst_end,dst,transport,dst_ports,protocol,operations,expires,note');
    expect(csv[1]).toBe(
      'enterprise-scada,1,allow,enterprise,10.10.1.0/24,scada,10.20.1.0/24,tcp,4840,opcua,"allow session,discovery,browse,read,subscribe",,',
    );
    expect(csv[6]).toBe(
      'integrator-programming,1,remove,10.20.1.50,10.20.1.50/32,control,10.30.1.0/24,tcp,102,s7comm,,2027-06-30,conduit expired',
    );
  });

  it('nftables: default drop, allow rules, warnings for what L3 cannot express', () => {
    const nft = renderNft(set, 'rules-test.yaml');
    expect(nft).toContain('type filter hook forward priority filter; policy drop;');
    expect(nft).toContain('    ip saddr 10.20.1.0/24 ip daddr 10.30.1.0/24 tcp dport 502 ct state new accept comment "scada-control#1"');
    expect(nft).toContain(
      "# warning: conduit 'scada-control' flow 2: operations (deny program,control,restart) need a protocol-aware firewall",
    );
  });

  it('exclusions, ranges, VLAN members and asset ends', () => {
    const p = loadPolicyText(
      'version: 1\nzones:\n  - id: a\n    name: A\n    members: [{cidr: 10.0.0.0/24}, {vlan: 7}]\n    exclude: [{range: 10.0.0.128-10.0.0.255}]\n  - id: b\n    name: B\n    members: [{range: 10.1.0.1-10.1.0.6}]\nconduits:\n  - {id: ab, between: [a, b], flows: [{protocol: tcp, ports: [8080, 8443], initiator: either}]}\n  - {id: ax, between: [a, {asset: plc-9}], flows: [{protocol: modbus}]}\n',
    );
    if (!p.ok) throw new Error(JSON.stringify(p.errors));
    const s = conduitRules(p.policy, T0);
    expect(s.rules[0]!.src).toEqual(['10.0.0.0/25']);
    expect(s.rules[0]!.dst).toEqual(['10.1.0.1/32', '10.1.0.2/31', '10.1.0.4/31', '10.1.0.6/32']);
    expect(s.rules.map((x) => x.srcEnd)).toEqual(['a', 'b', 'a']);
    expect(s.warnings).toContain("zone 'a': vlan 7 cannot be expressed as addresses and is left out of the rules");
    expect(s.warnings).toContain("conduit 'ax': end asset 'plc-9' has no address in the policy: write it as ip or range to export it");
    expect(renderNft(s, 'x')).toContain('tcp dport { 8080, 8443 }');
  });
});
