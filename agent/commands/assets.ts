/** `otwatch assets`: the asset inventory from the database, as a table or JSON. */
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../analyze.js';
import { ASSET_HEADER, assetRows, formatTable } from '../inventory/format.js';
import { StoreError } from '../store/database.js';
import { Store } from '../store/store.js';
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch assets [--db file] [--json] [--role r] [--vendor v] [--protocol p] [--limit n]

Lists the assets of the inventory database (default ${DEFAULT_DB}).

  --json          one JSON array (machine readable) instead of a table
  --role r        only assets of role r (plc, hmi, engineering_workstation, opcua_server, gateway, ...)
  --vendor v      only assets of vendor v (identity vendor, else MAC vendor)
  --protocol p    only assets serving or using protocol p
  --limit n       at most n assets`;

export const assetsCommand: Command = {
  name: 'assets',
  summary: 'list the asset inventory',
  usage,
  async run(argv) {
    const values = parseArgs({
        args: argv,
        options: {
          db: { type: 'string' }, json: { type: 'boolean' }, role: { type: 'string' }, vendor: { type: 'string' },
          protocol: { type: 'string' }, limit: { type: 'string' },
        },
      }).values;
    const limit = values.limit === undefined ? undefined : Number(values.limit);
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new CliError('--limit must be a positive integer');
    try {
      const store = new Store(values.db ?? DEFAULT_DB, { mustExist: true });
      try {
        const assets = store.assets({ role: values.role, vendor: values.vendor, protocol: values.protocol, limit });
        console.log(values.json ? JSON.stringify(assets, null, 2) : assets.length ? formatTable(ASSET_HEADER, assetRows(assets)) : 'no assets');
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
