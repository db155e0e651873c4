import { createSocket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../store/store.js';
import { buildApp, defaultUploadDir } from './app.js';
import { FailureLimiter } from './auth.js';
import { bearer, MODBUS_CAPTURE, multipartBody, SPLIT_POLICY, tempDb, tokens } from '../../test/helpers/api.js';

const corpus = existsSync(MODBUS_CAPTURE);
const PCAP = 'application/vnd.tcpdump.pcap';

describe.skipIf(!corpus)('REST API over inject()', () => {
  const t = tempDb();
  let tk: ReturnType<typeof tokens>;
  let app: FastifyInstance;
  let jobId: string;
  const syslogLines: string[] = [];
  const udp = createSocket('udp4');

  beforeAll(async () => {
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', r));
    udp.on('message', (m) => syslogLines.push(m.toString('utf8')));
    tk = tokens(t.db);
    app = await buildApp({ db: t.db, syslog: `udp://127.0.0.1:${udp.address().port}`, authLimiter: new FailureLimiter(1000) });
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/captures',
      headers: { ...bearer(tk.admin), 'content-type': PCAP },
      payload: readFileSync(MODBUS_CAPTURE),
    });
    expect(r.statusCode).toBe(202);
    jobId = r.json().id;
    await app.otwatch.jobs.idle();
  });
  afterAll(async () => {
    await app.close();
    udp.close();
    t.cleanup();
  });

  it('health answers without a token and says nothing more than ok', async () => {
    const r = await app.inject({ url: '/health' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
    expect(r.headers['x-content-type-options']).toBe('nosniff'); // helmet
  });

  it('refuses missing, malformed, unknown and revoked tokens with 401', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, bearer('otw_notatoken'), bearer(tk.revoked)]) {
      const r = await app.inject({ url: '/api/v1/assets', headers });
      expect(r.statusCode).toBe(401);
      expect(r.headers['www-authenticate']).toContain('Bearer');
    }
    expect((await app.inject({ url: '/api/v1/metrics' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(401);
  });

  it('viewers read but cannot change policy, findings or upload', async () => {
    expect((await app.inject({ url: '/api/v1/stats', headers: bearer(tk.viewer) })).statusCode).toBe(200);
    const put = await app.inject({
      method: 'PUT',
      url: '/api/v1/policy',
      headers: { ...bearer(tk.viewer), 'content-type': 'application/yaml' },
      payload: SPLIT_POLICY,
    });
    expect(put.statusCode).toBe(403);
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/v1/findings/x',
      headers: bearer(tk.viewer),
      payload: { action: 'acknowledge', comment: 'x' },
    });
    expect(patch.statusCode).toBe(403);
    const up = await app.inject({
      method: 'POST',
      url: '/api/v1/captures',
      headers: { ...bearer(tk.viewer), 'content-type': PCAP },
      payload: readFileSync(MODBUS_CAPTURE),
    });
    expect(up.statusCode).toBe(403);
    expect(app.otwatch.policies.current()).toBeUndefined();
  });

  it('the upload job ran to completion with byte and packet progress', async () => {
    const r = await app.inject({ url: `/api/v1/captures/${jobId}`, headers: bearer(tk.viewer) });
    const job = r.json();
    expect(job.status).toBe('done');
    expect(job.progress).toEqual({ bytes: readFileSync(MODBUS_CAPTURE).length, packets: 100 }); // oracle: 100 packets
    expect(job.result.newAssets).toBeGreaterThan(0);
    expect(readdirSync(defaultUploadDir(t.db))).toEqual([]); // the upload is removed once analysed
    expect((await app.inject({ url: '/api/v1/captures/not-a-uuid', headers: bearer(tk.viewer) })).statusCode).toBe(400);
    expect(
      (await app.inject({ url: '/api/v1/captures/00000000-0000-4000-8000-000000000000', headers: bearer(tk.viewer) })).statusCode,
    ).toBe(404);
  });

  it('lists assets and paths with filters, totals and cursors', async () => {
    const all = (await app.inject({ url: '/api/v1/assets', headers: bearer(tk.viewer) })).json();
    expect(all.total).toBe(all.items.length);
    const plcs = (await app.inject({ url: '/api/v1/assets?role=plc&protocol=modbus', headers: bearer(tk.viewer) })).json();
    expect(plcs.items.map((a: { ips: string[] }) => a.ips).flat()).toContain('3.15.227.20');
    expect(plcs.items.every((a: { role: string }) => a.role === 'plc')).toBe(true);
    // Page through one at a time with the cursor: every asset exactly once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const p: { items: { id: string }[]; nextCursor: string | null } = (
        await app.inject({
          url: `/api/v1/assets?limit=1&sort=last_seen&order=desc${cursor ? `&cursor=${cursor}` : ''}`,
          headers: bearer(tk.viewer),
        })
      ).json();
      seen.push(...p.items.map((a: { id: string }) => a.id));
      cursor = p.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual(all.items.map((a: { id: string }) => a.id).sort());
    // The capture's writes (FC 5/6/15/16) all go over loopback; 192.168.1.6 only reads from 3.15.227.20.
    const writes = (await app.inject({ url: '/api/v1/paths?protocol=modbus&operation=write', headers: bearer(tk.viewer) })).json();
    expect(writes.items.map((p: { responderIp: string }) => p.responderIp)).toEqual(['127.0.0.1']);
    expect(writes.items[0].operations.write.count).toBeGreaterThan(0);
    const reads = (await app.inject({ url: '/api/v1/paths?operation=read&port=502&transport=tcp', headers: bearer(tk.viewer) })).json();
    expect(reads.total).toBe(2);
    const one = (await app.inject({ url: `/api/v1/assets/${encodeURIComponent(plcs.items[0].id)}`, headers: bearer(tk.viewer) })).json();
    expect(one.paths.length).toBeGreaterThan(0);
    expect((await app.inject({ url: '/api/v1/assets/mac%3Anope', headers: bearer(tk.viewer) })).statusCode).toBe(404);
  });

  it('rejects invalid filters with 400 and a message naming the parameter', async () => {
    const cases: [string, RegExp][] = [
      ['/api/v1/assets?colour=red', /unknown query parameter 'colour'/],
      ['/api/v1/assets?limit=0', /limit/],
      ['/api/v1/assets?limit=100000', /limit/],
      ['/api/v1/assets?sort=vendor', /sort/],
      ['/api/v1/paths?port=70000', /port/],
      ['/api/v1/findings?severity=catastrophic', /severity/],
      ['/api/v1/findings?since=yesterday', /since/],
      ['/api/v1/assets?cursor=bm90LWEtY3Vyc29y', /cursor/],
    ];
    for (const [url, msg] of cases) {
      const r = await app.inject({ url, headers: bearer(tk.viewer) });
      expect(r.statusCode, url).toBe(400);
      expect(r.json().message, url).toMatch(msg);
    }
  });

  it('refuses a broken policy with line and column, keeping the old one', async () => {
    const put = (payload: string) =>
      app.inject({ method: 'PUT', url: '/api/v1/policy', headers: { ...bearer(tk.admin), 'content-type': 'application/yaml' }, payload });
    const broken = await put(readFileSync(join(import.meta.dirname, '../../fixtures/policies/invalid/syntax.yaml'), 'utf8'));
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[0]).toMatchObject({ line: expect.any(Number), col: expect.any(Number) });
    expect(broken.json().message).toMatch(/policy\.yaml:\d+:\d+: /);
    expect((await app.inject({ url: '/api/v1/policy', headers: bearer(tk.viewer) })).statusCode).toBe(404);
    const ok = await put(SPLIT_POLICY);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().version).toBe(1);
    expect(ok.json().audit.findings).toBeGreaterThan(0);
    const again = await put('version: 1\nzones: [oops');
    expect(again.statusCode).toBe(400);
    expect(again.json().message).toContain('version 1 stays current');
    expect((await app.inject({ url: '/api/v1/policy', headers: bearer(tk.viewer) })).json().text).toBe(SPLIT_POLICY);
    const json = await app.inject({ method: 'PUT', url: '/api/v1/policy', headers: bearer(tk.admin), payload: { text: SPLIT_POLICY } });
    expect(json.statusCode).toBe(400);
    expect(json.json().message).toMatch(/body/);
  });

  it('serves the audit findings, filters them, and records who acknowledged', async () => {
    const list = (
      await app.inject({ url: '/api/v1/findings?rule=ZC-FLOW-NO-CONDUIT&zone=plc&status=open', headers: bearer(tk.viewer) })
    ).json();
    expect(list.total).toBe(1);
    const f = list.items[0];
    expect(f.zones).toEqual(['office', 'plc']);
    expect(f.evidence.paths[0]).toMatchObject({ initiatorIp: '192.168.1.6', responderIp: '3.15.227.20', responderPort: 502 });
    expect((await app.inject({ url: '/api/v1/findings?zone=nowhere', headers: bearer(tk.viewer) })).json().total).toBe(0);
    expect((await app.inject({ url: '/api/v1/findings?until=1000', headers: bearer(tk.viewer) })).json().total).toBe(0);
    expect(
      (await app.inject({ url: '/api/v1/findings?since=2020-07-01T00:00:00Z', headers: bearer(tk.viewer) })).json().total,
    ).toBeGreaterThan(0);
    const url = `/api/v1/findings/${encodeURIComponent(f.id)}`;
    const bad = await app.inject({ method: 'PATCH', url, headers: bearer(tk.admin), payload: { action: 'delete', comment: 'x' } });
    expect(bad.statusCode).toBe(400);
    const ack = await app.inject({
      method: 'PATCH',
      url,
      headers: bearer(tk.admin),
      payload: { action: 'acknowledge', comment: 'vendor remote support, ticket 42' },
    });
    expect(ack.statusCode).toBe(200);
    expect(ack.json().status).toBe('acknowledged');
    expect(ack.json().history.at(-1)).toMatchObject({
      status: 'acknowledged',
      actor: expect.stringContaining('(test admin)'),
      comment: 'vendor remote support, ticket 42',
    });
    expect(ack.json().ack).toMatchObject({ by: expect.stringContaining('(test admin)'), reason: 'vendor remote support, ticket 42' });
    // A re-audit (what PUT /policy and each capture job run) that still reports it keeps the acknowledgement.
    expect(app.otwatch.reaudit()).toMatchObject({ opened: 0, resolved: 0 });
    expect((await app.inject({ url, headers: bearer(tk.viewer) })).json()).toMatchObject({
      status: 'acknowledged',
      lastDetected: expect.any(Number),
    });
    const reopen = await app.inject({
      method: 'PATCH',
      url,
      headers: bearer(tk.admin),
      payload: { action: 'reopen', comment: 'ticket closed' },
    });
    expect(reopen.statusCode).toBe(200);
    expect(reopen.json()).toMatchObject({ status: 'reopened', ack: null, reopenCount: 1 });
    expect(reopen.json().history.map((h: { status: string }) => h.status)).toEqual(['open', 'acknowledged', 'reopened']);
    expect(
      (await app.inject({ url: '/api/v1/findings?status=reopened', headers: bearer(tk.viewer) }))
        .json()
        .items.map((x: { id: string }) => x.id),
    ).toEqual([f.id]);
    // Lifecycle refusals are conflicts; a blank comment is a bad request.
    const again = await app.inject({ method: 'PATCH', url, headers: bearer(tk.admin), payload: { action: 'reopen', comment: 'twice' } });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toBe(`finding ${f.id} is already reopened`);
    expect(
      (await app.inject({ method: 'PATCH', url, headers: bearer(tk.admin), payload: { action: 'acknowledge', comment: '   ' } }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await app.inject({
          method: 'PATCH',
          url: '/api/v1/findings/nope',
          headers: bearer(tk.admin),
          payload: { action: 'reopen', comment: 'x' },
        })
      ).statusCode,
    ).toBe(404);
  });

  it('forwards new findings to syslog as RFC 5424 with CEF', async () => {
    for (let i = 0; i < 50 && syslogLines.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const line = syslogLines.find((l) => l.includes('ZC-FLOW-NO-CONDUIT'));
    expect(line).toMatch(/^<16[0-9]>1 \d{4}-\d{2}-\d{2}T[\d:.]+Z \S+ otwatch \d+ finding - CEF:0\|otwatch\|otwatch\|/);
  });

  it('shows zones and conduits with what was observed', async () => {
    const z = (await app.inject({ url: '/api/v1/zones', headers: bearer(tk.viewer) })).json();
    const plc = z.zones.find((x: { id: string }) => x.id === 'plc');
    expect(plc.observed).toMatchObject({ assets: 1, pathsIn: 1 });
    expect((await app.inject({ url: '/api/v1/conduits', headers: bearer(tk.viewer) })).json().conduits).toEqual([]);
    const paths = (await app.inject({ url: '/api/v1/paths?from_zone=office&to_zone=plc', headers: bearer(tk.viewer) })).json();
    expect(paths.total).toBe(1);
    expect(paths.items[0]).toMatchObject({ fromZone: 'office', toZone: 'plc', zoneStatus: 'no_conduit' });
  });

  it('exports findings as CSV, JSON and CEF and assets as CSV', async () => {
    const csv = await app.inject({ url: '/api/v1/export/findings?format=csv', headers: bearer(tk.viewer) });
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.body.split('\r\n')[0]).toBe(
      'id,rule,severity,status,subject,zones,conduit,requirements,packets,first_seen,last_seen,explanation,remediation',
    );
    const json = (await app.inject({ url: '/api/v1/export/findings?format=json&severity=high', headers: bearer(tk.viewer) })).json();
    expect(json.length).toBeGreaterThan(0);
    expect(json.every((f: { severity: string }) => f.severity === 'high')).toBe(true);
    const cef = (await app.inject({ url: '/api/v1/export/findings?format=cef', headers: bearer(tk.viewer) })).body.trim().split('\n');
    expect(cef.every((l) => l.startsWith('CEF:0|otwatch|otwatch|'))).toBe(true);
    const assets = (await app.inject({ url: '/api/v1/export/assets?format=csv', headers: bearer(tk.viewer) })).body.trim().split('\r\n');
    expect(assets.length).toBe(1 + (await app.inject({ url: '/api/v1/stats', headers: bearer(tk.viewer) })).json().assets);
    expect((await app.inject({ url: '/api/v1/export/assets?format=cef', headers: bearer(tk.viewer) })).statusCode).toBe(400);
  });

  it('serves stats, Prometheus metrics and the OpenAPI document', async () => {
    const stats = (await app.inject({ url: '/api/v1/stats', headers: bearer(tk.viewer) })).json();
    expect(stats).toMatchObject({ captures: 1, policyVersion: 1, jobs: { done: 1 } });
    const m = (await app.inject({ url: '/metrics', headers: bearer(tk.viewer) })).body;
    expect(m).toMatch(/^otwatch_packets_total 100$/m);
    expect(m).toMatch(/^otwatch_findings\{severity="high",status="open"\} \d+$/m);
    expect(m).toMatch(/^otwatch_jobs\{status="done"\} 1$/m);
    const doc = (await app.inject({ url: '/docs/json', headers: bearer(tk.viewer) })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/assets', '/api/v1/findings/{id}', '/api/v1/captures', '/api/v1/policy']),
    );
    const ui = await app.inject({ url: '/docs/', headers: bearer(tk.viewer) });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger-ui-bundle.js');
    expect(ui.body).not.toMatch(/https?:\/\/(cdn|unpkg)/); // served locally
    expect((await app.inject({ url: '/docs/static/swagger-ui-bundle.js', headers: bearer(tk.viewer) })).statusCode).toBe(200);
  });
});

describe.skipIf(!corpus)('uploads', () => {
  const t = tempDb();
  let tk: ReturnType<typeof tokens>;
  let app: FastifyInstance;
  beforeAll(async () => {
    tk = tokens(t.db);
    app = await buildApp({ db: t.db, uploadLimit: 20_000, authLimiter: new FailureLimiter(3, 60_000) });
  });
  afterAll(async () => {
    await app.close();
    t.cleanup();
  });
  const dir = () => readdirSync(defaultUploadDir(t.db));

  it('rejects a non-capture by its magic before storing anything', async () => {
    for (const payload of [Buffer.from('<html>not a capture</html>'), Buffer.alloc(30_00, 0x41)]) {
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/captures',
        headers: { ...bearer(tk.admin), 'content-type': 'application/octet-stream' },
        payload,
      });
      expect(r.statusCode).toBe(415);
      expect(dir()).toEqual([]);
    }
    const mp = multipartBody(Buffer.from('MZ\x90\x00 a windows binary'), 'evil.pcap');
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/captures',
      headers: { ...bearer(tk.admin), ...mp.headers },
      payload: mp.body,
    });
    expect(r.statusCode).toBe(415);
    expect(dir()).toEqual([]);
  });

  it('rejects an oversized upload with 413, raw or multipart, even when streamed past the limit', async () => {
    const big = Buffer.concat([readFileSync(MODBUS_CAPTURE), readFileSync(MODBUS_CAPTURE), readFileSync(MODBUS_CAPTURE)]); // 26,838 > 20,000
    const raw = await app.inject({
      method: 'POST',
      url: '/api/v1/captures',
      headers: { ...bearer(tk.admin), 'content-type': PCAP },
      payload: big,
    });
    expect(raw.statusCode).toBe(413);
    const mp = multipartBody(big, 'big.pcap');
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/captures',
      headers: { ...bearer(tk.admin), ...mp.headers },
      payload: mp.body,
    });
    expect(r.statusCode).toBe(413);
    expect(dir()).toEqual([]);
  });

  it('names the stored file by job id, never by the client file name', async () => {
    const mp = multipartBody(readFileSync(MODBUS_CAPTURE), '../../../../tmp/pwned.pcap');
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/captures',
      headers: { ...bearer(tk.admin), ...mp.headers },
      payload: mp.body,
    });
    expect(r.statusCode).toBe(202);
    const id = r.json().id;
    expect(r.headers.location).toBe(`/api/v1/captures/${id}`);
    expect(dir().every((f) => f.startsWith(id))).toBe(true);
    expect(existsSync('/tmp/pwned.pcap')).toBe(false);
    await app.otwatch.jobs.idle();
    expect(app.otwatch.jobs.get(id)!.status).toBe('done');
  });

  it('answers 429 after repeated authentication failures', async () => {
    const codes = [];
    for (let i = 0; i < 5; i++) codes.push((await app.inject({ url: '/api/v1/assets', headers: bearer('otw_wrong') })).statusCode);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    // The limit counts failures only: the same client with a valid token is let through (issue 18).
    expect((await app.inject({ url: '/api/v1/assets', headers: bearer(tk.viewer) })).statusCode).toBe(200);
  });
});

describe.skipIf(!corpus)('jobs survive a restart', () => {
  const t = tempDb();
  afterAll(() => t.cleanup());

  it('re-queues a job cut while running and fails one whose file is gone', async () => {
    const store = new Store(t.db);
    const dir = defaultUploadDir(t.db);
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    const interrupted = '11111111-1111-4111-8111-111111111111';
    const lost = '22222222-2222-4222-8222-222222222222';
    writeFileSync(join(dir, `${interrupted}.capture`), readFileSync(MODBUS_CAPTURE));
    const ins = store.db.prepare(
      "INSERT INTO jobs (id, kind, status, file, size, bytes_done, attempts, created_at) VALUES (?, 'capture', ?, ?, ?, 500, 1, ?)",
    );
    ins.run(interrupted, 'running', join(dir, `${interrupted}.capture`), 8946, new Date().toISOString());
    ins.run(lost, 'queued', join(dir, `${lost}.capture`), 10, new Date().toISOString());
    store.close();
    const app = await buildApp({ db: t.db });
    try {
      await app.otwatch.jobs.idle();
      const a = app.otwatch.jobs.get(interrupted)!;
      expect(a).toMatchObject({ status: 'done', attempts: 2, progress: { packets: 100 } });
      expect(app.otwatch.jobs.get(lost)).toMatchObject({ status: 'failed', error: expect.stringContaining('gone') });
    } finally {
      await app.close();
    }
  });
});
