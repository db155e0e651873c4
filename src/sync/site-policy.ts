/**
 * The sensor's side of the site policy in its heartbeat (issue 17): the current policy's zones (id, name,
 * level, SL-T) and conduits (id, ends, name, expiry), bounded in count and bytes, for the hub's map of the site.
 * The policy text is parsed once per version (a large policy takes a moment: not at every heartbeat), a large
 * one in the policy loader's worker thread (10,000 zones take about 2 s: the live agent's thread keeps capturing).
 */
import { createHash } from 'node:crypto';
import { FRS } from '../audit/constants.js';
import { loadPolicyText } from '../audit/policy-load.js';
import { loadPolicyOffThread, policyFrom } from '../audit/policy-thread.js';
import { endLabel } from '../audit/policy-semantics.js';
import type { Policy } from '../audit/policy-types.js';
import type { DB } from '../store/database.js';
import {
  currentPolicyVersion,
  policyVersionText,
  SITE_POLICY_MAX_BYTES,
  SITE_POLICY_MAX_CONDUITS,
  SITE_POLICY_MAX_DESCRIPTION,
  SITE_POLICY_MAX_TEXT,
  SITE_POLICY_MAX_ZONES,
  type SitePolicyConduit,
  type SitePolicySummary,
  type SitePolicyZone,
} from '../store/site-policy.js';

export interface SitePolicyLimits {
  zones: number;
  conduits: number;
  bytes: number;
}

export const SITE_POLICY_LIMITS: SitePolicyLimits = {
  zones: SITE_POLICY_MAX_ZONES,
  conduits: SITE_POLICY_MAX_CONDUITS,
  bytes: SITE_POLICY_MAX_BYTES,
};

/** A policy text up to this size is parsed on the caller's thread (milliseconds; a worker would cost more to start). */
const ON_THREAD_MAX_CHARS = 64 * 1024;

const cut = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

/**
 * The heartbeat's summary of a policy: zones first (they name and place every asset), then conduits, each kept
 * only while the count and the JSON bytes stay within the limits; what is left out is counted.
 */
export function sitePolicyOf(
  policy: Policy,
  hash: string,
  version: number,
  limits: SitePolicyLimits = SITE_POLICY_LIMITS,
): SitePolicySummary {
  let bytes = 200 + Buffer.byteLength(policy.name ?? '');
  const fits = (entry: object) => {
    const n = Buffer.byteLength(JSON.stringify(entry)) + 1;
    if (bytes + n > limits.bytes) return false;
    bytes += n;
    return true;
  };
  const zones: SitePolicyZone[] = [];
  for (const z of policy.zones) {
    if (zones.length >= limits.zones) break;
    const zone: SitePolicyZone = { id: cut(z.id, SITE_POLICY_MAX_TEXT), name: cut(z.name, SITE_POLICY_MAX_TEXT), level: z.level };
    if (z.description) zone.description = cut(z.description, SITE_POLICY_MAX_DESCRIPTION);
    if (z.hasSlt) zone.slt = FRS.map((fr) => z.slt[fr]);
    if (!fits(zone)) break;
    zones.push(zone);
  }
  const conduits: SitePolicyConduit[] = [];
  // a conduit one of whose zones was left out is left out too (the hub would take that end for an asset)
  const kept = new Set(zones.map((z) => z.id));
  for (const c of policy.conduits) {
    if (conduits.length >= limits.conduits) break;
    if ((c.a.kind === 'zone' && !kept.has(c.a.zone)) || (c.b.kind === 'zone' && !kept.has(c.b.zone))) continue;
    const conduit: SitePolicyConduit = {
      id: cut(c.id, SITE_POLICY_MAX_TEXT),
      name: cut(c.name, SITE_POLICY_MAX_TEXT),
      between: [cut(endLabel(c.a), SITE_POLICY_MAX_TEXT), cut(endLabel(c.b), SITE_POLICY_MAX_TEXT)],
    };
    if (c.expires !== null) conduit.expires = c.expires;
    if (c.expiresText) conduit.expiresText = cut(c.expiresText, 40);
    if (!fits(conduit)) break;
    conduits.push(conduit);
  }
  const omitted = { zones: policy.zones.length - zones.length, conduits: policy.conduits.length - conduits.length };
  return {
    hash,
    version,
    ...(policy.name ? { name: cut(policy.name, SITE_POLICY_MAX_TEXT) } : {}),
    zones,
    conduits,
    ...(omitted.zones || omitted.conduits ? { omitted } : {}),
  };
}

/** The current policy's summary, read and parsed again only when the sensor's policy version changes. */
export class SitePolicySource {
  private version: number | undefined;
  private summary: Promise<SitePolicySummary | undefined> = Promise.resolve(undefined);

  constructor(
    private readonly db: DB,
    private readonly limits: SitePolicyLimits = SITE_POLICY_LIMITS,
  ) {}

  /**
   * undefined when the sensor has no policy, or its stored text does not load (the hub then draws zone ids).
   * Heartbeats asking while a version loads share its load.
   */
  current(): Promise<SitePolicySummary | undefined> {
    const version = currentPolicyVersion(this.db);
    if (version !== this.version) {
      this.version = version;
      this.summary = version === undefined ? Promise.resolve(undefined) : this.load(version).catch(() => undefined);
    }
    return this.summary;
  }

  private async load(version: number): Promise<SitePolicySummary | undefined> {
    const text = policyVersionText(this.db, version);
    if (text === undefined) return undefined;
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 32);
    const file = `policy v${version}`;
    if (text.length <= ON_THREAD_MAX_CHARS) {
      const r = loadPolicyText(text, file);
      return r.ok ? sitePolicyOf(r.policy, hash, version, this.limits) : undefined;
    }
    const r = await loadPolicyOffThread(text, file);
    return r.ok ? sitePolicyOf(policyFrom(r.serialized), hash, version, this.limits) : undefined;
  }
}
