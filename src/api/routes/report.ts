/**
 * GET /report: the assessment report of the store against the current policy, as the self-contained
 * HTML document `otwatch report` writes. Read-only: it is not archived (the CLI archives), so a GET
 * never changes what the next report's change log compares against.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { buildReport } from '../../report/model.js';
import { renderReport } from '../../report/render.js';
import type { ApiContext } from '../context.js';
import { errors } from '../schemas.js';

/** The report has no script and fetches nothing: its one style element is all it may use. */
export const REPORT_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export async function reportRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  app.get<{ Querystring: { download?: boolean } }>(
    '/report',
    {
      schema: {
        tags: ['policy'],
        summary: 'The IEC 62443-3-2 assessment report (self-contained HTML) of the store against the current policy',
        querystring: { type: 'object', additionalProperties: false, properties: { download: { type: 'boolean', default: false } } },
        produces: ['text/html'],
        response: { 200: { type: 'string' }, ...errors(400, 401, 404) },
      },
    },
    async (req, reply) => {
      const policy = ctx.policies.policy();
      if (!policy)
        return (reply as FastifyReply)
          .code(404)
          .send({ statusCode: 404, error: 'Not Found', message: 'no policy stored yet: PUT /api/v1/policy, then ask for the report' });
      const html = renderReport(buildReport(ctx.store, policy, { now: Date.now() / 1000 }));
      reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_CSP);
      if (req.query.download) reply.header('content-disposition', 'attachment; filename="otwatch-assessment.html"');
      return html;
    },
  );
}
