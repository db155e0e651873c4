/**
 * API list latency on a large store: fills a temporary database with 100,000 assets, 1,000,000 paths
 * and 100,000 findings (sizes overridable: --assets N --paths N --findings N), then times filtered
 * pages through the whole Fastify stack (inject: routing, auth, validation, SQL, serialisation) and
 * prints p50/p99 per query. Not a test: run it by hand, `npx tsx bench/api-bench.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Store } from '../src/store/store.js';
import { buildApp } from '../src/api/app.js';
import { createToken } from '../src/store/token-repository.js';
import { RULES, SEVERITY_ORDER } from '../src/audit/constants.js';

const { values } = parseArgs({
  options: { assets: { type: 'string' }, paths: { type: 'string' }, findings: { type: 'string' }, runs: { type: 'string' } },
});
const N_ASSETS = Number(values.assets ?? 100_000);
const N_PATHS = Number(values.paths ?? 1_000_000);
const N_FINDINGS = Number(values.findings ?? 100_000);
const RUNS = Number(values.runs ?? 200);

const ROLES = ['plc', 'hmi', 'engineering_workstation', 'opcua_server', 'bacnet_controller', 'workstation', 'server', 'unknown'];
const VENDORS = ['Siemens', 'Schneider Electric', 'Rockwell', 'ABB', 'Beckhoff', 'WAGO', 'Phoenix Contact', 'Honeywell', null];
const PROTOCOLS = ['modbus', 's7comm', 'opcua', 'bacnet', 'http', 'ssh', 'tcp/8443', 'dnp3'];
const OPS = ['read', 'write', 'diagnostic', 'program', 'identify', 'control', 'browse', 'subscribe'];
const ZONES = Array.from({ length: 20 }, (_, i) => `zone-${i}`);
const SEVERITIES = Object.keys(SEVERITY_ORDER);
const RULE_IDS = Object.values(RULES);
const T0 = 1_700_000_000;

/** Deterministic pseudo-random numbers (xorshift32): the same store on every run. */
let seed = 0x9e3779b9;
function rnd(n: number): number {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed % n;
}
const pick = <T>(xs: readonly T[]): T => xs[rnd(xs.length)]!;
const assetId = (i: number) =>
  `mac:02:00:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}:01`;
const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

function fill(store: Store): void {
  const db = store.db;
  const t = performance.now();
  const zoneOf: string[] = [];
  db.transaction(() => {
    const a = db.prepare(
      'INSERT INTO assets (id, role, purdue_level, vendor, mac_vendor, name, first_seen, last_seen, gateway_evidence, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)',
    );
    const proto = db.prepare('INSERT OR IGNORE INTO asset_protocols (protocol, side, asset_id) VALUES (?, ?, ?)');
    const zone = db.prepare('INSERT INTO asset_zones (asset_id, zone) VALUES (?, ?)');
    for (let i = 0; i < N_ASSETS; i++) {
      const id = assetId(i);
      const role = pick(ROLES);
      const vendor = pick(VENDORS);
      const first = T0 + rnd(86_400 * 30);
      const last = first + rnd(86_400 * 30);
      const p = pick(PROTOCOLS);
      const asset = {
        id,
        ips: [ip(i)],
        macs: [id.slice(4)],
        vlans: [],
        macVendor: vendor ?? undefined,
        names: [],
        identity: vendor ? { vendor: { value: vendor, protocol: p, ts: first } } : {},
        role,
        roleEvidence: [`${role}: ${p} server on tcp/502 to 3 clients`],
        purdueLevel: 1,
        protocolsServer: [p],
        protocolsClient: [],
        firstSeen: first,
        lastSeen: last,
      };
      a.run(id, role, 1, vendor, vendor, null, first, last, JSON.stringify(asset));
      proto.run(p, 'server', id);
      zoneOf[i] = pick(ZONES);
      zone.run(id, zoneOf[i]);
    }
  })();
  console.log(`${N_ASSETS} assets in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const BATCH = 100_000;
  for (let start = 0; start < N_PATHS; start += BATCH) {
    db.transaction(() => {
      const p =
        db.prepare(`INSERT INTO paths (id, initiator, responder, initiator_ip, responder_ip, protocol, transport, responder_port, packets_to_responder,
        packets_to_initiator, bytes_to_responder, bytes_to_initiator, first_seen, last_seen, facts) VALUES (?, ?, ?, ?, ?, ?, 'tcp', ?, ?, ?, ?, ?, ?, ?, '{}')`);
      const op = db.prepare(
        'INSERT INTO path_operations (path_id, operation, count, functions, examples) VALUES (?, ?, ?, \'{"3":10}\', \'["HR 40001-40010 unit 1"]\')',
      );
      const pz = db.prepare("INSERT INTO path_zones (path_id, from_zone, to_zone, status) VALUES (?, ?, ?, 'allowed')");
      for (let k = start; k < Math.min(N_PATHS, start + BATCH); k++) {
        const id = `path:${k.toString(16).padStart(24, '0')}`;
        const i = rnd(N_ASSETS);
        const r = rnd(N_ASSETS);
        const first = T0 + rnd(86_400 * 30);
        p.run(id, assetId(i), assetId(r), ip(i), ip(r), pick(PROTOCOLS), 502, 10, 10, 600, 600, first, first + rnd(86_400));
        op.run(id, pick(OPS), 1 + rnd(1000));
        pz.run(id, zoneOf[i], zoneOf[r]);
      }
    })();
  }
  console.log(`${N_PATHS} paths in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  db.transaction(() => {
    const f = db.prepare(
      'INSERT INTO findings (id, rule, severity, severity_rank, status, conduit, first_seen, last_seen, detected_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    const fd = db.prepare('INSERT INTO finding_data (id, data) VALUES (?, ?)');
    const fz = db.prepare('INSERT OR IGNORE INTO finding_zones (zone, finding_id) VALUES (?, ?)');
    const fa = db.prepare('INSERT OR IGNORE INTO finding_assets (asset_id, finding_id) VALUES (?, ?)');
    for (let k = 0; k < N_FINDINGS; k++) {
      const rule = pick(RULE_IDS);
      const severity = pick(SEVERITIES);
      const id = `${rule}:${k.toString(16).padStart(16, '0')}`;
      const zones = [pick(ZONES), pick(ZONES)];
      const conduit = rnd(3) ? `conduit-${rnd(40)}` : null;
      const first = T0 + rnd(86_400 * 30);
      const a = rnd(N_ASSETS);
      const finding = {
        id,
        rule,
        severity,
        requirements: ['SR 5.1'],
        subject: { kind: 'flow', key: `k${k}`, label: `${zones[0]} → ${zones[1]} modbus (tcp/502)` },
        explanation: 'modbus (tcp/502) from one zone to another on 1 path(s), but no conduit joins them',
        remediation: 'Block this flow',
        zones,
        conduit: conduit ?? undefined,
        evidence: {
          pathCount: 1,
          packets: 20,
          firstSeen: first,
          lastSeen: first + 3600,
          paths: [
            {
              pathId: 'p',
              initiator: assetId(a),
              responder: assetId(a + 1),
              initiatorIp: ip(a),
              responderIp: ip(a + 1),
              protocol: 'modbus',
              transport: 'tcp',
              responderPort: 502,
              packets: 20,
              firstSeen: first,
              lastSeen: first + 3600,
            },
          ],
          operations: [{ operation: 'write', count: 3, examples: ['HR 40001'] }],
          facts: {},
          details: [],
        },
      };
      f.run(
        id,
        rule,
        severity,
        SEVERITY_ORDER[severity as keyof typeof SEVERITY_ORDER],
        pick(['open', 'open', 'acknowledged', 'resolved']),
        conduit,
        first,
        first + 3600,
        first,
        first,
      );
      fd.run(id, JSON.stringify(finding));
      for (const z of zones) fz.run(z, id);
      fa.run(assetId(a), id);
    }
  })();
  db.exec('ANALYZE');
  console.log(`${N_FINDINGS} findings, ANALYZE done in ${((performance.now() - t) / 1000).toFixed(1)} s total`);
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-bench-'));
  try {
    const db = join(dir, 'bench.db');
    const store = new Store(db);
    fill(store);
    const token = createToken(store.db, 'viewer').token;
    store.close();
    const app = await buildApp({ db });
    const headers = { authorization: `Bearer ${token}` };
    const second = (await app.inject({ url: '/api/v1/paths?protocol=modbus&limit=50', headers })).json().nextCursor as string;
    const queries = [
      '/api/v1/assets?limit=50',
      '/api/v1/assets?role=plc&limit=50',
      '/api/v1/assets?zone=zone-3&sort=last_seen&order=desc&limit=50',
      '/api/v1/assets?protocol=modbus&limit=50',
      '/api/v1/assets?vendor=Siemens&role=plc&limit=50',
      `/api/v1/assets/${encodeURIComponent(assetId(Math.min(4242, N_ASSETS - 1)))}`,
      '/api/v1/paths?limit=50',
      '/api/v1/paths?protocol=modbus&limit=50',
      `/api/v1/paths?protocol=modbus&limit=50&cursor=${second}`,
      '/api/v1/paths?from_zone=zone-1&to_zone=zone-2&limit=50',
      '/api/v1/paths?operation=write&limit=50',
      '/api/v1/paths?protocol=s7comm&sort=last_seen&order=desc&limit=50',
      `/api/v1/paths?asset=${encodeURIComponent(assetId(Math.min(77, N_ASSETS - 1)))}&limit=50`,
      '/api/v1/findings?limit=50',
      '/api/v1/findings?severity=high&limit=50',
      '/api/v1/findings?rule=ZC-FLOW-NO-CONDUIT&status=open&limit=50',
      '/api/v1/findings?zone=zone-3&sort=last_seen&order=desc&limit=50',
      '/api/v1/findings?conduit=conduit-7&limit=50',
      `/api/v1/findings?since=${T0 + 86_400 * 10}&until=${T0 + 86_400 * 11}&limit=50`,
    ];
    console.log(`\n${'query'.padEnd(86)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'total'.padStart(9)}`);
    for (const url of queries) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < RUNS + 5; i++) {
        const t = performance.now();
        const r = await app.inject({ url, headers });
        const ms = performance.now() - t;
        if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode} ${r.body}`);
        if (i >= 5) times.push(ms); // the first runs warm the statement cache
        total = r.json().total ?? 1;
      }
      times.sort((a, b) => a - b);
      const label = url.length > 86 ? url.slice(0, 83) + '...' : url;
      console.log(
        `${label.padEnd(86)} ${pct(times, 50).toFixed(2).padStart(8)} ${pct(times, 99).toFixed(2).padStart(8)} ${String(total).padStart(9)}`,
      );
    }
    await app.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
