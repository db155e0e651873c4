/**
 * The API's findings: zoning's FindingsStore (the one writer and lifecycle, shared with `otwatch
 * analyze` and the live agent) plus the paged, filtered and sorted reads the routes serve, over the
 * indexed columns of migration 2.
 */
import type { FindingStatus } from '../audit/lifecycle.js';
import * as zoning from './findings-repository.js';
import { STORED_COLUMNS, storedFinding, type StoredFinding, type StoredRow } from './findings-repository.js';
import { listPage, type Page } from './list-query.js';

export type { StoredFinding } from './findings-repository.js';

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

export class FindingsStore extends zoning.FindingsStore {
  list(q: FindingFilter): Page<StoredFinding> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.rule) {
      where.push('f.rule = ?');
      args.push(q.rule);
    }
    if (q.severity) {
      where.push('f.severity = ?');
      args.push(q.severity);
    }
    if (q.status) {
      where.push('f.status = ?');
      args.push(q.status);
    }
    if (q.conduit) {
      where.push('f.conduit = ?');
      args.push(q.conduit);
    }
    // Zone: driven from the (zone, finding_id) index by a join (one row per finding and zone, so no duplicates).
    if (q.zone) {
      where.push('fz.zone = ?');
      args.push(q.zone);
    }
    if (q.asset) {
      where.push('f.id IN (SELECT finding_id FROM finding_assets WHERE asset_id = ?)');
      args.push(q.asset);
    }
    // Time range: the finding's latest traffic falls in [since, until] (one indexed column, one range).
    if (q.since !== undefined) {
      where.push('f.last_seen >= ?');
      args.push(q.since);
    }
    if (q.until !== undefined) {
      where.push('f.last_seen <= ?');
      args.push(q.until);
    }
    const page = listPage<StoredRow>(this.db, {
      from: q.zone ? 'findings f JOIN finding_zones fz ON fz.finding_id = f.id' : 'findings f',
      select: STORED_COLUMNS,
      id: 'f.id',
      where,
      args,
      sort: SORT_COLUMNS[q.sort],
      desc: q.desc,
      limit: q.limit,
      offset: q.offset,
      cursor: q.cursor,
    });
    // The JSON of the page's rows only, after the page is chosen.
    const data = this.db.prepare('SELECT data FROM finding_data WHERE id = ?').pluck();
    return { ...page, items: page.items.map((r) => storedFinding(r, data.get(r.id) as string)) };
  }

  countsBySeverity(): Record<string, Record<string, number>> {
    const rows = this.db.prepare('SELECT severity, status, COUNT(*) AS n FROM findings GROUP BY severity, status').all() as {
      severity: string;
      status: string;
      n: number;
    }[];
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
