/**
 * The audit as `otwatch analyze --policy <file>` runs it (src/analysis/analyze-captures.ts's AuditStep): load the
 * policy, audit the assets and paths of this analysis, merge the findings into the stored ones.
 * A broken policy stops the audit with every error listed; the inventory is already saved by then.
 */
import type { AuditInput, AuditStep } from './analyze-captures.js';
import { audit } from '../audit/audit.js';
import { FindingsStore, type StoredFinding } from '../store/findings-repository.js';
import type { TrackedFinding } from '../audit/lifecycle.js';
import { formatPolicyError, loadPolicyFile } from '../audit/policy-load.js';
import type { PolicyError } from '../audit/policy-types.js';

export class PolicyLoadError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(`the policy has ${errors.length} error(s):\n${errors.map(formatPolicyError).join('\n')}`);
  }
}

/** Findings of this analysis (and those it resolved), with their lifecycle state, stored through the one FindingsStore. */
export function zoningAuditStep(clock: () => number = () => Date.now() / 1000): AuditStep {
  return async (input: AuditInput): Promise<(TrackedFinding | StoredFinding)[]> => {
    if (!input.policy) return [];
    const loaded = await loadPolicyFile(input.policy);
    if (!loaded.ok) throw new PolicyLoadError(loaded.errors);
    const now = clock();
    const result = audit(input.assets, input.paths, loaded.policy, { now, activeSince: input.activeSince });
    const findings = new FindingsStore(input.store.db);
    const saved = findings.saveAnalysis(result.findings, now);
    return [...saved.findings, ...findings.byIds(saved.resolved)];
  };
}
