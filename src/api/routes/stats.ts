/** GET /stats: the size of the inventory, findings by severity and status, jobs, policy version. */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { errors } from '../schemas.js';
import { inventoryCounts } from '../../store/summary-repository.js';

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
      return {
        ...inventoryCounts(ctx.store.db),
        findings: ctx.findings.countsBySeverity(),
        jobs: ctx.jobs.counts(),
        policyVersion: ctx.policies.current()?.version ?? null,
      };
    },
  );
}
