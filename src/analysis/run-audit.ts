/**
 * The one audit writer. Every audit (`analyze --policy`, the live agent's windows, `demo`, a capture upload job, a
 * policy update through the API) goes through `runAudit`: it places every stored asset and path in its zone and
 * conduits, evaluates the rules, writes the findings with their lifecycle and records the policy version, all in one
 * transaction, so that a reader never sees the zones of one audit with the findings of another, and `serve` after
 * `analyze --policy` shows what the analysis found. The known vulnerabilities are matched again in the same
 * transaction (identities may have changed, and a match's exposure reads the placement).
 */
import { readFile } from 'node:fs/promises';
import type { Asset, Path } from '../core/model.js';
import { assess } from '../audit/assess.js';
import { audit } from '../audit/audit.js';
import { formatPolicyError, loadPolicyText } from '../audit/policy-load.js';
import type { Policy, PolicyError } from '../audit/policy-types.js';
import type { TrackedFinding } from '../audit/lifecycle.js';
import { zoneFacts } from '../audit/zone-facts.js';
import { FindingsStore, type StoredFinding } from '../store/findings-repository.js';
import { PolicyStore } from '../store/policy-repository.js';
import type { Store } from '../store/store.js';
import { storedPathCount } from '../store/summary-repository.js';
import { rematchVulnerabilities } from '../store/vulnerability-repository.js';
import { replaceZonePlacement } from '../store/zone-placement-repository.js';
import type { AuditInput, AuditStep } from './analyze-captures.js';

/** A policy as loaded: the parsed model and, when it came from a file, its text (recorded as a policy version). */
export interface LoadedPolicy {
  policy: Policy;
  text?: string;
}

export interface AuditRunOptions {
  /** Time of the audit (seconds since the epoch): expiry dates are judged against it. */
  now?: number;
  /** Only traffic seen since then counts (the live agent's window). */
  activeSince?: number;
  /**
   * The paths whose traffic the findings judge; default every stored path. `analyze` passes the paths as this
   * analysis saw them, so that a write that stopped no longer keeps its finding open. Placement always covers the
   * whole store.
   */
  paths?: readonly Path[];
  /** Every stored asset, when the caller has just read them (the analysis does): not read a second time. */
  assets?: readonly Asset[];
  /** Who recorded the policy version (default: the audit itself). */
  actor?: string;
}

export interface AuditRunResult {
  /** This audit's findings and those it resolved, with their lifecycle state. */
  findings: (TrackedFinding | StoredFinding)[];
  /** Findings that are new or came back (what the syslog forwarder sends). */
  opened: StoredFinding[];
  resolved: number;
  pathStatus: Record<string, number>;
  policyVersion?: number;
}

export class PolicyLoadError extends Error {
  constructor(readonly errors: PolicyError[]) {
    super(`the policy has ${errors.length} error(s):\n${errors.map(formatPolicyError).join('\n')}`);
  }
}

export function runAudit(store: Store, loaded: LoadedPolicy, opts: AuditRunOptions = {}): AuditRunResult {
  const now = opts.now ?? Date.now() / 1000;
  const assets = opts.assets ?? store.assets();
  const stored = opts.paths ? undefined : store.paths();
  const result = audit(assets, opts.paths ?? stored!, loaded.policy, { now, activeSince: opts.activeSince });
  // the map and the zone filters show every stored path, not only those this analysis judged; when the store holds
  // no other path (a first analysis into a fresh database), the audit's own placement is that of the whole store
  const onlyThese = !opts.paths || (opts.activeSince === undefined && storedPathCount(store.db) === opts.paths.length);
  const placement = onlyThese ? result.assessment : assess(loaded.policy, assets, store.paths());
  const db = store.db;
  const findings = new FindingsStore(db);
  const policies = new PolicyStore(db);
  const saved = db
    .transaction(() => {
      replaceZonePlacement(db, placement);
      const version =
        loaded.text === undefined ? policies.current() : policies.recordLoaded(loaded.text, loaded.policy, opts.actor ?? 'audit');
      const saved = findings.saveAnalysis(result.findings, now);
      // identities may have changed, and the exposure of a vulnerable asset reads the placement just written
      rematchVulnerabilities(db, zoneFacts(loaded.policy));
      return { ...saved, version: version?.version };
    })
    .immediate();
  return {
    findings: [...saved.findings, ...findings.byIds(saved.resolved)],
    opened: findings.byIds([...saved.opened, ...saved.reopened]),
    resolved: saved.resolved.length,
    pathStatus: result.pathStatus,
    policyVersion: saved.version,
  };
}

/** Reads and validates a policy file; a broken one throws PolicyLoadError with every error located. */
/**
 * The last policy file loaded, by its text: `analyze` checks the policy before reading any capture and audits
 * with it after, and the live agent audits at every flush; parsing and validating it each time (0.1 s for the
 * benchmark's policy, seconds for 10,000 zones) bought nothing when the text did not change. An edited file
 * has another text and is loaded again.
 */
let lastLoaded: { file: string; text: string; loaded: LoadedPolicy } | undefined;

export async function loadPolicyForAudit(file: string): Promise<LoadedPolicy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PolicyLoadError([{ file, line: 1, col: 1, path: '', message: `cannot read the policy: ${(err as Error).message}` }]);
  }
  if (lastLoaded && lastLoaded.file === file && lastLoaded.text === text) return lastLoaded.loaded;
  const loaded = loadPolicyText(text, file);
  if (!loaded.ok) throw new PolicyLoadError(loaded.errors);
  lastLoaded = { file, text, loaded: { policy: loaded.policy, text } };
  return lastLoaded.loaded;
}

/**
 * The audit step of an analysis (src/analysis/analyze-captures.ts): loads the policy file named by the analysis
 * and runs the one audit over the store with the paths of this analysis. A broken policy stops the audit with
 * every error listed; the inventory is already saved by then.
 */
export function auditStep(clock: () => number = () => Date.now() / 1000): AuditStep {
  return async (input: AuditInput): Promise<(TrackedFinding | StoredFinding)[]> => {
    if (!input.policy) return [];
    const loaded = await loadPolicyForAudit(input.policy);
    return runAudit(input.store, loaded, { now: clock(), activeSince: input.activeSince, paths: input.paths, assets: input.assets })
      .findings;
  };
}
