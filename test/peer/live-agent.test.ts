/**
 * The live agent end to end, as a process: `otwatch capture` on one end of a veth pair while tcpreplay
 * plays a capture into the other. Its stored inventory, paths and findings equal those of
 * `otwatch analyze` on the same file; nothing leaves the interface; SIGKILL loses at most the last
 * flush interval and a restart carries on; bad interfaces and missing capabilities fail clearly.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createTestNet, testNetAvailable, type TestNet } from '../../bench/netns.js';
import { repoRoot } from '../helpers/corpus.js';

const cli = join(repoRoot, 'src/cli/cli.ts');
const node = (args: string[]) => [process.execPath, ['--import', 'tsx', cli, ...args]] as const;

function runCli(args: string[], env: NodeJS.ProcessEnv = {}): { code: number | null; stderr: string; stdout: string } {
  const [cmd, argv] = node(args);
  const r = spawnSync(cmd, argv, { cwd: repoRoot, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function startAgent(args: string[]): { child: ChildProcess; log: () => string; ready: Promise<void>; exited: Promise<number | null> } {
  const [cmd, argv] = node(['capture', ...args]);
  const child = spawn(cmd, argv, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, OTWATCH_LOG: 'info' } });
  let err = '';
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('capturing on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`agent exited (${code}) before capturing:\n${err}`)));
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, log: () => err, ready, exited };
}

/** Assets, paths (with packet counts) and findings of a database, without the times that differ live. */
function inventoryOf(file: string) {
  const db = new Database(file, { readonly: true });
  try {
    const assets = db.prepare('SELECT id, role, vendor FROM assets ORDER BY id').all();
    const paths = db
      .prepare('SELECT id, protocol, responder_port, packets_to_responder, packets_to_initiator FROM paths ORDER BY id')
      .all();
    const findings = db.prepare("SELECT id, rule FROM findings WHERE status != 'resolved' ORDER BY id").all();
    const integrity = db.prepare('PRAGMA integrity_check').pluck().get();
    // the one audit writer (src/analysis/run-audit.ts) places assets and paths and records the policy
    const zones = db.prepare('SELECT asset_id, zone FROM asset_zones ORDER BY asset_id').all();
    const conduits = db.prepare('SELECT conduit, path_id FROM path_conduits ORDER BY conduit, path_id').all();
    const policyVersions = db.prepare('SELECT COUNT(*) FROM policy_versions').pluck().get();
    return { assets, paths, findings, integrity, zones, conduits, policyVersions };
  } finally {
    db.close();
  }
}

describe('otwatch capture: clear failures', () => {
  it('names an interface that does not exist', () => {
    const r = runCli(['capture', '--interface', 'nosuch0', '--db', join(mkdtempSync(join(tmpdir(), 'otw-')), 'x.db')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/interface 'nosuch0' does not exist/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses a broken configuration with the line of each error', () => {
    const r = runCli(['capture', '--config', join(repoRoot, 'fixtures/config/broken.yaml')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:3:\d+: .*snap length/);
    expect(r.stderr).toMatch(/broken\.yaml:5:\d+: unknown key 'colour'/);
  });

  const setpriv = spawnSync('sh', ['-c', 'command -v setpriv']).status === 0;
  it.skipIf(!setpriv || process.getuid?.() !== 0)('says CAP_NET_RAW is missing (and that root is not needed) when it is', () => {
    const [cmd, argv] = node(['capture', '--interface', 'lo', '--db', join(mkdtempSync(join(tmpdir(), 'otw-')), 'x.db')]);
    const r = spawnSync('setpriv', ['--bounding-set=-net_raw', '--inh-caps=-net_raw', cmd, ...argv], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/lacks CAP_NET_RAW.*root is not needed/);
  });
});

const why = testNetAvailable();
const plant = join(repoRoot, 'fixtures/plant/plant.pcap');
const plantPolicy = join(repoRoot, 'fixtures/plant/policy.yaml');

describe.skipIf(why !== undefined || !existsSync(plant))('otwatch capture on a veth pair', () => {
  let net: TestNet;
  let dir: string;
  beforeAll(() => {
    net = createTestNet('agt');
    dir = mkdtempSync(join(tmpdir(), 'otw-live-'));
  });
  afterAll(() => net?.destroy());

  it('stores the same inventory, paths and findings as analyze, drops nothing, and sends nothing', async () => {
    const liveDb = join(dir, 'live.db');
    const fileDb = join(dir, 'file.db');
    const analyzed = runCli(['analyze', plant, '--db', fileDb, '--policy', plantPolicy]);
    expect(analyzed.code, analyzed.stderr).toBe(0);

    const tx = net.txPackets();
    const agent = startAgent(['--interface', net.captureIf, '--db', liveDb, '--policy', plantPolicy, '--flush-seconds', '1']);
    await agent.ready;
    const replay = net.replay(plant, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    agent.child.kill('SIGTERM');
    const t = Date.now();
    expect(await agent.exited).toBe(0);
    expect(Date.now() - t).toBeLessThan(5000); // SIGTERM flushes and exits within a few seconds
    expect(replay.failed).toBe(0);
    expect(net.txPackets()).toBe(tx); // passive: not one frame left the capture interface

    const log = agent.log();
    const stopped = JSON.parse(
      log
        .trim()
        .split('\n')
        .filter((l) => l.includes('"stopped"'))
        .pop()!,
    );
    expect(stopped).toMatchObject({ drop: 0, ifdrop: 0, queueDrops: 0, packets: replay.sent });

    const live = inventoryOf(liveDb);
    const file = inventoryOf(fileDb);
    expect(live.integrity).toBe('ok');
    expect(live.assets).toEqual(file.assets);
    expect(live.paths).toEqual(file.paths);
    expect(live.findings.map((f: any) => f.rule).sort()).toEqual(file.findings.map((f: any) => f.rule).sort());
    // capture, like analyze, leaves the zone placement that the map and the zone filters read
    expect(file.zones.length).toBeGreaterThan(0);
    expect(live.zones).toEqual(file.zones);
    expect(live.conduits).toEqual(file.conduits);
    expect([live.policyVersions, file.policyVersions]).toEqual([1, 1]);
  });

  it('serves the API in the same process, with libpcap and queue drop counters in /metrics', async () => {
    const db = join(dir, 'serve.db');
    const token = /otw_[A-Za-z0-9_-]+/.exec(runCli(['token', 'create', '--role', 'viewer', '--db', db]).stdout)?.[0];
    expect(token).toBeDefined();
    const agent = startAgent(['--interface', net.captureIf, '--db', db, '--flush-seconds', '1', '--serve', '--port', '0']);
    await agent.ready;
    const replay = net.replay(plant, 5000);
    await new Promise((r) => setTimeout(r, 2000)); // a flush after the replay
    const url = /API on (http:\/\/[^/\s]+)/.exec(agent.log())?.[1];
    expect(url, agent.log()).toBeDefined();
    const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const text = await res.text();
    agent.child.kill('SIGTERM');
    expect(await agent.exited).toBe(0);
    expect(res.status).toBe(200);
    expect(text).toContain('otwatch_capture_dropped_total{where="kernel"} 0');
    expect(text).toContain('otwatch_capture_dropped_total{where="otwatch_queue"} 0');
    expect(text).toContain(`otwatch_live_packets_total ${replay.sent}`);
    expect((await fetch(`${url}/metrics`).catch(() => undefined))?.status).toBeUndefined(); // stopped with the agent
  });

  it('loses at most the last interval on SIGKILL, and carries on after a restart', async () => {
    const db = join(dir, 'kill.db');
    const first = startAgent(['--interface', net.captureIf, '--db', db, '--flush-seconds', '1']);
    await first.ready;
    net.replay(plant, 5000);
    await new Promise((r) => setTimeout(r, 2500)); // at least one flush after the replay
    first.child.kill('SIGKILL');
    await first.exited;
    const afterKill = inventoryOf(db);
    expect(afterKill.integrity).toBe('ok');
    expect(afterKill.assets.length).toBeGreaterThan(0);

    const second = startAgent(['--interface', net.captureIf, '--db', db, '--flush-seconds', '1']);
    await second.ready;
    net.replay(plant, 5000);
    await new Promise((r) => setTimeout(r, 1500));
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const after = inventoryOf(db);
    expect(after.integrity).toBe('ok');
    expect(after.assets).toEqual(afterKill.assets); // the same devices: merged, not duplicated
    // the restart added its traffic to what was stored: every path has at least the packets it had
    const before = new Map(afterKill.paths.map((p: any) => [p.id, p]));
    for (const p of after.paths as any[]) {
      const b: any = before.get(p.id);
      if (b) expect(p.packets_to_responder).toBeGreaterThanOrEqual(b.packets_to_responder);
    }
  });
});
