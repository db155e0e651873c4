/** The database checked when opened, SQLite errors as StoreErrors with exit codes, damage remembered for /health (issue 18 items 2, 3). */
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkIntegrity, noteStoreError, openDatabase, STORE_EXIT_CODES, StoreError, storeError, storeHealth } from './database.js';
import { Store } from './store.js';
import { createToken } from './token-repository.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-db-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

/** A real otwatch database with a few tokens, closed cleanly (its log checkpointed into the file). */
function sound(name: string): string {
  const file = join(dir, name);
  const s = new Store(file);
  for (let i = 0; i < 50; i++) createToken(s.db, 'viewer', `t${i}`);
  s.close();
  return file;
}

/** Overwrites the first page of table `table` with `bytes`: the damage a bad disk or a torn copy leaves. */
function damage(file: string, table: string, bytes = Buffer.alloc(1024, 0xde)): void {
  const raw = new Database(file, { readonly: true });
  const page = raw.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
  const size = raw.pragma('page_size', { simple: true }) as number;
  raw.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, bytes, 0, bytes.length, (page - 1) * size);
  closeSync(fd);
}

describe('integrity check when opened', () => {
  it('refuses a database with a damaged page, read-write or read-only, and leaves it byte-identical', () => {
    const file = sound('damaged.db');
    damage(file, 'api_tokens');
    const before = sha(file);
    for (const opts of [{}, { mustExist: true }, { readonly: true }]) {
      let err: unknown;
      try {
        new Store(file, opts).close();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('corrupt');
      expect((err as StoreError).exitCode).toBe(65);
      expect((err as Error).message).toMatch(
        /damaged\.db is damaged: SQLite's integrity check says "Tree \d+ page \d+.*"\. Nothing was written to it/,
      );
    }
    expect(sha(file)).toBe(before);
  });

  it('opens a sound database, read-write and read-only, and the read-only one refuses writes with a clear error', () => {
    const file = sound('sound.db');
    new Store(file).close();
    const ro = new Store(file, { readonly: true });
    try {
      expect(ro.db.prepare('SELECT COUNT(*) FROM api_tokens').pluck().get()).toBe(50);
      let err: unknown;
      try {
        createToken(ro.db, 'admin');
      } catch (e) {
        err = storeError(e, file);
      }
      expect(err).toBeInstanceOf(StoreError);
      expect((err as StoreError).code).toBe('read_only');
      expect((err as StoreError).exitCode).toBe(73);
    } finally {
      ro.close();
    }
  });

  it('maps every SQLite error class to a code with a documented exit code', () => {
    const codes: [string, string][] = [
      ['SQLITE_CORRUPT', 'corrupt'],
      ['SQLITE_NOTADB', 'corrupt'],
      ['SQLITE_BUSY', 'locked'],
      ['SQLITE_READONLY_DIRECTORY', 'read_only'],
      ['SQLITE_CANTOPEN', 'cannot_open'],
      ['SQLITE_IOERR_WRITE', 'io'],
      ['SQLITE_FULL', 'io'],
    ];
    for (const [sqlite, code] of codes) {
      const e = storeError(Object.assign(new Error('x'), { code: sqlite }), 'f.db') as StoreError;
      expect(e.code).toBe(code);
      expect(e.exitCode).toBe(STORE_EXIT_CODES[e.code]);
    }
    const other = new Error('not sqlite');
    expect(storeError(other, 'f.db')).toBe(other);
  });
});

describe('the bounded check of a large database', () => {
  const check = (file: string) => {
    const db = new Database(file, { readonly: true });
    try {
      checkIntegrity(db, file, 'bounded', 0); // as if the file were larger than FULL_CHECK_MAX_BYTES
    } finally {
      db.close();
    }
  };

  it('finds damage in a control table and in the root page of any table, and passes a sound file', () => {
    check(sound('large-sound.db'));
    const tokens = sound('large-tokens.db');
    damage(tokens, 'api_tokens');
    expect(() => check(tokens)).toThrow(/large-tokens\.db is damaged: SQLite's integrity check says "/);
    const assets = sound('large-assets.db');
    damage(assets, 'assets');
    expect(() => check(assets)).toThrow(/large-assets\.db is damaged: SQLite's integrity check says "database disk image is malformed"/);
  });
});

describe('store health', () => {
  it('says ok for a sound store, damaged once a read met a damaged page', () => {
    const file = sound('runtime.db');
    const db = openDatabase(file, { mustExist: true });
    try {
      expect(storeHealth(db)).toBe('ok');
      // the damage appears after the check at open; another process's commit makes this one re-read pages
      damage(file, 'api_tokens');
      const other = new Database(file);
      other.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (9999, ?, ?)').run('x', 'y');
      other.prepare('DELETE FROM schema_version WHERE version = 9999').run();
      other.close();
      let err: unknown;
      try {
        db.prepare('SELECT * FROM api_tokens').all();
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code).toMatch(/SQLITE_CORRUPT/);
      expect(storeHealth(db)).toBe('ok'); // its small tables are sound...
      noteStoreError(db, err);
      expect(storeHealth(db)).toBe('damaged'); // ...but a route met damage: /health says so from now on
    } finally {
      db.close();
    }
  });
});

describe('a database this open creates (rollbackJournalWhenNew)', () => {
  it('is written through a rollback journal while open and left in WAL mode when closed; an existing one stays WAL', () => {
    const file = join(dir, 'new-rollback.db');
    const s = new Store(file, { rollbackJournalWhenNew: true });
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('delete');
    createToken(s.db, 'viewer', 'a');
    s.close();
    const again = new Store(file, { rollbackJournalWhenNew: true });
    expect(again.db.pragma('journal_mode', { simple: true })).toBe('wal');
    again.close();
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw.prepare('SELECT COUNT(*) FROM api_tokens').pluck().get()).toBe(1);
    raw.close();
  });

  it('after a write cut short: refused for reading with what to do, rolled back by the next writer', () => {
    // a transaction that spilled part of its pages into the file, copied with its journal while still open: the
    // file and journal a killed process leaves
    const file = join(dir, 'cut.db');
    const s = new Store(file, { rollbackJournalWhenNew: true });
    createToken(s.db, 'viewer', 'kept');
    s.db.pragma('cache_size = 10');
    s.db.exec('BEGIN');
    for (let i = 0; i < 2000; i++) createToken(s.db, 'viewer', `lost ${i} ${'x'.repeat(200)}`);
    const cut = join(dir, 'cut-copy.db');
    writeFileSync(cut, readFileSync(file));
    writeFileSync(`${cut}-journal`, readFileSync(`${file}-journal`));
    s.db.exec('ROLLBACK');
    s.close();

    let err: unknown;
    try {
      openDatabase(cut, { readonly: true }).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('cannot_open');
    expect((err as StoreError).message).toContain('a write to it was interrupted');
    const writer = new Store(cut); // rolls the journal back
    expect(writer.db.prepare('SELECT COUNT(*) FROM api_tokens').pluck().get()).toBe(1);
    writer.close();
    const reader = openDatabase(cut, { readonly: true });
    expect(reader.prepare('SELECT label FROM api_tokens').pluck().all()).toEqual(['kept']);
    reader.close();
  });
});
