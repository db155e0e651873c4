/**
 * The REST API as a Fastify instance, built apart from `listen` so that tests drive it with inject().
 * Every route group is a plugin under /api/v1 with a JSON Schema per route; the OpenAPI document is
 * generated from those schemas and served with interactive docs at /docs (static files from the
 * package, no CDN).
 */
import helmet from '@fastify/helmet';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { JobQueue } from '../analysis/jobs/queue.js';
import type { GunzipBound } from '../capture/index.js';
import { noteStoreError, StoreError, storeError } from '../store/database.js';
import { Store } from '../store/store.js';
import { authPlugin, type FailureLimiter, type TrustProxy } from './auth.js';
import { API_PREFIX, BODY_LIMIT, DEFAULT_UPLOAD_LIMIT } from './constants.js';
import type { ApiContext } from './context.js';
import { runAudit } from '../analysis/run-audit.js';
import { FindingsStore } from '../store/findings-api-repository.js';
import { BadCursor } from '../store/list-query.js';
import { POLICY_FILE_NAME, PolicyStore } from '../store/policy-repository.js';
import { runAuditOffThread } from '../analysis/audit-thread.js';
import { Metrics } from './metrics.js';
import type { LiveMetrics } from '../live/live-agent.js';
import { captureRoutes } from './routes/captures.js';
import { exportRoutes } from './routes/exports.js';
import { findingRoutes } from './routes/findings.js';
import { inventoryRoutes } from './routes/inventory.js';
import { policyRoutes } from './routes/policy.js';
import { policyModelRoutes } from './routes/policy-model.js';
import { reportRoutes } from './routes/report.js';
import { vulnerabilityRoutes } from './routes/vulnerabilities.js';
import { statsRoutes } from './routes/stats.js';
import { systemRoutes } from './routes/system.js';
import { webRoutes } from './routes/web.js';
import { errorSchema } from './schemas.js';
import { parseSyslogUrl, SyslogForwarder } from './syslog.js';

declare module 'fastify' {
  interface FastifyInstance {
    otwatch: ApiContext;
  }
}

export interface AppOptions {
  /** SQLite database file (the one `analyze` and the live agent write). */
  db: string;
  /** Where uploads wait for their job (default: `<db>.uploads/` next to the database). */
  uploadDir?: string;
  uploadLimit?: number;
  /** How far a gzip upload may expand before its job fails (the capture reader's defaults: 100x, 64 GiB). */
  gunzipBound?: GunzipBound;
  /** Forward new findings: 'udp://host:port' or 'tcp://host:port'. */
  syslog?: string;
  /** Serve /docs without a token (the API description only, no data). */
  publicDocs?: boolean;
  tls?: { cert: string; key: string };
  /** Fastify logger: false (tests), true, or a pino instance. */
  logger?: boolean | Logger;
  /** The live agent's counters, for /metrics, when the API runs inside `otwatch capture --serve`. */
  live?: () => LiveMetrics;
  /** Failed-authentication limiter (tests pass a small one). */
  authLimiter?: FailureLimiter;
  /**
   * Behind a reverse proxy: whom to believe in X-Forwarded-For/-Proto (Fastify's trustProxy: true or the
   * proxy's addresses/CIDRs). Without it every client is the proxy's address, and one
   * client's failed logins would count against all.
   */
  trustProxy?: TrustProxy;
}

/** Ajv's first error in words that name the parameter: "unknown query parameter 'colour'". */
function validationMessage(err: FastifyError): string {
  const v = err.validation![0]!;
  const where =
    err.validationContext === 'querystring' ? 'query parameter' : err.validationContext === 'params' ? 'path parameter' : 'body property';
  const field = v.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const extra = (v.params as { additionalProperty?: string }).additionalProperty;
  if (extra !== undefined) return `unknown ${where} '${extra}'`;
  return field ? `${where} '${field}' ${v.message}` : `${err.validationContext ?? 'request'} ${v.message}`;
}

/** What a client is told when a request meets a database problem that is not its fault (503, no file paths). */
const STORE_UNAVAILABLE: Partial<Record<string, string>> = {
  corrupt: 'the database is damaged',
  read_only: 'the database is read-only',
  cannot_open: 'the database cannot be opened',
  io: 'the database disk failed or is full',
};

/** Helmet's own default, sent only over TLS. */
const HSTS = 'max-age=31536000; includeSubDomains';

export function defaultUploadDir(db: string): string {
  return join(dirname(resolve(db)), `${resolve(db).split(/[\\/]/).pop()}.uploads`);
}

export async function buildApp(opts: AppOptions): Promise<FastifyInstance> {
  const store = new Store(opts.db);
  const findings = new FindingsStore(store.db);
  const policies = new PolicyStore(store.db);
  const metrics = new Metrics();
  metrics.live = opts.live;
  const syslog = opts.syslog ? new SyslogForwarder(parseSyslogUrl(opts.syslog)) : undefined;

  const serverOpts: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } = {
    // Fastify 5 takes a ready pino instance as loggerInstance, options or a boolean as logger.
    ...(typeof opts.logger === 'object' ? { loggerInstance: opts.logger as never } : { logger: opts.logger ?? false }),
    bodyLimit: BODY_LIMIT,
    // Unknown query/body properties must be rejected (400), not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...(opts.tls ? { https: { cert: readFileSync(opts.tls.cert), key: readFileSync(opts.tls.key) } } : {}),
    ...(opts.trustProxy !== undefined ? { trustProxy: opts.trustProxy } : {}),
  };
  const app = Fastify(serverOpts) as unknown as FastifyInstance;

  const audit = () => {
    const policy = policies.policy();
    if (!policy) return null;
    const r = runAudit(store, { policy });
    syslog?.send(r.opened);
    return { findings: r.findings.length - r.resolved, opened: r.opened.length, resolved: r.resolved };
  };
  const jobs = new JobQueue(store, {
    uploadDir: opts.uploadDir ?? defaultUploadDir(opts.db),
    gunzipBound: opts.gunzipBound,
    log: app.log as unknown as Logger,
    afterAnalysis: (a) => {
      if (a.counters) metrics.add(a.counters);
      return { audit: audit() ?? 'no policy stored: PUT /api/v1/policy to audit' };
    },
  });
  const ctx: ApiContext = {
    store,
    findings,
    policies,
    jobs,
    metrics,
    uploadLimit: opts.uploadLimit ?? DEFAULT_UPLOAD_LIMIT,
    reaudit: audit,
    reauditOffThread: async () => {
      const cur = policies.current();
      if (!cur) return null;
      // an in-memory database has no file a second connection could open: audited here
      if (store.file === ':memory:') return audit();
      let r;
      try {
        r = await runAuditOffThread(store.file, cur.text, { file: POLICY_FILE_NAME, opened: !!syslog });
      } catch (err) {
        // the thread failed (could not start, or the audit threw there): audited here, where an error reaches the caller
        ctx.log?.warn({ err }, 're-audit thread failed; auditing on the server thread');
        return audit();
      }
      syslog?.send(r.opened);
      return { findings: r.findings, opened: r.openedCount, resolved: r.resolved };
    },
    log: app.log as unknown as Logger,
  };
  app.decorate('otwatch', ctx);

  app.addSchema(errorSchema);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BadCursor) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message });
    if (err instanceof StoreError && err.code === 'locked')
      return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: 'the database is busy; retry' });
    noteStoreError(store.db, err); // /health reports a damaged store from now on
    const se = storeError(err, opts.db);
    const unavailable = se instanceof StoreError ? STORE_UNAVAILABLE[se.code] : undefined;
    if (unavailable) {
      req.log.error({ err }, unavailable);
      return reply.code(503).send({ statusCode: 503, error: 'Service Unavailable', message: `${unavailable} (see the server log)` });
    }
    if (err.validation) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: validationMessage(err) });
    const code = err.statusCode ?? 500;
    if (code >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(code).send({ statusCode: code, error: 'Internal Server Error', message: 'internal error (see the server log)' });
    }
    return reply.code(code).send({ statusCode: code, error: code === 400 ? 'Bad Request' : (err.name ?? 'Error'), message: err.message });
  });

  // HSTS only where the client reached us over TLS (directly, or through a trusted proxy's X-Forwarded-Proto):
  // over plain HTTP the header is meaningless to a browser and misstates how the API is served.
  await app.register(helmet, { global: true, hsts: false });
  app.addHook('onSend', async (req, reply) => {
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
    // Inventory, findings and tokens' answers must not be kept by browsers or proxies; a route that
    // chose its own caching (the web page's assets) keeps it.
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  });
  await app.register(authPlugin, {
    db: store.db,
    limiter: opts.authLimiter,
    isPublic: opts.publicDocs ? (url: string) => url === '/docs' || url.startsWith('/docs/') : undefined,
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'otwatch API', version: '0.1.0', description: 'Passive OT discovery and IEC 62443-3-2 zone/conduit audit' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });

  await app.register(systemRoutes, { ctx });
  await app.register(webRoutes, { ctx });
  for (const routes of [
    inventoryRoutes,
    findingRoutes,
    policyModelRoutes,
    statsRoutes,
    policyRoutes,
    captureRoutes,
    exportRoutes,
    reportRoutes,
    vulnerabilityRoutes,
  ]) {
    await app.register(routes, { prefix: API_PREFIX, ctx });
  }

  app.addHook('onClose', async () => {
    jobs.close();
    syslog?.close();
    store.close();
  });
  jobs.recover();
  return app;
}
