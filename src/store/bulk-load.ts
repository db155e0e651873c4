/**
 * Many rows into empty tables (the first analysis of a large plant): their secondary indexes are dropped before the
 * rows and created again after them. CREATE INDEX sorts the keys once and fills each page in order, where an index
 * that grows row by row is searched from its root and split for every row: for the five indexes of `paths` that
 * was about half the time of writing its rows. The indexes come back with the SQL they were created with, in the
 * same transaction, so a reader never sees a table without them and the stored rows are the same.
 */
import type { DB } from './database.js';

/** Fewer rows than this go into the indexes as they are: dropping and creating them costs more than it saves. */
export const BULK_LOAD_MIN_ROWS = 1000;

/** Runs `write` with the secondary indexes of `tables` dropped, then creates them again; inside a transaction only. */
export function withIndexesBuiltAfter<T>(db: DB, tables: readonly string[], write: () => T): T {
  // outside a transaction a write that throws would leave the tables without their indexes
  if (!db.inTransaction) throw new Error('withIndexesBuiltAfter: call it inside a transaction');
  const indexes = db
    .prepare(
      "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?)) ORDER BY rowid",
    )
    .all(JSON.stringify(tables)) as { name: string; sql: string }[];
  for (const i of indexes) db.exec(`DROP INDEX "${i.name.replace(/"/g, '""')}"`);
  const result = write();
  for (const i of indexes) db.exec(i.sql);
  return result;
}
