/**
 * The hub's enterprise audit over HTTP (issue 17): GET /api/v1/enterprise/findings (traffic between sites
 * judged against the enterprise policy: paging, severity, status, site and rule filters) and
 * GET /api/v1/enterprise/policy (the policy the hub runs with: sites, ranges, conduits, last evaluation).
 * A plugin registered by buildHubApp on every hub app: the app's token check and error
 * handler apply to it, as to every route of the app.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type pg from 'pg';
import type { EnterpriseAuditor } from '../../hub/enterprise-auditor.js';
import { EnterpriseRepository, type EnterpriseFindingQuery } from '../../store/pg/enterprise-repository.js';
import { API_PREFIX } from '../constants.js';
import { errors, filterString, pageOf, pageQuery } from '../schemas.js';

export interface HubEnterpriseOptions {
  pool: pg.Pool;
  /** The running hub's auditor (it changes when the policy is reloaded): says whether the stored policy is the one in force. */
  auditor?: () => EnterpriseAuditor | undefined;
}

const str = { type: 'string' } as const;
const strs = { type: 'array', items: str } as const;
const nullableStr = { anyOf: [str, { type: 'null' }] } as const;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

const findingItem = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: str,
    rule: str,
    severity: str,
    title: str,
    status: str,
    sites: strs,
    observedAt: strs,
    conduit: str,
    firstSeen: str,
    lastSeen: str,
    resolvedAt: nullableStr,
    resolution: nullableStr,
    reopened: { type: 'integer' },
    policyHash: str,
  },
} as const;

const evaluationSchema = { anyOf: [{ type: 'object', additionalProperties: { type: 'number' } }, { type: 'null' }] } as const;

export const hubEnterpriseRoutes: FastifyPluginAsync<HubEnterpriseOptions> = async (app: FastifyInstance, opts) => {
  const repo = new EnterpriseRepository(opts.pool);

  app.get<{ Querystring: EnterpriseFindingQuery & { order?: string } }>(
    `${API_PREFIX}/enterprise/findings`,
    {
      schema: {
        tags: ['sites'],
        summary: 'Findings of the enterprise policy: traffic between sites, most severe first',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            severity: { type: 'string', enum: SEVERITIES },
            status: { type: 'string', enum: ['open', 'resolved'] },
            site: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' },
            rule: filterString,
            limit: pageQuery.limit,
            offset: pageQuery.offset,
            cursor: pageQuery.cursor,
          },
        },
        response: { 200: pageOf(findingItem), ...errors(400, 401, 429) },
      },
    },
    async (req) => repo.findingPage(req.query),
  );

  app.get<{ Reply: object }>(
    `${API_PREFIX}/enterprise/policy`,
    {
      schema: {
        tags: ['sites'],
        summary: 'The enterprise policy: sites with their address ranges, conduits between them, the last evaluation',
        response: {
          200: {
            type: 'object',
            properties: {
              name: nullableStr,
              file: str,
              hash: str,
              active: { type: 'boolean' },
              loadedAt: str,
              evaluatedAt: nullableStr,
              evaluation: evaluationSchema,
              sites: { type: 'integer' },
              conduits: { type: 'integer' },
              zones: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { id: str, name: str, kind: str, ranges: strs, slt: { anyOf: [{ type: 'integer' }, { type: 'null' }] } },
                },
              },
              conduitList: { type: 'array', items: { type: 'object', additionalProperties: true } },
              interSitePaths: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
            },
          },
          ...errors(401, 404, 429),
        },
      },
    },
    async (_req, reply) => {
      const p = await repo.policy();
      if (!p)
        return reply
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: 'no enterprise policy: start the hub with --enterprise-policy file.yaml' });
      const auditor = opts.auditor?.();
      return {
        name: p.summary.name,
        file: p.summary.file,
        hash: p.hash,
        active: auditor?.policy.hash === p.hash,
        loadedAt: p.loadedAt,
        evaluatedAt: p.evaluatedAt,
        evaluation: p.evaluation,
        sites: p.summary.zones.filter((z) => z.kind === 'site').length,
        conduits: p.summary.conduits.length,
        zones: p.summary.zones,
        conduitList: p.summary.conduits,
        interSitePaths: auditor ? auditor.interSitePaths : null,
      };
    },
  );
};
