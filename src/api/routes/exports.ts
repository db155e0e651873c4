/**
 * GET /export/findings?format=json|csv|cef and /export/assets?format=json|csv: the whole table
 * (findings filterable like the list), streamed in chunks so that a big store never sits in memory.
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Asset } from '../../core/model.js';
import type { ApiContext } from '../context.js';
import { cefLine } from '../format/cef.js';
import { csvLine } from '../format/csv.js';
import type { StoredFinding } from '../../store/findings-api-repository.js';
import { errors } from '../schemas.js';
import { findingFilter, findingQuerySchema } from './findings.js';
import { assetPage } from './inventory.js';

const CHUNK = 1000;

export const FINDING_CSV_HEADER = [
  'id',
  'rule',
  'severity',
  'status',
  'subject',
  'zones',
  'conduit',
  'requirements',
  'packets',
  'first_seen',
  'last_seen',
  'explanation',
  'remediation',
];
export const ASSET_CSV_HEADER = [
  'id',
  'role',
  'purdue_level',
  'zone',
  'ips',
  'macs',
  'vendor',
  'mac_vendor',
  'names',
  'product',
  'firmware',
  'protocols_server',
  'protocols_client',
  'first_seen',
  'last_seen',
];

const iso = (s: number | null) => (s === null ? '' : new Date(s * 1000).toISOString());

const findingCsv = (f: StoredFinding) =>
  csvLine([
    f.id,
    f.rule,
    f.severity,
    f.status,
    f.subject.label,
    f.zones,
    f.conduit,
    f.requirements,
    f.evidence.packets,
    iso(f.evidence.firstSeen),
    iso(f.evidence.lastSeen),
    f.explanation,
    f.remediation,
  ]);

const assetCsv = (a: Asset & { zone: string | null }) =>
  csvLine([
    a.id,
    a.role,
    a.purdueLevel,
    a.zone,
    a.ips,
    a.macs,
    a.identity.vendor?.value ?? a.macVendor,
    a.macVendor,
    a.names,
    a.identity.product?.value,
    a.identity.firmware?.value,
    a.protocolsServer,
    a.protocolsClient,
    iso(a.firstSeen),
    iso(a.lastSeen),
  ]);

/** Pages through a keyset listing, yielding rows; each page is a fresh, finished statement. */
function* pages<T>(next: (cursor: string | undefined) => { items: T[]; nextCursor: string | null }): Generator<T> {
  let cursor: string | undefined;
  do {
    const p = next(cursor);
    yield* p.items;
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
}

function* jsonArray<T>(rows: Iterable<T>): Generator<string> {
  let first = true;
  yield '[';
  for (const r of rows) {
    yield (first ? '\n' : ',\n') + JSON.stringify(r);
    first = false;
  }
  yield '\n]\n';
}

function* lines<T>(header: string | undefined, rows: Iterable<T>, line: (r: T) => string): Generator<string> {
  if (header) yield header;
  for (const r of rows) yield line(r);
}

function send(reply: FastifyReply, type: string, name: string, body: Iterable<string>): FastifyReply {
  return reply.type(type).header('content-disposition', `attachment; filename="${name}"`).send(Readable.from(body));
}

export async function exportRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  const { limit: _l, offset: _o, cursor: _c, ...findingFilters } = findingQuerySchema.properties;
  app.get<{ Querystring: Record<string, string> & { format: 'json' | 'csv' | 'cef' } }>(
    '/export/findings',
    {
      schema: {
        tags: ['export'],
        summary: 'All findings (filterable) as JSON, CSV or CEF lines',
        produces: ['application/json', 'text/csv', 'text/plain'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: { format: { type: 'string', enum: ['json', 'csv', 'cef'] }, ...findingFilters },
        },
        response: errors(400, 401),
      },
    },
    async (req, reply) => {
      const { format, ...q } = req.query;
      const filter = findingFilter({
        ...(q as Record<string, string>),
        sort: (q.sort ?? 'severity') as never,
        order: (q.order ?? 'asc') as never,
        limit: CHUNK,
      });
      const rows = pages((cursor) => ctx.findings.list({ ...filter, offset: undefined, cursor }));
      if (format === 'json') return send(reply, 'application/json', 'findings.json', jsonArray(rows));
      if (format === 'csv')
        return send(reply, 'text/csv; charset=utf-8', 'findings.csv', lines(csvLine(FINDING_CSV_HEADER), rows, findingCsv));
      return send(
        reply,
        'text/plain; charset=utf-8',
        'findings.cef',
        lines(undefined, rows, (f) => cefLine(f) + '\n'),
      );
    },
  );

  app.get<{ Querystring: { format: 'json' | 'csv'; role?: string; zone?: string; vendor?: string; protocol?: string } }>(
    '/export/assets',
    {
      schema: {
        tags: ['export'],
        summary: 'All assets (filterable) as JSON or CSV',
        produces: ['application/json', 'text/csv'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: {
            format: { type: 'string', enum: ['json', 'csv'] },
            role: { type: 'string', maxLength: 200 },
            zone: { type: 'string', maxLength: 200 },
            vendor: { type: 'string', maxLength: 200 },
            protocol: { type: 'string', maxLength: 200 },
          },
        },
        response: errors(400, 401),
      },
    },
    async (req, reply) => {
      const { format, ...filters } = req.query;
      const rows = pages((cursor) => assetPage(ctx, { ...filters, sort: 'id', order: 'asc', limit: CHUNK, cursor }));
      if (format === 'json') return send(reply, 'application/json', 'assets.json', jsonArray(rows));
      return send(reply, 'text/csv; charset=utf-8', 'assets.csv', lines(csvLine(ASSET_CSV_HEADER), rows, assetCsv));
    },
  );
}
