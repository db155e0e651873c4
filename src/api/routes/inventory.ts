/** GET /assets, /assets/:id and /paths: the inventory, filtered, sorted and paginated. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import type { Page } from '../../store/list-query.js';
import {
  ASSET_SORT,
  PATH_SORT,
  assetFacets,
  assetPage as assetRows,
  assetSurroundings,
  pathPage,
  type AssetListQuery,
  type PathListQuery,
  type ZonedAsset,
} from '../../store/inventory-api-repository.js';
import { assetSchema, errors, filterString, findingSchema, idParam, pageOf, pageQuery, pathSchema } from '../schemas.js';

/** A page of assets with their zones (also what the CSV export streams). */
export function assetPage(ctx: ApiContext, q: AssetListQuery): Page<ZonedAsset> {
  return assetRows(ctx.store.db, q);
}

const strs = { type: 'array', items: { type: 'string' } } as const;

const listResponses = (item: object) => ({ 200: pageOf(item), ...errors(400, 401, 403, 429) });

export async function inventoryRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get<{ Querystring: AssetListQuery }>(
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

  app.get(
    '/facets',
    {
      schema: {
        tags: ['inventory'],
        summary: 'The values the enumeration filters of /assets, /paths and /findings take, for drop-downs',
        response: {
          200: {
            type: 'object',
            properties: { roles: strs, zones: strs, vendors: strs, protocols: strs, operations: strs, conduits: strs, rules: strs },
          },
          ...errors(401),
        },
      },
    },
    async () => assetFacets(ctx.store.db),
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
      const { zone, paths, changes } = assetSurroundings(ctx.store.db, id);
      const findings = ctx.findings.list({ asset: id, sort: 'priority', desc: false, limit: 500 }).items;
      return { asset: { ...asset, zone }, identityHistory: ctx.store.identityHistory(id), paths, findings, changes };
    },
  );

  app.get<{ Querystring: PathListQuery }>(
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
    async (req) => pathPage(ctx.store.db, req.query),
  );
}
