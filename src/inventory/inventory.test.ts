import { describe, expect, it } from 'vitest';
import { Inventory } from './inventory.js';
import { binding, ep, event, feedExchange, flow, serverRoleOf, summary } from '../../bench/gen/synthetic-inventory.js';
import { inferRole } from './roles.js';
import { macVendor } from './oui.js';
import { asAssetId } from '../core/ids.js';

const ROUTER = '00:1b:1b:00:00:01'; // Siemens-registered OUI, an industrial router
const PLC_MAC = '00:0e:8c:11:22:33'; // Siemens AG
const HMI_MAC = '00:0c:29:aa:bb:cc';

const byId = <T extends { id: string }>(list: T[], id: string): T => {
  const x = list.find((a) => a.id === id);
  if (!x) throw new Error(`no ${id} in ${list.map((a) => a.id).join(', ')}`);
  return x;
};

describe('asset resolution', () => {
  it('keeps a router MAC fronting several subnets as a gateway, and the IPs behind it as separate assets', () => {
    const inv = new Inventory({ serverRoleOf });
    inv.onBinding(binding(ROUTER, '10.0.0.1', 10, 'arp')); // the router's own address
    const remote = ['10.1.0.5', '10.2.0.7', '172.16.3.4'];
    for (const [i, ip] of remote.entries()) {
      feedExchange(inv, { client: ep(ip, 40000 + i, ROUTER), server: ep('10.0.0.10', 502, PLC_MAC), ts: 100 + i });
    }
    const { assets, paths } = inv.result();
    expect(assets.map((a) => a.id).sort()).toEqual(['ip:10.1.0.5', 'ip:10.2.0.7', 'ip:172.16.3.4', `mac:${PLC_MAC}`, `mac:${ROUTER}`]);
    const router = byId(assets, `mac:${ROUTER}`);
    expect(router.role).toBe('gateway');
    expect(router.ips).toEqual(['10.0.0.1']);
    expect(router.roleEvidence[0]).toMatch(/^gateway: one MAC fronts 4 IP addresses in 4 subnets/);
    expect(router.purdueLevel).toBe(3);
    for (const ip of remote) {
      const a = byId(assets, `ip:${ip}`);
      expect(a.macs).toEqual([]);
      expect(a.ips).toEqual([ip]);
    }
    expect(paths.map((p) => p.initiator).sort()).toEqual(remote.map((ip) => `ip:${ip}`).sort());
    expect(new Set(paths.map((p) => p.responder))).toEqual(new Set([`mac:${PLC_MAC}`]));
  });

  it('turns a MAC with many addresses in one subnet into a gateway too, but keeps two addresses as one device', () => {
    const inv = new Inventory({ serverRoleOf });
    for (let i = 1; i <= 5; i++) inv.onBinding(binding(ROUTER, `10.9.0.${i}`, i));
    inv.onBinding(binding(PLC_MAC, '10.0.0.10', 1));
    inv.onBinding(binding(PLC_MAC, '10.0.0.11', 2));
    inv.onBinding(binding(PLC_MAC, 'fd00::10', 3));
    const { assets } = inv.result();
    expect(byId(assets, `mac:${ROUTER}`).role).toBe('gateway');
    expect(byId(assets, `mac:${ROUTER}`).ips).toEqual([]); // no ARP: none of the addresses is provably its own
    expect(assets.filter((a) => a.id.startsWith('ip:10.9.0.')).length).toBe(5);
    const plc = byId(assets, `mac:${PLC_MAC}`);
    expect(plc.ips).toEqual(['10.0.0.10', '10.0.0.11', 'fd00::10']);
    expect(plc.role).not.toBe('gateway');
  });

  it('merges the evidence of one MAC and its IPs: vendor from the OUI registry, identity from claims on either IP', () => {
    const inv = new Inventory({ serverRoleOf });
    feedExchange(inv, {
      client: ep('10.0.0.20', 50000, HMI_MAC),
      server: ep('10.0.0.10', 102, PLC_MAC),
      protocol: 's7comm',
      ts: 50,
      requests: [{ operation: 'identify', fn: 'szl_read' }],
      responses: [
        {
          operation: 'identify',
          fn: 'szl_read',
          identity: [
            { about: 'src', attribute: 'order_number', value: '6ES7 315-2EH14-0AB0' },
            { about: 'src', attribute: 'firmware', value: 'V3.2.6' },
          ],
        },
      ],
    });
    feedExchange(inv, {
      client: ep('fd00::20', 50001, HMI_MAC),
      server: ep('fd00::10', 102, PLC_MAC),
      protocol: 's7comm',
      ts: 60,
      responses: [{ identity: [{ about: 'src', attribute: 'name', value: 'PLC-Line1' }] }],
    });
    const { assets } = inv.result();
    expect(assets.map((a) => a.id).sort()).toEqual([`mac:${HMI_MAC}`, `mac:${PLC_MAC}`]);
    const plc = byId(assets, `mac:${PLC_MAC}`);
    expect(plc.ips).toEqual(['10.0.0.10', 'fd00::10']);
    expect(plc.macVendor).toBe('Siemens AG');
    expect(plc.identity.order_number).toEqual({ value: '6ES7 315-2EH14-0AB0', protocol: 's7comm', ts: 50.5 });
    expect(plc.identity.firmware?.value).toBe('V3.2.6');
    expect(plc.names).toEqual(['PLC-Line1']);
    expect(plc.role).toBe('plc');
    expect(plc.firstSeen).toBe(50);
    expect(plc.lastSeen).toBe(61);
  });

  it('does not make assets of broadcast and multicast destinations, but keeps the path to them', () => {
    const inv = new Inventory({ serverRoleOf });
    const f = flow(ep('192.168.0.16', 47808, PLC_MAC), ep('192.168.0.255', 47808, 'ff:ff:ff:ff:ff:ff'), 'udp');
    inv.onBinding(binding(PLC_MAC, '192.168.0.16', 1));
    inv.onBinding(binding('ff:ff:ff:ff:ff:ff', '192.168.0.255', 1));
    inv.onEvent(event(f, { protocol: 'bacnet', fn: 'who_is', operation: 'discovery', direction: 'request' }));
    inv.onFlowEnd(summary(f, 'bacnet', 1, 2, [3, 0]));
    const { assets, paths } = inv.result();
    expect(assets.map((a) => a.id)).toEqual([`mac:${PLC_MAC}`]);
    expect(paths).toHaveLength(1);
    expect(paths[0].responder).toBe('group:192.168.0.255');
    expect(paths[0].operations.discovery?.count).toBe(1);
  });
});

describe('paths', () => {
  it('attributes a UDP flow whose responder spoke first to the real requester, and counts requests only', () => {
    const inv = new Inventory({ serverRoleOf });
    // The device (flow initiator: it sent I-Am first) is then read by the workstation.
    const f = flow(ep('10.0.0.10', 47808, PLC_MAC), ep('10.0.0.20', 47808, HMI_MAC), 'udp');
    inv.onEvent(event(f, { protocol: 'bacnet', fn: 'i_am', operation: 'discovery', direction: 'unknown' }));
    for (let i = 0; i < 3; i++) {
      inv.onEvent(
        event(f, {
          protocol: 'bacnet',
          fn: 'read_property',
          operation: 'read',
          direction: 'request',
          fromResponder: true,
          ts: 10 + i,
          detail: `device,${9 - i} vendor-name`,
        }),
      );
      inv.onEvent(
        event(f, { protocol: 'bacnet', fn: 'read_property', operation: 'read', direction: 'response', fromResponder: false, ts: 10.1 + i }),
      );
    }
    inv.onFlowEnd(summary(f, 'bacnet', 1, 13, [4, 3], [400, 300]));
    const { paths } = inv.result();
    const read = paths.find((p) => p.operations.read)!;
    expect(read.initiator).toBe(`mac:${HMI_MAC}`);
    expect(read.responder).toBe(`mac:${PLC_MAC}`);
    expect(read.operations.read).toEqual({
      count: 3,
      functions: { read_property: 3 },
      examples: ['device,7 vendor-name', 'device,8 vendor-name', 'device,9 vendor-name'],
    });
    // The I-Am went to the flow-oriented path, which also received the flow's packet counts.
    const iam = paths.find((p) => p.operations.discovery)!;
    expect(iam.initiator).toBe(`mac:${PLC_MAC}`);
    expect([iam.packetsToResponder, iam.packetsToInitiator]).toEqual([4, 3]);
  });

  it('sums flows into one path per (initiator, responder, protocol, port) with stable ids, examples capped and facts merged', () => {
    const run = () => {
      const inv = new Inventory({ serverRoleOf });
      for (let i = 0; i < 8; i++) {
        feedExchange(inv, {
          client: ep('10.0.0.20', 50000 + i, HMI_MAC),
          server: ep('10.0.0.10', 4840, PLC_MAC),
          protocol: 'opcua',
          ts: 100 + i * 10,
          requests: [{ fn: 'ReadRequest', operation: 'read', detail: `ns=2;i=${i}`, facts: { security_mode: i % 2 ? 'None' : 'Sign' } }],
          packets: [2, 3],
        });
      }
      return inv.result().paths;
    };
    const paths = run();
    expect(paths).toHaveLength(1);
    const p = paths[0];
    expect(p.id).toBe(run()[0].id);
    expect(p.id).toMatch(/^path:[0-9a-f]{24}$/);
    expect([p.packetsToResponder, p.packetsToInitiator]).toEqual([16, 24]);
    expect([p.firstSeen, p.lastSeen]).toEqual([100, 171]);
    expect(p.operations.read?.count).toBe(8);
    expect(p.operations.read?.examples).toEqual(['ns=2;i=0', 'ns=2;i=1', 'ns=2;i=2', 'ns=2;i=3', 'ns=2;i=4']);
    expect(p.facts).toEqual({ security_mode: ['None', 'Sign'] });
  });
});

describe('roles', () => {
  it('recognises PLC, HMI, engineering workstation, OPC UA server/client, BACnet controller, IT server and workstation', () => {
    const inv = new Inventory({ serverRoleOf });
    const mac = (n: number) => `00:0c:29:00:00:${n.toString(16).padStart(2, '0')}`;
    const host = (n: number, port = 50000 + n) => ep(`10.0.0.${n}`, port, mac(n));
    // 1, 2: PLCs; 3: HMI polling both; 4: engineering station downloading a block to PLC 1 and stopping it.
    feedExchange(inv, { client: host(3), server: host(1, 502), requests: [{}, {}, {}] });
    feedExchange(inv, {
      client: host(3, 50010),
      server: host(2, 102),
      protocol: 's7comm',
      requests: [{ operation: 'write', fn: 'write_var' }],
    });
    feedExchange(inv, {
      client: host(4),
      server: host(1, 102),
      protocol: 's7comm',
      requests: [
        { operation: 'program', fn: 'download_block' },
        { operation: 'control', fn: 'plc_stop' },
      ],
    });
    // 5: OPC UA server, 6: its client; 7: BACnet device read by 8; 9: web server used by 10.
    feedExchange(inv, {
      client: host(6),
      server: host(5, 4840),
      protocol: 'opcua',
      requests: [{ operation: 'session', fn: 'CreateSessionRequest' }],
    });
    feedExchange(inv, {
      client: host(8, 47808),
      server: host(7, 47808),
      protocol: 'bacnet',
      transport: 'udp',
      requests: [{ operation: 'read', fn: 'read_property' }],
    });
    feedExchange(inv, { client: host(10), server: host(9, 443), protocol: 'https', requests: [] });
    inv.onBinding(binding(mac(11), '10.0.0.11', 1));
    const { assets } = inv.result();
    const role = (n: number) => byId(assets, `mac:${mac(n)}`);
    expect(role(1).role).toBe('plc');
    expect(role(1).roleEvidence[0]).toBe('plc: modbus server on tcp/502 to 1 client');
    expect(role(1).roleEvidence).toContain('plc: s7comm server on tcp/102 to 1 client');
    expect(role(2).role).toBe('plc');
    expect(role(3).role).toBe('hmi');
    expect(role(3).roleEvidence).toEqual(['hmi: polls 2 controllers with 4 read/write requests']);
    expect(role(4).role).toBe('engineering_workstation');
    expect(role(4).roleEvidence).toEqual(['engineering_workstation: control ×1, program ×1 toward 1 controller']);
    expect(role(5).role).toBe('opcua_server');
    expect(role(6).role).toBe('opcua_client');
    expect(role(7).role).toBe('bacnet_controller');
    expect(role(9).role).toBe('server');
    expect(role(10).role).toBe('workstation');
    expect(role(11).role).toBe('unknown');
    expect([1, 3, 4, 5, 9, 11].map((n) => role(n).purdueLevel)).toEqual([1, 2, 2, 2, 4, null]);
    expect(role(1).protocolsServer).toEqual(['modbus', 's7comm']);
    expect(role(3).protocolsClient).toEqual(['modbus', 's7comm']);
  });

  it('does not call a one-off reader an HMI, nor an HMI that reads identification an engineering station', () => {
    const base = { identity: {}, names: [], serverRoleOf, asResponder: [] };
    const path = (responder: string, ops: Record<string, number>) => ({
      initiator: asAssetId('me'),
      responder: asAssetId(responder),
      protocol: 's7comm',
      transport: 'tcp' as const,
      responderPort: 102,
      packetsToInitiator: 1,
      operations: Object.fromEntries(Object.entries(ops).map(([op, count]) => [op, { count, examples: [], functions: {} }])),
    });
    expect(inferRole({ ...base, asInitiator: [path('plc1', { read: 2 })] }).role).toBe('workstation');
    expect(inferRole({ ...base, asInitiator: [path('plc1', { read: 50 })] }).role).toBe('hmi');
    expect(inferRole({ ...base, asInitiator: [path('plc1', { read: 50, identify: 1 }), path('plc2', { read: 5 })] }).role).toBe('hmi');
    expect(inferRole({ ...base, asInitiator: [path('plc1', { identify: 3 })] }).role).toBe('engineering_workstation');
    expect(
      inferRole({ ...base, identity: { product: { value: 'OSIsoft PI Server', protocol: 'opcua', ts: 1 } }, asInitiator: [] }).role,
    ).toBe('historian');
  });
});

describe('changes', () => {
  it('reports a firmware change once per new value, and keeps the newest value', () => {
    const inv = new Inventory({ serverRoleOf });
    const fw = (ts: number, value: string) =>
      feedExchange(inv, {
        client: ep('10.0.0.20', 50000 + ts, HMI_MAC),
        server: ep('10.0.0.10', 102, PLC_MAC),
        protocol: 's7comm',
        ts,
        responses: [{ identity: [{ about: 'src', attribute: 'firmware', value }] }],
      });
    fw(10, 'V3.2.6');
    fw(20, 'V3.2.6');
    fw(30, 'V3.3.0');
    fw(40, 'V3.2.6'); // flapping back is not a second change
    const { assets, changes, identityHistory } = inv.result();
    expect(changes.filter((c) => c.kind === 'identity_changed')).toEqual([
      { ts: 30.5, kind: 'identity_changed', assetId: `mac:${PLC_MAC}`, detail: "firmware changed from 'V3.2.6' to 'V3.3.0' (s7comm)" },
    ]);
    expect(byId(assets, `mac:${PLC_MAC}`).identity.firmware).toEqual({ value: 'V3.2.6', protocol: 's7comm', ts: 40.5 });
    expect(
      identityHistory
        .filter((r) => r.attribute === 'firmware')
        .map((r) => [r.value, r.firstTs, r.lastTs])
        .sort(),
    ).toEqual([
      ['V3.2.6', 10.5, 40.5],
      ['V3.3.0', 30.5, 30.5],
    ]);
    expect(
      changes
        .filter((c) => c.kind === 'new_asset')
        .map((c) => c.assetId)
        .sort(),
    ).toEqual([`mac:${HMI_MAC}`, `mac:${PLC_MAC}`]);
  });

  it('reports an asset silent for longer than the configured time', () => {
    const inv = new Inventory({ serverRoleOf, silentAfter: 600 });
    feedExchange(inv, { client: ep('10.0.0.20', 50000, HMI_MAC), server: ep('10.0.0.10', 502, PLC_MAC), ts: 0 });
    feedExchange(inv, { client: ep('10.0.0.20', 50001, HMI_MAC), server: ep('10.0.0.30', 502, '00:0c:29:00:00:30'), ts: 1000 });
    const silent = inv.result().changes.filter((c) => c.kind === 'asset_silent');
    expect(silent).toEqual([
      { ts: 601, kind: 'asset_silent', assetId: `mac:${PLC_MAC}`, detail: 'no traffic since 1970-01-01T00:00:01.000Z' },
    ]);
  });
});

describe('MAC vendor', () => {
  it('looks up the IEEE registry, longest prefix first, and refuses group and local MACs', () => {
    expect(macVendor('00:0e:8c:00:00:01')).toBe('Siemens AG');
    expect(macVendor('00:80:f4:12:34:56')).toBe('TELEMECANIQUE ELECTRIQUE');
    expect(macVendor('02:00:00:00:00:01')).toBeUndefined();
    expect(macVendor('01:00:5e:00:00:01')).toBeUndefined();
    expect(macVendor('nonsense')).toBeUndefined();
  });
});
