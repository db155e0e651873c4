/**
 * The audit as `otwatch analyze --policy <file>` runs it (agent/analyze.ts's AuditStep): load the
 * policy, audit the assets and paths of this analysis, merge the findings into the stored ones.
 * A broken policy stops the audit with every error listed; the inventory is already saved by then.
 */
import type { AuditInput, AuditStep } from '../agent/analyze.js';
import { audit } from './audit.js';
import { ZoningFindingsStore } from './findings-store.js';
import type { TrackedFinding } from './lifecycle.js';
import { formatPolicyError, loadPolicyFile } from './policy-load.js';
import type { PolicyError } from './policy-types.js';

export class PolicyLoadError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(`the policy has ${errors.length} error(s):\n${errors.map(formatPolicyError).join('\n')}`);
  }
}

/** Findings of this analysis (and those it resolved), with their lifecycle state. */
export function zoningAuditStep(clock: () => number = () => Date.now() / 1000): AuditStep {
  return async (input: AuditInput): Promise<TrackedFinding[]> => {
    if (!input.policy) return [];
    const loaded = await loadPolicyFile(input.policy);
    if (!loaded.ok) throw new PolicyLoadError(loaded.errors);
    const now = clock();
    const result = audit(input.assets, input.paths, loaded.policy, { now, activeSince: input.activeSince });
    const merged = new ZoningFindingsStore(input.store.db).saveAnalysis(result.findings, now);
    const shown = new Set([...result.findings.map((f) => f.id), ...merged.resolved]);
    return merged.findings.filter((f) => shown.has(f.id));
  };
}
