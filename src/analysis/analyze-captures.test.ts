import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusAvailable, corpusPath, oracleFor } from '../../test/helpers/corpus.js';
import { protocolModules } from '../protocols/registry.js';
import { analyzeCaptures } from './analyze-captures.js';
import type { Asset } from '../core/model.js';
import { Store } from '../store/store.js';
import { SCAN_UNANSWERED, writeScanCapture } from '../../test/helpers/scan-capture.js';

const has = (name: string) => protocolModules.some((m) => m.name === name);
const dir = mkdtempSync(join(tmpdir(), 'otwatch-analyze-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function assetsOf(rel: string): Promise<Asset[]> {
  return (await analyzeCaptures([corpusPath(rel)], { db: ':memory:' })).assets;
}
const withIp = (assets: Asset[], ip: string): Asset => {
  const a = assets.find((x) => x.ips.includes(ip));
  if (!a) throw new Error(`no asset with ${ip}: ${assets.map((x) => x.id).join(', ')}`);
  return a;
};
/** The server IP of an oracle section ('1.2.3.4:102' or '[::1]:4840'). */
const serverIp = (s: string) => s.replace(/^\[(.*)\]:\d+$/, '$1').replace(/:\d+$/, '');

describe.skipIf(!corpusAvailable || !has('s7comm'))('corpus: S7 identification', () => {
  for (const rel of ['s7comm/icsnpp-s7comm__s7ident.pcap', 's7comm/plc4x__s7-cpu-functions-response.pcap']) {
    it(`${rel} gives a PLC with the order number and firmware the oracle saw`, async () => {
      const oracle = oracleFor(rel).s7comm;
      const plc = withIp(await assetsOf(rel), serverIp(oracle.servers[0]));
      expect(plc.role).toBe('plc');
      expect(plc.purdueLevel).toBe(1);
      expect(oracle.order_numbers).toContain(plc.identity.order_number?.value);
      expect(plc.identity.order_number?.protocol).toBe('s7comm');
      expect(plc.identity.firmware?.value).toMatch(/^V\d+\.\d+\.\d+$/);
    });
  }

  it('recognises the engineering workstation that downloads blocks, and the one that stops a PLC', async () => {
    for (const [rel, op] of [
      ['s7comm/ICS-Security-Tools__s7comm_downloading_block_db1.pcap', 'program'],
      ['s7comm/ICS-Security-Tools__snap7_s300_stop.pcapng', 'control'],
    ]) {
      const oracle = oracleFor(rel).s7comm;
      const assets = await assetsOf(rel);
      const plcIp = serverIp(oracle.servers[0]);
      expect(withIp(assets, plcIp).role).toBe('plc');
      const ews = withIp(assets, oracle.clients[0]);
      expect(ews.role).toBe('engineering_workstation');
      expect(ews.roleEvidence[0]).toContain(`${op} ×`);
    }
  });
});

describe.skipIf(!corpusAvailable || !has('modbus'))('corpus: Modbus device identification', () => {
  it('gives the vendor and product of the device that answered FC43/14', async () => {
    const rel = 'modbus/icsnpp-modbus__modbus_example.pcap';
    const ident: string[] = oracleFor(rel).modbus.device_identification;
    const dev = (await assetsOf(rel)).find((a) => a.identity.vendor);
    expect(dev?.role).toBe('plc');
    expect(dev?.identity.vendor?.value).toBe('Zeek Modbus Test');
    expect(ident).toContain(dev?.identity.vendor?.value);
    const product = dev?.identity.product?.value ?? dev?.identity.order_number?.value;
    expect(ident).toContain(product);
    expect(ident).toContain(dev?.identity.firmware?.value);
  });
});

describe.skipIf(!corpusAvailable || !has('bacnet'))('corpus: BACnet', () => {
  it('gives the BACnet router device its vendor from I-Am and the workstation that programs through it', async () => {
    const rel = 'bacnet/icsnpp-bacnet__bacnet_services.pcap';
    const assets = await assetsOf(rel);
    const router = withIp(assets, '192.168.0.24');
    // Every unicast exchange with it is routed on to network 3 (DNET/SNET 3): it serves nothing itself.
    expect(router.role).toBe('gateway');
    expect(router.roleEvidence[0]).toMatch(/^gateway: BACnet router to networks? (1, )?3$/);
    expect(router.identity.vendor_id?.value).toBe('24');
    expect(oracleFor(rel).bacnet.vendor_ids).toContain(Number(router.identity.vendor_id?.value));
    const ws = withIp(assets, '192.168.0.50');
    expect(ws.role).toBe('engineering_workstation'); // atomicWriteFile, reinitializeDevice, DCC toward the device
    // A broadcast address is never an asset.
    expect(assets.some((a) => a.ips.includes('192.168.0.255'))).toBe(false);
  });

  it('gives the Lithonia device behind the router (network 3, MS/TP MAC 29) as an asset of its own, reached through the router', async () => {
    const rel = 'bacnet/icsnpp-bacnet__bacnet_services.pcap';
    const oracle = oracleFor(rel).bacnet;
    const { assets, paths } = await analyzeCaptures([corpusPath(rel)], { db: ':memory:' });
    const router = withIp(assets, '192.168.0.24');
    const dev = assets.find((a) => a.id === 'bacnet:3:1d');
    expect(dev).toMatchObject({ ips: [], macs: [], via: router.id, role: 'bacnet_controller', purdueLevel: 1 });
    expect(dev!.roleEvidence[0]).toBe(`bacnet_controller: BACnet device 1d on network 3, reached through ${router.id}`);
    // ReadProperty acks from SNET 3 SADR 0x1d (tshark: model-name 'SYSC MLX', firmware-revision '2.62',
    // vendor-name 'Lithonia Lighting, Inc.'); its I-Am names vendor 42, Acuity Brands Lighting.
    expect(dev!.identity.model?.value).toBe('SYSC MLX');
    expect(dev!.identity.firmware?.value).toBe('2.62');
    expect(dev!.identity.vendor?.value).toMatch(/^(Lithonia Lighting|Acuity Brands Lighting), Inc\.$/);
    expect(dev!.identity.device_instance?.value).toBe('29');
    expect(oracle.iam_devices).toContain(29);
    expect(oracle.vendor_ids).toContain(Number(dev!.identity.vendor_id?.value));
    expect(oracle.object_names).toContain(dev!.names[0]);
    // The remote identity stays off the router and every IP asset.
    expect(assets.filter((a) => a.identity.model?.value === 'SYSC MLX').map((a) => a.id)).toEqual(['bacnet:3:1d']);
    expect(router.routes).toContain('bacnet:3');
    // Every device on network 3 that sent an I-Am is an asset behind the same router.
    const net3 = assets.filter((a) => a.id.startsWith('bacnet:3:'));
    expect(net3.every((a) => a.via === router.id)).toBe(true);
    expect(net3.map((a) => Number(a.identity.device_instance?.value)).every((n) => oracle.iam_devices.includes(n))).toBe(true);
    // The workstation's reads go to the device, at the router's address.
    const ws = withIp(assets, '192.168.0.50');
    const path = paths.find((p) => p.initiator === ws.id && p.responder === dev!.id);
    expect(path).toMatchObject({ responderIp: '192.168.0.24', responderPort: 47808 });
    expect(path!.operations.read?.functions.read_property).toBeGreaterThan(3000);
  });
});

describe.skipIf(!corpusAvailable || !has('opcua'))('corpus: OPC UA discovery', () => {
  it('gives a server with its product and application URIs', async () => {
    const rel = 'opcua/icsnpp-opcua-binary__open62541_discover_getendpoints_discover_urls.pcap';
    const oracle = oracleFor(rel).opcua;
    const assets = await assetsOf(rel);
    const server = withIp(assets, '192.168.224.105');
    expect(server.role).toBe('opcua_server');
    expect(oracle.servers).toContain('192.168.224.105:4840');
    expect(oracle.product_uris).toContain(server.identity.product_uri?.value);
    expect(oracle.application_uris).toContain(server.identity.application_uri?.value);
  });
});

describe.skipIf(!corpusAvailable || !has('s7comm'))('corpus: merging two captures into one database', () => {
  const a = 's7comm/ICS-Security-Tools__s7comm_program_blocklist_onlineview.pcap';
  const b = 's7comm/ICS-Security-Tools__s7comm_reading_setting_plc_time.pcap';
  const dump = (file: string) => {
    const s = new Store(file, { mustExist: true });
    try {
      return { assets: s.assets(), paths: s.paths() };
    } finally {
      s.close();
    }
  };

  it('gives the same inventory in either order, and skips a capture already analysed', async () => {
    const [ab, ba] = [join(dir, 'ab.db'), join(dir, 'ba.db')];
    await analyzeCaptures([corpusPath(a)], { db: ab });
    await analyzeCaptures([corpusPath(b)], { db: ab });
    await analyzeCaptures([corpusPath(b)], { db: ba });
    await analyzeCaptures([corpusPath(a)], { db: ba });
    const x = dump(ab);
    expect(dump(ba)).toEqual(x);
    const plc = withIp(x.assets, '192.168.1.40');
    expect(x.assets.filter((s) => s.ips.includes('192.168.1.40'))).toHaveLength(1);
    expect(plc.identity.order_number?.value).toBe('6ES7 151-8AB01-0AB0');
    const before = x.paths.reduce((n, p) => n + p.packetsToResponder, 0);
    const again = await analyzeCaptures([corpusPath(a)], { db: ab });
    expect(again.skipped.map((s) => s.file)).toEqual([corpusPath(a)]);
    expect(again.stats).toBeNull();
    expect(dump(ab).paths.reduce((n, p) => n + p.packetsToResponder, 0)).toBe(before);
  });

  it('reports oracle-format stats beside the inventory', async () => {
    const r = await analyzeCaptures([corpusPath(a)], {
      db: ':memory:',
      sections: true,
      audit: ({ assets }) => assets.filter((x) => x.role === 'plc').map((x) => `finding about ${x.id}`),
    });
    const oracle = oracleFor(a);
    expect(r.stats?.packets).toBe(oracle.packets);
    expect((r.stats as Record<string, { pdus?: number }>).s7comm?.pdus).toBe(oracle.s7comm.pdus);
    expect(r.findings).toEqual([`finding about ${withIp(r.assets, '192.168.1.40').id}`]);
    // without a JSON report no protocol section is built: the same inventory, the pipeline's counters only
    const bare = await analyzeCaptures([corpusPath(a)], { db: ':memory:' });
    expect(bare.stats?.packets).toBe(oracle.packets);
    expect(bare.stats?.s7comm).toBeUndefined();
    expect(bare.assets).toEqual(r.assets);
    expect(bare.paths).toEqual(r.paths);
  });
});

describe('a scan', () => {
  it('makes no asset or path of an address that never answered, keeps those that did, and counts the attempts', async () => {
    const file = join(dir, 'scan.pcap');
    writeScanCapture(file);

    const report = await analyzeCaptures([file], { db: ':memory:' });
    const ips = report.assets.flatMap((a) => a.ips).sort();
    expect(ips).toEqual(['10.0.1.1', '10.0.2.1', '10.0.9.9']);
    // the refused attempt on port 102 proves the PLC and the scanner, not a path between them
    expect(report.paths.map((p) => `${p.initiatorIp} > ${p.responderIp}:${p.responderPort}`)).toEqual(['10.0.1.1 > 10.0.2.1:502']);
    expect(report.stats?.otwatch.flows).toEqual({ tcp: 52, udp: 0, unanswered: SCAN_UNANSWERED, refused: 1 });
  });
});
