import { describe, expect, it } from 'vitest';
import { Inventory } from './inventory.js';
import type { Asset } from '../core/model.js';
import { routeEvidence } from './roles.js';
import { ROUTER, routedScenario, routerAsDevice, WS } from '../../test/helpers/bacnet-routed.js';
import { serverRoleOf } from '../../bench/gen/synthetic-inventory.js';

const byId = <T extends { id: string }>(list: T[], id: string): T => {
  const x = list.find((a) => a.id === id);
  if (!x) throw new Error(`no ${id} in ${list.map((a) => a.id).join(', ')}`);
  return x;
};
const values = (a: Asset) => Object.fromEntries(Object.entries(a.identity).map(([k, v]) => [k, v!.value]));
const ROUTER_ID = `mac:${ROUTER.mac}`;
const WS_ID = `mac:${WS.mac}`;

describe('devices behind a BACnet router (decoded bytes → inventory)', () => {
  it('makes the MS/TP device an asset of its own, with its identity, reached through the router', () => {
    const inv = new Inventory({ serverRoleOf });
    routedScenario(inv);
    const { assets, changes, identityHistory } = inv.result();
    expect(assets.map((a) => a.id)).toEqual(['bacnet:3:1d', 'bacnet:3:6c', WS_ID, ROUTER_ID]);
    const dev = byId(assets, 'bacnet:3:1d');
    expect(dev).toMatchObject({
      ips: [],
      macs: [],
      via: ROUTER_ID,
      role: 'bacnet_controller',
      purdueLevel: 1,
      protocolsServer: ['bacnet'],
    });
    expect(values(dev)).toEqual({
      device_instance: '29',
      vendor_id: '42',
      vendor: 'Lithonia Lighting, Inc.',
      model: 'SYSC MLX',
      firmware: '2.62',
    });
    expect(dev.identity.model).toEqual({ value: 'SYSC MLX', protocol: 'bacnet', ts: 1013 });
    expect(dev.roleEvidence[0]).toBe(`bacnet_controller: BACnet device 1d on network 3, reached through ${ROUTER_ID}`);
    expect(dev.roleEvidence).toContain('bacnet_controller: bacnet server on udp/47808 to 1 client');
    // The I-Am named the vendor from the ASHRAE list, the device object by its vendor-name: one change.
    expect(changes.filter((c) => c.kind === 'identity_changed')).toEqual([
      {
        ts: 1011,
        kind: 'identity_changed',
        assetId: 'bacnet:3:1d',
        detail: "vendor changed from 'Acuity Brands Lighting, Inc.' to 'Lithonia Lighting, Inc.' (bacnet)",
      },
    ]);
    expect(
      identityHistory
        .filter((r) => r.assetId === 'bacnet:3:1d')
        .map((r) => r.attribute)
        .sort(),
    ).toEqual(['device_instance', 'firmware', 'model', 'vendor', 'vendor', 'vendor_id']);
    expect(changes.find((c) => c.kind === 'new_asset' && c.assetId === 'bacnet:3:1d')?.detail).toBe(
      `bacnet_controller bacnet:3:1d via ${ROUTER_ID} (Lithonia Lighting, Inc. SYSC MLX)`,
    );
    const written = byId(assets, 'bacnet:3:6c');
    expect(written).toMatchObject({ via: ROUTER_ID, role: 'bacnet_controller', identity: {} });
  });

  it('gives the router gateway evidence and keeps the remote identity off it; a B/IP node echoed from network 1 stays its own IP asset', () => {
    const inv = new Inventory({ serverRoleOf });
    routedScenario(inv);
    const { assets } = inv.result();
    const router = byId(assets, ROUTER_ID);
    expect(router).toMatchObject({ ips: [ROUTER.ip], routes: ['bacnet:1', 'bacnet:3'], role: 'gateway', purdueLevel: 3 });
    expect(router.roleEvidence).toEqual(['gateway: BACnet router to networks 1, 3']);
    expect(values(router)).toEqual({ device_instance: '4194303', vendor_id: '24', vendor: 'Automated Logic Corporation' });
    expect(router.via).toBeUndefined();
    const ws = byId(assets, WS_ID);
    expect(values(ws)).toEqual({ device_instance: '126', vendor_id: '42', vendor: 'Acuity Brands Lighting, Inc.' });
    // Two devices behind one router are two controllers polled, not one.
    expect(ws.roleEvidence).toEqual(['hmi: polls 2 controllers with 4 read/write requests']);
    expect(assets.some((a) => a.id.startsWith('bacnet:1:'))).toBe(false);
  });

  it('attributes the routed traffic to paths to the devices, at the router address, with the flow counts split and nothing left on the router', () => {
    const inv = new Inventory({ serverRoleOf });
    const { summary } = routedScenario(inv);
    const { paths } = inv.result();
    const p1 = paths.find((p) => p.responder === 'bacnet:3:1d')!;
    const p2 = paths.find((p) => p.responder === 'bacnet:3:6c')!;
    expect(p1).toMatchObject({
      initiator: WS_ID,
      initiatorIp: WS.ip,
      responderIp: ROUTER.ip,
      responderPort: 47808,
      transport: 'udp',
      packetsToResponder: 3,
      packetsToInitiator: 3,
    });
    expect(p1.operations.read).toEqual({
      count: 3,
      examples: ['device:29.firmware-revision', 'device:29.model-name', 'device:29.vendor-name'],
      functions: { read_property: 3 },
    });
    expect(p2).toMatchObject({ packetsToResponder: 1, packetsToInitiator: 1 });
    expect(Object.keys(p2.operations)).toEqual(['write']);
    expect(p1.bytesToResponder + p2.bytesToResponder).toBe(summary.bytesFromInitiator);
    expect(p1.bytesToInitiator + p2.bytesToInitiator).toBe(summary.bytesFromResponder);
    expect(p2.bytesToInitiator).toBeGreaterThan(0);
    expect(paths.some((p) => p.responder === ROUTER_ID)).toBe(false);
  });

  it('keeps a router that answers as a BACnet device a controller, listing its routing after', () => {
    const inv = new Inventory({ serverRoleOf });
    routedScenario(inv);
    routerAsDevice(inv);
    const router = byId(inv.result().assets, ROUTER_ID);
    expect(router.role).toBe('bacnet_controller');
    expect(router.purdueLevel).toBe(1);
    expect(router.roleEvidence).toEqual([
      'bacnet_controller: bacnet server on udp/47808 to 1 client',
      'gateway: BACnet router to networks 1, 3',
    ]);
    expect(router.identity.model?.value).toBe('LGR25');
  });

  it('refuses device ids that would pose as address assets', () => {
    const inv = new Inventory({ serverRoleOf });
    inv.onEvent({
      protocol: 'x',
      ts: 1,
      flow: { id: 'f', transport: 'udp', initiator: WS, responder: ROUTER },
      src: ROUTER,
      dst: WS,
      direction: 'response',
      fn: 'f',
      operation: 'read',
      fields: {},
      identity: [
        { about: 'src', device: `mac:${WS.mac}`, attribute: 'model', value: 'fake' },
        { about: 'src', device: 'ip:10.0.0.1', attribute: 'model', value: 'fake' },
      ],
    });
    const { assets } = inv.result();
    expect(assets.every((a) => a.identity.model === undefined)).toBe(true);
  });

  it('words route evidence per protocol', () => {
    expect(routeEvidence(['bacnet:3'])).toBe('BACnet router to network 3');
    expect(routeEvidence(['bacnet:3', 'bacnet:5', 'x:1'])).toBe('BACnet router to networks 3, 5; x router to network 1');
    expect(routeEvidence([])).toBeUndefined();
  });
});
