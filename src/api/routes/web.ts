/**
 * The web page (the plant map, tables, upload, policy) served by otwatch itself, offline: the page's
 * files from api/web/ and the graph library from node_modules, from a fixed list read once at start
 * (no path from a request ever reaches the file system). The page is public (it holds no data); every
 * API call it makes carries the token the user signs in with. Also the page's data routes:
 * GET /api/v1/map (zones with their assets counted by role, zone pairs with their conduits and status, the
 * assets of small zones, the live findings, the find-asset index), GET /api/v1/map/zones/:id (a zone's assets
 * when it opens), GET /api/v1/map/pairs/:key/paths (a page of a zone pair's paths, violating first), all under
 * the page's filter; GET /api/v1/zones/suggest (a draft policy from the inventory) and GET /api/v1/whoami (the token's role).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../../core/package-root.js';
import { MAP_PAGE_LIMIT, mapView, type MapFilter } from '../../report/map-view.js';
import { MapRepository } from '../../store/map-repository.js';
import { suggestPolicy } from '../../audit/suggest.js';
import { API_PREFIX } from '../constants.js';
import type { ApiContext } from '../context.js';
import { errors, filterString, idParam, timeParam } from '../schemas.js';
import { parseTime } from '../context.js';

/** The page may load only its own files and talk only to its own server. */
// style-src allows inline styles: cytoscape sets them on its own elements; scripts stay 'self' only.
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The graph library (UMD build): cytoscape draws; the map computes its own layout (web/map-layout.js). */
export const VENDOR_FILES: readonly [string, string][] = [['cytoscape.min.js', 'cytoscape/dist/cytoscape.min.js']];

export const WEB_DIR = join(packageRoot, 'src/api/web');

function nodeModule(rel: string): string | undefined {
  for (const base of [join(packageRoot, 'node_modules'), join(packageRoot, '..', 'node_modules')]) {
    if (existsSync(join(base, rel))) return join(base, rel);
  }
  return undefined;
}

interface Asset {
  body: Buffer;
  type: string;
}

/** URL path → file content, read once: the page's own files (not tests) and the vendor scripts. */
export function loadWebAssets(dir = WEB_DIR): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const type = TYPES[extname(name)];
    if (!type || name.endsWith('.test.ts') || name === 'index.html') continue;
    out.set(`/web/${name}`, { body: readFileSync(join(dir, name)), type });
  }
  if (existsSync(join(dir, 'index.html'))) out.set('/', { body: readFileSync(join(dir, 'index.html')), type: TYPES['.html']! });
  for (const [name, rel] of VENDOR_FILES) {
    const file = nodeModule(rel);
    if (file) out.set(`/web/vendor/${name}`, { body: readFileSync(file), type: TYPES['.js']! });
  }
  return out;
}

function send(reply: FastifyReply, a: Asset): FastifyReply {
  // the files change only with a new release: revalidate rather than cache blindly
  return reply.type(a.type).header('cache-control', 'no-cache').header('content-security-policy', PAGE_CSP).send(a.body);
}

export async function webRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  const assets = loadWebAssets();
  const hide = { hide: true } as const;
  app.get('/', { config: { public: true }, schema: hide }, async (_req, reply) => {
    const page = assets.get('/');
    return page
      ? send(reply, page)
      : reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'the web page is not installed' });
  });
  app.get<{ Params: { '*': string } }>('/web/*', { config: { public: true }, schema: hide }, async (req, reply) => {
    const a = assets.get(`/web/${req.params['*']}`);
    return a ? send(reply, a) : reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'no such file' });
  });

  app.get(
    `${API_PREFIX}/whoami`,
    {
      schema: {
        tags: ['system'],
        summary: 'The role and label of the presented token (what the page may offer)',
        response: {
          200: { type: 'object', properties: { role: { type: 'string' }, label: { anyOf: [{ type: 'string' }, { type: 'null' }] } } },
          ...errors(401),
        },
      },
    },
    async (req) => ({ role: req.token?.role ?? 'viewer', label: req.token?.label ?? null }),
  );

  const repo = new MapRepository(ctx.store.db);
  const view = () => mapView(repo.rows(), ctx.policies.policy());
  const filterQuery = {
    protocol: filterString,
    operation: filterString,
    severity: { type: 'string', enum: ['critical', 'high', 'medium', 'low', 'info'] },
    from: { ...timeParam, description: 'paths seen at or after (seconds or ISO 8601)' },
    to: { ...timeParam, description: 'paths seen at or before (seconds or ISO 8601)' },
  } as const;
  type FilterQuery = { protocol?: string; operation?: string; severity?: string; from?: string; to?: string };
  const filterOf = (q: FilterQuery): MapFilter => ({
    protocol: q.protocol,
    operation: q.operation,
    severity: q.severity,
    from: parseTime(q.from),
    to: parseTime(q.to),
  });
  const anyObject = { type: 'object', additionalProperties: true } as const;
  // the map's rows read and aggregated once when the server is ready, not on the first page's request
  app.addHook('onReady', async () => {
    setTimeout(() => {
      try {
        view().overview({});
      } catch {
        /* the server closed meanwhile: the first request reads them */
      }
    }, 0).unref();
  });

  app.get<{ Querystring: FilterQuery & { open?: string; index?: boolean } }>(
    `${API_PREFIX}/map`,
    {
      schema: {
        tags: ['inventory'],
        summary:
          'The plant map: zones with their assets counted by role, zone pairs with conduits, counts and status, the assets of small zones, live findings, the find-asset index',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterQuery,
            open: { type: 'string', maxLength: 4000, description: 'zones (comma separated) whose assets to include whatever their size' },
            index: { type: 'boolean', default: true, description: 'include the find-asset index' },
          },
        },
        response: { 200: anyObject, ...errors(400, 401) },
      },
    },
    async (req) => {
      const open = req.query.open ? req.query.open.split(',').filter(Boolean) : [];
      return {
        policyVersion: ctx.policies.current()?.version ?? null,
        ...view().overview(filterOf(req.query), open, req.query.index !== false),
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: FilterQuery }>(
    `${API_PREFIX}/map/zones/:id`,
    {
      schema: {
        tags: ['inventory'],
        summary: "A zone's assets for the map (when it opens), with their violations and activity under the filter",
        params: { type: 'object', properties: { id: idParam }, required: ['id'] },
        querystring: { type: 'object', additionalProperties: false, properties: filterQuery },
        response: {
          200: {
            type: 'object',
            properties: { zone: { type: 'string' }, assets: { type: 'array', items: anyObject } },
            required: ['zone', 'assets'],
          },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const assets = view().zone(req.params.id, filterOf(req.query));
      if (!assets) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no zone '${req.params.id}'` });
      return { zone: req.params.id, assets };
    },
  );

  app.get<{ Params: { key: string }; Querystring: FilterQuery & { offset?: number; limit?: number } }>(
    `${API_PREFIX}/map/pairs/:key/paths`,
    {
      schema: {
        tags: ['inventory'],
        summary: "A page of the paths between two zones ('a|b', or 'z|z' inside one), violating first, then by id",
        params: {
          type: 'object',
          properties: { key: { ...idParam, pattern: '^[^|\\u0000-\\u001f]+\\|[^|\\u0000-\\u001f]+$' } },
          required: ['key'],
        },
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...filterQuery,
            offset: { type: 'integer', minimum: 0, maximum: 10_000_000, default: 0 },
            limit: { type: 'integer', minimum: 1, maximum: MAP_PAGE_LIMIT, default: 100 },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: { total: { type: 'integer' }, violating: { type: 'integer' }, items: { type: 'array', items: anyObject } },
            required: ['total', 'violating', 'items'],
          },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const [a, b] = req.params.key.split('|') as [string, string];
      const key = a <= b ? `${a}|${b}` : `${b}|${a}`;
      const page = view().pairPaths(key, filterOf(req.query), req.query.offset ?? 0, req.query.limit ?? 100);
      if (!page) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no zone pair '${req.params.key}'` });
      return page;
    },
  );

  app.get(
    `${API_PREFIX}/zones/suggest`,
    {
      schema: {
        tags: ['policy'],
        summary: 'A draft zone/conduit policy (YAML) proposed from the inventory, to review and edit',
        produces: ['application/yaml'],
        response: { 200: { type: 'string' }, ...errors(401) },
      },
    },
    async (_req, reply) => {
      reply.type('application/yaml; charset=utf-8').header('content-disposition', 'inline; filename="suggested-policy.yaml"');
      return suggestPolicy(ctx.store.assets(), ctx.store.paths(), 'Suggested from the otwatch inventory');
    },
  );
}
