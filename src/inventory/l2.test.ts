/**
 * Assets known from layer 2 alone: a capture of PROFINET DCP frames only (no IP traffic at all), written
 * as a pcap and read through the whole pipeline into the inventory, then audited against zones whose
 * members are MACs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pcapFile } from '../../test/helpers/capture-build.js';
import { app, oid } from '../../test/helpers/bacnet/test-helpers.js';
import { ethernet } from '../../bench/gen/packets.js';
import {
  dcp,
  endTransaction,
  identifyResponse,
  nameBlock,
  responseBlock,
  signalBlock,
  block,
  ipBlock,
  deviceIdBlock,
} from '../../test/helpers/pn_dcp/test-helpers.js';
import { protocolModules } from '../protocols/registry.js';
import { audit } from '../audit/audit.js';
import { RULES } from '../audit/constants.js';
import { loadPolicyText } from '../audit/policy-load.js';
import { serverRoleLookup } from '../analysis/analyze-captures.js';
import { runPipeline } from '../pipeline/pipeline.js';
import { Inventory } from './inventory.js';
import type { Asset, Path } from '../core/model.js';

const TOOL = '00:1b:1b:aa:00:01'; // engineering tool doing discovery and commissioning
const PLC = '00:0e:8c:00:00:0a'; // IO controller with an address
const IO = '00:09:91:43:e0:67'; // IO device without an address yet
const DCP_MC = '01:0e:cf:00:00:00';
const T0 = 1_700_000_000;

const dir = mkdtempSync(join(tmpdir(), 'otwatch-l2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function capture(): string {
  const frames: [number, string, string, Buffer, number?][] = [
    [0, DCP_MC, TOOL, dcp({ frameId: 0xfefe, service: 5, type: 0, xid: 1, blocks: block(0xff, 0xff, []) })],
    [
      0.01,
      TOOL,
      PLC,
      identifyResponse({
        xid: 1,
        name: 'plc-1',
        vendor: 'S7-1500',
        vendorId: 0x002a,
        deviceId: 0x010d,
        role: 0x02,
        ip: ['10.30.1.10', '255.255.255.0', '10.30.1.1'],
      }),
    ],
    [0.02, TOOL, IO, identifyResponse({ xid: 1, name: 'io-1', ip: ['0.0.0.0', '0.0.0.0', '0.0.0.0'], ipInfo: 0 }), 10],
    // Commissioning: rename the IO device, flash the PLC's LED.
    [
      5,
      IO,
      TOOL,
      dcp({ frameId: 0xfefd, service: 4, type: 0, xid: 2, blocks: [...nameBlock('io-renamed', [0, 1]), ...endTransaction()] }),
      10,
    ],
    [5.01, TOOL, IO, dcp({ frameId: 0xfefd, service: 4, type: 1, xid: 2, blocks: [...responseBlock(2, 2), ...responseBlock(5, 2)] }), 10],
    [6, PLC, TOOL, dcp({ frameId: 0xfefd, service: 4, type: 0, xid: 3, blocks: signalBlock() })],
    [6.01, TOOL, PLC, dcp({ frameId: 0xfefd, service: 4, type: 1, xid: 3, blocks: responseBlock(5, 3) })],
    // The renamed device announces itself (its Hello carries no address: it still has none).
    [
      9,
      DCP_MC,
      IO,
      dcp({
        frameId: 0xfefc,
        service: 6,
        type: 0,
        xid: 4,
        blocks: [...nameBlock('io-renamed'), ...deviceIdBlock(0x015a, 0x0003), ...ipBlock('0.0.0.0', '0.0.0.0', '0.0.0.0', [0, 0])],
      }),
      10,
    ],
  ];
  const records = frames.map(([dt, dst, src, payload, vlan]) => {
    const sec = T0 + Math.floor(dt);
    return { data: ethernet(dst, src, 0x8892, payload, vlan === undefined ? [] : [{ vid: vlan }]), sec, frac: Math.round((dt % 1) * 1e6) };
  });
  const path = join(dir, 'dcp-only.pcap');
  writeFileSync(path, pcapFile(records));
  return path;
}

async function inventory() {
  const inv = new Inventory({ serverRoleOf: serverRoleLookup(protocolModules) });
  const counters = await runPipeline([capture()], inv);
  return { ...inv.result(), counters };
}

const byId = <T extends { id: string }>(list: T[], id: string): T => {
  const x = list.find((a) => a.id === id);
  if (!x) throw new Error(`no ${id} in ${list.map((a) => a.id).join(', ')}`);
  return x;
};
const values = (a: Asset) => Object.fromEntries(Object.entries(a.identity).map(([k, v]) => [k, v!.value]));
const pathBetween = (paths: Path[], from: string, to: string) => paths.find((p) => p.initiator === from && p.responder === to);

describe('assets from PROFINET DCP alone (pcap → pipeline → inventory)', () => {
  it('makes MAC assets with station name, vendor and device id, the group address being no asset', async () => {
    const { assets, counters } = await inventory();
    expect(counters.frames.transport).toBe(0); // not one IP packet
    expect(counters.anomalies).toEqual({});
    expect(assets.map((a) => a.id)).toEqual([`mac:${IO}`, `mac:${PLC}`, `mac:${TOOL}`]);
    const plc = byId(assets, `mac:${PLC}`);
    expect(values(plc)).toEqual({
      name: 'plc-1',
      vendor: 'S7-1500',
      vendor_id: '0x002a',
      product: '0x010d',
      description: 'PROFINET IO-Controller',
    });
    expect(plc.identity.name).toEqual({ value: 'plc-1', protocol: 'pn_dcp', ts: T0 + 0.01 });
    // The address it reported as its own (set, no conflict) is bound to it.
    expect(plc).toMatchObject({ macs: [PLC], ips: ['10.30.1.10'], macVendor: expect.stringMatching(/siemens/i) });
    const io = byId(assets, `mac:${IO}`);
    expect(io).toMatchObject({ ips: [], macs: [IO], names: ['io-1', 'io-renamed'] });
    expect(values(io)).toMatchObject({ name: 'io-renamed', vendor: 'IC200PNS001', vendor_id: '0x015a', product: '0x0003' });
    // Answering DCP makes no server; a station seen on layer 2 only is not dropped for having no address.
    expect(plc.roleEvidence.some((l) => l.startsWith('server'))).toBe(false);
    expect(byId(assets, `mac:${TOOL}`)).toMatchObject({ ips: [], identity: {}, protocolsClient: ['pn_dcp'] });
  });

  it('reports the rename seen in the device Hello as an identity change', async () => {
    const { changes, identityHistory } = await inventory();
    expect(changes.filter((c) => c.kind === 'identity_changed')).toEqual([
      { ts: T0 + 9, kind: 'identity_changed', assetId: `mac:${IO}`, detail: "name changed from 'io-1' to 'io-renamed' (pn_dcp)" },
    ]);
    expect(
      identityHistory
        .filter((r) => r.assetId === `mac:${IO}` && r.attribute === 'name')
        .map((r) => r.value)
        .sort(),
    ).toEqual(['io-1', 'io-renamed']);
  });

  it('builds paths between MAC assets (pn_dcp, l2, port 0) with their operations; multicast goes to a group', async () => {
    const { paths } = await inventory();
    const discovery = pathBetween(paths, `mac:${TOOL}`, `group:${DCP_MC}`)!;
    expect(discovery).toMatchObject({
      protocol: 'pn_dcp',
      transport: 'l2',
      responderPort: 0,
      initiatorIp: '',
      responderIp: '',
      packetsToResponder: 1,
      packetsToInitiator: 0,
    });
    expect(discovery.operations.discovery).toEqual({ count: 1, examples: ['identify request: all'], functions: { identify: 1 } });
    const rename = pathBetween(paths, `mac:${TOOL}`, `mac:${IO}`)!;
    expect(rename).toMatchObject({
      protocol: 'pn_dcp',
      transport: 'l2',
      responderPort: 0,
      packetsToResponder: 1,
      packetsToInitiator: 2,
      facts: { auth: ['none'] },
    });
    expect(rename.operations).toEqual({
      write: {
        count: 1,
        examples: ["set request: NameOfStation := 'io-renamed' (permanent), end transaction (qualifier 0x0000)"],
        functions: { set_name: 1 },
      },
    });
    const flash = pathBetween(paths, `mac:${TOOL}`, `mac:${PLC}`)!;
    expect(flash.operations).toEqual({ control: { count: 1, examples: ['set request: signal flash once'], functions: { signal: 1 } } });
    expect(pathBetween(paths, `mac:${IO}`, `group:${DCP_MC}`)!.operations.discovery?.functions).toEqual({ hello: 1 });
    expect(paths.some((p) => p.initiator.startsWith('group:') || p.responder === `mac:${DCP_MC}`)).toBe(false);
  });

  it('places MAC-only assets by MAC membership: a DCP Set across zones is a write the conduit does not allow, over an unauthenticated protocol', async () => {
    const { assets, paths } = await inventory();
    const loaded = loadPolicyText(
      [
        'version: 1',
        'zones:',
        `  - {id: eng, name: Engineering, level: 2, sl_t: 2, members: [{mac: "${TOOL}"}]}`,
        `  - {id: cell, name: Cell, level: 1, sl_t: 2, members: [{mac: "${IO}"}, {mac: "${PLC.toUpperCase()}"}]}`,
        'conduits:',
        '  - id: eng-cell',
        '    between: [eng, cell]',
        '    flows:',
        '      - {protocol: pn_dcp, initiator: eng, operations: {allow: [discovery]}}',
      ].join('\n') + '\n',
    );
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const { assessment, findings } = audit(assets, paths, loaded.policy, { now: T0 + 100 });
    expect(assessment.placements.get(`mac:${IO}`)!.zone).toBe('cell');
    expect(assessment.placements.get(`mac:${PLC}`)!.zone).toBe('cell');
    expect(assessment.placements.get(`mac:${TOOL}`)!.zone).toBe('eng');
    const rename = assessment.paths.find((a) => a.path.responder === `mac:${IO}`)!;
    expect(rename).toMatchObject({ status: 'allowed', deniedOps: ['write'], from: { zone: 'eng' }, to: { zone: 'cell' } });
    const denied = findings.filter((f) => f.rule === RULES.operationNotAllowed);
    expect(denied.map((f) => f.subject.label).sort()).toEqual(['eng-cell: pn_dcp control eng → cell', 'eng-cell: pn_dcp write eng → cell']);
    expect(findings.find((f) => f.rule === RULES.cleartextProtocol)?.explanation).toMatch(/^pn_dcp carries no authentication/);
    // The multicast Identify and Hello stay in their sender's zone (layer 2 is one broadcast domain): no
    // conduit finding, and the group is no unzoned asset.
    expect(assessment.paths.filter((a) => a.path.responder === `group:${DCP_MC}`).map((a) => [a.from.zone, a.status])).toEqual([
      ['cell', 'intra_zone'],
      ['eng', 'intra_zone'],
    ]);
    expect(findings.filter((f) => f.rule === RULES.flowWithoutConduit || f.rule === RULES.assetUnzoned)).toEqual([]);
  });
});

describe('BACnet over 802.2 LLC (also layer 2)', () => {
  it('makes the I-Am sender a MAC asset with its device identity', async () => {
    const DEV = '00:e0:c9:00:77:01';
    // LLC (DSAP/SSAP 0x82, UI), NPDU without routing, unconfirmed I-Am: device 3077, vendor 24.
    const llc = Buffer.from([
      0x82,
      0x82,
      0x03,
      0x01,
      0x00,
      0x10,
      0x00,
      ...app(12, oid(8, 3077)),
      ...app(2, [0x01, 0xe0]),
      ...app(9, [3]),
      ...app(2, [24]),
    ]);
    const path = join(dir, 'bacnet-llc.pcap');
    writeFileSync(path, pcapFile([{ data: ethernet('ff:ff:ff:ff:ff:ff', DEV, llc.length, llc), sec: T0, frac: 0 }]));
    const inv = new Inventory({ serverRoleOf: serverRoleLookup(protocolModules) });
    await runPipeline([path], inv);
    const { assets, paths } = inv.result();
    expect(assets.map((a) => a.id)).toEqual([`mac:${DEV}`]);
    expect(values(assets[0]!)).toMatchObject({ device_instance: '3077', vendor_id: '24' });
    // An I-Am answers a Who-Is: its requester side is the broadcast, which never initiates (as over B/IP).
    expect(paths).toEqual([]);
  });
});
