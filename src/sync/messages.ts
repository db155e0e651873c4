/**
 * What a sensor publishes and the hub reads (issue 17), on subjects `<prefix>.<site>.<kind>`:
 * - a batch of changes of one kind, message id `<site>:<seq>` (its last sequence) so that JetStream drops a
 *   resend within its duplicate window; `prev` is the last sequence JetStream acknowledged before it, the
 *   chain by which the hub sees a batch it never got;
 * - a heartbeat (`<prefix>.<site>.heartbeat`) with the sensor's counters and its last acknowledged sequence,
 *   published after the batches it counts, so a hub that applied fewer has lost some; now and then (when it
 *   changed, after a snapshot, every few minutes) the current policy's zones and conduits, for the hub's map;
 * - a snapshot request (`<prefix>.<site>.snapshot-request`, core NATS, from the hub), answered by
 *   recording the sensor's whole state into its outbox again.
 */
import type { OutboxData, OutboxKind } from '../store/outbox-repository.js';
import { OUTBOX_KINDS } from '../store/outbox-repository.js';
import {
  SITE_POLICY_MAX_CONDUITS,
  SITE_POLICY_MAX_DESCRIPTION,
  SITE_POLICY_MAX_TEXT,
  SITE_POLICY_MAX_ZONES,
  type SitePolicyConduit,
  type SitePolicySummary,
  type SitePolicyZone,
} from '../store/site-policy.js';

export const MESSAGE_VERSION = 1;
export const DEFAULT_PREFIX = 'otwatch';
export const HEARTBEAT = 'heartbeat';
export const SNAPSHOT_REQUEST = 'snapshot-request';

export interface ChangeBatch {
  v: number;
  site: string;
  kind: OutboxKind;
  /** The last sequence in this batch: its version and message id. */
  seq: number;
  /** The sequence JetStream acknowledged last before this batch (0: the first batch of this database). */
  prev: number;
  changes: { id: string; seq: number; data: OutboxData | null }[];
}

export interface Heartbeat {
  v: number;
  site: string;
  name?: string;
  /** Sensor clock, seconds. */
  ts: number;
  lastAcked: number;
  pending: number;
  /** Set right after a snapshot was recorded: the hub is whole again once it has applied this far. */
  snapshot?: number;
  counters: Record<string, number>;
  /** The current policy's zones and conduits (src/sync/site-policy.ts); absent from an older sensor, or between resends. */
  policy?: SitePolicySummary;
}

export const batchSubject = (prefix: string, site: string, kind: OutboxKind) => `${prefix}.${site}.${kind}`;
export const heartbeatSubject = (prefix: string, site: string) => `${prefix}.${site}.${HEARTBEAT}`;
export const snapshotSubject = (prefix: string, site: string) => `${prefix}.${site}.${SNAPSHOT_REQUEST}`;
/** The subjects a stream holds: every kind and the heartbeats of every site (never the snapshot requests). */
export const streamSubjects = (prefix: string) => [...OUTBOX_KINDS, HEARTBEAT].map((k) => `${prefix}.*.${k}`);

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
/** An id or site: bounded, and without NUL (PostgreSQL's text cannot hold it). */
const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 1000 && !v.includes('\u0000');

/** A batch or heartbeat read from the wire, checked; undefined for anything malformed (never throws). */
export function parseMessage(subjectKind: string, body: Uint8Array): ChangeBatch | Heartbeat | undefined {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof v !== 'object' || v === null) return undefined;
  const m = v as Record<string, unknown>;
  if (m.v !== MESSAGE_VERSION || !isStr(m.site)) return undefined;
  if (subjectKind === HEARTBEAT) {
    if (!isNum(m.lastAcked) || typeof m.ts !== 'number') return undefined;
    return m as unknown as Heartbeat;
  }
  if (!(OUTBOX_KINDS as readonly string[]).includes(subjectKind) || m.kind !== subjectKind) return undefined;
  if (!isNum(m.seq) || !isNum(m.prev) || !Array.isArray(m.changes)) return undefined;
  for (const c of m.changes as unknown[]) {
    if (typeof c !== 'object' || c === null) return undefined;
    const cc = c as Record<string, unknown>;
    if (!isStr(cc.id) || !isNum(cc.seq) || cc.seq > (m.seq as number) || (cc.data !== null && typeof cc.data !== 'object'))
      return undefined;
  }
  return m as unknown as ChangeBatch;
}

/*
 * A heartbeat's policy is the sensor's text, checked and bounded here before the hub stores it: strings of
 * their type and length, without NUL or a lone surrogate (jsonb refuses both), numbers finite, at most the
 * counts a sensor sends. A malformed part is left out, never a failed statement.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const text = (v: unknown, max: number): string | undefined =>
  typeof v === 'string' && v.length > 0
    ? v
        .slice(0, max)
        .replace(/\u0000/g, '')
        .replace(LONE_SURROGATE, '\ufffd')
    : undefined;
const finite = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** The heartbeat's policy, checked; undefined when absent or not of its shape (the hub then keeps what it has). */
export function parseSitePolicy(v: unknown): SitePolicySummary | undefined {
  const p = record(v);
  if (!p) return undefined;
  const hash = text(p.hash, 128);
  const version = finite(p.version);
  if (!hash || version === undefined || !Array.isArray(p.zones) || !Array.isArray(p.conduits)) return undefined;
  const zones: SitePolicyZone[] = [];
  const ids = new Set<string>();
  for (const raw of p.zones.slice(0, SITE_POLICY_MAX_ZONES)) {
    const z = record(raw);
    const id = text(z?.id, SITE_POLICY_MAX_TEXT);
    if (!z || !id || ids.has(id)) continue;
    ids.add(id);
    const level = finite(z.level);
    const zone: SitePolicyZone = { id, name: text(z.name, SITE_POLICY_MAX_TEXT) ?? id, level: level === undefined ? null : level };
    const description = text(z.description, SITE_POLICY_MAX_DESCRIPTION);
    if (description) zone.description = description;
    if (Array.isArray(z.slt)) zone.slt = Array.from({ length: 7 }, (_, i) => finite((z.slt as unknown[])[i]) ?? null);
    zones.push(zone);
  }
  const conduits: SitePolicyConduit[] = [];
  for (const raw of p.conduits.slice(0, SITE_POLICY_MAX_CONDUITS)) {
    const c = record(raw);
    const id = text(c?.id, SITE_POLICY_MAX_TEXT);
    const between = Array.isArray(c?.between) ? (c.between as unknown[]).map((e) => text(e, SITE_POLICY_MAX_TEXT)) : [];
    if (!c || !id || between.length !== 2 || !between[0] || !between[1]) continue;
    const conduit: SitePolicyConduit = { id, name: text(c.name, SITE_POLICY_MAX_TEXT) ?? id, between: [between[0], between[1]] };
    const expires = finite(c.expires);
    if (expires !== undefined) conduit.expires = expires;
    const expiresText = text(c.expiresText, 40);
    if (expiresText) conduit.expiresText = expiresText;
    conduits.push(conduit);
  }
  const name = text(p.name, SITE_POLICY_MAX_TEXT);
  const omitted = record(p.omitted);
  return {
    hash,
    version,
    ...(name ? { name } : {}),
    zones,
    conduits,
    ...(omitted ? { omitted: { zones: finite(omitted.zones) ?? 0, conduits: finite(omitted.conduits) ?? 0 } } : {}),
  };
}
