/**
 * End to end: `otwatch token create` and `otwatch serve` as child processes over one database, then
 * plain HTTP from the test: upload a corpus capture, poll its job, store a policy, query the
 * violations the audit found in that traffic.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDb } from './helpers/api.js';

const ROOT = resolve(import.meta.dirname, '..');
/** 15,387 packets: HMI 141.81.0.10 polls and writes (FC 15/16) 13 Modbus servers 141.81.0.24-164. */
const CAPTURE = '/work/shared/corpus/modbus/ICS-Security-Tools__ModbusTCP.pcap';
/** Runs src/cli/cli.ts through tsx, as bin/otwatch.js runs the built one. */
const CLI = [
  '--import',
  'tsx',
  '--input-type=module',
  '-e',
  "const { main } = await import('./src/cli/cli.ts'); process.exitCode = await main(process.argv.slice(1));",
];

const POLICY = `version: 1
zones:
  - id: hmi
    name: HMI
    level: 2
    sl_t: 2
    members:
      - ip: 141.81.0.10
  - id: control
    name: Controllers
    level: 1
    sl_t: 2
    members:
      - range: 141.81.0.20-141.81.0.200
conduits:
  - id: hmi-control
    name: HMI polls the controllers
    between: [hmi, control]
    sl_t: 2
    flows:
      - protocol: modbus
        initiator: hmi
        operations:
          allow: [read]
`;

describe.skipIf(!existsSync(CAPTURE))('otwatch serve end to end', () => {
  const t = tempDb();
  let server: ChildProcess;
  let base = '';
  let token = '';
  let stderr = '';

  beforeAll(async () => {
    const created = spawnSync(process.execPath, [...CLI, 'token', 'create', '--role', 'admin', '--name', 'e2e', '--db', t.db], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(created.status, created.stderr).toBe(0);
    token = created.stdout.trim();
    expect(token).toMatch(/^otw_[A-Za-z0-9_-]{43}$/);
    server = spawn(process.execPath, [...CLI, 'serve', '--db', t.db, '--port', '0'], {
      cwd: ROOT,
      env: { ...process.env, OTWATCH_LOG: 'warn' },
    });
    base = await new Promise<string>((ok, fail) => {
      server.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const m = /listening on (http:\/\/[^\s]+)/.exec(stderr);
        if (m) ok(m[1]!);
      });
      server.on('exit', (code) => fail(new Error(`serve exited ${code}: ${stderr}`)));
    });
  });
  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r));
      server.kill('SIGTERM');
      await exited;
    }
    t.cleanup();
  });

  const api = (path: string, init: RequestInit = {}) =>
    fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });

  it('uploads a capture, polls the job, and queries the violations it produced', async () => {
    expect((await fetch(`${base}/api/v1/assets`)).status).toBe(401);
    const up = await api('/api/v1/captures', {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.tcpdump.pcap' },
      body: readFileSync(CAPTURE),
    });
    expect(up.status).toBe(202);
    const location = up.headers.get('location')!;
    let job = (await up.json()) as { status: string; progress: { bytes: number; packets: number }; result: Record<string, unknown> };
    for (let i = 0; i < 300 && (job.status === 'queued' || job.status === 'running'); i++) {
      await new Promise((r) => setTimeout(r, 200));
      job = (await (await api(location)).json()) as typeof job;
    }
    expect(job.status).toBe('done');
    expect(job.progress).toEqual({ bytes: 1478608, packets: 15387 }); // file size; oracle packet count

    const servers = (await (await api('/api/v1/assets?role=plc&protocol=modbus&limit=100')).json()) as {
      total: number;
      items: { ips: string[] }[];
    };
    expect(servers.items.flatMap((a) => a.ips)).toEqual(expect.arrayContaining(['141.81.0.24', '141.81.0.164']));

    const put = await api('/api/v1/policy', { method: 'PUT', headers: { 'content-type': 'application/yaml' }, body: POLICY });
    expect(put.status, await put.clone().text()).toBe(200);

    // The HMI writes (FC 15/16) across a read-only conduit: one operation finding, naming the writes.
    const ops = (await (await api('/api/v1/findings?rule=ZC-OPERATION-NOT-ALLOWED&conduit=hmi-control')).json()) as {
      total: number;
      items: { zones: string[]; evidence: { operations: { operation: string; count: number }[]; paths: { initiatorIp: string }[] } }[];
    };
    expect(ops.total).toBeGreaterThanOrEqual(1);
    const f = ops.items[0]!;
    expect(f.evidence.operations.map((o) => o.operation)).toContain('write');
    expect(f.evidence.paths.every((p) => p.initiatorIp === '141.81.0.10')).toBe(true);
    // Classic Modbus on an SL-T 2 conduit is cleartext and unauthenticated.
    const clear = (await (await api('/api/v1/findings?rule=ZC-CLEARTEXT-PROTOCOL')).json()) as { total: number };
    expect(clear.total).toBeGreaterThanOrEqual(1);
    const paths = (await (await api('/api/v1/paths?from_zone=hmi&to_zone=control&limit=1')).json()) as { total: number };
    expect(paths.total).toBeGreaterThanOrEqual(13);
  });
});
