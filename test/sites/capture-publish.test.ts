/**
 * `otwatch capture --site --publish` as a process on a veth pair (the live agent's own test bench): its flushes
 * go through the outbox to JetStream while it captures, its final flush on SIGTERM too, and the hub's copy of the
 * site equals the agent's SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { createTestNet, testNetAvailable, type TestNet } from '../../bench/netns.js';
import { Hub } from '../../src/hub/hub.js';
import { repoRoot } from '../helpers/corpus.js';
import { hubData, NATS_URL, PG_URL, pgSchema, sensorData, uniq, waitFor } from './helpers.js';

const why = testNetAvailable();
const plant = join(repoRoot, 'fixtures/plant/plant.pcap');
const policy = join(repoRoot, 'fixtures/plant/policy.yaml');

describe.skipIf(why !== undefined)('otwatch capture --publish on a veth pair', () => {
  let net: TestNet;
  const dir = mkdtempSync(join(tmpdir(), 'otw-live-sites-'));
  const db = pgSchema();
  const prefix = `t${uniq()}`;
  const stream = `T_${prefix}`;
  let hub: Hub;

  beforeAll(async () => {
    net = createTestNet('pub');
    hub = new Hub({ nats: { url: NATS_URL }, pg: { url: PG_URL, schema: db.schema }, prefix, stream, durable: 'hub' });
    await hub.start();
  });
  afterAll(async () => {
    net?.destroy();
    await hub?.stop();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the live site at the hub equals the agent’s database', async () => {
    const file = join(dir, 'live.db');
    const args = ['--import', 'tsx', join(repoRoot, 'src/cli/cli.ts'), 'capture', '--interface', net.captureIf, '--db', file];
    args.push('--policy', policy, '--flush-seconds', '1', '--site', 'plant-live', '--publish', NATS_URL, '--publish-prefix', prefix);
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OTWATCH_LOG: 'info' },
    });
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    await waitFor(() => log.includes('capturing on') || child.exitCode !== null, 30_000, 'the agent to capture');
    expect(child.exitCode, log).toBeNull();
    const replay = net.replay(plant, 5000);
    expect(replay.failed).toBe(0);
    // published while capturing: the site appears at the hub before the agent stops
    await waitFor(() => (hub.siteStates().find((s) => s.id === 'plant-live')?.cursor ?? 0) > 0, 20_000, 'the first changes at the hub');
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const sensor = new Database(file, { readonly: true });
    const state = sensor.prepare('SELECT last_acked, (SELECT COUNT(*) FROM sync_outbox) AS pending FROM sync_state').get() as {
      last_acked: number;
      pending: number;
    };
    sensor.close();
    expect(state.pending).toBe(0); // the final flush reached JetStream before the agent exited
    await waitFor(() => (hub.siteStates().find((s) => s.id === 'plant-live')?.cursor ?? 0) >= state.last_acked, 20_000, 'the hub');
    const want = sensorData(file);
    expect(want.assets.length).toBeGreaterThan(5);
    expect(want.findings.length).toBeGreaterThan(0);
    expect(await hubData(hub.repo!, 'plant-live')).toEqual(want);
  }, 120_000);
});
