import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, tempDb, tokens } from '../../../test/helpers/api.js';
import { buildApp } from '../app.js';

/**
 * A policy of `n` zones (a /24 and a VLAN each) chained by Modbus conduits with a target level: 3,000 zones are
 * about 900 KB, and each conduit is a finding to judge and store when the policy is applied.
 */
function generatedPolicy(n: number): string {
  const out = ['version: 1', 'name: generated', 'zones:'];
  for (let i = 0; i < n; i++) {
    const net = `10.${(i >> 8) & 255}.${i & 255}`;
    out.push(`  - id: z${i}`, `    name: Zone ${i}`, `    level: ${i % 5}`, '    sl_t: 2', '    members:', `      - cidr: ${net}.0/24`);
    if (i < 4094) out.push(`      - vlan: ${i + 1}`);
    out.push(`    exclude: [{ ip: ${net}.1 }]`);
  }
  out.push('conduits:');
  for (let i = 0; i + 1 < n; i++)
    out.push(
      `  - id: c${i}`,
      `    between: [z${i}, z${i + 1}]`,
      '    sl_t: 2',
      '    flows:',
      '      - protocol: modbus',
      `        initiator: z${i}`,
      '        operations: { allow: [read] }',
    );
  return out.join('\n') + '\n';
}

describe('PUT /policy validates off the request path', () => {
  const t = tempDb();
  let app: FastifyInstance;
  let base: string;
  let tk: ReturnType<typeof tokens>;
  beforeAll(async () => {
    tk = tokens(t.db);
    app = await buildApp({ db: t.db });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    t.cleanup();
  });

  // An 850 KB policy delayed /health by 5.3 s: it was parsed and checked, then the store audited with it, on the
  // server's only thread.
  it('/health answers within 50 ms while an 850 KB policy is stored, and the policy is stored', async () => {
    const text = generatedPolicy(3000);
    expect(text.length).toBeGreaterThan(800_000);
    const health = async (): Promise<number> => {
      const t0 = performance.now();
      const r = await fetch(`${base}/health`);
      expect(r.status).toBe(200);
      await r.json();
      return performance.now() - t0;
    };
    for (let i = 0; i < 5; i++) await health(); // connection and route warm
    let done = false;
    const put = fetch(`${base}/api/v1/policy`, {
      method: 'PUT',
      headers: { ...bearer(tk.admin), 'content-type': 'application/yaml' },
      body: text,
    }).finally(() => (done = true));
    const latencies: number[] = [];
    while (!done) {
      latencies.push(await health());
      await new Promise((r) => setTimeout(r, 10));
    }
    const res = await put;
    expect(res.status).toBe(200);
    // the store was audited again with it (off the thread as well): a finding per conduit opened
    expect(await res.json()).toMatchObject({ version: 1, audit: { opened: 2999 } });
    latencies.sort((a, b) => a - b);
    const p90 = latencies[Math.floor(latencies.length * 0.9)]!;
    console.log(
      `/health during PUT: ${latencies.length} answers, median ${latencies[latencies.length >> 1]!.toFixed(1)} ms, p90 ${p90.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    );
    // the PUT takes seconds: /health answered many times meanwhile, nearly all within 50 ms (a busy two-core
    // machine stalls a request now and then, the threads and the test's own client share its cores; the blocked
    // server stalled every one of them for the whole PUT)
    expect(latencies.length).toBeGreaterThan(10);
    expect(p90).toBeLessThan(50);
    expect(latencies[Math.floor(latencies.length * 0.99)]!).toBeLessThan(250);
    // and the stored policy is the one the server audits with
    expect(app.otwatch.policies.policy()?.zones).toHaveLength(3000);
  }, 120_000);

  it('a broken policy is still refused with line and column, off the thread too', async () => {
    const res = await app.inject({
      method: 'PUT',
      url: '/api/v1/policy',
      headers: { ...bearer(tk.admin), 'content-type': 'application/yaml' },
      payload: 'version: 1\nzones:\n  - id: a\n    name: A\n    members: [{ cidr: 10.0.0.5/24 }]\n',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([expect.objectContaining({ line: 5, message: expect.stringContaining('host bits set') })]);
    const empty = await app.inject({
      method: 'PUT',
      url: '/api/v1/policy',
      headers: { ...bearer(tk.admin), 'content-type': 'application/yaml' },
      payload: '',
    });
    expect(empty.statusCode).toBe(400);
  });
});
