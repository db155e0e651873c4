/** GET /assets, /assets/:id and /paths: the inventory, filtered, sorted and paginated. */
import type { FastifyInstance } from 'fastify';
import type { Asset, Path } from '../../core/model.js';
import { pathFromRow, type OperationRow, type PathRow } from '../../store/rows.js';
import type { ApiContext } from '../context.js';
import { listPage, type Page } from '../../store/list-query.js';
import { assetSchema, errors, filterString, findingSchema, idParam, pageOf, pageQuery, pathSchema } from '../schemas.js';

const ASSET_SORT = { id: 'a.id', last_seen: 'a.last_seen', first_seen: 'a.first_seen', role: 'a.role' } as const;
const PATH_SORT = { id: 'p.id', last_seen: 'p.last_seen', first_seen: 'p.first_seen', protocol: 'p.protocol' } as const;

interface AssetQuery {
  role?: string;
  zone?: string;
  vendor?: string;
  protocol?: string;
  sort: keyof typeof ASSET_SORT;
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  cursor?: string;
}
interface PathQuery {
  protocol?: string;
  operation?: string;
  asset?: string;
  zone?: string;
  from_zone?: string;
  to_zone?: string;
  transport?: 'tcp' | 'udp';
  port?: number;
  sort: keyof typeof PATH_SORT;
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  cursor?: string;
}

type PathOut = Path & { fromZone: string | null; toZone: string | null; zoneStatus: string | null };

export function assetPage(ctx: ApiContext, q: AssetQuery): Page<Asset & { zone: string | null }> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.role) {
    where.push('a.role = ?');
    args.push(q.role);
  }
  if (q.vendor) {
    where.push('a.vendor = ?');
    args.push(q.vendor);
  }
  if (q.protocol) {
    where.push('a.id IN (SELECT asset_id FROM asset_protocols WHERE protocol = ?)');
    args.push(q.protocol);
  }
  if (q.zone) {
    where.push('a.id IN (SELECT asset_id FROM asset_zones WHERE zone = ?)');
    args.push(q.zone);
  }
  const page = listPage<{ data: string; zone: string | null }>(ctx.store.db, {
    from: 'assets a',
    select: 'a.data, (SELECT zone FROM asset_zones WHERE asset_id = a.id) AS zone',
    id: 'a.id',
    where,
    args,
    sort: ASSET_SORT[q.sort],
    desc: q.order === 'desc',
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  });
  return { ...page, items: page.items.map((r) => ({ ...(JSON.parse(r.data) as Asset), zone: r.zone })) };
}

function withOps(
  ctx: ApiContext,
  rows: (PathRow & { from_zone: string | null; to_zone: string | null; zone_status: string | null })[],
): PathOut[] {
  const getOps = ctx.store.db.prepare('SELECT * FROM path_operations WHERE path_id = ?');
  return rows.map((r) => ({
    ...pathFromRow(r, getOps.all(r.id) as OperationRow[]),
    fromZone: r.from_zone,
    toZone: r.to_zone,
    zoneStatus: r.zone_status,
  }));
}

const PATH_SELECT = 'p.*, z.from_zone, z.to_zone, z.status AS zone_status';
const PATH_FROM = 'paths p LEFT JOIN path_zones z ON z.path_id = p.id';

export function pathPage(ctx: ApiContext, q: PathQuery): Page<PathOut> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.protocol) {
    where.push('p.protocol = ?');
    args.push(q.protocol);
  }
  if (q.transport) {
    where.push('p.transport = ?');
    args.push(q.transport);
  }
  if (q.port !== undefined) {
    where.push('p.responder_port = ?');
    args.push(q.port);
  }
  // An operation filter drives the query from the (operation, path_id) index, already in id order.
  if (q.operation) {
    where.push('o.operation = ?');
    args.push(q.operation);
  }
  if (q.asset) {
    where.push('(p.initiator = ? OR p.responder = ?)');
    args.push(q.asset, q.asset);
  }
  if (q.from_zone || q.to_zone) {
    const cond = [q.from_zone && 'from_zone = ?', q.to_zone && 'to_zone = ?'].filter(Boolean).join(' AND ');
    where.push(`p.id IN (SELECT path_id FROM path_zones WHERE ${cond})`);
    if (q.from_zone) args.push(q.from_zone);
    if (q.to_zone) args.push(q.to_zone);
  }
  if (q.zone) {
    where.push('p.id IN (SELECT path_id FROM path_zones WHERE from_zone = ? UNION SELECT path_id FROM path_zones WHERE to_zone = ?)');
    args.push(q.zone, q.zone);
  }
  const byOp = q.operation !== undefined;
  const id = byOp ? 'o.path_id' : 'p.id';
  const page = listPage<PathRow & { from_zone: string | null; to_zone: string | null; zone_status: string | null }>(ctx.store.db, {
    from: byOp ? `path_operations o JOIN ${PATH_FROM.replace('paths p', 'paths p ON p.id = o.path_id')}` : PATH_FROM,
    countFrom: byOp ? (where.length === 1 ? 'path_operations o' : 'path_operations o JOIN paths p ON p.id = o.path_id') : 'paths p',
    select: PATH_SELECT,
    id,
    where,
    args,
    sort: q.sort === 'id' ? id : PATH_SORT[q.sort],
    desc: q.order === 'desc',
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  });
  return { ...page, items: withOps(ctx, page.items) };
}

const listResponses = (item: object) => ({ 200: pageOf(item), ...errors(400, 401, 403, 429) });

export async function inventoryRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get<{ Querystring: AssetQuery }>(
    '/assets',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Assets, filtered by role, zone, vendor and protocol',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            role: filterString,
            zone: filterString,
            vendor: filterString,
            protocol: filterString,
            sort: { type: 'string', enum: Object.keys(ASSET_SORT), default: 'id' },
            ...pageQuery,
          },
        },
        response: listResponses(assetSchema),
      },
    },
    async (req) => assetPage(ctx, req.query),
  );

  app.get<{ Params: { id: string } }>(
    '/assets/:id',
    {
      schema: {
        tags: ['inventory'],
        summary: 'One asset with its identity history, paths, findings and changes',
        params: { type: 'object', properties: { id: idParam }, required: ['id'] },
        response: {
          200: {
            type: 'object',
            properties: {
              asset: assetSchema,
              identityHistory: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    attribute: { type: 'string' },
                    value: { type: 'string' },
                    protocol: { type: 'string' },
                    firstTs: { type: 'number' },
                    lastTs: { type: 'number' },
                  },
                },
              },
              paths: { type: 'array', items: pathSchema },
              findings: { type: 'array', items: findingSchema },
              changes: {
                type: 'array',
                items: { type: 'object', properties: { ts: { type: 'number' }, kind: { type: 'string' }, detail: { type: 'string' } } },
              },
            },
          },
          ...errors(400, 401, 404),
        },
      },
    },
    async (req, reply) => {
      const id = req.params.id;
      const [asset] = ctx.store.assetsById([id]);
      if (!asset) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no asset '${id}'` });
      const zone = ctx.store.db.prepare('SELECT zone FROM asset_zones WHERE asset_id = ?').pluck().get(id) as string | undefined;
      const paths = withOps(
        ctx,
        ctx.store.db
          .prepare(
            `SELECT ${PATH_SELECT} FROM ${PATH_FROM} WHERE p.initiator = ? UNION ALL SELECT ${PATH_SELECT} FROM ${PATH_FROM} WHERE p.responder = ? AND p.initiator != ? LIMIT 1000`,
          )
          .all(id, id, id) as never[],
      );
      const findings = ctx.findings.list({ asset: id, sort: 'severity', desc: false, limit: 500 }).items;
      const changes = ctx.store.db
        .prepare('SELECT ts, kind, detail FROM inventory_changes WHERE asset_id = ? ORDER BY ts, id LIMIT 1000')
        .all(id);
      return { asset: { ...asset, zone: zone ?? null }, identityHistory: ctx.store.identityHistory(id), paths, findings, changes };
    },
  );

  app.get<{ Querystring: PathQuery }>(
    '/paths',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Communication paths, filtered by protocol, zone pair, operation, asset, port',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            protocol: filterString,
            operation: filterString,
            asset: filterString,
            zone: filterString,
            from_zone: filterString,
            to_zone: filterString,
            transport: { type: 'string', enum: ['tcp', 'udp'] },
            port: { type: 'integer', minimum: 0, maximum: 65535 },
            sort: { type: 'string', enum: Object.keys(PATH_SORT), default: 'id' },
            ...pageQuery,
          },
        },
        response: listResponses(pathSchema),
      },
    },
    async (req) => pathPage(ctx, req.query),
  );
}
