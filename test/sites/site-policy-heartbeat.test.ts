/**
 * A sensor's policy zones and conduits in its heartbeat (issue 17), on the real NATS JetStream and PostgreSQL: a
 * policy of 10,001 zones travels capped at 10,000 (and under the byte bound), once, not in every heartbeat; the
 * hub stores it and its map of the site names the zones and places them by level, a hostile zone name kept as the
 * text it is; a heartbeat without a policy (an older sensor) leaves the stored one in place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { buildHubApp } from '../../src/api/hub-app.js';
import { loadPolicyText } from '../../src/audit/policy-load.js';
import { Hub } from '../../src/hub/hub.js';
import type { MapOverview } from '../../src/report/map-view.js';
import { heartbeatSubject, MESSAGE_VERSION, parseSitePolicy, type Heartbeat } from '../../src/sync/messages.js';
import { Publisher } from '../../src/sync/publisher.js';
import { sitePolicyOf } from '../../src/sync/site-policy.js';
import { PolicyStore } from '../../src/store/policy-repository.js';
import { createPgToken } from '../../src/store/pg/token-repository.js';
import { SITE_POLICY_MAX_BYTES, SITE_POLICY_MAX_ZONES } from '../../src/store/site-policy.js';
import { Store } from '../../src/store/store.js';
import { repoRoot } from '../helpers/corpus.js';
import { NATS_URL, PG_URL, pgSchema, uniq, waitFor } from './helpers.js';

const HOSTILE = `<img src=x onerror="window.__pwned=1"> Zone & "co" \u202e`;
const ZONES = 10_001;

function manyZonesPolicy(): string {
  const lines = ['version: 1', 'name: Many zones', 'zones:'];
  for (let i = 0; i < ZONES; i++)
    lines.push(
      `  - id: z${i}`,
      `    name: ${JSON.stringify(i === 0 ? HOSTILE : `Zone ${i}`)}`,
      `    level: ${i % 5}`,
      `    members: [{ cidr: 10.${i >> 8}.${i & 255}.0/24 }]`,
    );
  lines.push('conduits:', '  - id: c0', '    name: First two', '    between: [z0, z1]', '    flows: [{ protocol: modbus }]');
  return lines.join('\n') + '\n';
}

describe('a site policy in the heartbeat', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-site-policy-'));
  const db = pgSchema();
  const prefix = `t${uniq()}`;
  const stream = `T_${prefix}`;
  let hub: Hub;
  let app: FastifyInstance;
  let token: string;
  let nc: NatsConnection;
  let store: Store;
  let publisher: Publisher;
  const heartbeats: { bytes: number; hb: Heartbeat }[] = [];

  beforeAll(async () => {
    hub = new Hub({ nats: { url: NATS_URL }, pg: { url: PG_URL, schema: db.schema }, prefix, stream, durable: 'hub' });
    await hub.start();
    app = await buildHubApp({ pool: hub.repo!.pool, staleAfterS: 600 });
    token = (await createPgToken(hub.repo!.pool, 'viewer', 'test')).token;
    nc = await connect({ servers: NATS_URL });
    // the heartbeats as they cross the wire (a core subscription sees what JetStream stores)
    nc.subscribe(heartbeatSubject(prefix, 'many'), {
      callback: (err, m) => {
        if (!err) heartbeats.push({ bytes: m.data.length, hb: JSON.parse(new TextDecoder().decode(m.data)) as Heartbeat });
      },
    });
    store = new Store(join(dir, 'many.db'));
    const put = new PolicyStore(store.db).put(manyZonesPolicy(), 'test');
    expect(put.ok).toBe(true);
  }, 60_000);

  afterAll(async () => {
    await publisher?.stop();
    store?.close();
    await app?.close();
    await hub?.stop();
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc?.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (url: string) => {
    const r = await app.inject({ url, headers: { authorization: `Bearer ${token}` } });
    return { status: r.statusCode, body: r.json() as Record<string, unknown> & MapOverview };
  };

  it('10,001 zones: capped at 10,000 and the byte bound, sent once, stored by the hub, drawn with names and levels', async () => {
    publisher = new Publisher({ site: 'many', name: 'Many zones', nats: { url: NATS_URL }, db: store.db, prefix, heartbeatMs: 200 });
    publisher.start();
    await waitFor(() => heartbeats.some((h) => h.hb.policy), 60_000, 'a heartbeat with the policy');
    const withPolicy = heartbeats.find((h) => h.hb.policy)!;
    const sent = withPolicy.hb.policy!;
    expect(sent.zones).toHaveLength(SITE_POLICY_MAX_ZONES);
    expect(sent.omitted).toEqual({ zones: 1, conduits: 0 });
    expect(sent.zones[0]!.name).toBe(HOSTILE);
    expect(sent.zones[SITE_POLICY_MAX_ZONES - 1]!.id).toBe('z9999');
    expect(sent.conduits).toEqual([{ id: 'c0', name: 'First two', between: ['z0', 'z1'] }]);
    expect(withPolicy.bytes).toBeLessThan(SITE_POLICY_MAX_BYTES + 4096);
    expect(withPolicy.bytes).toBeLessThan(1024 * 1024); // NATS's default payload limit

    // the hub stores it; the heartbeats after carry it no more (the policy did not change)
    await waitFor(
      async () => (await hub.repo!.pool.query("SELECT policy_hash FROM sites WHERE id = 'many'")).rows[0]?.policy_hash === sent.hash,
      30_000,
      'the hub to store the site policy',
    );
    const at = heartbeats.indexOf(withPolicy);
    await waitFor(() => heartbeats.length >= at + 4, 30_000, 'more heartbeats');
    expect(heartbeats.slice(at + 1).filter((h) => h.hb.policy)).toEqual([]);
    expect(heartbeats.slice(at + 1).every((h) => h.bytes < 2000)).toBe(true);

    const map = await get('/api/v1/map?site=many');
    expect(map.status).toBe(200);
    expect(map.body.zones).toHaveLength(SITE_POLICY_MAX_ZONES);
    expect(map.body.totals.zones).toBe(SITE_POLICY_MAX_ZONES);
    expect(map.body.policyName).toBe('Many zones');
    // the hostile name is the text the policy holds: the JSON carries it as a string, the page sets it as text
    expect(map.body.zones[0]).toMatchObject({ id: 'z0', name: HOSTILE, level: 0 });
    expect(map.body.zones.map((z) => z.level)).toEqual(Array.from({ length: SITE_POLICY_MAX_ZONES }, (_, i) => i % 5));
    expect(map.body.zones[42]!.name).toBe('Zone 42');
    expect(map.body.conduits.map((c) => [c.id, c.aZone, c.bZone])).toEqual([['c0', 'z0', 'z1']]);
    expect(map.body.pairs.map((p) => [p.key, p.conduits, p.status])).toEqual([['z0|z1', ['c0'], 'unused']]);

    // the same policy again costs no write; a changed one would
    expect(await hub.repo!.writeSitePolicies([{ site: 'many', policy: sent }])).toEqual([]);
  }, 120_000);

  it('a heartbeat without a policy (an older sensor) leaves the stored one; a malformed one is ignored', async () => {
    await publisher.stop();
    const js = jetstream(nc);
    const state = publisher.outbox.state();
    const base: Heartbeat = {
      v: MESSAGE_VERSION,
      site: 'many',
      ts: Date.now() / 1000,
      lastAcked: state.lastAcked,
      pending: 0,
      counters: {},
    };
    const before = hub.counters.heartbeats;
    await js.publish(heartbeatSubject(prefix, 'many'), JSON.stringify(base));
    await js.publish(heartbeatSubject(prefix, 'many'), JSON.stringify({ ...base, policy: { hash: 7, zones: 'all of them' } }));
    await waitFor(() => hub.counters.heartbeats >= before + 2, 30_000, 'the hub to read the heartbeats');
    const map = await get('/api/v1/map?site=many');
    expect(map.body.zones).toHaveLength(SITE_POLICY_MAX_ZONES);
    expect(map.body.zones[0]!.name).toBe(HOSTILE);
  }, 60_000);

  it('an unchanged policy goes again every policyEvery heartbeats (a hub whose database was replaced gets it back)', async () => {
    const small = new Store(join(dir, 'again.db'));
    const seen: Heartbeat[] = [];
    const sub = nc.subscribe(heartbeatSubject(prefix, 'again'), {
      callback: (err, m) => {
        if (!err) seen.push(JSON.parse(new TextDecoder().decode(m.data)) as Heartbeat);
      },
    });
    const again = new Publisher({ site: 'again', nats: { url: NATS_URL }, db: small.db, prefix, heartbeatMs: 100, policyEvery: 3 });
    try {
      expect(new PolicyStore(small.db).put(readFileSync(join(repoRoot, 'fixtures/plant/policy.yaml'), 'utf8'), 'test').ok).toBe(true);
      again.start();
      await waitFor(() => seen.length >= 12, 30_000, 'twelve heartbeats');
      const carrying = seen.filter((h) => h.policy).length;
      expect(carrying).toBeGreaterThanOrEqual(3);
      expect(carrying).toBeLessThanOrEqual(Math.ceil(seen.length / 3) + 1);
    } finally {
      await again.stop();
      sub.unsubscribe();
      small.close();
    }
  }, 60_000);

  it('the hub checks what a heartbeat says: wrong types, NUL, lone surrogates, too many zones', () => {
    expect(parseSitePolicy(undefined)).toBeUndefined();
    expect(parseSitePolicy({ hash: 'h', version: 1, zones: {}, conduits: [] })).toBeUndefined();
    const zones = Array.from({ length: 20_000 }, (_, i) => ({ id: `z${i}`, name: `n${i}`, level: i % 2 ? 'x' : 3 }));
    const p = parseSitePolicy({
      hash: 'h',
      version: 2,
      zones: [{ id: 'bad\u0000id', name: 'a \ud800 b', slt: [1, 'x', null] }, { id: 5 }, ...zones],
      conduits: [
        { id: 'c', between: ['z0'] },
        { id: 'd', between: ['z0', 'z1'], expires: 'never' },
      ],
    })!;
    expect(p.zones).toHaveLength(SITE_POLICY_MAX_ZONES - 1); // the first 10,000 entries, one of them not a zone
    expect(p.zones[0]).toEqual({ id: 'badid', name: 'a \ufffd b', level: null, slt: [1, null, null, null, null, null, null] });
    expect(p.zones[1]).toEqual({ id: 'z0', name: 'n0', level: 3 });
    expect(p.zones[2]!.level).toBeNull();
    expect(p.conduits).toEqual([{ id: 'd', name: 'd', between: ['z0', 'z1'] }]);
  });

  it('the sensor keeps a policy within its bounds: zones first, a conduit only with its zones, the bytes counted', () => {
    const r = loadPolicyText(readFileSync(join(repoRoot, 'fixtures/plant/policy.yaml'), 'utf8'));
    if (!r.ok) throw new Error('the plant policy loads');
    const { zones, conduits } = r.policy;
    const full = sitePolicyOf(r.policy, 'h', 1);
    expect(full.zones.map((z) => [z.id, z.name, z.level])).toEqual(zones.map((z) => [z.id, z.name, z.level]));
    expect(full.conduits).toHaveLength(conduits.length);
    expect(full.omitted).toBeUndefined();

    const two = sitePolicyOf(r.policy, 'h', 1, { zones: 2, conduits: 100, bytes: 1e6 });
    const kept = new Set(two.zones.map((z) => z.id));
    expect(two.zones).toHaveLength(2);
    const zoneIds = new Set(zones.map((z) => z.id));
    expect(two.conduits.every((c) => c.between.every((e) => !zoneIds.has(e) || kept.has(e)))).toBe(true);
    expect(two.omitted).toEqual({ zones: zones.length - 2, conduits: conduits.length - two.conduits.length });

    const tight = sitePolicyOf(r.policy, 'h'.repeat(32), 1, { zones: 1e4, conduits: 1e4, bytes: 700 });
    expect(Buffer.byteLength(JSON.stringify(tight))).toBeLessThanOrEqual(700);
    expect(tight.zones.length).toBeGreaterThan(0);
    expect(tight.zones.length).toBeLessThan(zones.length);
  });
});
