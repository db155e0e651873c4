/**
 * What a sensor publishes and the hub reads (issue 17), on subjects `<prefix>.<site>.<kind>`:
 * - a batch of changes of one kind, message id `<site>:<seq>` (its last sequence) so that JetStream drops a
 *   resend within its duplicate window; `prev` is the last sequence JetStream acknowledged before it, the
 *   chain by which the hub sees a batch it never got;
 * - a heartbeat (`<prefix>.<site>.heartbeat`) with the sensor's counters and its last acknowledged sequence,
 *   published after the batches it counts, so a hub that applied fewer has lost some;
 * - a snapshot request (`<prefix>.<site>.snapshot-request`, core NATS, from the hub), answered by
 *   recording the sensor's whole state into its outbox again.
 */
import type { OutboxData, OutboxKind } from '../store/outbox-repository.js';
import { OUTBOX_KINDS } from '../store/outbox-repository.js';

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
