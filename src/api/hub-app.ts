/**
 * The hub's API (issue 17): the same /api/v1 lists as a sensor's (assets, paths, findings; same item
 * schemas, pagination and keyset cursors), served from PostgreSQL with a `site` filter on each, plus
 * GET /api/v1/sites. Tokens are the hub's own, stored in PostgreSQL (otwatch token create --postgres).
 *
 * It also serves the sensor's web page (src/api/web/, the same files): GET /api/v1/whoami answers `hub: true`,
 * and the page then opens on the enterprise view (every site, worst first) and drills into one site's plant
 * map, GET /api/v1/map?site= (and /map/zones/:id, /map/pairs/:key/paths, /findings/:id, each with site=),
 * aggregated by src/report/map-view.ts over the site's rows in PostgreSQL (src/store/pg/map-repository.ts), with
 * the zones and conduits of the site's policy as its sensor's heartbeat carries them. The enterprise audit's
 * routes (src/api/routes/hub-enterprise.ts) are registered here too, and /metrics counts its findings.
 */
import helmet from '@fastify/helmet';
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { FastifyReply } from 'fastify';
import type pg from 'pg';
import { MAP_PAGE_LIMIT, mapView, UNZONED_ID, type MapFilter } from '../report/map-view.js';
import { HubRepository, HUB_SORTS } from '../store/pg/hub-repository.js';
import { openEnterpriseCounts } from '../store/pg/enterprise-counts.js';
import { EnterpriseRepository } from '../store/pg/enterprise-repository.js';
import { siteFacets } from '../store/pg/facet-repository.js';
import { HubMapRepository } from '../store/pg/map-repository.js';
import { touchPgToken, verifyPgToken } from '../store/pg/token-repository.js';
import { hashToken, type TokenInfo } from '../store/token-repository.js';
import { BadCursor } from '../store/list-query.js';
import type { EnterpriseAuditor } from '../hub/enterprise-auditor.js';
import type { Hub } from '../hub/hub.js';
import { authPlugin, type FailureLimiter } from './auth.js';
import { API_PREFIX, BODY_LIMIT } from './constants.js';
import { parseTime } from './context.js';
import { hubEnterpriseRoutes } from './routes/hub-enterprise.js';
import { hubReportRoutes } from './routes/hub-report.js';
import { loadWebAssets, PAGE_CSP } from './routes/web.js';
import {
  assetSchema,
  errors,
  errorSchema,
  filterString,
  findingSchema,
  idParam,
  pageOf,
  pageQuery,
  pathSchema,
  timeParam,
} from './schemas.js';

export interface HubAppOptions {
  pool: pg.Pool;
  /** A site not heard from for this long is stale (seconds). */
  staleAfterS: number;
  logger?: boolean | Logger;
  /** The running hub, for its counters on /api/v1/hub and its enterprise audit. */
  hub?: Hub;
  /**
   * The enterprise audit in force (it changes when the policy is reloaded); default: the hub's. Without one the
   * hub judges no traffic between sites: no enterprise counters on /metrics, no per-site count on /sites.
   */
  enterprise?: () => EnterpriseAuditor | undefined;
  authLimiter?: FailureLimiter;
  /** Serve HTTPS with this PEM certificate and key. */
  https?: { cert: string; key: string };
}

const str = { type: 'string' } as const;
/** How long a verified token is trusted without asking PostgreSQL again (ms). */
const TOKEN_CACHE_MS = 5000;
const withSite = <T extends { properties: object }>(s: T) => ({ ...s, properties: { ...s.properties, site: str } });
/** A site id, as sensors name themselves (a NATS subject token). */
const siteParam = { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } as const;

const siteSchema = {
  type: 'object',
  properties: {
    id: str,
    name: str,
    assets: { type: 'integer' },
    paths: { type: 'integer' },
    openFindings: { type: 'integer' },
    worstSeverity: { anyOf: [str, { type: 'null' }] },
    lastHeard: { anyOf: [str, { type: 'null' }] },
    stale: { type: 'boolean' },
    gap: { type: 'boolean' },
    pending: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
    counters: { type: 'object', additionalProperties: { type: 'number' } },
    /** Open enterprise findings naming the site (traffic between sites); null when no enterprise policy is in force. */
    interSiteFindings: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
  },
} as const;

const listQuery = (sorts: object, filters: Record<string, object>, sortDefault: string, aliases: string[] = []) => ({
  type: 'object',
  additionalProperties: false,
  properties: {
    site: siteParam,
    ...filters,
    sort: { type: 'string', enum: [...Object.keys(sorts), ...aliases], default: sortDefault },
    ...pageQuery,
  },
});

/** The map's filter, as the sensor's GET /api/v1/map takes it (src/api/routes/web.ts). */
const mapFilterQuery = {
  protocol: filterString,
  operation: filterString,
  severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low', 'info'] },
  from: { ...timeParam, description: 'paths seen at or after (seconds or ISO 8601)' },
  to: { ...timeParam, description: 'paths seen at or before (seconds or ISO 8601)' },
} as const;
type MapFilterQuery = { site: string; protocol?: string; operation?: string; severity?: string; from?: string; to?: string };
const mapFilterOf = (q: MapFilterQuery): MapFilter => ({
  protocol: q.protocol,
  operation: q.operation,
  severity: q.severity,
  from: parseTime(q.from),
  to: parseTime(q.to),
});
const anyObject = { type: 'object', additionalProperties: true } as const;

const noSite = (reply: FastifyReply, site: string) =>
  reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no site '${site}'` });

export async function buildHubApp(opts: HubAppOptions): Promise<FastifyInstance> {
  const repo = new HubRepository(opts.pool);
  const maps = new HubMapRepository(opts.pool);
  const enterprise = opts.enterprise ?? (() => opts.hub?.enterprise);
  const enterpriseRepo = new EnterpriseRepository(opts.pool);
  const web = loadWebAssets();
  const app = Fastify({
    ...(typeof opts.logger === 'object' ? { loggerInstance: opts.logger as never } : { logger: opts.logger ?? false }),
    bodyLimit: BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
    ...(opts.https ? { https: { cert: readFileSync(opts.https.cert), key: readFileSync(opts.https.key) } } : {}),
  }) as unknown as FastifyInstance;
  app.addSchema(errorSchema);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof BadCursor) return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message: err.message });
    if (err.validation) {
      const v = err.validation[0]!;
      const extra = (v.params as { additionalProperty?: string }).additionalProperty;
      const message =
        extra !== undefined ? `unknown query parameter '${extra}'` : `${v.instancePath.replace(/^\//, '') || 'request'} ${v.message}`;
      return reply.code(400).send({ statusCode: 400, error: 'Bad Request', message });
    }
    const code = err.statusCode ?? 500;
    if (code >= 500) {
      req.log.error({ err }, 'request failed');
      return reply.code(code).send({ statusCode: code, error: 'Internal Server Error', message: 'internal error (see the server log)' });
    }
    return reply.code(code).send({ statusCode: code, error: err.name ?? 'Error', message: err.message });
  });
  await app.register(helmet, { global: true });
  // A verified token is remembered for a few seconds: one PostgreSQL round trip less per page (a revocation
  // takes effect within TOKEN_CACHE_MS). Only the hash is kept, as in the database.
  const verified = new Map<string, { info: TokenInfo; until: number }>();
  const verify = async (secret: string): Promise<TokenInfo | undefined> => {
    const key = hashToken(secret);
    const hit = verified.get(key);
    if (hit && hit.until > Date.now()) return hit.info;
    const info = await verifyPgToken(opts.pool, secret);
    if (info) {
      if (verified.size >= 1000) verified.clear();
      verified.set(key, { info, until: Date.now() + TOKEN_CACHE_MS });
    } else verified.delete(key);
    return info;
  };
  await app.register(authPlugin, {
    limiter: opts.authLimiter,
    tokens: {
      verify,
      touch: async (t) => {
        const due = !t.lastUsedAt || Date.now() - Date.parse(t.lastUsedAt) >= 60_000;
        await touchPgToken(opts.pool, t);
        if (due) t.lastUsedAt = new Date().toISOString(); // the cached copy too: once a minute, not every request
      },
    },
  });

  app.get(
    '/health',
    {
      config: { public: true },
      schema: { response: { 200: { type: 'object', properties: { status: str } }, 503: { type: 'object', properties: { status: str } } } },
    },
    async (_req, reply) => {
      try {
        await opts.pool.query('SELECT 1');
        return { status: 'ok' };
      } catch {
        return reply.code(503).send({ status: 'unavailable' });
      }
    },
  );

  // the web page, the sensor's own files: public (they hold no data), every API call they make carries the token
  const sendWeb = (reply: FastifyReply, key: string) => {
    const a = web.get(key);
    if (!a)
      return reply
        .code(404)
        .send({ statusCode: 404, error: 'Not Found', message: key === '/' ? 'the web page is not installed' : 'no such file' });
    return reply.type(a.type).header('cache-control', 'no-cache').header('content-security-policy', PAGE_CSP).send(a.body);
  };
  app.get('/', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => sendWeb(reply, '/'));
  app.get<{ Params: { '*': string } }>('/web/*', { config: { public: true }, schema: { hide: true } }, async (req, reply) =>
    sendWeb(reply, `/web/${req.params['*']}`),
  );

  // at the root, as the sensor's: Prometheus scrapes the same path from both
  app.get(
    '/metrics',
    {
      schema: {
        tags: ['sites'],
        summary: 'Prometheus metrics: the hub ingest counters and each site (assets, open findings, pending, stale, gap)',
        produces: ['text/plain'],
        response: { 200: { type: 'string' }, ...errors(401, 429) },
      },
    },
    async (_req, reply) => {
      const lines: string[] = [];
      const metric = (name: string, help: string, type: string, rows: [string, number][]) => {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
        for (const [labels, v] of rows) lines.push(`${name}${labels} ${v}`);
      };
      const c = opts.hub?.counters;
      if (c) {
        metric('otwatch_hub_changes_total', 'changes received from the sites', 'counter', [['', c.changes]]);
        metric('otwatch_hub_written_total', 'rows written (older versions skipped)', 'counter', [['', c.written]]);
        metric('otwatch_hub_malformed_total', 'messages refused as malformed', 'counter', [['', c.malformed]]);
        metric('otwatch_hub_gaps_total', 'gaps detected', 'counter', [['', c.gaps]]);
        metric('otwatch_hub_snapshot_requests_total', 'snapshot requests sent', 'counter', [['', c.snapshotRequests]]);
        metric('otwatch_hub_failures_total', 'ingest failures (retried from the acknowledgement floor)', 'counter', [['', c.failures]]);
      }
      const sites = await repo.siteSummaries(opts.staleAfterS);
      // site ids are subject tokens (letters, digits, - and _): safe as label values
      const per = (f: (s: (typeof sites)[number]) => number): [string, number][] => sites.map((s) => [`{site="${s.id}"}`, f(s)]);
      metric(
        'otwatch_site_assets',
        'assets of the site',
        'gauge',
        per((s) => s.assets),
      );
      metric(
        'otwatch_site_open_findings',
        'open findings of the site',
        'gauge',
        per((s) => s.openFindings),
      );
      metric(
        'otwatch_site_pending_changes',
        "changes waiting in the sensor's outbox (last heartbeat)",
        'gauge',
        per((s) => s.pending ?? 0),
      );
      metric(
        'otwatch_site_last_heard_seconds',
        'when the site was last heard from (seconds since the epoch)',
        'gauge',
        per((s) => (s.lastHeard ? Date.parse(s.lastHeard) / 1000 : 0)),
      );
      metric(
        'otwatch_site_stale',
        '1 when the site has not been heard from for --stale-after',
        'gauge',
        per((s) => (s.stale ? 1 : 0)),
      );
      metric(
        'otwatch_site_gap',
        '1 while a gap waits for its snapshot',
        'gauge',
        per((s) => (s.gap ? 1 : 0)),
      );
      const auditor = enterprise();
      if (auditor) {
        const [counts, stored] = await Promise.all([openEnterpriseCounts(opts.pool), enterpriseRepo.policy()]);
        metric(
          'otwatch_enterprise_open_findings',
          'open findings of the enterprise policy (traffic between sites) by severity',
          'gauge',
          Object.entries(counts.bySeverity).map(([sev, n]) => [`{severity="${sev}"}`, n]),
        );
        metric(
          'otwatch_site_enterprise_open_findings',
          'open enterprise findings naming the site (as one end of the traffic or its sensor)',
          'gauge',
          per((s) => counts.bySite[s.id] ?? 0),
        );
        metric('otwatch_enterprise_evaluations_total', 'enterprise evaluations since the policy was loaded', 'counter', [
          ['', auditor.evaluations],
        ]);
        metric('otwatch_enterprise_evaluation_failures_total', 'enterprise evaluations or path scans that failed (retried)', 'counter', [
          ['', auditor.failures],
        ]);
        metric('otwatch_enterprise_inter_site_paths', 'paths crossing from one site into another, held by the audit', 'gauge', [
          ['', auditor.interSitePaths],
        ]);
        // the stored time, so that it survives a restart; 0 before the first evaluation
        const at = stored?.hash === auditor.policy.hash && stored.evaluatedAt ? Date.parse(stored.evaluatedAt) / 1000 : 0;
        metric(
          'otwatch_enterprise_last_evaluation_seconds',
          'when the enterprise policy was last evaluated (seconds since the epoch)',
          'gauge',
          [['', at]],
        );
      }
      return reply.type('text/plain; version=0.0.4').send(lines.join('\n') + '\n');
    },
  );

  // the report over every site or some (src/api/routes/hub-report.ts)
  await app.register(hubReportRoutes, { pool: opts.pool, staleAfterS: opts.staleAfterS, prefix: API_PREFIX });
  // traffic between sites: the enterprise findings and policy (404 with a reason when the hub has none)
  await app.register(hubEnterpriseRoutes, { pool: opts.pool, auditor: enterprise });
  await app.register(
    async (api) => {
      api.get(
        '/sites',
        {
          schema: {
            tags: ['sites'],
            summary: 'Every site: its counts, worst open finding, when it was last heard, stale or not',
            response: { 200: { type: 'object', properties: { items: { type: 'array', items: siteSchema } } }, ...errors(401, 429) },
          },
        },
        async () => {
          const items = await repo.siteSummaries(opts.staleAfterS);
          if (!enterprise()) return { items: items.map((s) => ({ ...s, interSiteFindings: null })) };
          const { bySite } = await openEnterpriseCounts(opts.pool);
          return { items: items.map((s) => ({ ...s, interSiteFindings: bySite[s.id] ?? 0 })) };
        },
      );
      api.get<{ Querystring: Parameters<HubRepository['assetPage']>[0] }>(
        '/assets',
        {
          schema: {
            tags: ['inventory'],
            summary: 'Assets of every site or one (site=), filtered by role, vendor and protocol',
            querystring: listQuery(HUB_SORTS.asset, { role: filterString, vendor: filterString, protocol: filterString }, 'id'),
            response: { 200: pageOf(withSite(assetSchema)), ...errors(400, 401, 429) },
          },
        },
        async (req) => repo.assetPage(req.query),
      );
      api.get<{ Params: { id: string }; Querystring: { site: string } }>(
        '/assets/:id',
        {
          schema: {
            tags: ['inventory'],
            summary: 'One asset of one site with its identity history, paths and findings',
            params: { type: 'object', properties: { id: idParam }, required: ['id'] },
            querystring: { type: 'object', additionalProperties: false, properties: { site: siteParam }, required: ['site'] },
            response: {
              200: {
                type: 'object',
                properties: {
                  asset: withSite(assetSchema),
                  identityHistory: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: { attribute: str, value: str, protocol: str, firstTs: { type: 'number' }, lastTs: { type: 'number' } },
                    },
                  },
                  paths: { type: 'array', items: pathSchema },
                  findings: { type: 'array', items: findingSchema },
                },
              },
              ...errors(400, 401, 404, 429),
            },
          },
        },
        async (req, reply) => {
          const d = await repo.assetDetail(req.query.site, req.params.id);
          if (!d)
            return reply
              .code(404)
              .send({ statusCode: 404, error: 'Not Found', message: `no asset '${req.params.id}' at site '${req.query.site}'` });
          return d;
        },
      );
      api.get<{ Querystring: Parameters<HubRepository['pathPage']>[0] }>(
        '/paths',
        {
          schema: {
            tags: ['inventory'],
            summary: 'Communication paths of every site or one (site=)',
            querystring: listQuery(
              HUB_SORTS.path,
              {
                protocol: filterString,
                operation: filterString,
                asset: filterString,
                transport: { type: 'string', enum: ['tcp', 'udp'] },
                port: { type: 'integer', minimum: 0, maximum: 65535 },
              },
              'id',
            ),
            response: { 200: pageOf(withSite(pathSchema)), ...errors(400, 401, 429) },
          },
        },
        async (req) => repo.pathPage(req.query),
      );
      api.get<{ Querystring: Parameters<HubRepository['findingPage']>[0] }>(
        '/findings',
        {
          schema: {
            tags: ['findings'],
            summary: 'Findings of every site or one (site=), each audited by its sensor against its own policy',
            // 'priority' (the sensor's default, which the page asks for) is the severity order here
            querystring: listQuery(HUB_SORTS.finding, { severity: filterString, status: filterString, rule: filterString }, 'severity', [
              'priority',
            ]),
            response: { 200: pageOf(withSite(findingSchema)), ...errors(400, 401, 429) },
          },
        },
        async (req) => repo.findingPage({ ...req.query, sort: req.query.sort === 'priority' ? 'severity' : req.query.sort }),
      );
      api.get<{ Params: { id: string }; Querystring: { site: string } }>(
        '/findings/:id',
        {
          schema: {
            tags: ['findings'],
            summary: 'One finding of one site, as its sensor last sent it',
            params: { type: 'object', properties: { id: idParam }, required: ['id'] },
            querystring: { type: 'object', additionalProperties: false, properties: { site: siteParam }, required: ['site'] },
            response: { 200: withSite(findingSchema), ...errors(400, 401, 404, 429) },
          },
        },
        async (req, reply) =>
          (await maps.finding(req.query.site, req.params.id)) ??
          reply
            .code(404)
            .send({ statusCode: 404, error: 'Not Found', message: `no finding '${req.params.id}' at site '${req.query.site}'` }),
      );
      api.get<{ Querystring: { site: string } }>(
        '/facets',
        {
          schema: {
            tags: ['inventory'],
            summary: "The values one site's lists can be filtered by (the web page's drop-downs)",
            querystring: { type: 'object', additionalProperties: false, properties: { site: siteParam }, required: ['site'] },
            response: {
              200: { type: 'object', additionalProperties: { type: 'array', items: str } },
              ...errors(400, 401, 429),
            },
          },
        },
        async (req) => siteFacets(opts.pool, req.query.site),
      );
      api.get(
        '/whoami',
        {
          schema: {
            tags: ['system'],
            summary: 'The role and label of the presented token; hub: true tells the web page to open on the sites',
            response: {
              200: {
                type: 'object',
                properties: { role: str, label: { anyOf: [str, { type: 'null' }] }, hub: { type: 'boolean' } },
              },
              ...errors(401),
            },
          },
        },
        async (req) => ({ role: req.token?.role ?? 'viewer', label: req.token?.label ?? null, hub: true }),
      );
      api.get<{ Querystring: MapFilterQuery & { open?: string; index?: boolean } }>(
        '/map',
        {
          schema: {
            tags: ['inventory'],
            summary: "One site's plant map, as a sensor's GET /api/v1/map: zones, zone pairs, small zones' assets, live findings",
            querystring: {
              type: 'object',
              additionalProperties: false,
              properties: {
                site: siteParam,
                ...mapFilterQuery,
                open: {
                  type: 'string',
                  maxLength: 4000,
                  description: 'zones (comma separated) whose assets to include whatever their size',
                },
                index: { type: 'boolean', default: true, description: 'include the find-asset index' },
              },
              required: ['site'],
            },
            response: { 200: anyObject, ...errors(400, 401, 404, 429) },
          },
        },
        async (req, reply) => {
          const site = await maps.site(req.query.site);
          if (!site) return noSite(reply, req.query.site);
          const open = req.query.open ? req.query.open.split(',').filter(Boolean) : [];
          // the site's zones and conduits as its sensor's heartbeat carried them: drawn as the sensor draws them
          const map = mapView(site.rows, site.policy).overview(mapFilterOf(req.query), open, req.query.index !== false);
          if (site.policy) return { site: req.query.site, policyVersion: site.policyVersion, ...map };
          // an older sensor sent none: zones are those it placed assets in, drawn by id
          const zones = map.zones.filter((z) => z.id !== UNZONED_ID).length;
          return { site: req.query.site, policyVersion: null, ...map, totals: { ...map.totals, zones } };
        },
      );
      api.get<{ Params: { id: string }; Querystring: MapFilterQuery }>(
        '/map/zones/:id',
        {
          schema: {
            tags: ['inventory'],
            summary: "A zone's assets on one site's map (when it opens)",
            params: { type: 'object', properties: { id: idParam }, required: ['id'] },
            querystring: {
              type: 'object',
              additionalProperties: false,
              properties: { site: siteParam, ...mapFilterQuery },
              required: ['site'],
            },
            response: {
              200: { type: 'object', properties: { zone: str, assets: { type: 'array', items: anyObject } }, required: ['zone', 'assets'] },
              ...errors(400, 401, 404, 429),
            },
          },
        },
        async (req, reply) => {
          const site = await maps.site(req.query.site);
          if (!site) return noSite(reply, req.query.site);
          const assets = mapView(site.rows, site.policy).zone(req.params.id, mapFilterOf(req.query));
          if (!assets) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no zone '${req.params.id}'` });
          return { zone: req.params.id, assets };
        },
      );
      api.get<{ Params: { key: string }; Querystring: MapFilterQuery & { offset?: number; limit?: number } }>(
        '/map/pairs/:key/paths',
        {
          schema: {
            tags: ['inventory'],
            summary: "A page of the paths between two zones of one site's map, violating first, then by id",
            params: {
              type: 'object',
              properties: { key: { ...idParam, pattern: '^[^|\\u0000-\\u001f]+\\|[^|\\u0000-\\u001f]+$' } },
              required: ['key'],
            },
            querystring: {
              type: 'object',
              additionalProperties: false,
              properties: {
                site: siteParam,
                ...mapFilterQuery,
                offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
                limit: { type: 'integer', minimum: 1, maximum: MAP_PAGE_LIMIT, default: 100 },
              },
              required: ['site'],
            },
            response: {
              200: {
                type: 'object',
                properties: { total: { type: 'integer' }, violating: { type: 'integer' }, items: { type: 'array', items: anyObject } },
                required: ['total', 'violating', 'items'],
              },
              ...errors(400, 401, 404, 429),
            },
          },
        },
        async (req, reply) => {
          const site = await maps.site(req.query.site);
          if (!site) return noSite(reply, req.query.site);
          const [a, b] = req.params.key.split('|') as [string, string];
          const key = a <= b ? `${a}|${b}` : `${b}|${a}`;
          const page = mapView(site.rows, site.policy).pairPaths(
            key,
            mapFilterOf(req.query),
            req.query.offset ?? 0,
            req.query.limit ?? 100,
          );
          if (!page) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no zone pair '${req.params.key}'` });
          return page;
        },
      );
      api.get(
        '/hub',
        {
          schema: {
            tags: ['sites'],
            summary: "The hub's ingest counters",
            response: { 200: { type: 'object', additionalProperties: true } },
          },
        },
        async () => ({ counters: opts.hub?.counters ?? null }),
      );
    },
    { prefix: API_PREFIX },
  );
  return app;
}
