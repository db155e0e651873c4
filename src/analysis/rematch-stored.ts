/**
 * Re-matching known vulnerabilities after a write that ran no audit (an analysis or a live window without a
 * policy, an advisory import): the exposure ranking reads the zones of the policy stored by the last audit.
 * The policy language (YAML, schema) loads only when advisories are stored, so an analysis without them
 * never pays its start-up.
 */
import type { ZoneFacts } from '../audit/zone-facts.js';
import type { DB } from '../store/database.js';
import { currentPolicyText } from '../store/current-policy-text.js';
import { hasAdvisories, rematchVulnerabilities, type RematchSummary } from '../store/vulnerability-repository.js';

/** The stored current policy's zone facts; empty when none is stored (or it no longer loads). */
export async function storedZoneFacts(db: DB): Promise<ZoneFacts> {
  const text = currentPolicyText(db);
  if (text === undefined) return new Map();
  const [{ loadPolicyText }, { zoneFacts }] = await Promise.all([import('../audit/policy-load.js'), import('../audit/zone-facts.js')]);
  const loaded = loadPolicyText(text, 'policy.yaml');
  return zoneFacts(loaded.ok ? loaded.policy : undefined);
}

export async function rematchWithStoredPolicy(db: DB): Promise<RematchSummary> {
  return rematchVulnerabilities(db, hasAdvisories(db) ? await storedZoneFacts(db) : undefined);
}
