/** `otwatch assets`: the asset inventory from the database, as a table or JSON. */
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { ASSET_HEADER, assetRows } from '../../inventory/format.js';
import type { Command } from './command.js';
import { parseLimit, printList, withStore } from './helpers.js';

const usage = `usage: otwatch assets [--db file] [--json] [--role r] [--vendor v] [--protocol p] [--limit n]

Lists the assets of the inventory database (default ${DEFAULT_DB}).

  --json          one JSON array (machine readable) instead of a table
  --role r        only assets of role r (plc, hmi, engineering_workstation, opcua_server, gateway, ...)
  --vendor v      only assets of vendor v (identity vendor, else MAC vendor)
  --protocol p    only assets serving or using protocol p
  --limit n       at most n assets`;

export const assetsCommand: Command = {
  name: 'assets',
  usage,
  async run(argv) {
    const values = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        json: { type: 'boolean' },
        role: { type: 'string' },
        vendor: { type: 'string' },
        protocol: { type: 'string' },
        limit: { type: 'string' },
      },
    }).values;
    const limit = parseLimit(values.limit);
    const assets = withStore(values.db ?? DEFAULT_DB, (s) =>
      s.assets({ role: values.role, vendor: values.vendor, protocol: values.protocol, limit }),
    );
    printList(assets, values.json, ASSET_HEADER, assetRows, 'no assets');
    return 0;
  },
};
