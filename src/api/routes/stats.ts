/** GET /stats: the size of the inventory, findings by severity and status, jobs, policy version. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { errors } from '../schemas.js';

const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export async function statsRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get(
    '/stats',
    {
      schema: {
        tags: ['inventory'],
        summary: 'Counts: assets by role, paths by protocol, findings, captures, jobs',
        response: {
          200: {
            type: 'object',
            properties: {
              assets: { type: 'integer' },
              paths: { type: 'integer' },
              captures: { type: 'integer' },
              assetsByRole: counts,
              pathsByProtocol: counts,
              findings: { type: 'object', additionalProperties: counts },
              jobs: counts,
              policyVersion: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => {
      const db = ctx.store.db;
      const grouped = (sql: string) => Object.fromEntries((db.prepare(sql).raw().all() as [string, number][]).map(([k, n]) => [k, n]));
      return {
        assets: db.prepare('SELECT COUNT(*) FROM assets').pluck().get() as number,
        paths: db.prepare('SELECT COUNT(*) FROM paths').pluck().get() as number,
        captures: db.prepare('SELECT COUNT(*) FROM captures').pluck().get() as number,
        assetsByRole: grouped('SELECT role, COUNT(*) FROM assets GROUP BY role'),
        pathsByProtocol: grouped('SELECT protocol, COUNT(*) FROM paths GROUP BY protocol'),
        findings: ctx.findings.countsBySeverity(),
        jobs: ctx.jobs.counts(),
        policyVersion: ctx.policies.current()?.version ?? null,
      };
    },
  );
}
