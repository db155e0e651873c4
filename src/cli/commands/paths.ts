/** `otwatch paths`: the communication paths from the database, as a table or JSON. */
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { PATH_HEADER, pathRows } from '../../inventory/format.js';
import type { Command } from './command.js';
import { parseLimit, printList, withStore } from './helpers.js';

const usage = `usage: otwatch paths [--db file] [--json] [--protocol p] [--operation op] [--asset id] [--limit n]

Lists the communication paths (initiator, responder, protocol, port) of the inventory database (default ${DEFAULT_DB}).

  --json            one JSON array (machine readable) instead of a table
  --protocol p      only paths of protocol p (modbus, s7comm, opcua, bacnet, http, tcp/8443, ...)
  --operation op    only paths carrying operation op (read, write, program, control, ...)
  --asset id        only paths from or to asset id
  --limit n         at most n paths`;

export const pathsCommand: Command = {
  name: 'paths',
  usage,
  async run(argv) {
    const values = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        json: { type: 'boolean' },
        protocol: { type: 'string' },
        operation: { type: 'string' },
        asset: { type: 'string' },
        limit: { type: 'string' },
      },
    }).values;
    const limit = parseLimit(values.limit);
    const paths = withStore(values.db ?? DEFAULT_DB, (s) =>
      s.paths({ protocol: values.protocol, operation: values.operation, asset: values.asset, limit }),
    );
    printList(paths, values.json, PATH_HEADER, pathRows, 'no paths');
    return 0;
  },
};
