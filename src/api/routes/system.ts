/** GET /health (public, says nothing sensitive) and GET /metrics (Prometheus, token required). */
import type { FastifyInstance } from 'fastify';
import type { ApiContext } from '../context.js';
import { renderMetrics } from '../metrics.js';
import { errors } from '../schemas.js';
import { storeHealth } from '../../store/database.js';

export async function systemRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['system'],
        summary: 'Liveness and database health: ok, damaged or unavailable (no authentication, no details)',
        response: {
          200: { type: 'object', properties: { status: { type: 'string' } } },
          503: { type: 'object', properties: { status: { type: 'string' } } },
        },
      },
    },
    async (_req, reply) => {
      // 'damaged' when the store failed its integrity check or a request met a damaged page since start
      const status = storeHealth(ctx.store.db);
      return status === 'ok' ? { status } : reply.code(503).send({ status });
    },
  );

  app.get(
    '/metrics',
    {
      schema: {
        tags: ['system'],
        summary: 'Prometheus metrics',
        produces: ['text/plain'],
        response: { 200: { type: 'string' }, ...errors(401) },
      },
    },
    async (_req, reply) => {
      reply.type('text/plain; version=0.0.4; charset=utf-8');
      return renderMetrics(ctx.metrics, ctx.findings.countsBySeverity(), ctx.jobs.counts());
    },
  );
}
