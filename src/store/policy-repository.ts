/**
 * The policy the server audits with: every accepted version is kept with who stored it, the newest
 * is current. A text is stored only after zoning's loader accepted it, so a broken upload never
 * replaces a working policy.
 */
import type { DB } from './database.js';
import { loadPolicyText } from '../audit/policy-load.js';
import { loadPolicyOffThread, policyFrom } from '../audit/policy-thread.js';
import type { LoadResult, Policy, PolicyError } from '../audit/policy-types.js';

export interface PolicyVersion {
  version: number;
  text: string;
  createdAt: string;
  createdBy: string | null;
}

export type PutResult = { ok: true; version: PolicyVersion; policy: Policy } | { ok: false; errors: PolicyError[] };

export const POLICY_FILE_NAME = 'policy.yaml';

export class PolicyStore {
  /** The current version's Policy, or (after putOffThread) its bytes until a caller needs it. */
  private cached?: { version: number; policy?: Policy; serialized?: Uint8Array };

  constructor(private readonly db: DB) {}

  current(): PolicyVersion | undefined {
    const r = this.db.prepare('SELECT version, text, created_at, created_by FROM policy_versions ORDER BY version DESC LIMIT 1').get() as
      { version: number; text: string; created_at: string; created_by: string | null } | undefined;
    return r && { version: r.version, text: r.text, createdAt: r.created_at, createdBy: r.created_by };
  }

  /** The current policy, parsed (cached per version). */
  policy(): Policy | undefined {
    const cur = this.current();
    if (!cur) return undefined;
    if (this.cached?.version !== cur.version) {
      const r = loadPolicyText(cur.text, POLICY_FILE_NAME);
      if (!r.ok) return undefined; // cannot happen: only accepted texts are stored
      this.cached = { version: cur.version, policy: r.policy };
    }
    if (!this.cached.policy) {
      this.cached.policy = policyFrom(this.cached.serialized!);
      this.cached.serialized = undefined;
    }
    return this.cached.policy;
  }

  /**
   * Records a policy the caller already loaded and validated (`analyze --policy`, the live agent) as the current
   * version, unless it is the current text already: after `analyze --policy`, `serve` audits with the same policy.
   */
  recordLoaded(text: string, policy: Policy, actor: string | null): PolicyVersion {
    const cur = this.current();
    if (cur && cur.text === text) return cur;
    const version = (cur?.version ?? 0) + 1;
    this.db
      .prepare('INSERT INTO policy_versions (version, text, created_at, created_by) VALUES (?, ?, ?, ?)')
      .run(version, text, new Date().toISOString(), actor);
    this.cached = { version, policy };
    return this.current()!;
  }

  /** Validates and, when valid, stores a new version; otherwise the errors with line and column. */
  put(text: string, actor: string | null): PutResult {
    return this.store(text, loadPolicyText(text, POLICY_FILE_NAME), actor);
  }

  /**
   * put() with the validation in a worker thread (the API's PUT): a large policy takes seconds to check, which on
   * the server's thread would hold every other request, /health included, for as long.
   */
  async putOffThread(
    text: string,
    actor: string | null,
  ): Promise<{ ok: true; version: PolicyVersion } | { ok: false; errors: PolicyError[] }> {
    const r = await loadPolicyOffThread(text, POLICY_FILE_NAME);
    if (!r.ok) return r;
    return { ok: true, version: this.insert(text, { serialized: r.serialized }, actor) };
  }

  private store(text: string, r: LoadResult, actor: string | null): PutResult {
    if (!r.ok) return { ok: false, errors: r.errors };
    return { ok: true, version: this.insert(text, { policy: r.policy }, actor), policy: r.policy };
  }

  /** A validated text as the next version, current from now on. */
  private insert(text: string, loaded: { policy?: Policy; serialized?: Uint8Array }, actor: string | null): PolicyVersion {
    const version = ((this.db.prepare('SELECT COALESCE(MAX(version), 0) FROM policy_versions').pluck().get() as number) ?? 0) + 1;
    this.db
      .prepare('INSERT INTO policy_versions (version, text, created_at, created_by) VALUES (?, ?, ?, ?)')
      .run(version, text, new Date().toISOString(), actor);
    this.cached = { version, ...loaded };
    return this.current()!;
  }
}
