/**
 * The store's errors, apart from the database code: every SQLite error a command can meet becomes a StoreError
 * with a message the user can act on and an exit code of its own (STORE_EXIT_CODES, documented in the README's
 * CLI section). The CLI translates errors with these before any command runs; this module does not load the
 * SQLite driver, so that a command that opens no database (stats) does not pay for loading it.
 */

/** How long a write waits for another process's transaction before giving up (ms). */
export const BUSY_TIMEOUT_MS = 5000;

export type StoreErrorCode =
  'newer_schema' | 'not_otwatch' | 'corrupt' | 'locked' | 'cannot_open' | 'read_only' | 'needs_migration' | 'io' | 'missing';

/**
 * The exit code of each store error (sysexits.h where one fits), documented in the README: 2 a wrong
 * --db (usage), 65 a file that is damaged, foreign or too new (data), 73 a file or folder we may not
 * write (cannot create), 74 an I/O error or a full disk, 75 a lock held by another process (try again).
 */
export const STORE_EXIT_CODES: Readonly<Record<StoreErrorCode, number>> = {
  missing: 2,
  corrupt: 65,
  not_otwatch: 65,
  newer_schema: 65,
  cannot_open: 73,
  read_only: 73,
  needs_migration: 73,
  io: 74,
  locked: 75,
};

export class StoreError extends Error {
  constructor(
    message: string,
    readonly code: StoreErrorCode,
  ) {
    super(message);
  }

  get exitCode(): number {
    return STORE_EXIT_CODES[this.code];
  }
}

/** Translates SQLite's errors into StoreErrors the user can act on; anything else is returned as it is. */
export function storeError(err: unknown, file: string, busyMs = BUSY_TIMEOUT_MS): unknown {
  if (err instanceof StoreError) return err;
  const code = (err as { code?: string })?.code ?? '';
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError(
      `${file} is not a SQLite database or is corrupt (${code}); restore it from a backup, or move it away and give another --db`,
      'corrupt',
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreError(`${file} is locked by another process (waited ${busyMs / 1000} s); try again when it has finished`, 'locked');
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new StoreError(
      `${file} is read-only (${code}) and this command writes to it; give write access to the file and its folder, or use another --db`,
      'read_only',
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_PERM') || code === 'SQLITE_AUTH') {
    return new StoreError(
      `cannot open ${file} (${code}): check that it and its folder exist and that you may read and write them`,
      'cannot_open',
    );
  }
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_FULL' || code === 'SQLITE_NOLFS' || code === 'SQLITE_NOMEM') {
    return new StoreError(`${file}: the disk failed or is full (${code}); nothing of this command was kept`, 'io');
  }
  return err;
}
