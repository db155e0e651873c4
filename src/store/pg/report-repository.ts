/**
 * The reads of the hub's assessment report over one site or all (issue 17): what each site holds, counted
 * per site in one grouped statement per table, and the few rows the report lists, each read bounded by a
 * LIMIT on an index range of its site. The cost grows with the sites' rows (the counts) and the tables'
 * bounds, never with the product of sites and rows.
 *
 * A row's `data` is the JSON the sensor stored, checked by NATS (its subject) but not trusted: every value
 * taken from it is coerced to the type the report prints (a string, a list of strings), else dropped.
 */
import type pg from 'pg';

/** Finding statuses that count as open (as GET /api/v1/sites counts them). */
export const OPEN_STATUSES = ['open', 'reopened'] as const;
/** Findings a site's section lists: every one not resolved (an acknowledged finding is still a risk accepted). */
const LISTED_STATUSES = ['open', 'reopened', 'acknowledged'];

export interface ReportSiteRow {
  id: string;
  /** As the sensor named its site (its own text, not trusted); null when it gave none. */
  name: string | null;
  /** Seconds since the epoch; null when never heard. */
  lastHeard: number | null;
}

export interface ReportSiteCounts {
  site: string;
  assets: number;
  /** Findings per status and severity (as stored: the sensor's text). */
  findings: { status: string; severity: string; n: number }[];
}

export interface ReportFindingRow {
  site: string;
  id: string;
  rule: string;
  severity: string;
  status: string;
  /** The finding's title (findingTitle); its subject's label when the sensor stored none. */
  title: string;
  zones: string[];
}

export interface ReportAssetRow {
  site: string;
  id: string;
  /** The first name the sensor knows it by, else its identity name, else its first address, else its id. */
  label: string;
  role: string;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  ips: string[];
  macs: string[];
}

/** How many of a site's paths have one protocol and one set of operations. */
export interface ReportPathGroup {
  site: string;
  protocol: string;
  operations: string[];
  n: number;
}

const MAX_TEXT = 500;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v.slice(0, MAX_TEXT) : null);
const strs = (v: unknown, max = 20): string[] =>
  Array.isArray(v)
    ? v
        .filter((x): x is string => typeof x === 'string')
        .slice(0, max)
        .map((x) => x.slice(0, MAX_TEXT))
    : [];
/** An identity attribute's value ({ value: '...' } in the sensor's model), the first of `keys` that has one. */
const identityText = (identity: unknown, ...keys: string[]): string | null => {
  if (typeof identity !== 'object' || identity === null) return null;
  for (const k of keys) {
    const v = (identity as Record<string, unknown>)[k];
    const text = typeof v === 'object' && v !== null ? str((v as Record<string, unknown>).value) : null;
    if (text) return text;
  }
  return null;
};
const seconds = (d: unknown): number | null => (d instanceof Date ? d.getTime() / 1000 : null);

function findingRow(r: Record<string, unknown>): ReportFindingRow {
  return {
    site: r.site as string,
    id: r.id as string,
    rule: str(r.rule) ?? '?',
    severity: str(r.severity) ?? 'info',
    status: str(r.status) ?? 'open',
    title: str(r.title) ?? str(r.label) ?? (r.id as string),
    zones: strs(r.zones),
  };
}

/** The columns a finding is listed with: a few fields out of its JSON, never its evidence. */
const FINDING_COLUMNS = `site, id, rule, severity, status, data->>'title' AS title, data->'subject'->>'label' AS label, data->'zones' AS zones`;

export class ReportRepository {
  constructor(readonly pool: pg.Pool) {}

  /** Every site the hub has heard of (a handful to hundreds: read whole). */
  async sites(): Promise<ReportSiteRow[]> {
    const { rows } = await this.pool.query('SELECT id, name, last_heard FROM sites ORDER BY id');
    return rows.map((r) => ({ id: r.id as string, name: str(r.name), lastHeard: seconds(r.last_heard) }));
  }

  /** Assets and findings (per status and severity) of each of `sites`: one grouped statement per table (paths: pathGroups). */
  async counts(sites: readonly string[]): Promise<ReportSiteCounts[]> {
    const [assets, findings] = await Promise.all([
      this.pool.query('SELECT site, COUNT(*) AS n FROM assets WHERE site = ANY($1::text[]) AND data IS NOT NULL GROUP BY site', [sites]),
      this.pool.query(
        `SELECT site, COALESCE(status, '?') AS status, COALESCE(severity, '?') AS severity, COUNT(*) AS n FROM findings
         WHERE site = ANY($1::text[]) AND data IS NOT NULL GROUP BY site, status, severity`,
        [sites],
      ),
    ]);
    const of = new Map(sites.map((s) => [s, { site: s, assets: 0, findings: [] } as ReportSiteCounts]));
    for (const r of assets.rows) of.get(r.site)!.assets = Number(r.n);
    for (const r of findings.rows) of.get(r.site)!.findings.push({ status: r.status, severity: r.severity, n: Number(r.n) });
    return [...of.values()];
  }

  /** The open findings of `sites`, most severe first, then by site and id: the enterprise's first `limit`. */
  async openFindingsFirst(sites: readonly string[], limit: number): Promise<ReportFindingRow[]> {
    const { rows } = await this.pool.query(
      `SELECT ${FINDING_COLUMNS} FROM findings
       WHERE site = ANY($1::text[]) AND status = ANY($2::text[]) AND data IS NOT NULL
       ORDER BY severity_rank, site, id LIMIT $3`,
      [sites, OPEN_STATUSES, limit],
    );
    return rows.map(findingRow);
  }

  /** Each site's `perSite` worst open findings (one index range of each site, through a lateral join). */
  async worstOpenFindings(sites: readonly string[], perSite: number): Promise<ReportFindingRow[]> {
    const { rows } = await this.pool.query(
      `SELECT f.* FROM unnest($1::text[]) AS s(site), LATERAL (
         SELECT ${FINDING_COLUMNS} FROM findings
         WHERE findings.site = s.site AND status = ANY($2::text[]) AND data IS NOT NULL
         ORDER BY severity_rank, id LIMIT $3) f
       ORDER BY f.site`,
      [sites, OPEN_STATUSES, perSite],
    );
    return rows.map(findingRow);
  }

  /** A site's findings that are not resolved, most severe first, at most `limit`. */
  async siteFindings(site: string, limit: number): Promise<ReportFindingRow[]> {
    const { rows } = await this.pool.query(
      `SELECT ${FINDING_COLUMNS} FROM findings WHERE site = $1 AND status = ANY($2::text[]) AND data IS NOT NULL
       ORDER BY severity_rank, id LIMIT $3`,
      [site, LISTED_STATUSES, limit],
    );
    return rows.map(findingRow);
  }

  /** A site's first `limit` assets by id, with the fields the report prints (not their whole JSON). */
  async siteAssets(site: string, limit: number): Promise<ReportAssetRow[]> {
    const { rows } = await this.pool.query(
      `SELECT site, id, role, data->'names' AS names, data->'ips' AS ips, data->'macs' AS macs,
         data->'identity' AS identity, data->>'macVendor' AS mac_vendor
       FROM assets WHERE site = $1 AND data IS NOT NULL ORDER BY id LIMIT $2`,
      [site, limit],
    );
    return rows.map((r) => {
      const ips = strs(r.ips);
      return {
        site: r.site as string,
        id: r.id as string,
        // as the single-site report labels an asset (src/report/graph.ts assetLabel)
        label: strs(r.names, 1)[0] ?? identityText(r.identity, 'name') ?? ips[0] ?? (r.id as string),
        role: str(r.role) ?? 'unknown',
        vendor: identityText(r.identity, 'vendor') ?? str(r.mac_vendor),
        model: identityText(r.identity, 'model', 'product', 'module_type', 'order_number'),
        firmware: identityText(r.identity, 'firmware'),
        ips,
        macs: strs(r.macs),
      };
    });
  }

  /**
   * A site's paths grouped by protocol and set of operations, with how many paths each group has: one scan of
   * the sites' paths (the indexed columns, not the JSON) gives the site's path count, its paths per protocol and
   * per operation. Groups are few (protocols × operation sets), at most one per path.
   */
  async pathGroups(sites: readonly string[]): Promise<ReportPathGroup[]> {
    const { rows } = await this.pool.query(
      `SELECT site, COALESCE(protocol, '?') AS protocol, operations, COUNT(*) AS n FROM paths
       WHERE site = ANY($1::text[]) AND data IS NOT NULL GROUP BY site, protocol, operations`,
      [sites],
    );
    return rows.map((r) => ({
      site: r.site as string,
      protocol: r.protocol as string,
      operations: strs(r.operations, 100),
      n: Number(r.n),
    }));
  }
}
