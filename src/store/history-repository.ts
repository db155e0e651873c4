/**
 * Summaries of archived reports in the store (migration 4's report_summaries). The previous report of
 * a state is the newest summary of a *different* state, so that rendering the same store twice gives
 * the same change log (and archiving it twice stores it once).
 */
import type { DB } from './database.js';
/** What the store needs of a report summary (report/summary.ts builds it); the rest is kept as JSON. */
export interface ArchivedSummary {
  hash: string;
  generatedAt: number;
}

export function previousSummary<S extends ArchivedSummary>(db: DB, currentHash: string): S | undefined {
  const row = db.prepare('SELECT summary FROM report_summaries WHERE hash != ? ORDER BY id DESC LIMIT 1').pluck().get(currentHash) as
    string | undefined;
  if (row === undefined) return undefined;
  try {
    return JSON.parse(row) as S;
  } catch {
    return undefined; // a damaged row: the report then has no change log rather than failing
  }
}

/** Keeps a summary unless the newest stored one is of the same state. True when a row was added. */
export function archiveSummary(db: DB, s: ArchivedSummary): boolean {
  const latest = db.prepare('SELECT hash FROM report_summaries ORDER BY id DESC LIMIT 1').pluck().get() as string | undefined;
  if (latest === s.hash) return false;
  db.prepare('INSERT INTO report_summaries (created_at, hash, summary) VALUES (?, ?, ?)').run(s.generatedAt, s.hash, JSON.stringify(s));
  return true;
}
