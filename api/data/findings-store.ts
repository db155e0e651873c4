/**
 * Stored findings and their lifecycle: a finding is open when an audit first reports it, resolved
 * when an audit of the whole store no longer does, open again when it returns; a person may
 * acknowledge it (with who and why) or reopen it. Every change is an event with its actor, so the
 * audit trail keeps who did what. (The zoning engineer owns the lifecycle rules; this is the API's
 * store of them, behind one class so that it can move to zoning/ unchanged.)
 */
import type { DB } from '../../agent/store/database.js';
import { SEVERITY_ORDER } from '../../zoning/constants.js';
import type { Finding } from '../../zoning/finding.js';
import type { FindingStatus } from '../constants.js';
import { listPage, type Page } from './list.js';

export const AUDIT_ACTOR = 'audit';

export interface FindingEvent {
  ts: number;
  status: FindingStatus;
  actor: string;
  comment: string | null;
}

export interface StoredFinding extends Finding {
  status: FindingStatus;
  /** When an audit first reported it (seconds). */
  detectedAt: number;
  updatedAt: number;
  history?: FindingEvent[];
}

export interface FindingFilter {
  rule?: string;
  severity?: string;
  zone?: string;
  conduit?: string;
  status?: FindingStatus;
  asset?: string;
  /** The finding's latest traffic at or after / at or before (seconds). */
  since?: number;
  until?: number;
  sort: 'severity' | 'last_seen' | 'first_seen' | 'rule';
  desc: boolean;
  limit: number;
  offset?: number;
  cursor?: string;
}

const SORT_COLUMNS: Record<FindingFilter['sort'], string> = {
  severity: 'f.severity_rank',
  last_seen: 'f.last_seen',
  first_seen: 'f.first_seen',
  rule: 'f.rule',
};

interface Row {
  data: string;
  status: FindingStatus;
  detected_at: number;
  updated_at: number;
}

const fromRow = (r: Row): StoredFinding => ({ ...(JSON.parse(r.data) as Finding), status: r.status, detectedAt: r.detected_at, updatedAt: r.updated_at });

/** Assets a finding is about: its subject when that is an asset, and both ends of its evidence paths. */
function assetsOf(f: Finding): string[] {
  const ids = new Set<string>();
  if (f.subject.kind === 'asset') ids.add(f.subject.key);
  for (const p of f.evidence.paths) ids.add(p.initiator), ids.add(p.responder);
  return [...ids];
}

export class FindingsStore {
  constructor(private readonly db: DB) {}

  /**
   * Merges the findings of an audit over the whole store: new ones open, returning ones reopen,
   * absent ones resolve. Returns the findings that became open (for the syslog forwarder).
   */
  saveAudit(findings: readonly Finding[], now: number): { opened: StoredFinding[]; resolved: number } {
    const db = this.db;
    const get = db.prepare('SELECT status FROM findings WHERE id = ?').pluck();
    const put = db.prepare(`INSERT INTO findings (id, rule, severity, severity_rank, status, conduit, first_seen, last_seen, detected_at, updated_at)
      VALUES (@id, @rule, @severity, @rank, @status, @conduit, @first, @last, @now, @now)
      ON CONFLICT (id) DO UPDATE SET severity = excluded.severity, severity_rank = excluded.severity_rank, status = excluded.status,
        conduit = excluded.conduit, first_seen = excluded.first_seen, last_seen = excluded.last_seen, updated_at = excluded.updated_at`);
    const putData = db.prepare('INSERT OR REPLACE INTO finding_data (id, data) VALUES (?, ?)');
    const clearZones = db.prepare('DELETE FROM finding_zones WHERE finding_id = ?');
    const putZone = db.prepare('INSERT OR IGNORE INTO finding_zones (zone, finding_id) VALUES (?, ?)');
    const clearAssets = db.prepare('DELETE FROM finding_assets WHERE finding_id = ?');
    const putAsset = db.prepare('INSERT OR IGNORE INTO finding_assets (asset_id, finding_id) VALUES (?, ?)');
    const event = db.prepare('INSERT INTO finding_events (finding_id, ts, status, actor, comment) VALUES (?, ?, ?, ?, ?)');
    const run = db.transaction(() => {
      const opened: StoredFinding[] = [];
      const seen = new Set<string>();
      for (const f of findings) {
        seen.add(f.id);
        const before = get.get(f.id) as FindingStatus | undefined;
        const status: FindingStatus = before === undefined || before === 'resolved' ? 'open' : before;
        put.run({
          id: f.id, rule: f.rule, severity: f.severity, rank: SEVERITY_ORDER[f.severity], status, conduit: f.conduit ?? null,
          first: f.evidence.firstSeen ?? now, last: f.evidence.lastSeen ?? now, now,
        });
        putData.run(f.id, JSON.stringify(f));
        clearZones.run(f.id);
        for (const z of f.zones) putZone.run(z, f.id);
        clearAssets.run(f.id);
        for (const a of assetsOf(f)) putAsset.run(a, f.id);
        if (before === undefined) event.run(f.id, now, 'open', AUDIT_ACTOR, 'first reported');
        else if (before === 'resolved') event.run(f.id, now, 'open', AUDIT_ACTOR, 'reported again');
        if (before === undefined || before === 'resolved') opened.push({ ...f, status, detectedAt: now, updatedAt: now });
      }
      let resolved = 0;
      const live = db.prepare("SELECT id FROM findings WHERE status != 'resolved'").pluck().all() as string[];
      const resolve = db.prepare("UPDATE findings SET status = 'resolved', updated_at = ? WHERE id = ?");
      for (const id of live) {
        if (seen.has(id)) continue;
        resolve.run(now, id);
        event.run(id, now, 'resolved', AUDIT_ACTOR, 'no longer reported');
        resolved++;
      }
      return { opened, resolved };
    });
    return run.immediate();
  }

  list(q: FindingFilter): Page<StoredFinding> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.rule) where.push('f.rule = ?'), args.push(q.rule);
    if (q.severity) where.push('f.severity = ?'), args.push(q.severity);
    if (q.status) where.push('f.status = ?'), args.push(q.status);
    if (q.conduit) where.push('f.conduit = ?'), args.push(q.conduit);
    // Zone: driven from the (zone, finding_id) index by a join (one row per finding and zone, so no duplicates).
    if (q.zone) where.push('fz.zone = ?'), args.push(q.zone);
    if (q.asset) where.push('f.id IN (SELECT finding_id FROM finding_assets WHERE asset_id = ?)'), args.push(q.asset);
    // Time range: the finding's latest traffic falls in [since, until] (one indexed column, one range).
    if (q.since !== undefined) where.push('f.last_seen >= ?'), args.push(q.since);
    if (q.until !== undefined) where.push('f.last_seen <= ?'), args.push(q.until);
    const page = listPage<Omit<Row, 'data'> & { id: string }>(this.db, {
      from: q.zone ? 'findings f JOIN finding_zones fz ON fz.finding_id = f.id' : 'findings f', select: 'f.id, f.status, f.detected_at, f.updated_at', id: 'f.id', where, args,
      sort: SORT_COLUMNS[q.sort], desc: q.desc, limit: q.limit, offset: q.offset, cursor: q.cursor,
    });
    // The JSON of the page's rows only, after the page is chosen.
    const data = this.db.prepare('SELECT data FROM finding_data WHERE id = ?').pluck();
    return { ...page, items: page.items.map((r) => fromRow({ ...r, data: data.get(r.id) as string })) };
  }

  get(id: string): StoredFinding | undefined {
    const row = this.db.prepare('SELECT d.data, f.status, f.detected_at, f.updated_at FROM findings f JOIN finding_data d ON d.id = f.id WHERE f.id = ?').get(id) as Row | undefined;
    if (!row) return undefined;
    const history = this.db.prepare('SELECT ts, status, actor, comment FROM finding_events WHERE finding_id = ? ORDER BY ts, id').all(id) as FindingEvent[];
    return { ...fromRow(row), history };
  }

  /** A person's acknowledgement or reopening; undefined when there is no such finding. */
  setStatus(id: string, status: 'acknowledged' | 'open', actor: string, comment: string, now = Date.now() / 1000): StoredFinding | undefined {
    const changed = this.db.transaction(() => {
      const n = this.db.prepare('UPDATE findings SET status = ?, updated_at = ? WHERE id = ?').run(status, now, id).changes;
      if (n) this.db.prepare('INSERT INTO finding_events (finding_id, ts, status, actor, comment) VALUES (?, ?, ?, ?, ?)').run(id, now, status, actor, comment);
      return n;
    })();
    return changed ? this.get(id) : undefined;
  }

  countsBySeverity(): Record<string, Record<string, number>> {
    const rows = this.db.prepare('SELECT severity, status, COUNT(*) AS n FROM findings GROUP BY severity, status').all() as { severity: string; status: string; n: number }[];
    const out: Record<string, Record<string, number>> = {};
    for (const r of rows) (out[r.severity] ??= {})[r.status] = r.n;
    return out;
  }

  /**
   * Every finding in a stable order, for exports: read in keyset chunks, so that neither the whole
   * table sits in memory nor a statement stays open on the connection while the response streams.
   */
  *iterate(chunk = 1000): Generator<StoredFinding> {
    let cursor: string | undefined;
    do {
      const page = this.list({ sort: 'severity', desc: false, limit: chunk, cursor });
      yield* page.items;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
  }
}
