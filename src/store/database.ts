/**
 * Opening the SQLite database: refuse what is not ours, newer than us, corrupt or locked, with one
 * clear message each, and never write to a database we refuse. Then WAL mode and pending migrations.
 *
 * Every SQLite error a command can meet becomes a StoreError with a message the user can act on and an
 * exit code of its own (STORE_EXIT_CODES, documented in the README's CLI section), never a stack trace.
 * A database is checked when opened (checkIntegrity: all of it when small, its control tables and every
 * table's root page when large), and damage found later is remembered for /health (noteStoreError).
 */
import type BetterSqlite3 from 'better-sqlite3';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { BUSY_TIMEOUT_MS, StoreError, storeError } from './store-error.js';
import { LATEST_SCHEMA_VERSION, migrations as defaultMigrations, SYNC_TRIGGERS_SQL, type Migration } from './migrations.js';

// required, not imported: an ES import of this CommonJS package first scans its source for the names it exports
// (3.5 ms of every command that opens a database)
const Database = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;

export type DB = BetterSqlite3.Database;

export { BUSY_TIMEOUT_MS, STORE_EXIT_CODES, StoreError, storeError, type StoreErrorCode } from './store-error.js';

export interface OpenOptions {
  /** Refuse to create a database that does not exist (read-only commands). */
  mustExist?: boolean;
  /**
   * Open for reading only (assets, paths, a report that is not archived): never written, so it works on a
   * read-only file in a read-only folder. Implies mustExist.
   */
  readonly?: boolean;
  migrations?: readonly Migration[];
  /** How long to wait for another process's lock (ms). */
  busyTimeoutMs?: number;
  /** The integrity check at open (default 'bounded': see checkIntegrity); 'none' for tests that build damage on purpose. */
  check?: 'bounded' | 'full' | 'none';
  /**
   * A file this open creates keeps a rollback journal until closeDatabase() turns it to WAL: a first analysis then
   * writes its pages once, where WAL writes them twice (into the log, then into the file at the checkpoint),
   * 25 ms of 220 for 20,000 paths. Another process that opens the file meanwhile turns it to WAL, as any open does.
   */
  rollbackJournalWhenNew?: boolean;
}

/** Connections that keep a rollback journal until closed (OpenOptions.rollbackJournalWhenNew). */
const walAtClose = new WeakSet<DB>();

/** Close a connection, turning a database created with a rollback journal to WAL first (OpenOptions.rollbackJournalWhenNew). */
export function closeDatabase(db: DB): void {
  if (walAtClose.has(db) && db.open) {
    try {
      db.pragma('journal_mode = WAL');
    } catch {
      // another connection holds the file: its own open turned it to WAL, or the next open will
    }
  }
  db.close();
}

/** Databases in which damage was met after they were opened: /health reports them. */
const damaged = new WeakMap<DB, string>();

/** Remembers that `db` is damaged when `err` says so (a route or a job that read a bad page). */
export function noteStoreError(db: DB, err: unknown): void {
  const code = (err as { code?: string })?.code ?? '';
  if (code === 'corrupt' || code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) damaged.set(db, (err as Error).message);
}

/**
 * The store's health for /health, within a few milliseconds: damage met since it was opened, else a
 * read of the schema version and an integrity check of that one small table.
 */
export function storeHealth(db: DB): 'ok' | 'damaged' | 'unavailable' {
  if (damaged.has(db)) return 'damaged';
  try {
    db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').get();
    const r = db.prepare('PRAGMA quick_check(schema_version)').pluck().all();
    if (r.length !== 1 || r[0] !== 'ok') {
      damaged.set(db, String(r[0]));
      return 'damaged';
    }
    return 'ok';
  } catch (err) {
    noteStoreError(db, err);
    return damaged.has(db) ? 'damaged' : 'unavailable';
  }
}

/**
 * Databases up to this size get SQLite's whole quick_check when opened: measured 110-130 ms for 30 MB with
 * the file in the page cache (seconds when it is not, or on a busy disk), so half that bound.
 */
export const FULL_CHECK_MAX_BYTES = 16 * 1024 * 1024;
/** Tables checked in full whatever the size: small, and what every command relies on. */
const CONTROL_TABLES = ['schema_version', 'api_tokens', 'jobs', 'captures', 'policy_versions', 'sync_state'];

/**
 * SQLite's quick_check, sized to stay fast: in full when the database (with its write-ahead log) is at
 * most FULL_CHECK_MAX_BYTES, else the control tables in full and the root page of every other table (a
 * large file would take seconds: 0.65 to 3.9 s for 360 MB, against 18 ms bounded). Damage the bounded check misses is still met on
 * reading, where it becomes the same StoreError. Throws StoreError 'corrupt' with SQLite's first finding.
 */
export function checkIntegrity(db: DB, file: string, mode: 'bounded' | 'full' = 'bounded', fullMaxBytes = FULL_CHECK_MAX_BYTES): void {
  let problem: string | undefined;
  try {
    const size =
      file === ':memory:' || !existsSync(file) ? 0 : statSync(file).size + (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);
    const ok = (rows: unknown[]) => rows.length === 1 && rows[0] === 'ok';
    if (mode === 'full' || size <= fullMaxBytes) {
      const rows = db.prepare('PRAGMA quick_check(1)').pluck().all();
      if (!ok(rows)) problem = String(rows[0]);
    } else {
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[];
      for (const t of tables) {
        if (CONTROL_TABLES.includes(t)) {
          const rows = db
            .prepare(`PRAGMA quick_check("${t.replace(/"/g, '""')}")`)
            .pluck()
            .all();
          if (!ok(rows)) problem ??= String(rows[0]);
        } else db.prepare(`SELECT 1 FROM "${t.replace(/"/g, '""')}" NOT INDEXED LIMIT 1`).get(); // the table's own b-tree, not a covering index
      }
    }
  } catch (err) {
    const e = storeError(err, file);
    if (!(e instanceof StoreError) || e.code !== 'corrupt' || (err as { code?: string }).code === 'SQLITE_NOTADB') throw e;
    problem = (err as Error).message;
  }
  if (problem !== undefined) {
    throw new StoreError(
      `${file} is damaged: SQLite's integrity check says "${firstProblem(problem)}". Nothing was written to it; ` +
        `restore it from a backup, or move it away and analyse the captures again ('sqlite3 ${file} .recover' may save its data)`,
      'corrupt',
    );
  }
}

/** The first line of a quick_check report that names a problem ("*** in database main ***" names none). */
function firstProblem(report: string): string {
  const lines = report.split('\n').map((l) => l.trim());
  return (lines.find((l) => l !== '' && !l.startsWith('***')) ?? lines[0] ?? report).slice(0, 200);
}

/**
 * A WAL database in a folder we may not write cannot be opened even for reading (SQLite needs its -shm
 * file). When the log is empty (the database was closed cleanly) the file alone is the whole database:
 * read it into memory, marked as a rollback-journal database (header octets 18-19, in the copy only).
 */
export const READONLY_SNAPSHOT_MAX_BYTES = 1024 * 1024 * 1024;

function openReadonly(file: string): DB {
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      db.prepare('SELECT COUNT(*) FROM sqlite_master').get(); // where the -shm file is needed
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  } catch (err) {
    const code = (err as { code?: string })?.code ?? '';
    if (code === 'SQLITE_READONLY_ROLLBACK') {
      // a write through a rollback journal was interrupted (OpenOptions.rollbackJournalWhenNew): the file holds part
      // of it until a writer rolls it back from the journal; a copy of the file alone would show that part
      throw new StoreError(
        `cannot read ${file}: a write to it was interrupted and must be rolled back first; any command that writes to it ` +
          `does that (otwatch analyze <capture> --db ${file})`,
        'cannot_open',
      );
    }
    if (!(code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_CANTOPEN'))) throw storeError(err, file);
    const wal = existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0;
    let size: number;
    try {
      size = statSync(file).size;
    } catch {
      throw storeError(err, file);
    }
    if (wal > 0 || size > READONLY_SNAPSHOT_MAX_BYTES) {
      throw new StoreError(
        `cannot read ${file} (${code}): its folder is read-only and ${wal > 0 ? 'its write-ahead log holds data' : 'it is too large to read into memory'}; ` +
          'copy it to a writable folder, or give write access to its folder',
        'cannot_open',
      );
    }
    let buf: Buffer;
    try {
      buf = readFileSync(file);
    } catch (e) {
      throw new StoreError(`cannot read ${file}: ${(e as Error).message}`, 'cannot_open');
    }
    if (buf.length >= 20 && buf[18] === 2 && buf[19] === 2) buf[18] = buf[19] = 1;
    try {
      return new Database(buf, { readonly: true });
    } catch (e) {
      throw storeError(e, file);
    }
  }
}

export function openDatabase(file: string, opts: OpenOptions = {}): DB {
  const migrations = opts.migrations ?? defaultMigrations;
  const latest = migrations.length ? migrations[migrations.length - 1].version : LATEST_SCHEMA_VERSION;
  if ((opts.mustExist || opts.readonly) && file !== ':memory:' && !existsSync(file)) {
    throw new StoreError(`no database at ${file}: run 'otwatch analyze <capture> --db ${file}' first`, 'missing');
  }
  if (opts.readonly) return openForReading(file, opts, latest);
  const created = opts.rollbackJournalWhenNew === true && file !== ':memory:' && file !== '' && !existsSync(file);
  let db: DB;
  try {
    db = new Database(file, { fileMustExist: opts.mustExist ?? false });
  } catch (err) {
    throw storeError(err, file);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    // Read-only checks first: a database we refuse must come out byte-identical.
    if (opts.check !== 'none') checkIntegrity(db, file, opts.check);
    const current = schemaVersion(db, file);
    if (current > latest) {
      throw new StoreError(
        `${file} has schema version ${current}, newer than this otwatch supports (${latest}); upgrade otwatch or use another --db (the file was not modified)`,
        'newer_schema',
      );
    }
    if (created) {
      // a new file's default rollback journal, synced in full: with it, NORMAL could leave the file damaged by a power cut
      db.pragma('synchronous = FULL');
      walAtClose.add(db);
    } else {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL'); // WAL + NORMAL: a crash loses at most the last transaction, never consistency
    }
    // Statement journals in memory: a write that fires a trigger (the outbox's, even when it records nothing)
    // opens one per statement, and on disk that was 35 µs per row, two thirds of writing 20,000 paths.
    // They hold one statement's pages only; the rollback journal of the transaction (the WAL) stays on disk.
    db.pragma('temp_store = MEMORY');
    migrate(db, migrations, current);
    restoreSyncTriggers(db);
    return db;
  } catch (err) {
    db.close();
    throw storeError(err, file, opts.busyTimeoutMs);
  }
}

/** openDatabase for reading only: the same checks, nothing written; an older schema is migrated first if we may write. */
function openForReading(file: string, opts: OpenOptions, latest: number): DB {
  let db = openReadonly(file);
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    if (opts.check !== 'none') checkIntegrity(db, file, opts.check);
    const current = schemaVersion(db, file);
    if (current > latest) {
      throw new StoreError(
        `${file} has schema version ${current}, newer than this otwatch supports (${latest}); upgrade otwatch or use another --db (the file was not modified)`,
        'newer_schema',
      );
    }
    if (current < latest) {
      // an older database: the queries need the current schema, so migrate it once if we may write
      db.close();
      try {
        openDatabase(file, { ...opts, readonly: false, mustExist: true, check: 'none' }).close();
      } catch (err) {
        if (err instanceof StoreError && (err.code === 'read_only' || err.code === 'cannot_open'))
          throw new StoreError(
            `${file} has schema version ${current}, older than this otwatch's (${latest}), and cannot be upgraded here (${err.message}); run any otwatch command that writes to it once with write access`,
            'needs_migration',
          );
        throw err;
      }
      db = openReadonly(file);
    }
    return db;
  } catch (err) {
    if (db.open) db.close();
    throw storeError(err, file, opts.busyTimeoutMs);
  }
}

/** The schema version of an open database: 0 for an empty one; refuses a database with foreign tables. */
function schemaVersion(db: DB, file: string): number {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all() as string[];
  if (tables.length === 0) return 0;
  if (!tables.includes('schema_version')) {
    throw new StoreError(`${file} is a SQLite database but not an otwatch one (no schema_version table); give another --db`, 'not_otwatch');
  }
  return (db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck().get() as number) ?? 0;
}

/** A database that publishes as a site records its changes through triggers, which exist only then (migration 9). */
function restoreSyncTriggers(db: DB): void {
  if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sync_state'").get() === undefined) return;
  const site = db.prepare('SELECT site FROM sync_state WHERE id = 1').pluck().get() as string | null | undefined;
  if (site !== null && site !== undefined) db.exec(SYNC_TRIGGERS_SQL);
}

function migrate(db: DB, migrations: readonly Migration[], current: number): void {
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const record = db.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)');
  const applyAll = db.transaction(() => {
    // Re-read inside the write lock: another process may have migrated meanwhile.
    const now = db.prepare('SELECT COALESCE(MAX(version), 0) FROM schema_version').pluck().get() as number;
    for (const m of pending) {
      if (m.version <= now) continue;
      db.exec(m.sql);
      record.run(m.version, m.name, new Date().toISOString());
    }
  });
  applyAll.immediate();
}
