/**
 * Roles from all the evidence, each case built from protocol events as the pipeline reports them:
 * the panel PC a PLC also polls, the BACnet operator station, the historian; and vendor names as
 * people write them.
 */
import { describe, expect, it } from 'vitest';
import { ep, feedExchange, serverRoleOf } from '../../bench/gen/synthetic-inventory.js';
import type { Asset } from '../core/model.js';
import { Inventory } from './inventory.js';
import { cleanVendor, macVendor } from './oui.js';
import { inferRole } from './roles.js';
import { asAssetId } from '../core/ids.js';

const mac = (n: number) => `00:0c:29:00:01:${n.toString(16).padStart(2, '0')}`;
const host = (n: number, port = 50000 + n) => ep(`10.0.0.${n}`, port, mac(n));
const byMac = (assets: Asset[], n: number): Asset => assets.find((a) => a.id === `mac:${mac(n)}`)!;
const reads = (n: number, fn = 'read_holding_registers') => Array.from({ length: n }, () => ({ operation: 'read' as const, fn }));

/** 1: S7 PLC, 2: Modbus PLC, 3: BACnet controller. */
function plant(inv: Inventory, ts = 1000): void {
  // a client that keeps the controllers busy, so that they are controllers by what they serve
  feedExchange(inv, { client: host(9), server: host(1, 102), protocol: 's7comm', ts, requests: reads(2, 'read_var') });
}

describe('roles from all the evidence', () => {
  it('calls a panel PC that polls two PLCs, reads a BACnet controller and offers VNC an HMI, though a PLC polls it on 502', () => {
    const inv = new Inventory({ serverRoleOf });
    plant(inv);
    const panel = 10;
    feedExchange(inv, {
      client: host(panel, 50100),
      server: host(1, 102),
      protocol: 's7comm',
      requests: [...reads(3, 'read_var'), { operation: 'write', fn: 'write_var' }],
    });
    feedExchange(inv, { client: host(panel, 50101), server: host(2, 502), requests: reads(3) });
    feedExchange(inv, {
      client: host(panel, 47808),
      server: host(3, 47808),
      protocol: 'bacnet',
      transport: 'udp',
      requests: reads(2, 'read_property'),
    });
    // PLC 2 polls the panel's own Modbus server (panel PCs serve registers to the PLC)
    feedExchange(inv, { client: host(2, 50200), server: host(panel, 502), requests: reads(4) });
    // an operator's PC views the panel's screen
    feedExchange(inv, { client: host(20), server: host(panel, 5900), protocol: 'vnc', requests: [] });
    const a = byMac(inv.result().assets, panel);
    expect(a.role).toBe('hmi');
    expect(a.purdueLevel).toBe(2);
    expect(a.roleEvidence[0]).toBe(
      'hmi: decided over plc: client of 3 controllers (bacnet, modbus, s7comm) with a remote display; its modbus on tcp/502 server is data it offers to others',
    );
    expect(a.roleEvidence).toContain('hmi: offers a remote display (vnc on tcp/5900) as operator stations do');
    expect(a.roleEvidence).toContain('plc: modbus server on tcp/502 to 1 client');
    // the PLC that polls it stays a PLC
    expect(byMac(inv.result().assets, 2).role).toBe('plc');
  });

  it('without the remote display the same asset stays a PLC: serving a controller protocol outweighs polling', () => {
    const inv = new Inventory({ serverRoleOf });
    plant(inv);
    feedExchange(inv, { client: host(10, 50100), server: host(1, 102), protocol: 's7comm', requests: reads(3, 'read_var') });
    feedExchange(inv, { client: host(10, 50101), server: host(2, 502), requests: reads(3) });
    feedExchange(inv, { client: host(2, 50200), server: host(10, 502), requests: reads(4) });
    expect(byMac(inv.result().assets, 10).role).toBe('plc');
  });

  it('calls a BACnet client that reads and writes one building controller a BMS operator station at level 2', () => {
    const inv = new Inventory({ serverRoleOf });
    feedExchange(inv, {
      client: host(30, 47808),
      server: host(3, 47808),
      protocol: 'bacnet',
      transport: 'udp',
      requests: [...reads(3, 'read_property'), { operation: 'write', fn: 'write_property', detail: 'analog-value,1 present-value' }],
    });
    const a = byMac(inv.result().assets, 30);
    expect(a.role).toBe('hmi');
    expect(a.purdueLevel).toBe(2);
    expect(a.roleEvidence[0]).toBe('hmi: BMS operator station: BACnet client that writes 1 building controller (1 write)');
    // reading alone is not operating the building: an office client stays a workstation
    const ro = new Inventory({ serverRoleOf });
    feedExchange(ro, {
      client: host(30, 47808),
      server: host(3, 47808),
      protocol: 'bacnet',
      transport: 'udp',
      requests: reads(2, 'read_property'),
    });
    expect(byMac(ro.result().assets, 30).role).toBe('workstation');
  });

  it('calls a read-only collector of several controllers that serves trend pages a historian, not an HMI', () => {
    const build = (extra: (inv: Inventory) => void) => {
      const inv = new Inventory({ serverRoleOf });
      plant(inv);
      feedExchange(inv, { client: host(40, 50100), server: host(2, 502), requests: reads(30) });
      feedExchange(inv, {
        client: host(40, 47808),
        server: host(3, 47808),
        protocol: 'bacnet',
        transport: 'udp',
        requests: reads(7, 'read_property'),
      });
      extra(inv);
      return byMac(inv.result().assets, 40);
    };
    const web = (inv: Inventory) => feedExchange(inv, { client: host(20), server: host(40, 80), protocol: 'http', requests: [] });
    const hist = build(web);
    expect(hist.role).toBe('historian');
    expect(hist.purdueLevel).toBe(3);
    expect(hist.roleEvidence[0]).toBe(
      'historian: reads 2 controllers (bacnet, modbus) with 37 requests and never writes, and serves http on tcp/80 to 1 client',
    );
    // the same reads, passed on to nobody: a read-only display (HMI)
    expect(build(() => {}).role).toBe('hmi');
    // one write makes it an operator's station, whatever it serves
    const writer = build((inv) => {
      web(inv);
      feedExchange(inv, { client: host(40, 50300), server: host(2, 502), requests: [{ operation: 'write', fn: 'write_single_register' }] });
    });
    expect(writer.role).toBe('hmi');
  });

  it('calls a read-only collector named like a historian one even when nothing reads it in the capture', () => {
    const path = (responder: string, protocol: string, port: number) => ({
      initiator: asAssetId('me'),
      responder: asAssetId(responder),
      protocol,
      transport: 'tcp' as const,
      responderPort: port,
      packetsToInitiator: 1,
      operations: { read: { count: 5, examples: [], functions: {} } },
    });
    const input = {
      identity: {},
      serverRoleOf,
      asResponder: [],
      asInitiator: [path('plc1', 'modbus', 502), path('plc2', 's7comm', 102)],
    };
    const named = inferRole({ ...input, names: ['hist01.plant.example'] });
    expect(named.role).toBe('historian');
    expect(named.roleEvidence[0]).toBe(
      "historian: reads 2 controllers (modbus, s7comm) with 10 requests and never writes, and is named 'hist01'",
    );
    expect(inferRole({ ...input, names: ['scada01.plant.example'] }).role).toBe('hmi');
  });
});

describe('vendor names', () => {
  it('prints registry names without the trailing separators the registry keeps', () => {
    expect(macVendor('00:1b:1b:6e:20:11')).toBe('Siemens AG');
    expect(cleanVendor('Siemens AG,')).toBe('Siemens AG');
    expect(cleanVendor('  Cisco Systems,  Inc ; ')).toBe('Cisco Systems, Inc');
  });
});

describe('historians that collect over OPC UA', () => {
  it('calls a read-only client of several OPC UA servers that serves trend pages a historian, a plain one an OPC UA client', () => {
    const build = (serves: boolean, write = false) => {
      const inv = new Inventory({ serverRoleOf });
      for (const n of [50, 51, 52])
        feedExchange(inv, {
          client: host(60, 50000 + n),
          server: host(n, 4840),
          protocol: 'opcua',
          requests: [
            { operation: 'session', fn: 'ActivateSessionRequest' },
            ...reads(5, 'ReadRequest'),
            ...(write && n === 50 ? [{ operation: 'write' as const, fn: 'WriteRequest' }] : []),
          ],
        });
      if (serves) feedExchange(inv, { client: host(20), server: host(60, 443), protocol: 'https', requests: [] });
      return byMac(inv.result().assets, 60);
    };
    const hist = build(true);
    expect(hist.role).toBe('historian');
    expect(hist.roleEvidence[0]).toBe(
      'historian: reads 3 OPC UA servers with 15 requests and never writes, and serves https on tcp/443 to 1 client',
    );
    expect(build(false).role).toBe('opcua_client');
    expect(build(true, true).role).toBe('opcua_client');
  });
});

describe('the aggregating OPC UA server of a SCADA', () => {
  it('is an OPC UA server, not an HMI nor a historian: it reads controllers without writing and serves OPC UA', () => {
    const inv = new Inventory({ serverRoleOf });
    plant(inv);
    feedExchange(inv, { client: host(70, 50100), server: host(2, 502), requests: reads(20) });
    feedExchange(inv, { client: host(70, 50101), server: host(1, 102), protocol: 's7comm', requests: reads(20, 'read_var') });
    feedExchange(inv, {
      client: host(71),
      server: host(70, 4840),
      protocol: 'opcua',
      requests: [{ operation: 'session', fn: 'ActivateSessionRequest' }, ...reads(3, 'ReadRequest')],
    });
    const a = byMac(inv.result().assets, 70);
    expect(a.role).toBe('opcua_server');
    expect(a.roleEvidence[0]).toBe(
      'opcua_server: serves over OPC UA (opcua on tcp/4840 to 1 client) what it reads from 2 sources without writing: an aggregating server, not an operator station',
    );
  });
});
