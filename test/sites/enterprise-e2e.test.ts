/**
 * The enterprise policy end to end (issue 17): the bundled plant capture split by address into two sites
 * (north: the SCADA subnet 10.20.0.0/16, south: the controllers 10.30.0.0/16), two sensors
 * `otwatch analyze --site --publish`, and the real `otwatch hub --enterprise-policy` process. The SCADA
 * to PLC traffic crosses the sites and both sensors see it: with no conduit between them the hub finds it,
 * naming both sites; restarted with a policy whose conduit allows it, those findings are resolved by the
 * policy and only the cleartext ones stay; on SIGHUP a malformed file is refused and a valid one replaces the
 * policy (the findings reopen); a malformed policy at start stops the hub with exit 2 and a located error.
 */
import { runCli } from '../helpers/cli.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { EnterpriseRepository, type StoredEnterpriseFinding } from '../../src/store/pg/enterprise-repository.js';
import { openPool, type PgPool } from '../../src/store/pg/pool.js';
import { repoRoot } from '../helpers/corpus.js';
import { freePort, NATS_URL, PG_URL, pgSchema, uniq, waitFor } from './helpers.js';

const run = promisify(execFile);
const plant = join(repoRoot, 'fixtures/plant/plant.pcap');
const cli = ['--import', 'tsx', join(repoRoot, 'src/cli/cli.ts')];

function tcpdumpReads(): boolean {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const zones = `version: 1
name: two plants
sites:
  - id: north
    ranges: [10.20.0.0/16]
  - id: south
    ranges: [10.30.0.0/16]
enterprise:
  ranges: [10.10.1.0/24]
`;
const noConduit = `${zones}conduits: []\n`;
const allowed = `${zones}conduits:
  - id: north-south
    between: [north, south]
    flows:
      - protocol: modbus
        initiator: north
      - protocol: s7comm
        initiator: north
`;
// line 6: the range has host bits set; line 9: the conduit names a site that does not exist
const malformed = `version: 1
sites:
  - id: north
    ranges: [10.20.0.0/16]
  - id: south
    ranges: [10.30.1.7/16]
conduits:
  - id: x
    between: [north, west]
    flows: [{ protocol: modbus }]
`;

describe.skipIf(!tcpdumpReads())('otwatch hub --enterprise-policy with two sensors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otw-enterprise-'));
  const db = pgSchema();
  const prefix = `t${uniq()}`;
  const stream = `T_${prefix}`;
  let pool: PgPool;
  let repo: EnterpriseRepository;
  let hub: ChildProcess | undefined;
  let hubLog = '';

  const file = (name: string, text: string) => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const hubArgs = (policy: string) => [
    ...cli,
    'hub',
    '--nats',
    NATS_URL,
    '--postgres',
    PG_URL,
    '--pg-schema',
    db.schema,
    '--stream',
    stream,
    '--prefix',
    prefix,
    '--durable',
    'hub',
    '--enterprise-policy',
    policy,
  ];
  const startHub = (policy: string, extra: string[] = []): ChildProcess => {
    hubLog = '';
    const child = spawn(process.execPath, [...hubArgs(policy), ...extra], {
      cwd: repoRoot,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, OTWATCH_LOG: 'info' },
    });
    child.stderr!.on('data', (d: Buffer) => (hubLog += d.toString()));
    return child;
  };
  const stopHub = async () => {
    const c = hub;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  const findings = async (status?: 'open' | 'resolved'): Promise<StoredEnterpriseFinding[]> =>
    (await repo.findingPage({ limit: 500, status })).items;
  const northSouth = (fs: StoredEnterpriseFinding[], rule: string) =>
    fs.filter((f) => f.rule === rule && f.sites[0] === 'north' && f.sites[1] === 'south');

  const viewerToken = async (): Promise<string> => {
    const r = await runCli(['token', 'create', '--role', 'viewer', '--postgres', PG_URL, '--pg-schema', db.schema]);
    expect(r.code).toBe(0);
    return r.out.trim().split('\n').pop()!.trim();
  };

  beforeAll(async () => {
    // each site's sensor sees the packets of its own addresses (all frames are 802.1Q-tagged)
    execFileSync('tcpdump', ['-r', plant, '-w', join(dir, 'north.pcap'), 'vlan and net 10.20.0.0/16'], { stdio: 'ignore' });
    execFileSync('tcpdump', ['-r', plant, '-w', join(dir, 'south.pcap'), 'vlan and net 10.30.0.0/16'], { stdio: 'ignore' });
    pool = await openPool({ url: PG_URL, schema: db.schema });
    repo = new EnterpriseRepository(pool);
  });

  afterAll(async () => {
    await stopHub();
    await pool?.end();
    const nc = await connect({ servers: NATS_URL });
    await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
    await nc.close();
    await db.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds the traffic between the sites, resolves it when a conduit allows it, refuses a malformed policy', async () => {
    const port = await freePort();
    hub = startHub(file('no-conduit.yaml', noConduit), ['--serve', '--port', String(port)]);
    await waitFor(() => /hub consuming/.test(hubLog) || hub!.exitCode !== null, 60_000, 'the hub to start');
    expect(hub.exitCode, hubLog).toBeNull();
    await waitFor(() => /enterprise policy loaded/.test(hubLog), 30_000, 'the enterprise policy to load');

    const sensor = (site: string) =>
      run(
        process.execPath,
        [
          ...cli,
          'analyze',
          join(dir, `${site}.pcap`),
          '--db',
          join(dir, `${site}.db`),
          '--site',
          site,
          '--publish',
          NATS_URL,
          '--publish-prefix',
          prefix,
        ],
        {
          cwd: repoRoot,
          env: { ...process.env, OTWATCH_LOG: 'warn' },
        },
      );
    await Promise.all([sensor('north'), sensor('south')]);

    await waitFor(
      async () => northSouth(await findings('open'), 'EZ-INTER-SITE-NO-CONDUIT').length >= 2,
      60_000,
      'the north → south findings',
    );
    // let the last batches settle into one more evaluation
    await new Promise((r) => setTimeout(r, 2500));
    const open = await findings('open');
    const crossing = northSouth(open, 'EZ-INTER-SITE-NO-CONDUIT');
    // Modbus (HMI 2 reading and writing the Schneider PLCs) and S7comm (HMI 1, the engineering workstation's stop and download)
    expect(crossing.map((f) => f.subject.label).sort()).toEqual(['north → south modbus/tcp', 'north → south s7comm/tcp']);
    for (const f of crossing) {
      // both sensors saw the SCADA → PLC traffic: one finding, evidence from each site
      expect(f.observedAt).toEqual(['north', 'south']);
      expect(new Set(f.evidence.sitePaths.map((p) => p.site))).toEqual(new Set(['north', 'south']));
      expect(f.evidence.paths.every((p) => p.initiatorIp.startsWith('10.20.') && p.responderIp.startsWith('10.30.'))).toBe(true);
    }
    const s7 = crossing.find((f) => f.subject.label.includes('s7comm'))!;
    expect(s7.severity).toBe('critical'); // the PLC stop and the program download
    expect(s7.evidence.operations.map((o) => o.operation)).toEqual(expect.arrayContaining(['control', 'program']));
    // nothing local to one site is a finding: every evidence path crosses two zones
    for (const f of open) for (const p of f.evidence.paths) expect(p.initiatorIp.slice(0, 6)).not.toBe(p.responderIp.slice(0, 6));

    // served by the hub process itself (the plugin registered by `otwatch hub --serve`), behind its tokens
    const api = `http://127.0.0.1:${port}/api/v1/enterprise`;
    await waitFor(() => /hub API listening/.test(hubLog), 30_000, 'the hub API');
    expect((await fetch(`${api}/findings`)).status).toBe(401);
    const token = await viewerToken();
    const served = (await (
      await fetch(`${api}/findings?severity=critical&limit=500`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      items: StoredEnterpriseFinding[];
    };
    expect(served.items.map((f) => f.id)).toContain(s7.id);
    const policy = (await (await fetch(`${api}/policy`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
      active: boolean;
      sites: number;
    };
    expect(policy).toMatchObject({ active: true, sites: 2 });

    // the policy now has the conduit: the hub restarted with it resolves those findings, as the policy's doing
    await stopHub();
    hub = startHub(file('allowed.yaml', allowed));
    await waitFor(
      async () => northSouth(await findings('resolved'), 'EZ-INTER-SITE-NO-CONDUIT').length >= 2 || hub!.exitCode !== null,
      60_000,
      'the findings to be resolved',
    );
    const resolved = northSouth(await findings('resolved'), 'EZ-INTER-SITE-NO-CONDUIT');
    expect(resolved.map((f) => [f.subject.label, f.resolution]).sort()).toEqual([
      ['north → south modbus/tcp', 'policy'],
      ['north → south s7comm/tcp', 'policy'],
    ]);
    const nowOpen = await findings('open');
    expect(northSouth(nowOpen, 'EZ-INTER-SITE-NO-CONDUIT')).toEqual([]);
    expect(northSouth(nowOpen, 'EZ-INTER-SITE-NOT-ALLOWED')).toEqual([]);
    // allowed, but Modbus and S7comm cross the WAN in clear
    expect(northSouth(nowOpen, 'EZ-INTER-SITE-CLEARTEXT').map((f) => [f.severity, f.conduit, f.observedAt])).toEqual([
      ['medium', 'north-south', ['north', 'south']],
      ['medium', 'north-south', ['north', 'south']],
    ]);

    // SIGHUP reads the file again: a malformed one is refused and the policy in force kept
    const live = join(dir, 'allowed.yaml');
    writeFileSync(live, malformed);
    hub.kill('SIGHUP');
    await waitFor(() => /the enterprise policy has errors; the current one is kept/.test(hubLog), 30_000, 'the refused reload');
    expect(hubLog).toContain(`${live}:6:14: '10.30.1.7/16' has host bits set`);
    expect(hub.exitCode).toBeNull();
    expect((await repo.policy())!.summary.conduits.map((c) => c.id)).toEqual(['north-south']);
    // a valid one replaces it: the conduit gone, the findings come back, reopened
    writeFileSync(live, noConduit);
    hub.kill('SIGHUP');
    await waitFor(
      async () => northSouth(await findings('open'), 'EZ-INTER-SITE-NO-CONDUIT').length >= 2,
      60_000,
      'the findings to reopen after the reload',
    );
    expect(northSouth(await findings('open'), 'EZ-INTER-SITE-NO-CONDUIT').map((f) => f.reopened)).toEqual([1, 1]);
    expect(northSouth(await findings('resolved'), 'EZ-INTER-SITE-CLEARTEXT').map((f) => f.resolution)).toEqual(['policy', 'policy']);
    await stopHub();

    // a malformed policy: exit 2, each error at its line and column, nothing started
    const bad = file('bad.yaml', malformed);
    const r = await run(process.execPath, hubArgs(bad), { cwd: repoRoot }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:6:14: '10.30.1.7/16' has host bits set`);
    expect(r.stderr).toContain(`${bad}:9:22: conduit end refers to unknown site 'west'`);
    expect(r.stderr).toContain('2 error(s), enterprise policy not loaded');
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  }, 240_000);
});
