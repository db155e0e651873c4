/**
 * Findings kept across analyses in the inventory database, with the lifecycle of lifecycle.ts.
 * Uses the tables of the store's migration 2 (findings, finding_events, finding_zones,
 * finding_assets), which the REST API reads too, so the CLI and the API see the same findings.
 */
import type { DB } from '../agent/store/database.js';
import { SEVERITY_ORDER } from './constants.js';
import type { Finding } from './finding.js';
import { acknowledge, mergeFindings, type AckResult, type MergeResult, type TrackedFinding } from './lifecycle.js';

export const AUDIT_ACTOR = 'audit';

function assetsOf(f: Finding): string[] {
  const ids = new Set<string>();
  if (f.subject.kind === 'asset') ids.add(f.subject.key);
  for (const p of f.evidence.paths) ids.add(p.initiator).add(p.responder);
  return [...ids];
}

/** A row written by another writer (the API) may lack the lifecycle fields: fill them from the columns. */
function fromRow(r: { data: string; status: string; detected_at: number; updated_at: number }): TrackedFinding {
  const d = JSON.parse(r.data) as Partial<TrackedFinding> & Finding;
  return {
    ...d,
    status: r.status as TrackedFinding['status'],
    firstDetected: d.firstDetected ?? r.detected_at,
    lastDetected: d.lastDetected ?? r.updated_at,
    resolvedAt: d.resolvedAt ?? (r.status === 'resolved' ? r.updated_at : null),
    reopenCount: d.reopenCount ?? 0,
    ack: d.ack ?? null,
    history: d.history ?? [],
  };
}

export class ZoningFindingsStore {
  constructor(private readonly db: DB) {}

  all(): TrackedFinding[] {
    const rows = this.db.prepare('SELECT data, status, detected_at, updated_at FROM findings ORDER BY severity_rank, id').all() as Parameters<typeof fromRow>[0][];
    return rows.map(fromRow);
  }

  get(id: string): TrackedFinding | undefined {
    const row = this.db.prepare('SELECT data, status, detected_at, updated_at FROM findings WHERE id = ?').get(id) as Parameters<typeof fromRow>[0] | undefined;
    return row ? fromRow(row) : undefined;
  }

  private write(f: TrackedFinding, now: number): void {
    this.db
      .prepare(
        `INSERT INTO findings (id, rule, severity, severity_rank, status, conduit, first_seen, last_seen, detected_at, updated_at, data)
         VALUES (@id, @rule, @severity, @rank, @status, @conduit, @first, @last, @detected, @now, @data)
         ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, severity_rank = excluded.severity_rank, status = excluded.status,
           conduit = excluded.conduit, first_seen = excluded.first_seen, last_seen = excluded.last_seen, updated_at = excluded.updated_at, data = excluded.data`,
      )
      .run({
        id: f.id, rule: f.rule, severity: f.severity, rank: SEVERITY_ORDER[f.severity], status: f.status, conduit: f.conduit ?? null,
        first: f.evidence.firstSeen ?? f.firstDetected, last: f.evidence.lastSeen ?? f.lastDetected, detected: f.firstDetected, now, data: JSON.stringify(f),
      });
    this.db.prepare('DELETE FROM finding_zones WHERE finding_id = ?').run(f.id);
    const zone = this.db.prepare('INSERT OR IGNORE INTO finding_zones (zone, finding_id) VALUES (?, ?)');
    for (const z of f.zones) zone.run(z, f.id);
    this.db.prepare('DELETE FROM finding_assets WHERE finding_id = ?').run(f.id);
    const asset = this.db.prepare('INSERT OR IGNORE INTO finding_assets (asset_id, finding_id) VALUES (?, ?)');
    for (const a of assetsOf(f)) asset.run(a, f.id);
  }

  private event(id: string, now: number, status: string, actor: string, comment: string | null): void {
    this.db.prepare('INSERT INTO finding_events (finding_id, ts, status, actor, comment) VALUES (?, ?, ?, ?, ?)').run(id, now, status, actor, comment);
  }

  /** Merges one analysis's findings into the stored ones, in one transaction. */
  saveAnalysis(current: readonly Finding[], now: number): MergeResult {
    return this.db
      .transaction(() => {
        const result = mergeFindings(this.all(), current, now);
        const changed = new Set([...result.opened, ...result.resolved, ...result.reopened]);
        const currentIds = new Set(current.map((f) => f.id));
        for (const f of result.findings) if (currentIds.has(f.id) || changed.has(f.id)) this.write(f, now);
        for (const id of result.opened) this.event(id, now, 'open', AUDIT_ACTOR, 'first reported');
        for (const id of result.reopened) this.event(id, now, 'reopened', AUDIT_ACTOR, 'reported again');
        for (const id of result.resolved) this.event(id, now, 'resolved', AUDIT_ACTOR, 'no longer reported');
        return result;
      })
      .immediate();
  }

  acknowledge(id: string, by: string, reason: string, now: number): AckResult {
    return this.db
      .transaction((): AckResult => {
        const f = this.get(id);
        if (!f) return { ok: false, error: `no finding ${id}` };
        const r = acknowledge(f, by, reason, now);
        if (r.ok) {
          this.write(r.finding, now);
          this.event(id, now, 'acknowledged', r.finding.ack!.by, r.finding.ack!.reason);
        }
        return r;
      })
      .immediate();
  }
}
