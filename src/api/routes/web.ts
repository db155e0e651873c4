/**
 * The web page (the plant map, tables, upload, policy) served by otwatch itself, offline: the page's
 * files from api/web/ and the graph library from node_modules, from a fixed list read once at start
 * (no path from a request ever reaches the file system). The page is public (it holds no data); every
 * API call it makes carries the token the user signs in with. Also the page's data routes:
 * GET /api/v1/map (the plant graph: zones, assets, paths with their verdicts, conduits, findings),
 * GET /api/v1/zones/suggest (a draft policy from the inventory) and GET /api/v1/whoami (the token's role).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../../core/package-root.js';
import { plantGraph, type GraphFindingInput } from '../../report/graph.js';
import { suggestPolicy } from '../../audit/suggest.js';
import { API_PREFIX } from '../constants.js';
import type { ApiContext } from '../context.js';
import { errors } from '../schemas.js';

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

/** The graph library: cytoscape and the fcose compound layout with its two dependencies (UMD builds, in load order). */
export const VENDOR_FILES: readonly [string, string][] = [
  ['cytoscape.min.js', 'cytoscape/dist/cytoscape.min.js'],
  ['layout-base.js', 'layout-base/layout-base.js'],
  ['cose-base.js', 'cose-base/cose-base.js'],
  ['cytoscape-fcose.js', 'cytoscape-fcose/cytoscape-fcose.js'],
];

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

  app.get(
    `${API_PREFIX}/map`,
    {
      schema: {
        tags: ['inventory'],
        summary: 'The plant graph for the map: zones, assets with their zone, paths with their verdict and findings, conduits, findings',
        response: { 200: { type: 'object', additionalProperties: true }, ...errors(401) },
      },
    },
    async () => {
      const policy = ctx.policies.policy();
      const findings = ctx.findings.all() as unknown as GraphFindingInput[];
      return {
        policyVersion: ctx.policies.current()?.version ?? null,
        ...plantGraph(policy, ctx.store.assets(), ctx.store.paths(), findings),
      };
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
