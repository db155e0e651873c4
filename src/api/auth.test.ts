/** The failed-login limit, the trust-proxy setting and the API's caching and HSTS headers (issue 18 items 7 and 9). */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from './app.js';
import { FailureLimiter, parseTrustProxy } from './auth.js';
import { bearer, tempDb, tokens } from '../../test/helpers/api.js';

describe('failed-login limit', () => {
  const t = tempDb();
  let tk: ReturnType<typeof tokens>;
  let app: FastifyInstance;
  let behindProxy: FastifyInstance;
  beforeAll(async () => {
    tk = tokens(t.db);
    app = await buildApp({ db: t.db, authLimiter: new FailureLimiter(3, 60_000) });
    behindProxy = await buildApp({ db: t.db, authLimiter: new FailureLimiter(3, 60_000), trustProxy: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await app.close();
    await behindProxy.close();
    t.cleanup();
  });

  it('refuses failures after the limit but never a valid token, admin or viewer', async () => {
    const codes = [];
    for (let i = 0; i < 25; i++) codes.push((await app.inject({ url: '/api/v1/assets', headers: bearer('otw_wrong') })).statusCode);
    expect(codes.slice(0, 4)).toEqual([401, 401, 401, 429]);
    expect(new Set(codes.slice(3))).toEqual(new Set([429]));
    // the same client, still within the window: its valid tokens work (before the fix: 429 for 60 s)
    expect((await app.inject({ url: '/api/v1/assets', headers: bearer(tk.admin) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/api/v1/assets', headers: bearer(tk.viewer) })).statusCode).toBe(200);
    // and a bad one is still refused
    expect((await app.inject({ url: '/api/v1/assets', headers: bearer('otw_wrong') })).statusCode).toBe(429);
  });

  it('behind a trusted proxy, counts each client by its forwarded address, not all as the proxy', async () => {
    const from = (ip: string, token: string) =>
      behindProxy.inject({ url: '/api/v1/assets', remoteAddress: '127.0.0.1', headers: { ...bearer(token), 'x-forwarded-for': ip } });
    for (let i = 0; i < 4; i++) await from('198.51.100.7', 'otw_wrong');
    expect((await from('198.51.100.7', 'otw_wrong')).statusCode).toBe(429);
    // another client through the same proxy is not affected by the first one's failures
    expect((await from('198.51.100.8', 'otw_wrong')).statusCode).toBe(401);
    expect((await from('198.51.100.8', tk.viewer)).statusCode).toBe(200);
    // X-Forwarded-For from an address that is not the proxy is not believed
    const direct = await behindProxy.inject({
      url: '/api/v1/assets',
      remoteAddress: '203.0.113.9',
      headers: { ...bearer('otw_wrong'), 'x-forwarded-for': '198.51.100.99' },
    });
    expect(direct.statusCode).toBe(401);
  });
});

describe('trust proxy setting', () => {
  it('reads true, false, addresses, CIDRs and proxy-addr names, and explains anything else', () => {
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    // Fastify 5 trusts no X-Forwarded-For for a hop count: refused rather than silently ineffective
    expect(parseTrustProxy('2')).toEqual({
      error: "give the proxy's addresses, not a hop count (2): a count cannot tell a proxy from a client",
    });
    expect(parseTrustProxy('127.0.0.1, 10.0.0.0/8,loopback,fd00::/8')).toEqual(['127.0.0.1', '10.0.0.0/8', 'loopback', 'fd00::/8']);
    expect(parseTrustProxy(['10.1.2.3'])).toEqual(['10.1.2.3']);
    expect(parseTrustProxy('proxy.example')).toEqual({
      error: "'proxy.example' is not an address, a CIDR, loopback, linklocal or uniquelocal",
    });
    expect(parseTrustProxy('10.0.0.0/33')).toHaveProperty('error');
    expect(parseTrustProxy(' , ')).toHaveProperty('error');
  });
});

describe('caching and HSTS headers', () => {
  const t = tempDb();
  let tk: ReturnType<typeof tokens>;
  beforeAll(() => {
    tk = tokens(t.db);
  });
  afterAll(() => t.cleanup());

  it('answers API JSON, errors and /health with Cache-Control: no-store, and sends no HSTS over plain HTTP', async () => {
    const app = await buildApp({ db: t.db });
    try {
      for (const r of [
        await app.inject({ url: '/api/v1/assets', headers: bearer(tk.viewer) }),
        await app.inject({ url: '/api/v1/assets' }),
        await app.inject({ url: '/health' }),
      ]) {
        expect(r.headers['cache-control']).toBe('no-store');
        expect(r.headers['strict-transport-security']).toBeUndefined();
      }
    } finally {
      await app.close();
    }
  });

  it('sends HSTS over TLS', async () => {
    const key = join(t.dir, 'key.pem');
    const cert = join(t.dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=localhost'],
      {
        stdio: 'ignore',
      },
    );
    const app = await buildApp({ db: t.db, tls: { cert, key } });
    try {
      const address = await app.listen({ host: '127.0.0.1', port: 0 });
      const { request } = await import('node:https');
      const headers = await new Promise<Record<string, unknown>>((resolve, reject) => {
        request(`${address}/health`, { rejectUnauthorized: false }, (res) => {
          res.resume();
          resolve(res.headers);
        })
          .on('error', reject)
          .end();
      });
      expect(headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(headers['cache-control']).toBe('no-store');
    } finally {
      await app.close();
    }
  });

  it('sends HSTS when a trusted proxy says the client came over https', async () => {
    const app = await buildApp({ db: t.db, trustProxy: ['loopback'] });
    try {
      const r = await app.inject({ url: '/health', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-proto': 'https' } });
      expect(r.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      const plain = await app.inject({ url: '/health', remoteAddress: '127.0.0.1' });
      expect(plain.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
