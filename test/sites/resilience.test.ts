/**
 * Remote sites when things fail (issue 17), on a nats-server of the test's own and the shared PostgreSQL:
 * NATS away while a sensor keeps analysing, the hub SIGKILLed mid-ingest, a sensor publishing as another
 * site. Each time the centre ends equal to the sensor: nothing lost, nothing twice.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { analyzeCaptures } from '../../src/analysis/analyze-captures.js';
import { Hub } from '../../src/hub/hub.js';
import { HubRepository } from '../../src/store/pg/hub-repository.js';
import { Store } from '../../src/store/store.js';
import { Publisher } from '../../src/sync/publisher.js';
import { corpusAvailable, corpusPath, repoRoot } from '../helpers/corpus.js';
import { freePort, hubData, OwnNats, PG_URL, pgSchema, sensorData, uniq, waitFor } from './helpers.js';

const plant = join(repoRoot, 'fixtures/plant/plant.pcap');
const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
const dir = mkdtempSync(join(tmpdir(), 'otwatch-sites-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every message id stored in the stream for a site: each batch once. */
async function storedMsgIds(url: string, stream: string, site: string): Promise<string[]> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await jetstreamManager(nc);
    const last = (await jsm.streams.info(stream)).state.last_seq;
    const ids: string[] = [];
    for (let seq = 1; seq <= last; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      const id = m?.header?.get('Nats-Msg-Id');
      if (id && id.startsWith(`${site}:`)) ids.push(id);
    }
    return ids;
  } finally {
    await nc.close();
  }
}

async function identityCount(schema: string, site: string): Promise<number> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  try {
    return Number((await c.query(`SELECT COUNT(*) AS n FROM ${schema}.identities WHERE site = $1 AND data IS NOT NULL`, [site])).rows[0].n);
  } finally {
    await c.end();
  }
}

describe.skipIf(!corpusAvailable)('remote sites under failure', () => {
  it('NATS stopped while the sensor keeps analysing: after it returns, nothing lost, nothing duplicated', async () => {
    const nats = new OwnNats(await freePort());
    await nats.start();
    cleanups.push(() => nats.dispose());
    const db = pgSchema();
    cleanups.push(() => db.drop());
    const hub = new Hub({ nats: { url: nats.url }, pg: { url: PG_URL, schema: db.schema } });
    await hub.start();
    cleanups.push(() => hub.stop());
    const store = new Store(join(dir, `outage-${uniq()}.db`));
    cleanups.push(() => store.close());
    const publisher = new Publisher({ site: 'plant-a', nats: { url: nats.url }, db: store.db, heartbeatMs: 300, ackTimeoutMs: 1000 });
    publisher.start();
    cleanups.push(() => publisher.stop());

    await analyzeCaptures([plant], { store });
    expect(await publisher.drain(15_000)).toBe(true);

    await nats.stop();
    // the sensor keeps analysing: its changes wait in the outbox, newest version per entity only
    await analyzeCaptures([corpusPath('modbus/ICS-Security-Tools__modbus_test.pcap')], { store });
    await analyzeCaptures([corpusPath('s7comm/ICS-Security-Tools__S7-1511_db2_var1_HMI.pcap')], { store });
    const waiting = publisher.outbox.state().pending;
    expect(waiting).toBeGreaterThan(0);
    expect(await publisher.drain(3000)).toBe(false);
    expect(publisher.outbox.state().pending).toBe(waiting);

    await nats.start(); // same store directory: the stream and the hub's consumer are still there
    expect(await publisher.drain(30_000)).toBe(true);
    const lastAcked = publisher.outbox.state().lastAcked;
    await waitFor(() => (hub.siteStates().find((s) => s.id === 'plant-a')?.cursor ?? 0) >= lastAcked, 30_000, 'the hub to catch up');
    expect(await hubData(hub.repo!, 'plant-a')).toEqual(sensorData(store.file));
    const ids = await storedMsgIds(nats.url, 'OTWATCH', 'plant-a');
    expect(new Set(ids).size).toBe(ids.length);
    // whatever the hub had fetched when NATS went away came again: no gap, so no snapshot was needed
    expect(hub.siteStates().find((s) => s.id === 'plant-a')!.gaps).toBe(0);
    expect(publisher.counters.snapshots).toBe(0);
  }, 120_000);

  it('the hub SIGKILLed mid-ingest and restarted: nothing lost, nothing duplicated', async () => {
    const nats = new OwnNats(await freePort());
    await nats.start();
    cleanups.push(() => nats.dispose());
    const db = pgSchema();
    cleanups.push(() => db.drop());
    const store = new Store(join(dir, `kill-${uniq()}.db`));
    cleanups.push(() => store.close());
    const publisher = new Publisher({ site: 'plant-k', nats: { url: nats.url }, db: store.db, heartbeatMs: 300, batchSize: 200 });
    await analyzeCaptures([plant], { store });
    // plenty to ingest: 30,000 identity rows (150 batches)
    const put = store.db.prepare(
      'INSERT INTO identity_history (asset_id, attribute, value, protocol, first_ts, last_ts) VALUES (?, ?, ?, ?, ?, ?)',
    );
    store.db.transaction(() => {
      for (let i = 0; i < 30_000; i++) put.run(`ip:10.1.${i >> 8}.${i & 255}`, 'firmware', `v${i}`, 'modbus', i, i + 1);
    })();

    const hubArgs = ['--import', 'tsx', 'src/cli/cli.ts', 'hub', '--nats', nats.url, '--postgres', PG_URL, '--pg-schema', db.schema];
    const startHub = (): ChildProcess =>
      spawn(process.execPath, hubArgs, { cwd: repoRoot, stdio: 'ignore', env: { ...process.env, OTWATCH_LOG: 'warn' } });
    let child = startHub();
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'));
    // the stream exists once the hub started; then the sensor publishes everything while the hub ingests
    await waitFor(async () => (await identityCount(db.schema, 'plant-k').catch(() => -1)) >= 0, 30_000, 'the hub schema');
    await waitFor(
      async () => {
        const nc = await connect({ servers: nats.url });
        try {
          return (await (await jetstreamManager(nc)).streams.info('OTWATCH').catch(() => null)) !== null;
        } finally {
          await nc.close();
        }
      },
      30_000,
      'the stream',
    );
    publisher.start();
    cleanups.push(() => publisher.stop());
    await waitFor(async () => (await identityCount(db.schema, 'plant-k')) > 0, 60_000, 'ingest to start');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const atKill = await identityCount(db.schema, 'plant-k');
    expect(atKill).toBeLessThan(30_000); // killed mid-ingest
    expect(await publisher.drain(60_000)).toBe(true); // JetStream holds it all meanwhile

    child = startHub();
    const pool = new pg.Pool({ connectionString: PG_URL, options: `-c search_path=${db.schema}` });
    cleanups.push(() => pool.end());
    const repo = new HubRepository(pool);
    const lastAcked = publisher.outbox.state().lastAcked;
    await waitFor(
      async () => ((await repo.sites()).find((s) => s.id === 'plant-k')?.cursor ?? 0) >= lastAcked,
      60_000,
      'the restarted hub to catch up',
    );
    const want = store.db.prepare('SELECT COUNT(*) FROM identity_history').pluck().get() as number;
    expect(await identityCount(db.schema, 'plant-k')).toBe(want);
    expect(await hubData(repo, 'plant-k')).toEqual(sensorData(store.file));
    expect((await repo.sites()).find((s) => s.id === 'plant-k')!.gaps).toBe(0);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }, 180_000);

  it('a sensor publishing to another site’s subject is refused by NATS', async () => {
    // the shipped sample (deploy/nats-hub.conf) with its accounts and permissions as they are; this test's own
    // listener and store, and no TLS (its certificates are the operator's)
    const sample = readFileSync(join(repoRoot, 'deploy/nats-hub.conf'), 'utf8');
    const conf = sample
      .replace(/^listen:.*$/m, '')
      .replace(/^server_name:.*$/m, '')
      .replace(/^jetstream \{[^}]*\}/m, '')
      .replace(/^tls \{[^}]*\}/m, '');
    expect(conf).toContain('otwatch.plant-north.>');
    const nats = new OwnNats(await freePort(), conf);
    await nats.start();
    cleanups.push(() => nats.dispose());
    const db = pgSchema();
    cleanups.push(() => db.drop());
    const url = (u: string, p: string) => `nats://${u}:${p}@127.0.0.1:${nats.port}`;
    const hub = new Hub({ nats: { url: url('hub', 'change-me-hub') }, pg: { url: PG_URL, schema: db.schema } });
    await hub.start();
    cleanups.push(() => hub.stop());

    // its own site: allowed, end to end
    const storeA = new Store(join(dir, `perm-a-${uniq()}.db`));
    cleanups.push(() => storeA.close());
    const a = new Publisher({
      site: 'plant-north',
      nats: { url: url('plant-north', 'change-me-north') },
      db: storeA.db,
      ackTimeoutMs: 1000,
    });
    a.start();
    cleanups.push(() => a.stop());
    await analyzeCaptures([plant], { store: storeA });
    expect(await a.drain(20_000)).toBe(true);

    // plant-north's credentials claiming to be plant-south: NATS refuses every publish; nothing of plant-south reaches the hub
    const storeB = new Store(join(dir, `perm-b-${uniq()}.db`));
    cleanups.push(() => storeB.close());
    const b = new Publisher({
      site: 'plant-south',
      nats: { url: url('plant-north', 'change-me-north'), inboxPrefix: '_INBOX_plant-north' },
      db: storeB.db,
      ackTimeoutMs: 500,
    });
    b.start();
    cleanups.push(() => b.stop());
    await analyzeCaptures([plant], { store: storeB });
    expect(await b.drain(4000)).toBe(false);
    expect(b.counters.batches).toBe(0);
    expect(b.counters.errors).toBeGreaterThan(0);

    // the raw client too: a permissions violation, not a stored message
    const nc = await connect({ servers: nats.url, user: 'plant-north', pass: 'change-me-north', inboxPrefix: '_INBOX_plant-north' });
    cleanups.push(() => nc.close());
    await expect(jetstream(nc).publish('otwatch.plant-south.asset', '{}', { timeout: 1000 })).rejects.toThrow(/permission|timeout/i);

    await waitFor(
      () => (hub.siteStates().find((s) => s.id === 'plant-north')?.cursor ?? 0) >= a.outbox.state().lastAcked,
      20_000,
      'plant-north at the hub',
    );
    expect(hub.siteStates().map((s) => s.id)).toEqual(['plant-north']);
    expect(await hubData(hub.repo!, 'plant-north')).toEqual(sensorData(storeA.file));
  }, 120_000);

  it('TLS to NATS: a sensor verifying the hub with its CA publishes; without the CA it cannot connect', async () => {
    // a CA and a server certificate for 127.0.0.1, made for this test (nats.js checks the name localhost for it)
    const certs = mkdtempSync(join(tmpdir(), 'otwatch-tls-'));
    cleanups.push(() => rmSync(certs, { recursive: true, force: true }));
    const ssl = (...a: string[]) => execFileSync('openssl', a, { cwd: certs, stdio: 'pipe' });
    ssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca-key.pem',
      '-out',
      'ca.pem',
      '-days',
      '1',
      '-subj',
      '/CN=otwatch test CA',
    );
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server-key.pem', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
    writeFileSync(join(certs, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl(
      'x509',
      '-req',
      '-in',
      'server.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca-key.pem',
      '-CAcreateserial',
      '-out',
      'server.pem',
      '-days',
      '1',
      '-extfile',
      'san.ext',
    );
    const nats = new OwnNats(
      await freePort(),
      `tls { cert_file: "${join(certs, 'server.pem')}", key_file: "${join(certs, 'server-key.pem')}" }`,
    );
    await nats.start();
    cleanups.push(() => nats.dispose());
    const url = `tls://127.0.0.1:${nats.port}`;
    const ca = join(certs, 'ca.pem');
    const db = pgSchema();
    cleanups.push(() => db.drop());
    const hub = new Hub({ nats: { url, tls: { ca } }, pg: { url: PG_URL, schema: db.schema } });
    await hub.start();
    cleanups.push(() => hub.stop());

    const store = new Store(join(dir, `tls-${uniq()}.db`));
    cleanups.push(() => store.close());
    const sensor = new Publisher({ site: 'plant-tls', nats: { url, tls: { ca } }, db: store.db });
    sensor.start();
    cleanups.push(() => sensor.stop());
    await analyzeCaptures([plant], { store });
    expect(await sensor.drain(20_000)).toBe(true);
    await waitFor(
      () => (hub.siteStates().find((s) => s.id === 'plant-tls')?.cursor ?? 0) >= sensor.outbox.state().lastAcked,
      20_000,
      'plant-tls at the hub',
    );
    expect(await hubData(hub.repo!, 'plant-tls')).toEqual(sensorData(store.file));

    // not trusting the server's CA: no connection, nothing published, the outbox keeps everything
    const store2 = new Store(join(dir, `tls2-${uniq()}.db`));
    cleanups.push(() => store2.close());
    const untrusting = new Publisher({ site: 'plant-tls2', nats: { url }, db: store2.db });
    untrusting.start();
    cleanups.push(() => untrusting.stop());
    await analyzeCaptures([plant], { store: store2 });
    expect(await untrusting.drain(3000)).toBe(false);
    expect(untrusting.counters.batches).toBe(0);
    expect(untrusting.counters.errors).toBeGreaterThan(0);
  }, 120_000);
});
