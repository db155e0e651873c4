import { describe, expect, it } from 'vitest';
import { Inventory } from '../inventory/inventory.js';
import { ROUTER, routedScenario, routerAsDevice } from '../../test/helpers/bacnet-routed.js';
import { serverRoleOf } from '../../bench/gen/synthetic-inventory.js';
import { Store } from './store.js';

const ROUTER_ID = `mac:${ROUTER.mac}`;

describe('store: devices behind a BACnet router', () => {
  it('keeps the device, its router link and the routing evidence across merges, and re-derives the same roles', () => {
    const store = new Store(':memory:');
    try {
      const first = new Inventory({ serverRoleOf });
      routedScenario(first);
      store.save(first.result(), { serverRoleOf });
      const [dev] = store.assetsById(['bacnet:3:1d']);
      expect(dev).toMatchObject({ via: ROUTER_ID, role: 'bacnet_controller', ips: [], macs: [] });
      expect(dev!.identity.firmware?.value).toBe('2.62');
      expect(
        store
          .identityHistory('bacnet:3:1d')
          .filter((r) => r.attribute === 'vendor')
          .map((r) => r.value),
      ).toEqual(['Acuity Brands Lighting, Inc.', 'Lithonia Lighting, Inc.']);
      let [router] = store.assetsById([ROUTER_ID]);
      expect(router).toMatchObject({
        role: 'gateway',
        routes: ['bacnet:1', 'bacnet:3'],
        roleEvidence: ['gateway: BACnet router to networks 1, 3'],
      });
      // Routing is not address evidence: the column that forces 'gateway' on later merges stays empty.
      expect(store.db.prepare('SELECT gateway_evidence FROM assets WHERE id = ?').pluck().get(ROUTER_ID)).toBeNull();
      expect(store.assets({ role: 'bacnet_controller' }).map((a) => a.id)).toEqual(['bacnet:3:1d', 'bacnet:3:6c']);
      expect(store.paths({ asset: 'bacnet:3:1d' }).map((p) => [p.initiator, p.responderIp])).toEqual([
        ['mac:00:e0:4b:04:bd:fa', ROUTER.ip],
      ]);

      // A later capture where the router answers as a BACnet device itself: it becomes a controller that also routes.
      const second = new Inventory({ serverRoleOf });
      routerAsDevice(second);
      store.save(second.result(), { serverRoleOf });
      [router] = store.assetsById([ROUTER_ID]);
      expect(router).toMatchObject({ role: 'bacnet_controller', routes: ['bacnet:1', 'bacnet:3'] });
      expect(router!.roleEvidence).toEqual([
        'bacnet_controller: bacnet server on udp/47808 to 1 client',
        'gateway: BACnet router to networks 1, 3',
      ]);
      expect(store.assetsById(['bacnet:3:1d'])[0]!.via).toBe(ROUTER_ID);
    } finally {
      store.close();
    }
  });
});
