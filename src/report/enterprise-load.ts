/**
 * Reads what the report over several sites needs from the hub's PostgreSQL (src/store/pg/report-repository.ts)
 * and builds its model: every read is bounded (REPORT_TABLE_LIMIT rows per site and table, FIX_FIRST_LIMIT across
 * the sites) or a count grouped by site.
 */
import type { ReportRepository } from '../store/pg/report-repository.js';
import { REPORT_TABLE_LIMIT } from './constants.js';
import { buildEnterpriseModel, FIX_FIRST_LIMIT, WORST_PER_SITE, type EnterpriseReportModel } from './enterprise-model.js';

/** Sites asked for that the hub has never heard of. */
export class UnknownSitesError extends Error {
  constructor(
    readonly unknown: readonly string[],
    readonly known: readonly string[],
  ) {
    super(
      `unknown site${unknown.length > 1 ? 's' : ''} ${unknown.map((s) => `'${s}'`).join(', ')}: ` +
        (known.length ? `the hub knows ${known.map((s) => `'${s}'`).join(', ')}` : 'the hub has heard from no site yet'),
    );
  }
}

export interface EnterpriseReportOptions {
  /** Only these sites (ids); every site when absent or empty. */
  sites?: readonly string[];
  staleAfterS: number;
  /** Seconds since the epoch. */
  now: number;
}

/** Site sections read at once (each a few bounded statements): the pool's connections, not one per site. */
const PARALLEL_SITES = 4;

export async function loadEnterpriseReport(repo: ReportRepository, o: EnterpriseReportOptions): Promise<EnterpriseReportModel> {
  const all = await repo.sites();
  const selected = o.sites?.length ? [...new Set(o.sites)] : null;
  const known = new Set(all.map((s) => s.id));
  const unknown = (selected ?? []).filter((s) => !known.has(s));
  if (unknown.length) throw new UnknownSitesError(unknown, [...known]);
  const sites = selected ? all.filter((s) => selected.includes(s.id)) : all;
  const ids = sites.map((s) => s.id);
  const [counts, worst, fixFirst, pathGroups] = await Promise.all([
    repo.counts(ids),
    repo.worstOpenFindings(ids, WORST_PER_SITE),
    repo.openFindingsFirst(ids, FIX_FIRST_LIMIT),
    repo.pathGroups(ids),
  ]);
  const details: {
    site: string;
    findings: Awaited<ReturnType<ReportRepository['siteFindings']>>;
    assets: Awaited<ReturnType<ReportRepository['siteAssets']>>;
  }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const site = ids[next++]!;
      const [findings, assets] = await Promise.all([
        repo.siteFindings(site, REPORT_TABLE_LIMIT),
        repo.siteAssets(site, REPORT_TABLE_LIMIT),
      ]);
      details.push({ site, findings, assets });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_SITES, ids.length) }, worker));
  return buildEnterpriseModel({
    generatedAt: o.now,
    staleAfterS: o.staleAfterS,
    selected,
    sites,
    counts,
    worst,
    fixFirst,
    details,
    pathGroups,
  });
}
