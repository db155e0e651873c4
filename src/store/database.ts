/**
 * Opening the SQLite database: refuse what is not ours, newer than us, corrupt or locked, with one
 * clear message each, and never write to a database we refuse. Then WAL mode and pending migrations.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { LATEST_SCHEMA_VERSION, migrations as defaultMigrations, type Migration } from './migrations.js';

export type DB = Database.Database;

/** How long a write waits for another process's transaction before giving up (ms). */
export const BUSY_TIMEOUT_MS = 5000;

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: 'newer_schema' | 'not_otwatch' | 'corrupt' | 'locked' | 'cannot_open' | 'missing',
  ) {
    super(message);
  }
}

export interface OpenOptions {
  /** Refuse to create a database that does not exist (read-only commands). */
  mustExist?: boolean;
  migrations?: readonly Migration[];
  /** How long to wait for another process's lock (ms). */
  busyTimeoutMs?: number;
}

/** Translates SQLite's errors into StoreErrors the user can act on; anything else is rethrown. */
export function storeError(err: unknown, file: string, busyMs = BUSY_TIMEOUT_MS): unknown {
  const code = (err as { code?: string })?.code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(`${file} is not a SQLite database or is corrupt (${code}); move it away or give another --db`, 'corrupt');
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(`${file} is locked by another process (waited ${busyMs / 1000} s); try again when it has finished`, 'locked');
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_PERM')) {
    return new StoreError(`cannot open ${file} for writing (${code})`, 'cannot_open');
  }
  return err;
}

export function openDatabase(file: string, opts: OpenOptions = {}): DB {
  const migrations = opts.migrations ?? defaultMigrations;
  const latest = migrations.length ? migrations[migrations.length - 1].version : LATEST_SCHEMA_VERSION;
  if (opts.mustExist && file !== ':memory:' && !existsSync(file)) {
    throw new StoreError(`no database at ${file}: run 'otwatch analyze <capture> --db ${file}' first`, 'missing');
  }
  let db: DB;
  try {
    db = new Database(file, { fileMustExist: opts.mustExist ?? false });
  } catch (err) {
    throw storeError(err, file);
  }
  try {
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? BUSY_TIMEOUT_MS))}`);
    // Read-only checks first: a database we refuse must come out byte-identical.
    const current = schemaVersion(db, file);
    if (current > latest) {
      throw new StoreError(
        `${file} has schema version ${current}, newer than this otwatch supports (${latest}); upgrade otwatch or use another --db (the file was not modified)`,
        'newer_schema',
      );
    }
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // WAL + NORMAL: a crash loses at most the last transaction, never consistency
    migrate(db, migrations, current);
    return db;
  } catch (err) {
    db.close();
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
