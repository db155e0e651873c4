/**
 * GET /vulnerabilities (the assets' known vulnerabilities, most urgent first, filterable), GET
 * /vulnerabilities/summary (per-asset counts, for the map's marking), GET /assets/:id/vulnerabilities, and
 * GET /export/vulnerabilities?format=json|csv|cef (the whole list, streamed in pages).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { VulnerabilityStore, type StoredVulnerability, type VulnerabilityFilter } from '../../store/vulnerability-repository.js';
import type { MatchStatus } from '../../vulns/types.js';
import type { ApiContext } from '../context.js';
import { CEF_PRODUCT, CEF_VENDOR, CEF_VERSION, cefHeader, cefValue } from '../format/cef.js';
import { csvLine } from '../format/csv.js';
import { errors, filterString, idParam, pageOf, pageQuery } from '../schemas.js';

const str = { type: 'string' } as const;
const num = { type: 'number' } as const;
const int = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;

const STATUSES: readonly MatchStatus[] = ['affected', 'potentially_affected', 'not_affected'];

export const vulnerabilitySchema = {
  type: 'object',
  properties: {
    id: str,
    assetId: str,
    assetName: { anyOf: [str, { type: 'null' }] },
    addresses: { type: 'array', items: str },
    zone: { anyOf: [str, { type: 'null' }] },
    identity: { ...str, description: 'what the asset reported: vendor, order number or model, product, firmware' },
    trackingId: { ...str, description: 'the advisory: ICSA-18-079-02' },
    advisoryTitle: str,
    cve: str,
    productId: str,
    status: { type: 'string', enum: [...STATUSES] },
    confidence: { type: 'string', enum: ['high', 'medium', 'low'] },
    basis: { type: 'string', enum: ['model_number', 'family', 'name'] },
    why: { ...str, description: 'which identity field met which product entry, and the firmware against the range' },
    cvssScore: num,
    cvssVector: str,
    cvssSeverity: str,
    fixedVersion: str,
    remediation: str,
    knownExploited: { ...bool, description: 'in the CISA Known Exploited Vulnerabilities catalogue' },
    exposed: { ...bool, description: 'reached over an observed path from a zone of lower SL-T or higher Purdue level' },
    exposure: str,
    priority: { ...int, description: 'sort key, smallest first' },
  },
} as const;

const filters = {
  status: { type: 'string', enum: [...STATUSES] },
  confidence: { type: 'string', enum: ['high', 'medium', 'low'] },
  cve: filterString,
  advisory: { ...filterString, description: 'tracking id, e.g. ICSA-18-079-02' },
  asset: filterString,
  zone: filterString,
  known_exploited: bool,
  exposed: bool,
  min_cvss: { type: 'number', minimum: 0, maximum: 10 },
} as const;

interface VulnerabilityQuery {
  status?: MatchStatus;
  confidence?: string;
  cve?: string;
  advisory?: string;
  asset?: string;
  zone?: string;
  known_exploited?: boolean;
  exposed?: boolean;
  min_cvss?: number;
  limit: number;
  offset?: number;
  cursor?: string;
  order?: string;
}

function filterOf(q: VulnerabilityQuery): VulnerabilityFilter {
  return {
    status: q.status,
    confidence: q.confidence,
    cve: q.cve,
    advisory: q.advisory,
    asset: q.asset,
    zone: q.zone,
    knownExploited: q.known_exploited,
    exposed: q.exposed,
    minCvss: q.min_cvss,
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  };
}

export const VULNERABILITY_CSV_HEADER = [
  'asset',
  'name',
  'addresses',
  'zone',
  'identity',
  'advisory',
  'cve',
  'cvss',
  'cvss_vector',
  'status',
  'confidence',
  'why',
  'fixed_version',
  'remediation',
  'known_exploited',
  'exposure',
];

const csv = (v: StoredVulnerability): string =>
  csvLine([
    v.assetId,
    v.assetName,
    v.addresses,
    v.zone,
    v.identity,
    v.trackingId,
    v.cve,
    v.cvssScore,
    v.cvssVector,
    v.status,
    v.confidence,
    v.why,
    v.fixedVersion,
    v.remediation,
    v.knownExploited ? 'yes' : 'no',
    v.exposure,
  ]);

/** CEF severity: the CVSS base score rounded (CEF's 0-10 is CVSS's scale), 10 for a known-exploited CVE. */
export function vulnerabilityCef(v: StoredVulnerability): string {
  const severity = v.knownExploited && v.status !== 'not_affected' ? 10 : Math.round(v.cvssScore ?? 5);
  const ext: [string, string | number | undefined][] = [
    ['cat', 'known_vulnerability'],
    ['msg', v.why],
    ['dst', v.addresses[0]],
    ['dvchost', v.assetName ?? undefined],
    ['cs1Label', 'zone'],
    ['cs1', v.zone ?? undefined],
    ['cs2Label', 'advisory'],
    ['cs2', v.trackingId],
    ['cs3Label', 'status'],
    ['cs3', v.status],
    ['cs4Label', 'fix'],
    ['cs4', v.fixedVersion ?? v.remediation],
    ['cs5Label', 'knownExploited'],
    ['cs5', v.knownExploited ? 'yes' : 'no'],
    ['cs6Label', 'assetId'],
    ['cs6', v.assetId],
  ];
  const extension = ext
    .filter(([, x]) => x !== undefined && x !== '')
    .map(([k, x]) => `${k}=${cefValue(String(x))}`)
    .join(' ');
  const header = [
    'CEF:0',
    CEF_VENDOR,
    CEF_PRODUCT,
    CEF_VERSION,
    v.cve,
    `${v.cve} ${v.status.replace('_', ' ')} on ${v.identity || v.assetId}`,
    String(severity),
  ];
  return `${header.map((h, i) => (i === 0 ? h : cefHeader(h))).join('|')}|${extension}`;
}

function* allRows(vulns: VulnerabilityStore, filter: Omit<VulnerabilityFilter, 'limit'>): Generator<StoredVulnerability> {
  let cursor: string | undefined;
  do {
    const page = vulns.list({ ...filter, limit: 1000, offset: undefined, cursor });
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

function* body(format: 'json' | 'csv' | 'cef', rows: Iterable<StoredVulnerability>): Generator<string> {
  if (format === 'csv') yield csvLine(VULNERABILITY_CSV_HEADER);
  if (format === 'json') yield '[';
  let first = true;
  for (const r of rows) {
    if (format === 'json') yield (first ? '\n' : ',\n') + JSON.stringify(r);
    else if (format === 'csv') yield csv(r);
    else yield vulnerabilityCef(r) + '\n';
    first = false;
  }
  if (format === 'json') yield '\n]\n';
}

const TYPES = { json: 'application/json', csv: 'text/csv; charset=utf-8', cef: 'text/plain; charset=utf-8' } as const;

function send(reply: FastifyReply, format: 'json' | 'csv' | 'cef', rows: Iterable<StoredVulnerability>): FastifyReply {
  return reply
    .type(TYPES[format])
    .header('content-disposition', `attachment; filename="vulnerabilities.${format}"`)
    .send(Readable.from(body(format, rows)));
}

export async function vulnerabilityRoutes(app: FastifyInstance, { ctx }: { ctx: ApiContext }): Promise<void> {
  const vulns = new VulnerabilityStore(ctx.store.db);
  const { order: _order, ...paging } = pageQuery;

  app.get<{ Querystring: VulnerabilityQuery }>(
    '/vulnerabilities',
    {
      schema: {
        tags: ['vulnerabilities'],
        summary: "The assets' known vulnerabilities from imported advisories, most urgent first (known exploited, exposed, CVSS)",
        querystring: { type: 'object', additionalProperties: false, properties: { ...filters, ...paging } },
        response: { 200: pageOf(vulnerabilitySchema), ...errors(400, 401, 429) },
      },
    },
    async (req) => vulns.list(filterOf(req.query)),
  );

  app.get(
    '/vulnerabilities/summary',
    {
      schema: {
        tags: ['vulnerabilities'],
        summary: 'Per asset: affected and potentially affected CVEs, known-exploited ones, the highest CVSS (the map marks these assets)',
        response: {
          200: {
            type: 'object',
            properties: {
              advisories: int,
              knownExploited: int,
              assets: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    assetId: str,
                    affected: int,
                    potentiallyAffected: int,
                    knownExploited: int,
                    maxCvss: { anyOf: [num, { type: 'null' }] },
                  },
                },
              },
            },
          },
          ...errors(401),
        },
      },
    },
    async () => {
      const c = vulns.counts();
      return { advisories: c.advisories, knownExploited: c.knownExploited, assets: vulns.perAsset() };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { status?: MatchStatus } }>(
    '/assets/:id/vulnerabilities',
    {
      schema: {
        tags: ['vulnerabilities'],
        summary: "One asset's known vulnerabilities, most urgent first",
        params: { type: 'object', properties: { id: idParam }, required: ['id'] },
        querystring: { type: 'object', additionalProperties: false, properties: { status: filters.status } },
        response: { 200: { type: 'array', items: vulnerabilitySchema }, ...errors(400, 401) },
      },
    },
    async (req) => vulns.all({ asset: req.params.id, status: req.query.status }),
  );

  app.get<{ Querystring: Omit<VulnerabilityQuery, 'limit'> & { format: 'json' | 'csv' | 'cef' } }>(
    '/export/vulnerabilities',
    {
      schema: {
        tags: ['export'],
        summary: 'All known vulnerabilities (filterable) as JSON, CSV or CEF lines',
        produces: ['application/json', 'text/csv', 'text/plain'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['format'],
          properties: { format: { type: 'string', enum: ['json', 'csv', 'cef'] }, ...filters },
        },
        response: errors(400, 401),
      },
    },
    async (req, reply) => {
      const { format, ...q } = req.query;
      const { limit: _l, offset: _o, cursor: _c, ...filter } = filterOf({ ...q, limit: 1000 });
      return send(reply, format, allRows(vulns, filter));
    },
  );
}
