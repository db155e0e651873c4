/**
 * GET /report on the hub (issue 17): the assessment report over every site, or the sites of `site=` (repeat it
 * for several), as the self-contained HTML document `otwatch report --postgres` writes. Viewers may read it.
 * Registered under the API prefix: app.register(hubReportRoutes, { pool, staleAfterS, prefix: API_PREFIX }).
 */
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { loadEnterpriseReport, UnknownSitesError } from '../../report/enterprise-load.js';
import { renderEnterpriseReport } from '../../report/enterprise-render.js';
import { ReportRepository } from '../../store/pg/report-repository.js';
import { errors } from '../schemas.js';
import { REPORT_CSP } from './report.js';

export interface HubReportOptions {
  pool: pg.Pool;
  /** A site not heard from for this long (seconds) is stale; 60 as `otwatch hub --stale-after`. */
  staleAfterS?: number;
}

/** Sites one request may name: more is every site, which is the request without `site`. */
const MAX_SITES = 100;

export async function hubReportRoutes(app: FastifyInstance, opts: HubReportOptions): Promise<void> {
  const repo = new ReportRepository(opts.pool);
  app.get<{ Querystring: { site?: string[]; download?: boolean } }>(
    '/report',
    {
      schema: {
        tags: ['sites'],
        summary: 'The assessment report over every site or the sites of site= (self-contained HTML)',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            // a site id, as sensors name themselves (a NATS subject token); one or several site= parameters
            site: { type: 'array', items: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' }, maxItems: MAX_SITES },
            download: { type: 'boolean', default: false },
          },
        },
        produces: ['text/html'],
        response: { 200: { type: 'string' }, ...errors(400, 401, 404, 429) },
      },
    },
    async (req, reply) => {
      let model;
      try {
        model = await loadEnterpriseReport(repo, { sites: req.query.site, staleAfterS: opts.staleAfterS ?? 60, now: Date.now() / 1000 });
      } catch (err) {
        if (err instanceof UnknownSitesError) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: err.message });
        throw err;
      }
      reply.type('text/html; charset=utf-8').header('content-security-policy', REPORT_CSP);
      if (req.query.download) reply.header('content-disposition', 'attachment; filename="otwatch-sites-assessment.html"');
      return renderEnterpriseReport(model);
    },
  );
}
