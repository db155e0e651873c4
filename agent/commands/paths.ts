/** `otwatch paths`: the communication paths from the database, as a table or JSON. */
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../analyze.js';
import { formatTable, PATH_HEADER, pathRows } from '../inventory/format.js';
import { StoreError } from '../store/database.js';
import { Store } from '../store/store.js';
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch paths [--db file] [--json] [--protocol p] [--operation op] [--asset id] [--limit n]

Lists the communication paths (initiator, responder, protocol, port) of the inventory database (default ${DEFAULT_DB}).

  --json            one JSON array (machine readable) instead of a table
  --protocol p      only paths of protocol p (modbus, s7comm, opcua, bacnet, http, tcp/8443, ...)
  --operation op    only paths carrying operation op (read, write, program, control, ...)
  --asset id        only paths from or to asset id
  --limit n         at most n paths`;

export const pathsCommand: Command = {
  name: 'paths',
  summary: 'list the communication paths',
  usage,
  async run(argv) {
    const values = parseArgs({
        args: argv,
        options: {
          db: { type: 'string' }, json: { type: 'boolean' }, protocol: { type: 'string' }, operation: { type: 'string' },
          asset: { type: 'string' }, limit: { type: 'string' },
        },
      }).values;
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CliError('--limit must be a positive integer');
    try {
      const store = new Store(values.db ?? DEFAULT_DB, { mustExist: true });
      try {
        const paths = store.paths({ protocol: values.protocol, operation: values.operation, asset: values.asset, limit });
        console.log(values.json ? JSON.stringify(paths, null, 2) : paths.length ? formatTable(PATH_HEADER, pathRows(paths)) : 'no paths');
      } finally {
        store.close();
      }
      return 0;
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(err.message);
      throw err;
    }
  },
};
