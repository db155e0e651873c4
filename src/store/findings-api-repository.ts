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
  /** 'priority': fix first (src/audit/priority.ts), then the oldest traffic. */
  sort: 'severity' | 'last_seen' | 'first_seen' | 'rule' | 'priority';
  desc: boolean;
  limit: number;
  offset?: number;
  cursor?: string;
}

/** Age term of the priority key: seconds since the epoch fit in 10 decimal digits until 2286. */
const AGE_SPAN = 10_000_000_000;

/**
 * The fix-first order as one number (listPage's keyset cursor continues on one value and the id): the
 * audit's priority rank (severity and operation class), then the finding's first traffic, oldest first.
 * The rank is in the finding's JSON; one stored before it had a rank gets its severity's worst class.
 * Findings number in the hundreds after grouping, so reading the JSON of each to sort is cheap, and it
 * needs no column of its own (no migration).
 */
const PRIORITY_KEY = `(COALESCE(json_extract(d.data, '$.priority.rank'), f.severity_rank * 4 + 3) * ${AGE_SPAN} + CAST(f.first_seen AS INTEGER))`;

const SORT_COLUMNS: Record<FindingFilter['sort'], string> = {
  severity: 'f.severity_rank',
  last_seen: 'f.last_seen',
  first_seen: 'f.first_seen',
  rule: 'f.rule',
  priority: PRIORITY_KEY,
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
    const from = q.zone ? 'findings f JOIN finding_zones fz ON fz.finding_id = f.id' : 'findings f';
    const page = listPage<StoredRow>(this.db, {
      // the priority key reads the finding's JSON; the count does not need it
      from: q.sort === 'priority' ? `${from} JOIN finding_data d ON d.id = f.id` : from,
      countFrom: from,
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
