/**
 * Everything the assessment report says, gathered from the store and a policy: the audit of the
 * stored inventory (pure, run afresh so that the report matches the policy it names), the lifecycle
 * state people gave the stored findings (acknowledged, with who and why), the plant graph, the SL-A
 * gap table and the change log against the previous archived report.
 */
import type { Store } from '../store/store.js';
import { audit } from '../audit/audit.js';
import type { Finding } from '../audit/finding.js';
import { FindingsStore, type StoredFinding } from '../store/findings-repository.js';
import { gapTable, type GapRow } from '../audit/gap.js';
import type { Acknowledgement } from '../audit/lifecycle.js';
import type { Policy } from '../audit/policy-types.js';
import { UNZONED } from '../audit/placement.js';
import { findingOrder, plantGraph, type PlantGraph } from './graph.js';
import { archiveSummary, previousSummary } from '../store/history-repository.js';
import { analysedCaptures, type AnalysedCapture } from '../store/summary-repository.js';
import { changeLog, reportSummary, type ChangeEntry, type ReportSummary } from './summary.js';
import { buildVulnerabilityReport, withVulnerabilityBounds, type VulnerabilityReport } from './vulnerabilities-section.js';

/** A capture the report covers (as the store recorded it). */
export type CaptureSource = AnalysedCapture;

export type ReportFinding = Finding & { status: string; ack: Acknowledgement | null; firstDetected: number | null };

export interface ReportModel {
  generatedAt: number;
  policy: Policy;
  graph: PlantGraph;
  gaps: GapRow[];
  /** The audit's findings, most severe first, with their stored lifecycle state. */
  findings: ReportFinding[];
  /** Stored findings this audit no longer reports (resolved). */
  resolved: StoredFinding[];
  captures: CaptureSource[];
  window: { first: number | null; last: number | null };
  summary: ReportSummary;
  previous: ReportSummary | null;
  changes: ChangeEntry[];
  /** Known vulnerabilities of the assets from imported advisories, and the action list joining them with findings. */
  vulnerabilities: VulnerabilityReport;
}

export interface ReportOptions {
  /** Time of the report (seconds): conduit expiry is judged against it; printed as the generation time. */
  now: number;
  /** Keep this report's summary in the store for the next report's change log. */
  archive?: boolean;
}

export function buildReport(store: Store, policy: Policy, opts: ReportOptions): ReportModel {
  const assets = store.assets();
  const paths = store.paths();
  const result = audit(assets, paths, policy, { now: opts.now });
  const stored = new FindingsStore(store.db);
  const state = new Map(stored.byIds(result.findings.map((f) => f.id)).map((f) => [f.id, f]));
  const findings: ReportFinding[] = result.findings
    .map((f) => {
      const s = state.get(f.id);
      return {
        ...f,
        status: s?.status === 'resolved' ? 'reopened' : (s?.status ?? 'open'),
        ack: s?.ack ?? null,
        firstDetected: s?.firstDetected ?? null,
      };
    })
    .sort(findingOrder);
  const current = new Set(findings.map((f) => f.id));
  const resolved = stored
    .all()
    .filter((f) => !current.has(f.id))
    .map((f) => ({ ...f, status: 'resolved' as const }))
    .sort(findingOrder);
  const graph = plantGraph(policy, assets, paths, [...findings, ...resolved]);
  const live = findings.filter((f) => f.status !== 'resolved');
  const zoneOfAsset = new Map(graph.assets.map((a) => [a.id, a.zone]));
  const vulnerabilities = buildVulnerabilityReport(store.db, (id) => zoneOfAsset.get(id) ?? UNZONED, live);
  // known vulnerabilities bound SL-A too (src/vulns/sl-ceiling.ts)
  const gaps = withVulnerabilityBounds(gapTable(policy, live), vulnerabilities);
  const captures = analysedCaptures(store.db);
  const times = paths.length ? paths : assets;
  // a loop, not Math.min(...): a million paths would overflow the argument list
  const window = { first: null as number | null, last: null as number | null };
  for (const t of times) {
    if (window.first === null || t.firstSeen < window.first) window.first = t.firstSeen;
    if (window.last === null || t.lastSeen > window.last) window.last = t.lastSeen;
  }
  const summary = reportSummary(graph, gaps, opts.now);
  const previous = previousSummary<ReportSummary>(store.db, summary.hash) ?? null;
  if (opts.archive) archiveSummary(store.db, summary);
  return {
    generatedAt: opts.now,
    policy,
    graph,
    gaps,
    findings,
    resolved,
    captures,
    window,
    summary,
    previous,
    changes: previous ? changeLog(previous, summary) : [],
    vulnerabilities,
  };
}
