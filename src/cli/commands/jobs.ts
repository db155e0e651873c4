/** `otwatch jobs list|cancel`: the server's capture analysis jobs, from its database. */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { sanitize, terminalJson } from '../../core/sanitize.js';
import { StoreError, storeError } from '../../store/database.js';
import { JobsRepository, toJob } from '../../store/jobs-repository.js';
import { Store } from '../../store/store.js';
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch jobs list [--db file] [--limit n] [--json]
       otwatch jobs cancel <id> [--db file]

The capture analysis jobs of 'otwatch serve' (uploads to POST /api/v1/captures), newest first.
cancel stops a queued or running job: it is marked cancelled at once (a restart never runs it again),
a running server stops its analysis within half a second and stores nothing of it, and the upload is removed.

  --db file    the server's SQLite database (default ${DEFAULT_DB})
  --limit n    jobs listed at most (default 50)
  --json       the jobs as JSON (as GET /api/v1/captures/:id gives them)`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const jobsCommand: Command = {
  name: 'jobs',
  usage,
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { db: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
    });
    const [action, ...rest] = positionals;
    if (action !== 'list' && action !== 'cancel') throw new CliError(`expected list or cancel\n\n${usage}`);
    if (action === 'cancel' && (rest.length !== 1 || !UUID.test(rest[0]!)))
      throw new CliError(`cancel needs exactly one job id, a UUID (see 'otwatch jobs list')`);
    const limit = values.limit === undefined ? 50 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new CliError(`--limit takes a whole number of 1 or more, not ${values.limit}`);
    const db = values.db ?? DEFAULT_DB;
    let store: Store;
    try {
      store = new Store(db, action === 'list' ? { readonly: true } : { mustExist: true });
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(err.message, err.exitCode);
      throw err;
    }
    try {
      const jobs = new JobsRepository(store.db);
      if (action === 'list') {
        const list = jobs.list(limit).map(toJob);
        if (values.json) console.log(terminalJson(list, 2));
        else if (!list.length) console.log('no jobs');
        else
          for (const j of list)
            console.log(
              `${j.id}  ${j.status.padEnd(9)}  ${String(j.size).padStart(12)} B  ${String(j.progress.packets).padStart(10)} packets  created ${j.createdAt}  ${sanitize(j.error ?? '')}`.trimEnd(),
            );
        return 0;
      }
      const id = rest[0]!.toLowerCase();
      const row = jobs.row(id);
      if (!row) throw new CliError(`no job '${id}'`);
      if (!jobs.cancel(id, 'otwatch jobs cancel'))
        throw new CliError(`job '${id}' has ended already (${row.status}): nothing to cancel`, 1);
      // a running server reading it stops within its progress interval; the file goes now (an open reader keeps its handle)
      rmSync(row.file, { force: true });
      console.log(`job ${id} cancelled (it was ${row.status})`);
      return 0;
    } catch (err) {
      if (err instanceof CliError) throw err;
      const e = storeError(err, db);
      if (e instanceof StoreError) throw new CliError(e.message, e.exitCode);
      throw err;
    } finally {
      store.close();
    }
  },
};
