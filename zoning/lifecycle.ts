/**
 * The life of a finding across analyses: open when first seen, acknowledged by a person (who, why),
 * resolved when an analysis no longer shows it (the traffic stopped, the policy changed), reopened
 * when it comes back. Pure: previous findings + this analysis's findings → the new state.
 */
import type { Finding } from './finding.js';

export type FindingStatus = 'open' | 'acknowledged' | 'resolved' | 'reopened';

export interface Acknowledgement {
  by: string;
  reason: string;
  at: number;
}

export interface StatusChange {
  at: number;
  status: FindingStatus;
  by?: string;
  note?: string;
}

export interface TrackedFinding extends Finding {
  status: FindingStatus;
  firstDetected: number;
  lastDetected: number;
  resolvedAt: number | null;
  reopenCount: number;
  ack: Acknowledgement | null;
  history: StatusChange[];
}

/** History entries kept per finding (a flapping flow must not grow a record without bound). */
export const HISTORY_LIMIT = 50;

function withHistory(f: TrackedFinding, change: StatusChange): TrackedFinding {
  const history = [...f.history, change];
  return { ...f, history: history.length > HISTORY_LIMIT ? history.slice(-HISTORY_LIMIT) : history };
}

export interface MergeResult {
  findings: TrackedFinding[];
  opened: string[];
  resolved: string[];
  reopened: string[];
}

export function mergeFindings(previous: readonly TrackedFinding[], current: readonly Finding[], now: number): MergeResult {
  const prev = new Map(previous.map((f) => [f.id, f]));
  const seen = new Set<string>();
  const out: TrackedFinding[] = [];
  const opened: string[] = [];
  const resolved: string[] = [];
  const reopened: string[] = [];
  for (const f of current) {
    seen.add(f.id);
    const old = prev.get(f.id);
    if (!old) {
      opened.push(f.id);
      out.push({ ...f, status: 'open', firstDetected: now, lastDetected: now, resolvedAt: null, reopenCount: 0, ack: null, history: [{ at: now, status: 'open' }] });
    } else if (old.status === 'resolved') {
      // It came back: an acknowledgement was for the earlier traffic, so it does not carry over.
      reopened.push(f.id);
      out.push(
        withHistory(
          { ...old, ...f, status: 'reopened', lastDetected: now, resolvedAt: null, reopenCount: old.reopenCount + 1, ack: null },
          { at: now, status: 'reopened' },
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
      out.push(withHistory({ ...old, status: 'resolved', resolvedAt: now }, { at: now, status: 'resolved' }));
    }
  }
  return { findings: out, opened, resolved, reopened };
}

export type AckResult = { ok: true; finding: TrackedFinding } | { ok: false; error: string };

/** A person accepts a finding for now: it stays visible, marked with who and why. */
export function acknowledge(f: TrackedFinding, by: string, reason: string, now: number): AckResult {
  if (!by.trim()) return { ok: false, error: 'an acknowledgement needs the name of who acknowledges' };
  if (!reason.trim()) return { ok: false, error: 'an acknowledgement needs a reason' };
  if (f.status === 'resolved') return { ok: false, error: `finding ${f.id} is resolved: nothing to acknowledge` };
  const ack = { by: by.trim(), reason: reason.trim(), at: now };
  return { ok: true, finding: withHistory({ ...f, status: 'acknowledged', ack }, { at: now, status: 'acknowledged', by: ack.by, note: ack.reason }) };
}
