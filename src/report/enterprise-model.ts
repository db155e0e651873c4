/**
 * What the hub's assessment report over several sites says (issue 17), from what the hub's PostgreSQL holds:
 * per site its counts, whether it is still heard from, its open findings by severity and its worst ones;
 * the sites worst first; the open findings to fix first across the enterprise; then each site's findings,
 * assets and paths. Pure: the rows come in (src/report/enterprise-load.ts reads them), the model comes out.
 *
 * Each site's findings are its sensor's audit against its own policy, as the sensor stored them: the hub
 * does not audit again (it holds no site's policy).
 */
import { SEVERITY_ORDER, type Severity } from '../audit/constants.js';
import type { ReportAssetRow, ReportFindingRow, ReportPathGroup, ReportSiteCounts, ReportSiteRow } from '../store/pg/report-repository.js';
import { OPEN_STATUSES } from '../store/pg/report-repository.js';

/** Open findings listed in the enterprise's "fix first" list. */
export const FIX_FIRST_LIMIT = 50;
/** Worst open findings named per site in the summary table. */
export const WORST_PER_SITE = 3;

export const SEVERITIES = Object.keys(SEVERITY_ORDER) as Severity[];

export interface EnterpriseReportInput {
  /** Seconds since the epoch: the report's time, against which a site is judged stale. */
  generatedAt: number;
  /** A site not heard from for this long (seconds) is stale. */
  staleAfterS: number;
  /** The sites asked for (`--site`), or null for every site. */
  selected: readonly string[] | null;
  sites: readonly ReportSiteRow[];
  counts: readonly ReportSiteCounts[];
  /** Each site's worst open findings (at most WORST_PER_SITE each). */
  worst: readonly ReportFindingRow[];
  /** The first open findings across the sites, most severe first, then by site. */
  fixFirst: readonly ReportFindingRow[];
  /** Each site's listed findings and assets (each bounded by the loader). */
  details: readonly { site: string; findings: readonly ReportFindingRow[]; assets: readonly ReportAssetRow[] }[];
  /** Each site's paths grouped by protocol and set of operations. */
  pathGroups: readonly ReportPathGroup[];
}

export interface EnterpriseSite {
  id: string;
  /** The sensor's name for its site, else its id. */
  name: string;
  lastHeard: number | null;
  stale: boolean;
  assets: number;
  paths: number;
  /** Open (and reopened) findings per severity: every severity present, 0 when none. */
  open: Record<Severity, number>;
  openTotal: number;
  acknowledged: number;
  /** Findings the site's section lists: every one not resolved. */
  listedTotal: number;
  worst: ReportFindingRow[];
}

export interface EnterpriseSiteSection {
  site: EnterpriseSite;
  findings: readonly ReportFindingRow[];
  assets: readonly ReportAssetRow[];
  /** Paths per protocol and per operation, most first. */
  protocols: { key: string; n: number }[];
  operations: { key: string; n: number }[];
}

export interface EnterpriseReportModel {
  generatedAt: number;
  staleAfterS: number;
  selected: readonly string[] | null;
  /** Worst first: most critical open findings, then high, ... then by id. */
  sites: EnterpriseSite[];
  fixFirst: readonly ReportFindingRow[];
  /** Open findings across the sites (fixFirst lists the first FIX_FIRST_LIMIT). */
  openTotal: number;
  totals: { assets: number; paths: number; stale: number };
  /** One per site, in the order of `sites`. */
  sections: EnterpriseSiteSection[];
}

const OPEN: ReadonlySet<string> = new Set(OPEN_STATUSES);

/** Sites with more open findings of a higher severity first; a tie goes to the stale site (its picture may be old), then by id. */
export function siteOrder(a: EnterpriseSite, b: EnterpriseSite): number {
  for (const s of SEVERITIES) if (a.open[s] !== b.open[s]) return b.open[s] - a.open[s];
  if (a.openTotal !== b.openTotal) return b.openTotal - a.openTotal;
  if (a.stale !== b.stale) return a.stale ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const byCountThenKey = (a: { key: string; n: number }, b: { key: string; n: number }) =>
  b.n - a.n || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function groupBySite<T extends { site: string }>(rows: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    let list = out.get(r.site);
    if (!list) out.set(r.site, (list = []));
    list.push(r);
  }
  return out;
}

/** Per site: its paths, and how many carry each protocol and each operation (most first). */
function pathCounts(groups: readonly ReportPathGroup[]) {
  const out = new Map<string, { total: number; protocols: { key: string; n: number }[]; operations: { key: string; n: number }[] }>();
  for (const [site, rows] of groupBySite(groups)) {
    const protocols = new Map<string, number>();
    const operations = new Map<string, number>();
    let total = 0;
    for (const g of rows) {
      total += g.n;
      protocols.set(g.protocol, (protocols.get(g.protocol) ?? 0) + g.n);
      for (const op of new Set(g.operations)) operations.set(op, (operations.get(op) ?? 0) + g.n);
    }
    const list = (m: Map<string, number>) => [...m].map(([key, n]) => ({ key, n })).sort(byCountThenKey);
    out.set(site, { total, protocols: list(protocols), operations: list(operations) });
  }
  return out;
}

export function buildEnterpriseModel(input: EnterpriseReportInput): EnterpriseReportModel {
  const counts = new Map(input.counts.map((c) => [c.site, c]));
  const paths = pathCounts(input.pathGroups);
  const worst = groupBySite(input.worst);
  const sites = input.sites.map((s): EnterpriseSite => {
    const c = counts.get(s.id);
    const open = Object.fromEntries(SEVERITIES.map((k) => [k, 0])) as Record<Severity, number>;
    let openTotal = 0;
    let acknowledged = 0;
    for (const f of c?.findings ?? []) {
      if (OPEN.has(f.status)) {
        openTotal += f.n;
        if (Object.hasOwn(open, f.severity)) open[f.severity as Severity] += f.n;
      } else if (f.status === 'acknowledged') acknowledged += f.n;
    }
    return {
      id: s.id,
      name: s.name ?? s.id,
      lastHeard: s.lastHeard,
      stale: s.lastHeard === null || input.generatedAt - s.lastHeard > input.staleAfterS,
      assets: c?.assets ?? 0,
      paths: paths.get(s.id)?.total ?? 0,
      open,
      openTotal,
      acknowledged,
      listedTotal: openTotal + acknowledged,
      worst: (worst.get(s.id) ?? []).slice(0, WORST_PER_SITE),
    };
  });
  sites.sort(siteOrder);
  const details = new Map(input.details.map((d) => [d.site, d]));
  return {
    generatedAt: input.generatedAt,
    staleAfterS: input.staleAfterS,
    selected: input.selected,
    sites,
    fixFirst: input.fixFirst.slice(0, FIX_FIRST_LIMIT),
    openTotal: sites.reduce((n, s) => n + s.openTotal, 0),
    totals: {
      assets: sites.reduce((n, s) => n + s.assets, 0),
      paths: sites.reduce((n, s) => n + s.paths, 0),
      stale: sites.filter((s) => s.stale).length,
    },
    sections: sites.map((site) => ({
      site,
      findings: details.get(site.id)?.findings ?? [],
      assets: details.get(site.id)?.assets ?? [],
      protocols: paths.get(site.id)?.protocols ?? [],
      operations: paths.get(site.id)?.operations ?? [],
    })),
  };
}
