/**
 * The zone/conduit audit: a pure function of the inventory (assets, paths), a validated policy and
 * the time of the analysis. Every path is placed and checked; findings come back deduplicated by
 * their stable id and sorted by severity.
 */
import type { Asset, Path } from '../core/model.js';
import { assess, type Assessment } from './assess.js';
import { SEVERITY_ORDER } from './constants.js';
import type { Finding } from './finding.js';
import type { Policy } from './policy-types.js';
import { prioritise } from './priority.js';
import { flowRules } from './rules-flow.js';
import { modelRules } from './rules-model.js';
import { securityRules } from './rules-security.js';

export interface AuditOptions {
  /** Time of the analysis (seconds since the epoch): expiry dates are judged against it. */
  now: number;
  /**
   * Only traffic seen since then counts (seconds). With a cumulative store, set it to the start of
   * the analysed window so that old traffic does not keep findings open; omit it to use everything.
   */
  activeSince?: number;
}

export interface AuditResult {
  findings: Finding[];
  assessment: Assessment;
  /** How many paths fell in each placement status. */
  pathStatus: Record<string, number>;
}

export function audit(assets: readonly Asset[], paths: readonly Path[], policy: Policy, options: AuditOptions): AuditResult {
  const since = options.activeSince;
  const activeAssets = since === undefined ? assets : assets.filter((a) => a.lastSeen >= since);
  const activePaths = since === undefined ? paths : paths.filter((p) => p.lastSeen >= since);
  // Expiry is judged on the path's last packet; a path stamped after 'now' is clamped to it.
  const clamped = activePaths.map((p) => (p.lastSeen > options.now ? { ...p, lastSeen: options.now } : p));
  const assessment = assess(policy, activeAssets, clamped);
  const all = [...flowRules(policy, assessment), ...securityRules(policy, assessment), ...modelRules(policy, activeAssets, assessment)];
  const byId = new Map<string, Finding>();
  for (const f of all) if (!byId.has(f.id)) byId.set(f.id, f);
  const findings = prioritise([...byId.values()], policy, assessment).sort(
    (a, b) =>
      SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.rule.localeCompare(b.rule) || a.subject.key.localeCompare(b.subject.key),
  );
  const pathStatus: Record<string, number> = {};
  for (const a of assessment.paths) pathStatus[a.status] = (pathStatus[a.status] ?? 0) + 1;
  return { findings, assessment, pathStatus };
}
