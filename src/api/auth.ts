/**
 * Bearer-token authentication and role checks for every route (a route opts out with
 * `config: { public: true }`, only /health does), plus a limiter on failed attempts per client:
 * token guessing is hopeless against 256-bit secrets, but a flood of failures is still worth refusing.
 * The limiter refuses failures only: a valid token is always let through, so that neither a client's
 * own typo nor another client behind the same address (a reverse proxy, a NAT) can lock an operator out.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { DB } from '../store/database.js';
import { AUTH_FAILURE_MAX, AUTH_FAILURE_TRACKED, AUTH_FAILURE_WINDOW_MS, type TokenRole } from './constants.js';
import { touchToken, verifyToken, type TokenInfo } from '../store/token-repository.js';

declare module 'fastify' {
  interface FastifyRequest {
    token?: TokenInfo;
  }
  interface FastifyContextConfig {
    public?: boolean;
    /** Minimum role; 'viewer' when absent. */
    role?: TokenRole;
  }
}

/**
 * Fastify's trustProxy as we allow it: true (any sender's X-Forwarded-For), or the proxies' addresses and
 * CIDRs. Not a hop count: Fastify 5 ignores the header then (it cannot tell a proxy from a client).
 */
export type TrustProxy = boolean | string[];

/** Names proxy-addr (Fastify's trustProxy) understands besides addresses and CIDRs. */
const PROXY_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * A `trust proxy` setting as written in a flag or the configuration file: `true`/`false`, or a
 * comma-separated list of addresses, CIDRs and the names loopback, linklocal, uniquelocal.
 * Returns a message for anything else rather than let Fastify fail later with a stack trace.
 */
export function parseTrustProxy(value: string | number | boolean | string[]): TrustProxy | { error: string } {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || /^\d+$/.test(String(value).trim()))
    return { error: `give the proxy's addresses, not a hop count (${value}): a count cannot tell a proxy from a client` };
  if (value === 'true') return true;
  if (value === 'false') return false;
  const list = (Array.isArray(value) ? value : value.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (list.length === 0) return { error: "give true or the proxy's addresses (a,b/24,...)" };
  for (const a of list) {
    const [addr, bits, extra] = a.split('/');
    const family = isIP(addr ?? '');
    const okBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!(PROXY_RANGES.has(a) || (family !== 0 && okBits && extra === undefined)))
      return { error: `'${a}' is not an address, a CIDR, loopback, linklocal or uniquelocal` };
  }
  return list;
}

/** Failed attempts per client address in a fixed window; the oldest entries go first when full. */
export class FailureLimiter {
  private readonly hits = new Map<string, { n: number; until: number }>();

  constructor(
    private readonly max = AUTH_FAILURE_MAX,
    private readonly windowMs = AUTH_FAILURE_WINDOW_MS,
    private readonly tracked = AUTH_FAILURE_TRACKED,
  ) {}

  blocked(key: string, now = Date.now()): boolean {
    const h = this.hits.get(key);
    return !!h && h.until > now && h.n >= this.max;
  }

  fail(key: string, now = Date.now()): void {
    let h = this.hits.get(key);
    if (!h || h.until <= now) {
      this.hits.delete(key);
      h = { n: 0, until: now + this.windowMs };
      if (this.hits.size >= this.tracked) this.hits.delete(this.hits.keys().next().value!);
      this.hits.set(key, h);
    }
    h.n++;
  }
}

/** The actor recorded in audit trails: the token's id and label, never its secret. */
export function actorOf(req: FastifyRequest): string {
  const t = req.token;
  return t ? `token:${t.id}${t.label ? ` (${t.label})` : ''}` : 'anonymous';
}

function deny(reply: FastifyReply, code: 401 | 403 | 429, message: string): FastifyReply {
  if (code === 401) reply.header('www-authenticate', 'Bearer realm="otwatch"');
  return reply
    .code(code)
    .send({ statusCode: code, error: code === 401 ? 'Unauthorized' : code === 403 ? 'Forbidden' : 'Too Many Requests', message });
}

export const authPlugin = fp(
  async (
    app: FastifyInstance,
    opts: {
      db?: DB;
      limiter?: FailureLimiter;
      isPublic?: (url: string) => boolean;
      /** Tokens kept elsewhere (the hub's PostgreSQL): verify and record use instead of `db`. */
      tokens?: { verify(secret: string): Promise<TokenInfo | undefined>; touch(t: TokenInfo): Promise<void> };
    },
  ) => {
    const limiter = opts.limiter ?? new FailureLimiter();
    app.decorateRequest('token', undefined);
    app.addHook('onRequest', async (req, reply) => {
      const config = req.routeOptions.config;
      if (config?.public || opts.isPublic?.(req.url.split('?')[0]!)) return;
      const header = req.headers.authorization;
      const m = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{1,100})$/.exec(header) : null;
      const token = !m ? undefined : opts.tokens ? await opts.tokens.verify(m[1]!) : verifyToken(opts.db!, m[1]!);
      if (!token) {
        // only failures are limited: checked after the token, so a valid one is never refused
        if (limiter.blocked(req.ip)) return deny(reply, 429, 'too many failed authentications; wait a minute');
        limiter.fail(req.ip);
        return deny(reply, 401, header ? 'invalid or revoked token' : 'a bearer token is required (otwatch token create)');
      }
      req.token = token;
      if (opts.tokens) await opts.tokens.touch(token);
      else touchToken(opts.db!, token);
      if (config?.role === 'admin' && token.role !== 'admin') return deny(reply, 403, 'this needs an admin token; viewers can only read');
    });
  },
);
