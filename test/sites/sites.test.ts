/**
 * Remote sites with the real servers (issue 17): sensors publish their SQLite state to NATS JetStream,
 * one hub consumes it into PostgreSQL; the centre's inventory, paths and findings of each site equal the
 * sensor's own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { auditStep } from '../../src/analysis/run-audit.js';
import { main } from '../../src/cli/cli.js';
import { Hub } from '../../src/hub/hub.js';
import { Store } from '../../src/store/store.js';
import { Publisher } from '../../src/sync/publisher.js';
import { corpusAvailable, corpusPath } from '../helpers/corpus.js';
import { repoRoot } from '../helpers/corpus.js';
import { hubData, NATS_URL, PG_URL, pgSchema, sensorData, uniq, waitFor } from './helpers.js';

const plant = join(repoRoot, 'fixtures/plant/plant.pcap');
const policy = join(repoRoot, 'fixtures/plant/policy.yaml');

describe.skipIf(!corpusAvailable)('remote sites: sensors → JetStream → hub → PostgreSQL', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-sites-'));
  const db = pgSchema();
  const prefix = `t${uniq()}`;
  const stream = `T_${prefix}`;
  let hub: Hub;

  beforeAll(async () => {
    hub = new Hub({ nats: { url: NATS_URL }, pg: { url: PG_URL, schema: db.schema }, prefix, stream, durable: 'hub' });
    await hub.start();
  });

  afterAll(async () => {
    await hub?.stop();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function sensor(site: string, captures: string[], withPolicy: boolean) {
    const file = join(dir, `${site}.db`);
    const store = new Store(file);
    const publisher = new Publisher({ site, name: `Plant ${site}`, nats: { url: NATS_URL }, prefix, db: store.db, heartbeatMs: 500 });
    publisher.start();
    await analyzeCaptures(captures, { store, policy: withPolicy ? policy : undefined, audit: withPolicy ? auditStep() : undefined });
    expect(await publisher.drain(20_000)).toBe(true);
    return { file, store, publisher };
  }

  it('each site at the centre equals its sensor; a replayed outbox changes nothing; a forced gap is repaired by a snapshot', async () => {
    const a = await sensor('plant-a', [plant], true);
    const b = await sensor(
      'plant-b',
      [corpusPath('modbus/ICS-Security-Tools__modbus_test.pcap'), corpusPath('s7comm/ICS-Security-Tools__S7-1511_db2_var1_HMI.pcap')],
      false,
    );
    const expectA = sensorData(a.file);
    const expectB = sensorData(b.file);
    expect(expectA.assets.length).toBeGreaterThan(5);
    expect(expectA.findings.length).toBeGreaterThan(0);
    expect(expectB.assets.length).toBeGreaterThan(1);

    const repo = hub.repo!;
    const cursorOf = (s: string) => hub.siteStates().find((x) => x.id === s)?.cursor ?? 0;
    await waitFor(
      () => cursorOf('plant-a') >= a.publisher.outbox.state().lastAcked && cursorOf('plant-b') >= b.publisher.outbox.state().lastAcked,
      20_000,
      'the hub to apply both sites',
    );
    expect(await hubData(repo, 'plant-a')).toEqual(expectA);
    expect(await hubData(repo, 'plant-b')).toEqual(expectB);
    // each asset's findings at the centre are the ones its sensor ties to it
    let tied = 0;
    for (const asset of expectA.assets) {
      const want = a.store.db
        .prepare('SELECT finding_id FROM finding_assets WHERE asset_id = ? ORDER BY finding_id')
        .pluck()
        .all(asset.id) as string[];
      const got = (await repo.assetDetail('plant-a', asset.id))!.findings.map((f) => f.id).sort();
      expect(got, asset.id).toEqual(want);
      tied += want.length;
    }
    expect(tied).toBeGreaterThan(0);
    const sites = await repo.siteSummaries(60);
    expect(sites.map((s) => [s.id, s.name, s.assets, s.paths, s.stale, s.gap])).toEqual([
      ['plant-a', 'Plant plant-a', expectA.assets.length, expectA.paths.length, false, false],
      ['plant-b', 'Plant plant-b', expectB.assets.length, expectB.paths.length, false, false],
    ]);

    // replay: the whole outbox again with its old sequences (a sensor restored from a backup of its outbox)
    const written = hub.counters.written;
    a.store.db.exec(`INSERT INTO sync_outbox (kind, entity_id, seq) SELECT 'asset', id, 1000 + rowid FROM assets`);
    a.store.db.prepare('UPDATE sync_state SET last_acked = 0').run();
    expect(await a.publisher.drain(20_000)).toBe(true);
    await waitFor(() => hub.counters.written === written && cursorOf('plant-a') >= 0, 2000, 'nothing');
    await new Promise((r) => setTimeout(r, 1500));
    expect(hub.counters.written).toBe(written); // every replayed version is older than the stored one
    expect(await hubData(repo, 'plant-a')).toEqual(expectA);

    // a gap: the sensor changes an asset, JetStream stores the batch, and the stream loses it before the hub reads it
    await hub.stop();
    const nc = await connect({ servers: NATS_URL });
    const jsm = await jetstreamManager(nc);
    const before = (await jsm.streams.info(stream)).state.last_seq;
    const victim = expectB.assets[0]!.id;
    b.store.db.prepare("UPDATE assets SET data = json_set(data, '$.names', json_array('renamed-while-lost')) WHERE id = ?").run(victim);
    expect(await b.publisher.drain(20_000)).toBe(true);
    const after = (await jsm.streams.info(stream)).state.last_seq;
    for (let seq = before + 1; seq <= after; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (m?.subject === `${prefix}.plant-b.asset`) await jsm.streams.deleteMessage(stream, seq);
    }
    await nc.close();
    hub = new Hub({ nats: { url: NATS_URL }, pg: { url: PG_URL, schema: db.schema }, prefix, stream, durable: 'hub' });
    await hub.start();
    // the next heartbeat names a sequence the hub never applied: gap → snapshot request → snapshot → repaired
    await waitFor(
      async () => (await repo2()).find((s) => s.id === 'plant-b')?.gap === false && hub.counters.gaps > 0,
      20_000,
      'the gap to be repaired',
    );
    const now = await hubData(hub.repo!, 'plant-b');
    expect(now).toEqual(sensorData(b.file));
    expect(now.assets.find((x) => x.id === victim)!.names).toEqual(['renamed-while-lost']);
    expect(b.publisher.counters.snapshots).toBe(1);
    async function repo2() {
      return hub.repo!.siteSummaries(60);
    }

    for (const s of [a, b]) {
      await s.publisher.stop();
      s.store.close();
    }
  }, 120_000);

  it('hostile or malformed messages on a site subject are counted and skipped; the hub keeps ingesting', async () => {
    const nc = await connect({ servers: NATS_URL });
    const js = jetstream(nc);
    const subject = `${prefix}.plant-x.asset`;
    const malformed = hub.counters.malformed;
    // a heartbeat with NUL in its name and counters
    await js.publish(
      `${prefix}.plant-x.heartbeat`,
      JSON.stringify({ v: 1, site: 'plant-x', name: 'X\u0000', ts: 1, lastAcked: 0, pending: 0, counters: { 'a\u0000': 1 } }),
    );
    await js.publish(subject, 'garbage');
    await js.publish(subject, JSON.stringify({ v: 1, site: 'plant-y', kind: 'asset', seq: 1, prev: 0, changes: [] })); // another site in the body
    // well-formed, hostile content: every column gets NULL rather than failing the statement
    const hostile = {
      id: 'mac:x',
      role: { a: 1 },
      lastSeen: 'soon',
      firstSeen: Number.POSITIVE_INFINITY,
      protocolsServer: 5,
      identity: null,
      names: ['a\u0000b'],
    };
    await js.publish(
      subject,
      JSON.stringify({ v: 1, site: 'plant-x', kind: 'asset', seq: 5, prev: 0, changes: [{ id: 'mac:x', seq: 5, data: hostile }] }),
    );
    const fine = { id: 'mac:y', role: 'plc\u0000', lastSeen: 2, firstSeen: 1, protocolsServer: ['modbus', 7], protocolsClient: [] };
    await js.publish(
      subject,
      JSON.stringify({ v: 1, site: 'plant-x', kind: 'asset', seq: 6, prev: 5, changes: [{ id: 'mac:y', seq: 6, data: fine }] }),
    );
    await nc.close();
    await waitFor(() => (hub.siteStates().find((s) => s.id === 'plant-x')?.cursor ?? 0) >= 6, 20_000, 'the valid batch');
    expect(hub.counters.malformed - malformed).toBe(2);
    const { rows } = await hub.repo!.pool.query("SELECT id, role, last_seen, protocols FROM assets WHERE site = 'plant-x' ORDER BY id");
    expect(rows).toEqual([
      { id: 'mac:x', role: null, last_seen: null, protocols: [] },
      { id: 'mac:y', role: 'plc', last_seen: 2, protocols: ['modbus'] },
    ]);
  }, 60_000);

  it('otwatch analyze --site --publish: the command line sensor reaches the hub', async () => {
    const file = join(dir, 'cli.db');
    const out: string[] = [];
    const log = console.log;
    console.log = (s: string) => out.push(s);
    try {
      const code = await main([
        'analyze',
        plant,
        '--db',
        file,
        '--policy',
        policy,
        '--site',
        'plant-cli',
        '--site-name',
        'Plant CLI',
        '--publish',
        NATS_URL,
        '--publish-prefix',
        prefix,
        '--publish-wait',
        '20',
      ]);
      expect(code).toBe(0);
    } finally {
      console.log = log;
    }
    expect(out[0]).toMatch(/^site plant-cli: \d+ change\(s\) published to nats:\/\/127\.0\.0\.1:4222$/);
    const store = new Store(file);
    const lastAcked = store.db.prepare('SELECT last_acked FROM sync_state').pluck().get() as number;
    store.close();
    await waitFor(() => (hub.siteStates().find((s) => s.id === 'plant-cli')?.cursor ?? 0) >= lastAcked, 20_000, 'the CLI site at the hub');
    expect(await hubData(hub.repo!, 'plant-cli')).toEqual(sensorData(file));
    // the same database as another site: refused with one line, nothing published
    console.log = () => undefined;
    const err = console.error;
    const errors: string[] = [];
    console.error = (s: string) => errors.push(s);
    try {
      expect(await main(['analyze', plant, '--db', file, '--site', 'other', '--publish', NATS_URL, '--publish-prefix', prefix])).toBe(2);
    } finally {
      console.log = log;
      console.error = err;
    }
    expect(errors[0]).toMatch(/publishes as site 'plant-cli', not 'other'/);
  }, 60_000);
});
