/**
 * Bearer-token authentication and role checks for every route (a route opts out with
 * `config: { public: true }`, only /health does), plus a limiter on failed attempts per client:
 * token guessing is hopeless against 256-bit secrets, but a flood of failures is still worth refusing.
 */
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
  async (app: FastifyInstance, opts: { db: DB; limiter?: FailureLimiter; isPublic?: (url: string) => boolean }) => {
    const limiter = opts.limiter ?? new FailureLimiter();
    app.decorateRequest('token', undefined);
    app.addHook('onRequest', async (req, reply) => {
      const config = req.routeOptions.config;
      if (config?.public || opts.isPublic?.(req.url.split('?')[0]!)) return;
      if (limiter.blocked(req.ip)) return deny(reply, 429, 'too many failed authentications; wait a minute');
      const header = req.headers.authorization;
      const m = typeof header === 'string' ? /^Bearer ([A-Za-z0-9_-]{1,100})$/.exec(header) : null;
      const token = m ? verifyToken(opts.db, m[1]!) : undefined;
      if (!token) {
        limiter.fail(req.ip);
        return deny(reply, 401, header ? 'invalid or revoked token' : 'a bearer token is required (otwatch token create)');
      }
      req.token = token;
      touchToken(opts.db, token);
      if (config?.role === 'admin' && token.role !== 'admin') return deny(reply, 403, 'this needs an admin token; viewers can only read');
    });
  },
);
