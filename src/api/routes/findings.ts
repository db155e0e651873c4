/** GET /findings, GET /findings/:id, PATCH /findings/:id (acknowledge or reopen, with who and why). */
import type { FastifyInstance } from 'fastify';
import { RULES, SEVERITY_ORDER } from '../../audit/constants.js';
import { actorOf } from '../auth.js';
import { FINDING_STATUSES, type FindingStatus } from '../../audit/lifecycle.js';
import { parseTime, type ApiContext } from '../context.js';
import type { FindingFilter } from '../../store/findings-api-repository.js';
import { errors, filterString, findingSchema, idParam, pageOf, pageQuery, timeParam } from '../schemas.js';

const strs = { type: 'array', items: { type: 'string' } } as const;

interface FindingQuery {
  rule?: string;
  severity?: string;
  zone?: string;
  conduit?: string;
  status?: FindingStatus;
  asset?: string;
  since?: string;
  until?: string;
  sort: FindingFilter['sort'];
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  cursor?: string;
}

export const findingQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    rule: { type: 'string', enum: Object.values(RULES) },
    severity: { type: 'string', enum: Object.keys(SEVERITY_ORDER) },
    zone: filterString,
    conduit: filterString,
    asset: filterString,
    status: { type: 'string', enum: [...FINDING_STATUSES] },
    since: { ...timeParam, description: 'latest traffic of the finding at or after (epoch seconds or ISO 8601)' },
    until: { ...timeParam, description: 'latest traffic of the finding at or before (epoch seconds or ISO 8601)' },
    sort: {
      type: 'string',
      enum: ['severity', 'last_seen', 'first_seen', 'rule', 'priority'],
      default: 'severity',
      description:
        "'priority': what to fix first (severity, then program/control before write before read reaching level 0-1, then the oldest)",
    },
    ...pageQuery,
  },
} as const;

/**
 * One finding as GET /findings/:id and PATCH return it: with every path and asset id behind it, which
 * the page sends to the map to highlight (a list leaves them out: they can run to thousands per finding).
 */
export const findingDetailSchema = {
  ...findingSchema,
  properties: {
    ...findingSchema.properties,
    evidence: {
      ...findingSchema.properties.evidence,
      properties: { ...findingSchema.properties.evidence.properties, pathIds: strs, assetIds: strs },
    },
  },
} as const;

export function findingFilter(q: FindingQuery): FindingFilter {
  return {
    rule: q.rule,
    severity: q.severity,
    zone: q.zone,
    conduit: q.conduit,
    status: q.status,
    asset: q.asset,
    since: parseTime(q.since),
    until: parseTime(q.until),
    sort: q.sort,
    desc: q.order === 'desc',
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  };
}

export async function findingRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get<{ Querystring: FindingQuery }>(
    '/findings',
    {
      schema: {
        tags: ['findings'],
        summary: 'Audit findings, filtered by rule, severity, zone, conduit, status, asset and time range',
        querystring: findingQuerySchema,
        response: { 200: pageOf(findingSchema), ...errors(400, 401, 429) },
      },
    },
    async (req) => ctx.findings.list(findingFilter(req.query)),
  );

  const params = { type: 'object', properties: { id: idParam }, required: ['id'] } as const;

  app.get<{ Params: { id: string } }>(
    '/findings/:id',
    {
      schema: {
        tags: ['findings'],
        summary: 'One finding with its history (who acknowledged or reopened it, and why)',
        params,
        response: { 200: findingDetailSchema, ...errors(400, 401, 404) },
      },
    },
    async (req, reply) =>
      ctx.findings.get(req.params.id) ??
      reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no finding '${req.params.id}'` }),
  );

  app.patch<{ Params: { id: string }; Body: { action: 'acknowledge' | 'reopen'; comment: string } }>(
    '/findings/:id',
    {
      config: { role: 'admin' },
      schema: {
        tags: ['findings'],
        summary: 'Acknowledge a finding, or reopen it (withdraw an acknowledgement, dispute a resolution), with a comment (admin)',
        description:
          'Lifecycle: open → acknowledged → resolved (the audit no longer reports it) → reopened (it came back, or reopened here). ' +
          'Acknowledging a resolved finding, or reopening an open or reopened one, is a 409.',
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['action', 'comment'],
          properties: {
            action: { type: 'string', enum: ['acknowledge', 'reopen'] },
            comment: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' },
          },
        },
        response: { 200: findingDetailSchema, ...errors(400, 401, 403, 404, 409) },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      const actor = actorOf(req);
      const r =
        req.body.action === 'acknowledge'
          ? ctx.findings.acknowledge(id, actor, req.body.comment)
          : ctx.findings.reopen(id, actor, req.body.comment);
      if (!r) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no finding '${id}'` });
      if (!r.ok) return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: r.error });
      return r.finding;
    },
  );
}
