/**
 * The life of a finding across analyses: open when first seen, acknowledged by a person (who, why),
 * resolved when an analysis no longer shows it (the traffic stopped, the policy changed), reopened
 * when it comes back or when a person withdraws an acknowledgement. Pure: previous state + this
 * analysis's findings → the new state. The one implementation: `otwatch analyze`, the live agent and
 * the REST API all store findings through findings-store.ts, which applies these functions.
 */
import type { Finding } from './finding.js';

export const FINDING_STATUSES = ['open', 'acknowledged', 'resolved', 'reopened'] as const;
export type FindingStatus = (typeof FINDING_STATUSES)[number];

/** Actor of the changes an audit makes (a person's changes carry the person's name). */
export const AUDIT_ACTOR = 'audit';

export interface Acknowledgement {
  by: string;
  reason: string;
  at: number;
}

/** One change of status, who made it and why: the store keeps each as a row of finding_events. */
export interface StatusChange {
  ts: number;
  status: FindingStatus;
  actor: string;
  comment: string | null;
}

/** The lifecycle state of a finding, apart from what the finding says (the store keeps it in columns). */
export interface Lifecycle {
  id: string;
  status: FindingStatus;
  firstDetected: number;
  lastDetected: number;
  resolvedAt: number | null;
  /** Times it became 'reopened' (traffic returned, or an acknowledgement was withdrawn). */
  reopenCount: number;
  ack: Acknowledgement | null;
  history: StatusChange[];
}

export interface TrackedFinding extends Finding, Lifecycle {}

/** History entries kept per finding (a flapping flow must not grow a record without bound). */
export const HISTORY_LIMIT = 50;

function withHistory<T extends Lifecycle>(f: T, change: StatusChange): T {
  const history = [...f.history, change];
  return { ...f, history: history.length > HISTORY_LIMIT ? history.slice(-HISTORY_LIMIT) : history };
}

const byAudit = (ts: number, status: FindingStatus, comment: string): StatusChange => ({ ts, status, actor: AUDIT_ACTOR, comment });

export interface MergeResult<P extends Lifecycle = TrackedFinding> {
  /** This analysis's findings with their lifecycle, then the previous ones it no longer reports (resolved). */
  findings: (TrackedFinding | P)[];
  opened: string[];
  resolved: string[];
  reopened: string[];
}

/**
 * Previous lifecycle states (full tracked findings, or the states alone: what a finding says comes
 * from `current`) merged with this analysis's findings.
 */
export function mergeFindings<P extends Lifecycle>(previous: readonly P[], current: readonly Finding[], now: number): MergeResult<P> {
  const prev = new Map(previous.map((f) => [f.id, f]));
  const seen = new Set<string>();
  const out: (TrackedFinding | P)[] = [];
  const opened: string[] = [];
  const resolved: string[] = [];
  const reopened: string[] = [];
  for (const f of current) {
    if (seen.has(f.id)) continue; // one finding per id, whatever the caller passed
    seen.add(f.id);
    const old = prev.get(f.id);
    if (!old) {
      opened.push(f.id);
      out.push({
        ...f,
        status: 'open',
        firstDetected: now,
        lastDetected: now,
        resolvedAt: null,
        reopenCount: 0,
        ack: null,
        history: [byAudit(now, 'open', 'first reported')],
      });
    } else if (old.status === 'resolved') {
      // It came back: an acknowledgement was for the earlier traffic, so it does not carry over.
      reopened.push(f.id);
      out.push(
        withHistory<TrackedFinding>(
          { ...old, ...f, status: 'reopened', lastDetected: now, resolvedAt: null, reopenCount: old.reopenCount + 1, ack: null },
          byAudit(now, 'reopened', 'reported again'),
        ),
      );
    } else {
      // Still there: fresh evidence, same status (open, acknowledged or reopened), same acknowledgement.
      out.push({ ...old, ...f, status: old.status, lastDetected: now, ack: old.ack, history: old.history });
    }
  }
  for (const old of previous) {
    if (seen.has(old.id)) continue;
    if (old.status === 'resolved') out.push(old);
    else {
      resolved.push(old.id);
      out.push(withHistory({ ...old, status: 'resolved', resolvedAt: now }, byAudit(now, 'resolved', 'no longer reported')));
    }
  }
  return { findings: out, opened, resolved, reopened };
}

export type ChangeResult<T> = { ok: true; finding: T } | { ok: false; error: string };

/** A person's change needs a name and a reason: the audit trail says who and why. */
function personError(by: string, reason: string, what: string): string | undefined {
  if (!by.trim()) return `${what} needs the name of who makes it`;
  if (!reason.trim()) return `${what} needs a reason`;
  return undefined;
}

/** A person accepts a finding for now: it stays visible, marked with who and why (a new acknowledgement replaces the last). */
export function acknowledge<T extends Lifecycle>(f: T, by: string, reason: string, now: number): ChangeResult<T> {
  const bad = personError(by, reason, 'an acknowledgement');
  if (bad) return { ok: false, error: bad };
  if (f.status === 'resolved') return { ok: false, error: `finding ${f.id} is resolved: nothing to acknowledge` };
  const ack = { by: by.trim(), reason: reason.trim(), at: now };
  return {
    ok: true,
    finding: withHistory({ ...f, status: 'acknowledged', ack }, { ts: now, status: 'acknowledged', actor: ack.by, comment: ack.reason }),
  };
}

/**
 * A person reopens a finding: withdraws an acknowledgement, or disputes a resolution (the next audit
 * that still does not report it resolves it again). An open or reopened finding has nothing to reopen.
 */
export function reopen<T extends Lifecycle>(f: T, by: string, reason: string, now: number): ChangeResult<T> {
  const bad = personError(by, reason, 'reopening');
  if (bad) return { ok: false, error: bad };
  if (f.status === 'open' || f.status === 'reopened') return { ok: false, error: `finding ${f.id} is already ${f.status}` };
  return {
    ok: true,
    finding: withHistory(
      { ...f, status: 'reopened', ack: null, resolvedAt: null, reopenCount: f.reopenCount + 1 },
      { ts: now, status: 'reopened', actor: by.trim(), comment: reason.trim() },
    ),
  };
}
