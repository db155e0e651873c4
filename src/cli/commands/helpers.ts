/** What several commands share: opening the database, listing rows as a table or JSON, sub-command dispatch. */
import { terminalJson } from '../../core/sanitize.js';
import { formatTable } from '../../inventory/format.js';
import { StoreError, storeError } from '../../store/database.js';
import { Store } from '../../store/store.js';
import { CliError } from './command.js';

/**
 * Runs `fn` on the existing database `db` opened for reading only (the listing commands never write, so
 * they work on a read-only file in a read-only folder), closed afterwards; any store or SQLite error
 * becomes a one-line CliError with the store's exit code.
 */
export function withStore<T>(db: string, fn: (s: Store) => T): T {
  try {
    const store = new Store(db, { readonly: true });
    try {
      return fn(store);
    } finally {
      store.close();
    }
  } catch (err) {
    const e = storeError(err, db);
    if (e instanceof StoreError) throw new CliError(e.message, e.exitCode);
    throw err;
  }
}

/** `--limit n`: undefined when not given, else a positive integer. */
export function parseLimit(value: string | undefined): number | undefined {
  const limit = value === undefined ? undefined : Number(value);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CliError('--limit must be a positive integer');
  return limit;
}

/** Prints `items` as one JSON array (device strings' DEL, C1 and bidi controls as \u escapes), or as a sanitised table. */
export function printList<T>(
  items: T[],
  json: boolean | undefined,
  header: string[],
  rows: (items: T[]) => string[][],
  none: string,
): void {
  console.log(json ? terminalJson(items, 2) : items.length ? formatTable(header, rows(items)) : none);
}

/** Runs the sub-command named by argv[0]; bad options and unknown names become CliErrors with the usage. */
export async function runSubcommand(
  argv: string[],
  subs: Record<string, (rest: string[]) => Promise<number>>,
  usage: string,
): Promise<number> {
  const [sub, ...rest] = argv;
  const run = sub === undefined || !Object.hasOwn(subs, sub) ? undefined : subs[sub];
  try {
    if (run) return await run(rest);
  } catch (err) {
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) throw new CliError(`${(err as Error).message}\n\n${usage}`);
    throw err;
  }
  throw new CliError(`unknown sub-command '${sub ?? ''}'\n\n${usage}`);
}
