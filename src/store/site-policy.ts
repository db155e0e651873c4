/**
 * A site policy's zones and conduits as a sensor's heartbeat carries them to the hub (issue 17), so that the
 * hub's map of the site names its zones, places them by level and draws its conduits as the sensor's own map
 * does; and the reads of the sensor's current policy version behind it (the text is parsed by the publisher,
 * once per version). The shape lives here because both ends use it: the publisher (src/sync) builds it, the
 * hub's repositories (src/store/pg) store and draw it.
 */
import type { DB } from './database.js';

export interface SitePolicyZone {
  id: string;
  name: string;
  level: number | null;
  description?: string;
  /** SL-T per foundational requirement FR1..FR7; absent when the policy gives none for the zone. */
  slt?: (number | null)[];
}

export interface SitePolicyConduit {
  id: string;
  name: string;
  /** The two ends as written in the policy: a zone id, else an asset or address range (placed by its traffic). */
  between: [string, string];
  /** Seconds since the epoch after which the conduit is no longer valid, and the date as written. */
  expires?: number;
  expiresText?: string;
}

export interface SitePolicySummary {
  /** Of the policy text: the hub rewrites its copy only when it changes. */
  hash: string;
  /** The sensor's policy version. */
  version: number;
  name?: string;
  zones: SitePolicyZone[];
  conduits: SitePolicyConduit[];
  /** Zones and conduits left out by the bounds below (the hub draws their assets by zone id, as without a policy). */
  omitted?: { zones: number; conduits: number };
}

/** At most this many zones and conduits travel, and this many bytes of JSON for both (NATS's payload is 1 MiB). */
export const SITE_POLICY_MAX_ZONES = 10_000;
export const SITE_POLICY_MAX_CONDUITS = 10_000;
export const SITE_POLICY_MAX_BYTES = 768 * 1024;
/** Longest name, id and description carried (longer ones are cut: the map shows a name, not an essay). */
export const SITE_POLICY_MAX_TEXT = 200;
export const SITE_POLICY_MAX_DESCRIPTION = 500;

/** The version number of the sensor's current policy, a cheap look at whether it changed (undefined: no policy). */
export function currentPolicyVersion(db: DB): number | undefined {
  return (db.prepare('SELECT MAX(version) FROM policy_versions').pluck().get() as number | null) ?? undefined;
}

/** One policy version's text. */
export function policyVersionText(db: DB, version: number): string | undefined {
  return db.prepare('SELECT text FROM policy_versions WHERE version = ?').pluck().get(version) as string | undefined;
}
