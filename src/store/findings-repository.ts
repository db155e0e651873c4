/**
 * The one writer of stored findings, for `otwatch analyze --policy`, the live agent and the REST API:
 * lifecycle.ts's pure functions applied to the tables of the store's migrations 2 and 3. A finding's
 * lifecycle state is in the columns of `findings` (what the API filters and sorts by), what it says in
 * `finding_data` (JSON, read for the rows shown only), its history in `finding_events` (one row per
 * status change, with who and why), its zones and assets in `finding_zones` / `finding_assets`.
 */
import type { DB } from './database.js';
import { SEVERITY_ORDER } from '../audit/constants.js';
import type { Finding } from '../audit/finding.js';
import {
  acknowledge,
  HISTORY_LIMIT,
  mergeFindings,
  reopen,
  type ChangeResult,
  type FindingStatus,
  type Lifecycle,
  type StatusChange,
  type TrackedFinding,
} from '../audit/lifecycle.js';

/** A finding as read back: with its lifecycle, when its row last changed, and its history when asked for one finding. */
export type StoredFinding = Omit<TrackedFinding, 'history'> & { updatedAt: number; history?: StatusChange[] };

/** The columns a StoredFinding is read from (table alias `f`), for this store's reads and the API's paged lists. */
export const STORED_COLUMNS =
  'f.id, f.status, f.detected_at, COALESCE(f.last_detected, f.updated_at) AS last_detected, f.resolved_at, f.reopen_count, f.ack_by, f.ack_reason, f.ack_at, f.updated_at';

export interface StoredRow {
  id: string;
  status: FindingStatus;
  detected_at: number;
  last_detected: number;
  resolved_at: number | null;
  reopen_count: number;
  ack_by: string | null;
  ack_reason: string | null;
  ack_at: number | null;
  updated_at: number;
}

/**
 * The lifecycle state of a row, with an empty history: the history is in finding_events, so every
 * entry the lifecycle functions add to this state is one event to insert.
 */
function lifecycleOf(r: StoredRow): Lifecycle {
  return {
    id: r.id,
    status: r.status,
    firstDetected: r.detected_at,
    lastDetected: r.last_detected,
    resolvedAt: r.resolved_at,
    reopenCount: r.reopen_count,
    ack: r.ack_by !== null ? { by: r.ack_by, reason: r.ack_reason ?? '', at: r.ack_at ?? r.updated_at } : null,
    history: [],
  };
}

/** A row and the JSON of its finding_data as a StoredFinding. */
export function storedFinding(r: StoredRow, data: string): StoredFinding {
  const { history: _h, ...state } = lifecycleOf(r);
  return { ...(JSON.parse(data) as Finding), ...state, updatedAt: r.updated_at };
}

/** What a finding says, without its lifecycle (the finding_data JSON). */
function findingOf(t: TrackedFinding): Finding {
  const { status: _s, firstDetected: _f, lastDetected: _l, resolvedAt: _r, reopenCount: _n, ack: _a, history: _h, ...finding } = t;
  return finding;
}

/** Assets a finding is about: its subject when that is an asset, and both ends of its evidence paths. */
function assetsOf(f: Finding): string[] {
  const ids = new Set<string>();
  if (f.subject.kind === 'asset') ids.add(f.subject.key);
  for (const p of f.evidence.paths) ids.add(p.initiator).add(p.responder);
  // a grouped finding (a zone pair, a subnet) is about every asset behind it, not only its busiest examples
  for (const id of f.evidence.assetIds ?? []) ids.add(id);
  return [...ids];
}

export interface SavedAnalysis {
  /** This analysis's findings, with their lifecycle after it. */
  findings: TrackedFinding[];
  opened: string[];
  reopened: string[];
  /** Stored findings this analysis no longer reports: resolved by it. */
  resolved: string[];
}

export class FindingsStore {
  constructor(protected readonly db: DB) {}

  /** Every stored finding (without history), most severe first. */
  all(): StoredFinding[] {
    const rows = this.db
      .prepare(`SELECT ${STORED_COLUMNS}, d.data FROM findings f JOIN finding_data d ON d.id = f.id ORDER BY f.severity_rank, f.id`)
      .all() as (StoredRow & { data: string })[];
    return rows.map((r) => storedFinding(r, r.data));
  }

  /** These findings (without history), in the order asked; unknown ids are left out. */
  byIds(ids: readonly string[]): StoredFinding[] {
    const get = this.db.prepare(`SELECT ${STORED_COLUMNS}, d.data FROM findings f JOIN finding_data d ON d.id = f.id WHERE f.id = ?`);
    const out: StoredFinding[] = [];
    for (const id of ids) {
      const r = get.get(id) as (StoredRow & { data: string }) | undefined;
      if (r) out.push(storedFinding(r, r.data));
    }
    return out;
  }

  /** One finding with its latest HISTORY_LIMIT status changes, oldest first. */
  get(id: string): StoredFinding | undefined {
    const [f] = this.byIds([id]);
    if (!f) return undefined;
    const history = this.db
      .prepare(
        'SELECT ts, status, actor, comment FROM (SELECT id, ts, status, actor, comment FROM finding_events WHERE finding_id = ? ORDER BY ts DESC, id DESC LIMIT ?) ORDER BY ts, id',
      )
      .all(id, HISTORY_LIMIT) as StatusChange[];
    return { ...f, history };
  }

  /**
   * Merges one audit's findings into the stored ones, in one transaction: new ones open, returning
   * ones reopen, stored ones it no longer reports resolve (lifecycle.ts's mergeFindings).
   */
  saveAnalysis(current: readonly Finding[], now: number): SavedAnalysis {
    return this.db
      .transaction((): SavedAnalysis => {
        const rows = this.db.prepare(`SELECT ${STORED_COLUMNS} FROM findings f`).all() as StoredRow[];
        const merged = mergeFindings(rows.map(lifecycleOf), current, now);
        const currentIds = new Set(current.map((f) => f.id));
        const isCurrent = (f: TrackedFinding | Lifecycle): f is TrackedFinding => currentIds.has(f.id);
        const resolved = new Set(merged.resolved);
        const findings: TrackedFinding[] = [];
        for (const f of merged.findings) {
          if (isCurrent(f)) {
            this.write(f, now);
            findings.push(f);
          } else if (resolved.has(f.id)) this.writeState(f, now);
          this.addEvents(f);
        }
        return { findings, opened: merged.opened, reopened: merged.reopened, resolved: merged.resolved };
      })
      .immediate();
  }

  /** A person acknowledges a finding (who, why); undefined when there is no such finding. */
  acknowledge(id: string, by: string, reason: string, now = Date.now() / 1000): ChangeResult<StoredFinding> | undefined {
    return this.change(id, now, (l) => acknowledge(l, by, reason, now));
  }

  /** A person reopens a finding (who, why); undefined when there is no such finding. */
  reopen(id: string, by: string, reason: string, now = Date.now() / 1000): ChangeResult<StoredFinding> | undefined {
    return this.change(id, now, (l) => reopen(l, by, reason, now));
  }

  private change(id: string, now: number, apply: (l: Lifecycle) => ChangeResult<Lifecycle>): ChangeResult<StoredFinding> | undefined {
    const r = this.db
      .transaction(() => {
        const row = this.db.prepare(`SELECT ${STORED_COLUMNS} FROM findings f WHERE f.id = ?`).get(id) as StoredRow | undefined;
        if (!row) return undefined;
        const c = apply(lifecycleOf(row));
        if (c.ok) {
          this.writeState(c.finding, now);
          this.addEvents(c.finding);
        }
        return c;
      })
      .immediate();
    if (!r || !r.ok) return r;
    return { ok: true, finding: this.get(id)! };
  }

  /** The whole finding: row, JSON, zones and assets. */
  private write(f: TrackedFinding, now: number): void {
    this.db
      .prepare(
        `INSERT INTO findings (id, rule, severity, severity_rank, status, conduit, first_seen, last_seen, detected_at, updated_at,
           last_detected, resolved_at, reopen_count, ack_by, ack_reason, ack_at)
         VALUES (@id, @rule, @severity, @rank, @status, @conduit, @first, @last, @detected, @now, @lastDetected, @resolvedAt, @reopenCount, @ackBy, @ackReason, @ackAt)
         ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, severity_rank = excluded.severity_rank, status = excluded.status,
           conduit = excluded.conduit, first_seen = excluded.first_seen, last_seen = excluded.last_seen, updated_at = excluded.updated_at,
           last_detected = excluded.last_detected, resolved_at = excluded.resolved_at, reopen_count = excluded.reopen_count,
           ack_by = excluded.ack_by, ack_reason = excluded.ack_reason, ack_at = excluded.ack_at`,
      )
      .run({
        id: f.id,
        rule: f.rule,
        severity: f.severity,
        rank: SEVERITY_ORDER[f.severity],
        status: f.status,
        conduit: f.conduit ?? null,
        // the traffic's times, else the audits' (a finding about a model, not about traffic)
        first: f.evidence.firstSeen ?? f.firstDetected,
        last: f.evidence.lastSeen ?? f.lastDetected,
        detected: f.firstDetected,
        now,
        ...stateParams(f),
      });
    this.db.prepare('INSERT OR REPLACE INTO finding_data (id, data) VALUES (?, ?)').run(f.id, JSON.stringify(findingOf(f)));
    this.db.prepare('DELETE FROM finding_zones WHERE finding_id = ?').run(f.id);
    const zone = this.db.prepare('INSERT OR IGNORE INTO finding_zones (zone, finding_id) VALUES (?, ?)');
    for (const z of f.zones) zone.run(z, f.id);
    this.db.prepare('DELETE FROM finding_assets WHERE finding_id = ?').run(f.id);
    const asset = this.db.prepare('INSERT OR IGNORE INTO finding_assets (asset_id, finding_id) VALUES (?, ?)');
    for (const a of assetsOf(f)) asset.run(a, f.id);
  }

  /** The lifecycle columns only (what the finding says is unchanged). */
  private writeState(l: Lifecycle, now: number): void {
    this.db
      .prepare(
        `UPDATE findings SET status = @status, last_detected = @lastDetected, resolved_at = @resolvedAt, reopen_count = @reopenCount,
           ack_by = @ackBy, ack_reason = @ackReason, ack_at = @ackAt, updated_at = @now WHERE id = @id`,
      )
      .run({ id: l.id, status: l.status, now, ...stateParams(l) });
  }

  /** The history entries of a state read with an empty history: each one is new. */
  private addEvents(l: Lifecycle): void {
    if (l.history.length === 0) return;
    const event = this.db.prepare('INSERT INTO finding_events (finding_id, ts, status, actor, comment) VALUES (?, ?, ?, ?, ?)');
    for (const h of l.history) event.run(l.id, h.ts, h.status, h.actor, h.comment);
  }
}

function stateParams(l: Lifecycle) {
  return {
    lastDetected: l.lastDetected,
    resolvedAt: l.resolvedAt,
    reopenCount: l.reopenCount,
    ackBy: l.ack?.by ?? null,
    ackReason: l.ack?.reason ?? null,
    ackAt: l.ack?.at ?? null,
  };
}
