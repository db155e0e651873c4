import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { pcapHeader } from '../../../test/helpers/capture-build.js';
import { bearer, tempDb, tokens } from '../../../test/helpers/api.js';
import { buildApp } from '../app.js';

/** A pcap header and `members` gzip members of 64 MiB of zeros (empty records): ~64 KB per member. */
function gzipBomb(members: number): Buffer {
  const zeros = Buffer.alloc(64 << 20);
  const next = gzipSync(zeros);
  return Buffer.concat([gzipSync(Buffer.concat([pcapHeader(), zeros])), ...Array.from({ length: members - 1 }, () => next)]);
}

describe('capture jobs over the API: the bound and cancellation', () => {
  const t = tempDb();
  let app: FastifyInstance;
  let tk: ReturnType<typeof tokens>;
  const admin = () => ({ ...bearer(tk.admin), 'content-type': 'application/gzip' });
  beforeAll(async () => {
    tk = tokens(t.db);
    // a bound raised past what the bomb reaches: it runs until cancelled
    app = await buildApp({ db: t.db, gunzipBound: { ratio: 1e9, bytes: 2 ** 50 } });
  });
  afterAll(async () => {
    await app.close();
    t.cleanup();
  });

  it('POST /captures/:id/cancel stops a running job (admin only), then answers 409; unknown ids 404', async () => {
    const up = await app.inject({ method: 'POST', url: '/api/v1/captures', headers: admin(), payload: gzipBomb(64) });
    expect(up.statusCode).toBe(202);
    const id = up.json().id as string;
    for (let i = 0; i < 500 && app.otwatch.jobs.get(id)!.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 10));
    const url = `/api/v1/captures/${id}/cancel`;
    expect((await app.inject({ method: 'POST', url, headers: bearer(tk.viewer) })).statusCode).toBe(403);
    const res = await app.inject({ method: 'POST', url, headers: bearer(tk.admin) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id, status: 'cancelled', error: expect.stringMatching(/^cancelled by /) });
    await app.otwatch.jobs.idle();
    expect((await app.inject({ url: `/api/v1/captures/${id}`, headers: bearer(tk.viewer) })).json()).toMatchObject({
      status: 'cancelled',
      result: null,
    });
    const again = await app.inject({ method: 'POST', url, headers: bearer(tk.admin) });
    expect(again.statusCode).toBe(409);
    expect(again.json().message).toMatch(/has ended already \(cancelled\)/);
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/v1/captures/00000000-0000-4000-8000-000000000000/cancel',
      headers: bearer(tk.admin),
    });
    expect(unknown.statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/api/v1/captures/nope/cancel', headers: bearer(tk.admin) })).statusCode).toBe(400);
  });
});
