/**
 * The report's "Known vulnerabilities" section: per zone, the assets that imported advisories say are
 * affected or potentially affected; a prioritised action list that joins those vulnerabilities with the
 * conduit findings; and the SL-A bounds that known vulnerabilities put on the gap table (src/vulns/sl-ceiling.ts
 * says which 62443-3-3 SRs and why).
 */
import type { DB } from '../store/database.js';
import { VulnerabilityStore, type StoredVulnerability } from '../store/vulnerability-repository.js';
import { boundedFrs, SL_CEILING, SR_OF_FR } from '../vulns/sl-ceiling.js';
import type { GapRow } from '../audit/gap.js';
import type { Finding } from '../audit/finding.js';
import { esc, table } from './html.js';

export interface ZoneVulnerabilities {
  zone: string;
  /** Affected and potentially affected matches of the zone's assets, most urgent first. */
  rows: StoredVulnerability[];
}

export interface ReportAction {
  /** 0-100, larger first: a known-exploited CVE 95, else CVSS × 10 (+5 when exposed); findings by severity. */
  rank: number;
  kind: 'vulnerability' | 'finding';
  /** What to do: "Update SNAP7-SERVER (10.30.1.21) to V3.2.19". */
  action: string;
  /** Why: CVEs, known exploitation, exposure; or the finding's rule and subject. */
  reason: string;
}

export interface VulnerabilityReport {
  advisories: number;
  zones: ZoneVulnerabilities[];
  actions: ReportAction[];
  /** Per zone and FR, the CVEs that bound SL-A (sl-ceiling.ts). */
  bounds: { zone: string; fr: string; cves: string[] }[];
}

const FINDING_RANK: Record<string, number> = { critical: 90, high: 75, medium: 50, low: 25, info: 10 };
/** Lines of the action list, and vulnerabilities shown per zone. */
const ACTIONS_MAX = 50;
const ROWS_PER_ZONE = 100;

/**
 * Gathers the section from the stored matches. `zoneOf` is the report's own placement of assets (the
 * report audits afresh); `findings` are the audit's findings, whose conduit ones join the action list.
 */
export function buildVulnerabilityReport(db: DB, zoneOf: (assetId: string) => string, findings: readonly Finding[]): VulnerabilityReport {
  const store = new VulnerabilityStore(db);
  const advisories = store.counts().advisories;
  const live = store.all().filter((v) => v.status !== 'not_affected');
  const byZone = new Map<string, StoredVulnerability[]>();
  for (const v of live) {
    const z = zoneOf(v.assetId);
    const list = byZone.get(z);
    if (list) list.push(v);
    else byZone.set(z, [v]);
  }
  const zones = [...byZone].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([zone, rows]) => ({ zone, rows }));

  // one action per asset and fix: "update to V3.2.19" closes every CVE fixed there
  const perFix = new Map<string, { v: StoredVulnerability; cves: Set<string>; kev: number; exposed: boolean; top: number }>();
  for (const v of live) {
    const key = `${v.assetId}\u0000${v.fixedVersion ?? v.remediation ?? v.cve}`;
    const e = perFix.get(key) ?? { v, cves: new Set<string>(), kev: 0, exposed: v.exposed, top: 0 };
    e.cves.add(v.cve);
    if (v.knownExploited) e.kev++;
    e.top = Math.max(e.top, v.knownExploited ? 95 : Math.round((v.cvssScore ?? 0) * 10) + (v.exposed ? 5 : 0));
    perFix.set(key, e);
  }
  const actions: ReportAction[] = [];
  for (const e of perFix.values()) {
    const where = `${e.v.assetName ?? e.v.assetId}${e.v.addresses.length ? ` (${e.v.addresses.join(', ')})` : ''}`;
    const what = e.v.fixedVersion
      ? `Update ${where} to ${e.v.fixedVersion} or later`
      : `${where}: ${e.v.remediation ?? 'no fix published; isolate and monitor'}`;
    const reason = [
      `${e.cves.size} CVE(s): ${[...e.cves].sort().slice(0, 5).join(', ')}${e.cves.size > 5 ? ', ...' : ''}`,
      e.kev ? `${e.kev} known exploited` : '',
      e.exposed && e.v.exposure ? `exposed: ${e.v.exposure}` : '',
      e.v.status === 'potentially_affected' ? 'firmware unknown: check it' : '',
    ]
      .filter(Boolean)
      .join('; ');
    actions.push({ rank: Math.min(100, e.top), kind: 'vulnerability', action: what, reason });
  }
  for (const f of findings) {
    if (!f.conduit && !f.zones.length) continue;
    actions.push({
      rank: FINDING_RANK[f.severity] ?? 10,
      kind: 'finding',
      action: f.remediation,
      reason: `${f.rule} ${f.subject.label}${f.conduit ? ` (conduit ${f.conduit})` : ''}`,
    });
  }
  actions.sort(
    (a, b) =>
      b.rank - a.rank || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0) || (a.action < b.action ? -1 : a.action > b.action ? 1 : 0),
  );

  const bounds = new Map<string, { zone: string; fr: string; cves: Set<string> }>();
  for (const v of live) {
    for (const fr of boundedFrs(v)) {
      const zone = zoneOf(v.assetId);
      const key = `${zone}\u0000${fr}`;
      const b = bounds.get(key) ?? { zone, fr, cves: new Set<string>() };
      b.cves.add(v.cve);
      bounds.set(key, b);
    }
  }
  return {
    advisories,
    zones,
    actions: actions.slice(0, ACTIONS_MAX),
    bounds: [...bounds.values()].map((b) => ({ zone: b.zone, fr: b.fr, cves: [...b.cves].sort() })),
  };
}

/**
 * The gap table with known vulnerabilities taken into account: an FR of a zone holding an affected,
 * simply exploitable vulnerability is achieved at most at SL 1 (sl-ceiling.ts), with the CVEs as evidence.
 */
export function withVulnerabilityBounds(gaps: readonly GapRow[], report: VulnerabilityReport): GapRow[] {
  const byKey = new Map(report.bounds.map((b) => [`${b.zone}\u0000${b.fr}`, b]));
  return gaps.map((g) => {
    const b = byKey.get(`${g.zone}\u0000${g.fr}`);
    if (!b) return g;
    const cap = g.slaCap === null ? SL_CEILING : Math.min(g.slaCap, SL_CEILING);
    const line = `known vulnerabilities (${SR_OF_FR[g.fr as keyof typeof SR_OF_FR]}): ${b.cves.slice(0, 3).join(', ')}${b.cves.length > 3 ? ', ...' : ''}`;
    return { ...g, slaCap: cap, gap: g.slt !== null ? Math.max(0, g.slt - cap) : 0, evidence: [...g.evidence, line] };
  });
}

const STATUS_TEXT: Record<string, string> = {
  affected: 'affected',
  potentially_affected: 'potentially affected',
  not_affected: 'not affected',
};

export function renderVulnerabilitySection(r: VulnerabilityReport): string {
  if (r.advisories === 0) {
    return '<p class="none">No advisories imported: run <code>otwatch vulns import &lt;folder&gt;</code> with the vendors\' and CISA\'s CSAF files.</p>';
  }
  const total = r.zones.reduce((n, z) => n + z.rows.length, 0);
  const head = `<p>${r.advisories} advisories imported; ${total} affected or potentially affected CVE match(es) on the plant's assets. Matches by model number are certain, by product family likely, by product name to be confirmed.</p>`;
  const actions = `<h3>Prioritised actions (vulnerabilities and conduit findings)</h3>${table(
    ['Rank', 'Kind', 'Action', 'Why'],
    r.actions.map((a) => [String(a.rank), esc(a.kind), esc(a.action), esc(a.reason)]),
  )}`;
  const zones = r.zones
    .map(
      (z) =>
        `<h3>Zone ${esc(z.zone)}</h3>${table(
          ['Asset', 'Identity', 'Advisory', 'CVE', 'CVSS', 'Status', 'Confidence', 'Fix / remediation', 'Known exploited', 'Exposure'],
          z.rows
            .slice(0, ROWS_PER_ZONE)
            .map((v) => [
              esc(v.assetName ?? v.assetId),
              esc(v.identity),
              esc(v.trackingId),
              esc(v.cve),
              v.cvssScore === undefined ? '' : esc(v.cvssScore.toFixed(1)),
              esc(STATUS_TEXT[v.status] ?? v.status),
              esc(v.confidence),
              esc(v.fixedVersion ? `fixed in ${v.fixedVersion}` : (v.remediation ?? '')),
              v.knownExploited ? '<b>yes</b>' : '',
              esc(v.exposure ?? ''),
            ]),
        )}${z.rows.length > ROWS_PER_ZONE ? `<p class="none">${z.rows.length - ROWS_PER_ZONE} more not listed (the API and CSV export have all).</p>` : ''}`,
    )
    .join('\n');
  const bounds = r.bounds.length
    ? `<h3>SL-A bounded by known vulnerabilities</h3>${table(
        ['Zone', 'FR', 'SRs', 'CVEs'],
        r.bounds.map((b) => [esc(b.zone), esc(b.fr), esc(SR_OF_FR[b.fr as keyof typeof SR_OF_FR]), esc(b.cves.join(', '))]),
      )}`
    : '';
  return head + actions + zones + bounds;
}
