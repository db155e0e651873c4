/**
 * Remote sites under load (issue 17): 20 simulated sensors publish together to NATS JetStream, one hub
 * ingests into PostgreSQL, and the hub's API serves pages with a site filter.
 *
 * Each sensor is a real one minus the capture: its own SQLite database filled with a generated plant
 * (2,000 assets, 4,000 paths, 2,000 identity rows: 8,000 changes, recorded in its outbox by the triggers)
 * and its own Publisher. Measured:
 * 1. publishing: the 20 sensors' outboxes to JetStream together (the hub not running), changes/s;
 * 2. central ingest: the hub started on the filled stream until every site's cursor reached its sensor's
 *    last acknowledged sequence, changes/s into PostgreSQL (target ≥ 20,000/s);
 * 3. the API: pages of assets, paths and findings with a site filter (first pages and cursor pages, sorted
 *    several ways) over HTTP on 127.0.0.1, p50 and p99 (target p99 < 50 ms at 20 sites × 2,000 assets).
 *
 * Needs the servers (OTWATCH_BENCH_PG, default postgres://postgres@127.0.0.1:5432/test; OTWATCH_BENCH_NATS,
 * default nats://127.0.0.1:4222); uses a schema and a stream of its own and removes them. Skips with a line
 * when a server is not there.
 *
 * Usage: node dist/bench/sites-bench.js [--sites 20] [--assets 2000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { buildHubApp } from '../src/api/hub-app.js';
import { Hub } from '../src/hub/hub.js';
import { createPgToken } from '../src/store/pg/token-repository.js';
import { Store } from '../src/store/store.js';
import { Publisher } from '../src/sync/publisher.js';
import type { Asset, Path } from '../src/core/model.js';
import { macAssetId } from '../src/core/ids.js';

export interface SitesBenchResult {
  sites: number;
  assetsPerSite: number;
  changes: number;
  publishPerS: number;
  ingestPerS: number;
  ingestSeconds: number;
  apiRequests: number;
  apiP50Ms: number;
  apiP99Ms: number;
}

const ROLES = ['plc', 'hmi', 'engineering_workstation', 'historian', 'workstation', 'server'] as const;
const PROTOCOLS = ['modbus', 's7comm', 'opcua', 'enip', 'dnp3', 'iec104', 'bacnet', 'http'] as const;

/** A generated plant in a sensor's SQLite: assets, paths (with operations) and identity rows, written as the store writes them. */
function fillSensor(store: Store, site: number, assets: number): number {
  const db = store.db;
  const putAsset =
    db.prepare(`INSERT INTO assets (id, role, purdue_level, vendor, mac_vendor, name, first_seen, last_seen, gateway_evidence, data)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)`);
  const putPath = db.prepare(`INSERT INTO paths (id, initiator, responder, initiator_ip, responder_ip, protocol, transport, responder_port,
    packets_to_responder, packets_to_initiator, bytes_to_responder, bytes_to_initiator, first_seen, last_seen, facts)
    VALUES (?, ?, ?, ?, ?, ?, 'tcp', ?, ?, ?, ?, ?, ?, ?, '{}')`);
  const putOp = db.prepare('INSERT INTO path_operations (path_id, operation, count, functions, examples) VALUES (?, ?, ?, ?, ?)');
  const putIdentity = db.prepare(
    'INSERT INTO identity_history (asset_id, attribute, value, protocol, first_ts, last_ts) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const t0 = 1_760_000_000;
  let changes = 0;
  db.transaction(() => {
    const ids: string[] = [];
    for (let i = 0; i < assets; i++) {
      const ip = `10.${site}.${i >> 8}.${i & 255}`;
      const mac = `02:00:${site.toString(16).padStart(2, '0')}:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
      const role = ROLES[i % ROLES.length]!;
      const proto = PROTOCOLS[i % PROTOCOLS.length]!;
      const a: Asset = {
        id: macAssetId(mac),
        ips: [ip],
        macs: [mac],
        vlans: [10 + (i % 4)],
        macVendor: 'Siemens AG',
        names: [`dev-${site}-${i}.plant.example`],
        identity: {
          vendor: { value: 'Siemens', protocol: proto, ts: t0 + i },
          model: { value: `CPU 15${i % 10}`, protocol: proto, ts: t0 + i },
        },
        role,
        roleEvidence: [`${role}: ${proto} server on tcp/502 to 3 clients`],
        purdueLevel: role === 'plc' ? 1 : 2,
        protocolsServer: role === 'plc' ? [proto] : [],
        protocolsClient: role === 'plc' ? [] : [proto],
        firstSeen: t0 + i,
        lastSeen: t0 + 86_400 + i,
      };
      ids.push(a.id);
      putAsset.run(a.id, a.role, a.purdueLevel, 'Siemens', 'Siemens AG', a.names[0], a.firstSeen, a.lastSeen, JSON.stringify(a));
      putIdentity.run(a.id, 'firmware', `V${site}.${i % 7}.${i % 13}`, proto, t0 + i, t0 + i + 3600);
      changes += 2;
    }
    for (let i = 0; i < assets * 2; i++) {
      const from = ids[(i * 7) % assets]!;
      const to = ids[(i * 13 + 1) % assets]!;
      const proto = PROTOCOLS[i % PROTOCOLS.length]!;
      const id = `p${site}-${i}`;
      const p: Pick<Path, 'initiatorIp' | 'responderIp'> = {
        initiatorIp: `10.${site}.0.${i & 255}`,
        responderIp: `10.${site}.1.${i & 255}`,
      };
      putPath.run(id, from, to, p.initiatorIp, p.responderIp, proto, 502, 1000 + i, 1000 + i, 64_000, 64_000, t0 + i, t0 + 86_400 + i);
      putOp.run(
        id,
        i % 3 ? 'read' : 'write',
        1000 + i,
        JSON.stringify({ '3': 1000 + i }),
        JSON.stringify([`HR 40001-40010 unit ${i % 8}`]),
      );
      changes++;
    }
  })();
  return changes;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export async function runSitesBench(
  opts: { sites?: number; assets?: number; log?: (s: string) => void } = {},
): Promise<SitesBenchResult | undefined> {
  const say = opts.log ?? ((s: string) => console.log(s));
  const sites = opts.sites ?? 20;
  const assets = opts.assets ?? 2000;
  const pgUrl = process.env.OTWATCH_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
  const natsUrl = process.env.OTWATCH_BENCH_NATS ?? 'nats://127.0.0.1:4222';
  const tag = randomBytes(3).toString('hex');
  const schema = `bench_sites_${tag}`;
  const prefix = `bench${tag}`;
  const stream = `BENCH_SITES_${tag}`;
  // both servers or nothing: a machine without them skips this part of the benchmark
  try {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.end();
    await (await connect({ servers: natsUrl, timeout: 2000 })).close();
  } catch (err) {
    say(`sites    skipped: PostgreSQL (${pgUrl}) or NATS (${natsUrl}) not reachable: ${(err as Error).message}`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-sites-bench-'));
  const stores: Store[] = [];
  const publishers: Publisher[] = [];
  let hub: Hub | undefined;
  try {
    // the stream first (the hub creates it: start and stop one), so that sensors can publish while no hub runs
    hub = new Hub({ nats: { url: natsUrl }, pg: { url: pgUrl, schema }, prefix, stream, durable: 'bench', fetch: 64 });
    await hub.start();
    await hub.stop();
    hub = undefined;

    let changes = 0;
    for (let s = 0; s < sites; s++) {
      const store = new Store(join(dir, `site-${s}.db`));
      stores.push(store);
      publishers.push(
        new Publisher({
          site: `site-${String(s).padStart(2, '0')}`,
          name: `Plant ${s}`,
          nats: { url: natsUrl },
          prefix,
          db: store.db,
          heartbeatMs: 60_000,
        }),
      );
      changes += fillSensor(store, s, assets);
    }
    say(
      `sites    ${sites} sensors × ${assets} assets, ${2 * assets} paths, ${assets} identities: ${changes.toLocaleString('en-US')} changes in their outboxes`,
    );

    let t = performance.now();
    for (const p of publishers) p.start();
    await Promise.all(publishers.map((p) => p.drain(600_000)));
    const publishS = (performance.now() - t) / 1000;
    const published = publishers.reduce((n, p) => n + p.counters.changes, 0);
    say(
      `sites    publish  ${published.toLocaleString('en-US')} changes from ${sites} sensors together in ${publishS.toFixed(2)} s: ${Math.round(published / publishS).toLocaleString('en-US')} changes/s into JetStream`,
    );

    t = performance.now();
    hub = new Hub({ nats: { url: natsUrl }, pg: { url: pgUrl, schema }, prefix, stream, durable: 'bench', fetch: 64 });
    await hub.start();
    const started = (performance.now() - t) / 1000;
    t = performance.now();
    const want = new Map(publishers.map((p) => [p.site, p.outbox.state().lastAcked]));
    for (;;) {
      const done = hub.siteStates().filter((s) => s.cursor >= (want.get(s.id) ?? Infinity)).length;
      if (done === sites) break;
      if (performance.now() - t > 600_000) throw new Error('ingest did not finish in 10 minutes');
      await new Promise((r) => setTimeout(r, 20));
    }
    const ingestS = (performance.now() - t) / 1000;
    const ingested = hub.counters.changes;
    say(
      `sites    ingest   ${ingested.toLocaleString('en-US')} changes into PostgreSQL in ${ingestS.toFixed(2)} s (${hub.counters.transactions} fetches; the hub's start, ${started.toFixed(2)} s, apart): ` +
        `${Math.round(ingested / ingestS).toLocaleString('en-US')} changes/s (target ≥ 20,000/s); ${(hub.counters.pgMs / 1000).toFixed(2)} s of it writing to PostgreSQL`,
    );

    // the API, over HTTP, pages with a site filter
    const app = await buildHubApp({ pool: hub.repo!.pool, staleAfterS: 300 });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
    const { token } = await createPgToken(hub.repo!.pool, 'viewer', 'bench');
    const headers = { authorization: `Bearer ${token}` };
    const urls: string[] = [];
    for (let s = 0; s < sites; s++) {
      const site = `site-${String(s).padStart(2, '0')}`;
      urls.push(
        `/api/v1/assets?site=${site}&limit=50`,
        `/api/v1/assets?site=${site}&limit=50&sort=last_seen&order=desc`,
        `/api/v1/assets?site=${site}&limit=50&role=plc`,
        `/api/v1/assets?site=${site}&limit=50&protocol=modbus`,
        `/api/v1/paths?site=${site}&limit=50`,
        `/api/v1/paths?site=${site}&limit=50&protocol=s7comm&sort=last_seen`,
        `/api/v1/findings?site=${site}&limit=50`,
      );
    }
    urls.push('/api/v1/sites');
    // warm-up, then every URL 5 times and each first page's next cursor page
    for (const u of urls) await fetch(base + u, { headers }).then((r) => r.arrayBuffer());
    const times: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const u of urls) {
        const t1 = performance.now();
        const r = await fetch(base + u, { headers });
        const body = (await r.json()) as { nextCursor?: string | null };
        times.push(performance.now() - t1);
        if (r.status !== 200) throw new Error(`${u}: HTTP ${r.status}`);
        if (round === 0 && body.nextCursor) {
          const t2 = performance.now();
          await fetch(`${base}${u}&cursor=${body.nextCursor}`, { headers }).then((x) => x.arrayBuffer());
          times.push(performance.now() - t2);
        }
      }
    }
    await app.close();
    times.sort((a, b) => a - b);
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);
    say(
      `sites    API      ${times.length} pages with a site filter (${sites} sites × ${assets} assets): p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms (target p99 < 50 ms)`,
    );
    return {
      sites,
      assetsPerSite: assets,
      changes,
      publishPerS: Math.round(published / publishS),
      ingestPerS: Math.round(ingested / ingestS),
      ingestSeconds: ingestS,
      apiRequests: times.length,
      apiP50Ms: p50,
      apiP99Ms: p99,
    };
  } finally {
    await Promise.all(publishers.map((p) => p.stop().catch(() => undefined)));
    await hub?.stop().catch(() => undefined);
    for (const s of stores) s.close();
    rmSync(dir, { recursive: true, force: true });
    const nc = await connect({ servers: natsUrl }).catch(() => undefined);
    if (nc) {
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.close();
    }
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect().then(
      () => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => c.end()),
      () => undefined,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : undefined;
  };
  await runSitesBench({ sites: arg('--sites'), assets: arg('--assets') });
}
