/**
 * A plant database at the size of a real site: about 2,000 assets and 20,000 paths in 10 zones over
 * the Purdue levels (enterprise, DMZ, operations, two SCADA zones, three lines, building management,
 * packaging) plus unzoned hosts, its zone/conduit policy stored as version 1, and the audit run over it
 * (zones of assets and paths, findings), as `otwatch analyze` leaves a store. Synthetic events go
 * through the real Inventory, so roles come from the evidence. Deterministic: the same arguments give
 * the same database. Used by the map's browser test (test/browser/map.e2e.test.ts).
 *
 *   npx tsx bench/gen/plant-db.ts <out.db> [scale=1]
 */
import { rmSync } from 'node:fs';
import { runAudit } from '../../src/analysis/run-audit.js';
import { loadPolicyText } from '../../src/audit/policy-load.js';
import { Inventory } from '../../src/inventory/inventory.js';
import { protocolModules } from '../../src/protocols/registry.js';
import { Store } from '../../src/store/store.js';
import { ep, feedExchange, type EventSpec } from './synthetic-inventory.js';
import { mulberry32 } from './rng.js';

interface ZoneSpec {
  id: string;
  name: string;
  level: number;
  /** Assets in the zone (before scaling). */
  size: number;
}

/** The plant's zones, each one /16 (10.<index+1>.0.0/16); unzoned hosts in 10.200.0.0/16. */
export const PLANT_ZONES: readonly ZoneSpec[] = [
  { id: 'enterprise', name: 'Enterprise network', level: 4, size: 400 },
  { id: 'dmz', name: 'Industrial DMZ', level: 3.5, size: 30 },
  { id: 'operations', name: 'Site operations', level: 3, size: 120 },
  { id: 'scada-north', name: 'SCADA north', level: 2, size: 110 },
  { id: 'scada-south', name: 'SCADA south', level: 2, size: 110 },
  { id: 'line-1', name: 'Line 1 control', level: 1, size: 300 },
  { id: 'line-2', name: 'Line 2 control', level: 1, size: 300 },
  { id: 'line-3', name: 'Line 3 control', level: 1, size: 250 },
  { id: 'bms', name: 'Building management', level: 1, size: 250 },
  { id: 'packaging', name: 'Packaging cells', level: 1, size: 80 },
];
const UNZONED_HOSTS = 50;

export function plantPolicyText(): string {
  const zones = PLANT_ZONES.map(
    (z, i) => `  - id: ${z.id}\n    name: ${z.name}\n    level: ${z.level}\n    sl_t: 2\n    members:\n      - cidr: 10.${i + 1}.0.0/16\n`,
  ).join('');
  const conduit = (id: string, a: string, b: string, flows: string, extra = '') =>
    `  - id: ${id}\n    name: ${id}\n    between: [${a}, ${b}]\n    sl_t: 2\n    enforcement: [firewall]\n${extra}    flows:\n${flows}`;
  const flow = (protocol: string, initiator: string, allow?: string) =>
    `      - protocol: ${protocol}\n        initiator: ${initiator}\n${allow ? `        operations:\n          allow: [${allow}]\n` : ''}`;
  const conduits = [
    conduit('enterprise-dmz', 'enterprise', 'dmz', flow('https', 'enterprise')),
    conduit('dmz-operations', 'dmz', 'operations', flow('https', 'dmz') + flow('opcua', 'operations')),
    conduit('operations-scada-n', 'operations', 'scada-north', flow('opcua', 'operations', 'session, discovery, browse, read, subscribe')),
    conduit('operations-scada-s', 'operations', 'scada-south', flow('opcua', 'operations', 'session, discovery, browse, read, subscribe')),
    conduit(
      'scada-n-line-1',
      'scada-north',
      'line-1',
      flow('modbus', 'scada-north', 'read, write, diagnostic') + flow('s7comm', 'scada-north', 'session, read, identify'),
    ),
    conduit(
      'scada-n-line-2',
      'scada-north',
      'line-2',
      flow('modbus', 'scada-north', 'read, write, diagnostic') + flow('s7comm', 'scada-north', 'session, read, identify'),
    ),
    conduit('scada-s-line-3', 'scada-south', 'line-3', flow('s7comm', 'scada-south', 'session, read, write, identify')),
    conduit('scada-s-packaging', 'scada-south', 'packaging', flow('s7comm', 'scada-south', 'session, read, write, identify')),
    conduit('scada-n-bms', 'scada-north', 'bms', flow('bacnet', 'scada-north', 'read, write')),
    // declared, never used: an unused conduit on the map
    conduit('scada-s-bms', 'scada-south', 'bms', flow('bacnet', 'scada-south', 'read')),
    // a temporary integrator conduit that expired before the traffic: expired, still in use
    conduit(
      'integrator-line-3',
      'scada-north',
      'line-3',
      flow('s7comm', 'scada-north'),
      '    expires: 2023-01-01\n    owner: integrator\n',
    ),
  ].join('\n');
  return `version: 1\nname: Generated plant (${PLANT_ZONES.length} zones)\n\nzones:\n${zones}\nconduits:\n${conduits}`;
}

export interface PlantDbResult {
  assets: number;
  paths: number;
  zones: number;
  findings: number;
}

/** Fills `file` (replaced) with the plant; `scale` multiplies zone sizes (1: ~2,000 assets, ~20,000 paths). */
export function buildPlantDb(file: string, scale = 1, seed = 20): PlantDbResult {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const roles = new Map<string, string | undefined>();
  for (const m of protocolModules) roles.set(m.name, m.serverRole);
  const serverRoleOf = (p: string) => roles.get(p);
  const inv = new Inventory({ serverRoleOf });
  const size = (i: number) => Math.max(1, Math.round(PLANT_ZONES[i]!.size * scale));
  const ip = (zone: number, n: number) => `10.${zone + 1}.${((n + 1) >> 8) & 0xff}.${(n + 1) & 0xff}`;
  const hosts = (zone: number, from: number, count: number) => Array.from({ length: count }, (_, k) => ip(zone, from + k));
  const z = (id: string) => PLANT_ZONES.findIndex((x) => x.id === id);
  let ts = 1_760_000_000;
  let port = 40000;
  const exchange = (client: string, server: string, protocol: string, serverPort: number, requests: EventSpec[]) => {
    ts += 0.37;
    port = port >= 65000 ? 40000 : port + 1;
    feedExchange(inv, { client: ep(client, port), server: ep(server, serverPort), protocol, ts, requests });
  };
  const read = (fn = 'read'): EventSpec[] => [{ operation: 'read', fn, detail: `read ${Math.floor(rnd() * 100)}` }];

  const ent = z('enterprise');
  const dmz = z('dmz');
  const ops = z('operations');
  const sn = z('scada-north');
  const ss = z('scada-south');
  const l1 = z('line-1');
  const l2 = z('line-2');
  const l3 = z('line-3');
  const bms = z('bms');
  const pkg = z('packaging');
  // zone members by function
  const officePcs = hosts(ent, 0, size(ent) - 20);
  const officeServers = hosts(ent, size(ent) - 20, 20);
  const jumpHosts = hosts(dmz, 0, size(dmz));
  const historians = hosts(ops, 0, 10);
  const uaClients = hosts(ops, 10, size(ops) - 10);
  const hmiN = hosts(sn, 0, size(sn) - 20);
  const uaN = hosts(sn, size(sn) - 20, 10);
  const ewsN = hosts(sn, size(sn) - 10, 10);
  const hmiS = hosts(ss, 0, size(ss) - 20);
  const uaS = hosts(ss, size(ss) - 20, 10);
  const ewsS = hosts(ss, size(ss) - 10, 10);
  const plc1 = hosts(l1, 0, size(l1));
  const plc2 = hosts(l2, 0, size(l2));
  const plc3 = hosts(l3, 0, size(l3));
  const bac = hosts(bms, 0, size(bms));
  const cells = hosts(pkg, 0, size(pkg));
  const stray = Array.from({ length: Math.round(UNZONED_HOSTS * scale) }, (_, k) => `10.200.${k >> 8}.${(k & 0xff) + 1}`);
  const many = <T>(xs: readonly T[], n: number, offset: number) =>
    Array.from({ length: Math.min(n, xs.length) }, (_, k) => xs[(offset + k) % xs.length]!);

  // office clients browse the DMZ web servers
  officePcs.forEach((c, i) => many(jumpHosts, 6, i).forEach((s) => exchange(c, s, 'https', 443, read('GET'))));
  officeServers.forEach((c, i) => many(officeServers, 3, i + 1).forEach((s) => s !== c && exchange(c, s, 'https', 443, read('GET'))));
  // jump hosts reach the operations web servers; UA clients and historians read the SCADA OPC UA servers
  jumpHosts.forEach((c, i) => many(historians, 4, i).forEach((s) => exchange(c, s, 'https', 443, read('GET'))));
  uaClients.forEach((c, i) => many([...uaN, ...uaS], 16, i).forEach((s) => exchange(c, s, 'opcua', 4840, read('Read'))));
  historians.forEach((c, i) => many([...uaN, ...uaS], 20, i).forEach((s) => exchange(c, s, 'opcua', 4840, read('Read'))));
  // four historians read line 1 PLCs directly (no conduit: a violation)
  historians.slice(0, 4).forEach((c) => plc1.forEach((s) => exchange(c, s, 'modbus', 502, read('read_holding_registers'))));
  // HMIs poll their lines over Modbus and S7
  hmiN.forEach((c, i) => {
    many(plc1, 35, i * 3).forEach((s) => exchange(c, s, 'modbus', 502, read('read_holding_registers')));
    many(plc2, 35, i * 3).forEach((s) => exchange(c, s, 's7comm', 102, read('read_var')));
    many(bac, 12, i * 2).forEach((s) => exchange(c, s, 'bacnet', 47808, read('readProperty')));
  });
  hmiS.forEach((c, i) => {
    many(plc3, 45, i * 3).forEach((s) => exchange(c, s, 's7comm', 102, read('read_var')));
    many(cells, 10, i).forEach((s) => exchange(c, s, 's7comm', 102, [{ operation: 'write', fn: 'write_var', detail: 'DB1.DBW0' }]));
  });
  // engineering workstations program PLCs: allowed towards line 3 only through the expired integrator conduit
  ewsN.forEach((c, i) =>
    many(plc3, 15, i * 15).forEach((s) => exchange(c, s, 's7comm', 102, [{ operation: 'program', fn: 'download_block', detail: 'OB1' }])),
  );
  ewsS.forEach((c, i) =>
    many(plc3, 15, i * 15).forEach((s) => exchange(c, s, 's7comm', 102, [{ operation: 'program', fn: 'download_block', detail: 'OB1' }])),
  );
  // SCADA OPC UA servers read the PLCs of their lines (intra-site, through the conduits)
  uaN.forEach((c, i) => many(plc1, 20, i * 20).forEach((s) => exchange(c, s, 'modbus', 502, read('read_holding_registers'))));
  uaS.forEach((c, i) => many(plc3, 20, i * 20).forEach((s) => exchange(c, s, 's7comm', 102, read('read_var'))));
  // PLC to PLC inside the lines, controllers to controllers in the BMS
  for (const line of [plc1, plc2, plc3, cells, bac])
    line.forEach((c, i) =>
      exchange(c, line[(i + 1) % line.length]!, line === bac ? 'bacnet' : 's7comm', line === bac ? 47808 : 102, read()),
    );
  // hosts nobody zoned: a laptop poking the lines, a vendor box
  stray.forEach((c, i) => many(pick([plc1, plc2, cells]), 10, i * 7).forEach((s) => exchange(c, s, 'modbus', 502, read('read_coils'))));
  // an office PC that reaches a PLC directly (a Purdue bypass)
  exchange(officePcs[0]!, plc2[0]!, 's7comm', 102, [{ operation: 'write', fn: 'write_var', detail: 'DB9.DBW2' }]);

  const result = inv.result();
  const store = new Store(file);
  try {
    store.save(result, { serverRoleOf });
    const text = plantPolicyText();
    const loaded = loadPolicyText(text, 'policy.yaml');
    if (!loaded.ok) throw new Error(`generated policy refused: ${loaded.errors.map((e) => e.message).join('; ')}`);
    const audit = runAudit(store, { policy: loaded.policy, text }, { now: ts + 60, actor: 'plant-db' });
    return { assets: result.assets.length, paths: result.paths.length, zones: PLANT_ZONES.length, findings: audit.findings.length };
  } finally {
    store.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const out = process.argv[2] ?? '/tmp/otwatch-plant.db';
  const t = performance.now();
  const r = buildPlantDb(out, Number(process.argv[3] ?? 1));
  console.log(
    `${out}: ${r.assets} assets, ${r.paths} paths, ${r.zones} zones, ${r.findings} findings in ${Math.round(performance.now() - t)} ms`,
  );
}
