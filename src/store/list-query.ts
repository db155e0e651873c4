/**
 * One filtered, sorted page of a table, with the total and a cursor. Sorting is always by one
 * NOT NULL column plus the id as tie-breaker, so that a keyset cursor `(value, id)` continues a
 * listing exactly where it stopped however the table changes, and an index on (column, id) serves it.
 */
import type { DB } from './database.js';

export interface ListQuery {
  /** FROM clause with alias, e.g. 'paths p'. */
  from: string;
  /** FROM clause of the count when `from` has joins that do not change the row count. */
  countFrom?: string;
  /** SELECT list. */
  select: string;
  /** The id column, e.g. 'p.id'. */
  id: string;
  where: string[];
  args: unknown[];
  /** Column to sort by (never NULL), e.g. 'p.last_seen'. */
  sort: string;
  desc: boolean;
  limit: number;
  offset?: number;
  cursor?: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export class BadCursor extends Error {}

function decodeCursor(c: string): [string | number, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number') && typeof v[1] === 'string')
      return [v[0], v[1]];
  } catch {
    // fall through: a cursor we did not make
  }
  throw new BadCursor('cursor is not one this server returned');
}

export function encodeCursor(value: unknown, id: string): string {
  return Buffer.from(JSON.stringify([value, id])).toString('base64url');
}

/** Runs the page query (rows carry `_sort` and `_id` for the cursor) and the count. */
export function listPage<R extends object>(db: DB, q: ListQuery): Page<R> {
  const where = [...q.where];
  const args = [...q.args];
  const cmp = q.desc ? '<' : '>';
  const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
  const total = db
    .prepare(`SELECT COUNT(*) FROM ${q.countFrom ?? q.from} ${filter}`)
    .pluck()
    .get(...args) as number;
  if (q.cursor) {
    const [v, id] = decodeCursor(q.cursor);
    where.push(`(${q.sort} ${cmp} ? OR (${q.sort} = ? AND ${q.id} ${cmp} ?))`);
    args.push(v, v, id);
  }
  const dir = q.desc ? 'DESC' : 'ASC';
  const offset = q.cursor ? 0 : (q.offset ?? 0);
  const sql = `SELECT ${q.select}, ${q.sort} AS _sort, ${q.id} AS _id FROM ${q.from} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
    ORDER BY ${q.sort} ${dir}, ${q.id} ${dir} LIMIT ? OFFSET ?`;
  const rows = db.prepare(sql).all(...args, q.limit + 1, offset) as (R & { _sort: unknown; _id: string })[];
  const more = rows.length > q.limit;
  const items = more ? rows.slice(0, q.limit) : rows;
  const last = items[items.length - 1];
  return { items, total, limit: q.limit, offset, nextCursor: more && last ? encodeCursor(last._sort, last._id) : null };
}
