/**
 * Counts of the hub's open enterprise findings (traffic between sites, issue 17): per severity for
 * GET /metrics, per site for the enterprise view's sites list. Two grouped statements over the open
 * findings (a small table: one finding per site pair, protocol and conduit), never over the paths.
 */
import type pg from 'pg';

export interface EnterpriseCounts {
  /** Open enterprise findings per severity (every severity present, 0 when none). */
  bySeverity: Record<string, number>;
  /**
   * Open enterprise findings per site: those naming the site as one end of the traffic or seen by its sensor
   * (as GET /api/v1/enterprise/findings?site= filters them), each counted once per site.
   */
  bySite: Record<string, number>;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

export async function openEnterpriseCounts(pool: pg.Pool): Promise<EnterpriseCounts> {
  const [sev, site] = await Promise.all([
    pool.query(`SELECT severity, COUNT(*) AS n FROM enterprise_findings WHERE status = 'open' GROUP BY severity`),
    pool.query(
      `SELECT s AS site, COUNT(DISTINCT id) AS n FROM enterprise_findings, unnest(sites || observed_at) AS s
       WHERE status = 'open' GROUP BY s`,
    ),
  ]);
  const bySeverity: Record<string, number> = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  // only the known severities: they become Prometheus label values
  for (const r of sev.rows) if (SEVERITIES.includes(r.severity as string)) bySeverity[r.severity as string] = Number(r.n);
  const bySite: Record<string, number> = {};
  for (const r of site.rows) bySite[r.site as string] = Number(r.n);
  return { bySeverity, bySite };
}
