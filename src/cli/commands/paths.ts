/** `otwatch paths`: the communication paths from the database, as a table or JSON. */
import { parseArgs } from 'node:util';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import type { Asset } from '../../core/model.js';
import { terminalJson } from '../../core/sanitize.js';
import { formatTable, timeText } from '../../inventory/format.js';
import { pathPage, type ZonedPath } from '../../store/inventory-api-repository.js';
import type { Command } from './command.js';
import { parseLimit, withStore } from './helpers.js';

const usage = `usage: otwatch paths [--db file] [--json] [--protocol p] [--operation op] [--asset id] [--zone z] [--limit n]

Lists the communication paths (initiator, responder, protocol, port) of the inventory database (default ${DEFAULT_DB}):
each end by address, name and zone (zones once an audit with a policy has placed them).

  --json            one JSON array (machine readable) instead of a table
  --protocol p      only paths of protocol p (modbus, s7comm, opcua, bacnet, http, tcp/8443, ...)
  --operation op    only paths carrying operation op (read, write, program, control, ...)
  --asset id        only paths from or to asset id
  --zone z          only paths from or to zone z
  --limit n         at most n paths`;

export const PATH_COLUMNS = [
  'INITIATOR',
  'NAME',
  'ZONE',
  'RESPONDER',
  'NAME',
  'ZONE',
  'PROTOCOL',
  'PORT',
  'PKTS →/←',
  'OPERATIONS',
  'LAST SEEN',
];

/** A person reads an end by its address and name, not by the 'mac:…' id the store keys it by. */
export function pathColumns(paths: readonly ZonedPath[], assets: ReadonlyMap<string, Asset>): string[][] {
  const name = (id: string) => {
    const a = assets.get(id);
    return a?.names[0] ?? a?.identity.name?.value ?? '-';
  };
  return paths.map((p) => [
    p.initiatorIp || p.initiator,
    name(p.initiator),
    p.fromZone ?? '-',
    p.responderIp || p.responder,
    name(p.responder),
    p.toZone ?? '-',
    p.protocol,
    `${p.transport}/${p.responderPort}`,
    `${p.packetsToResponder}/${p.packetsToInitiator}`,
    Object.entries(p.operations)
      .map(([op, s]) => `${op}×${s!.count}`)
      .join(' ') || '-',
    timeText(p.lastSeen),
  ]);
}

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
        zone: { type: 'string' },
        limit: { type: 'string' },
      },
    }).values;
    const limit = parseLimit(values.limit);
    const { paths, assets } = withStore(values.db ?? DEFAULT_DB, (s) => {
      const out: ZonedPath[] = [];
      let cursor: string | undefined;
      do {
        const page = pathPage(s.db, {
          protocol: values.protocol,
          operation: values.operation,
          asset: values.asset,
          zone: values.zone,
          sort: 'id',
          order: 'asc',
          limit: Math.min(1000, (limit ?? Infinity) - out.length),
          cursor,
        });
        out.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor && (limit === undefined || out.length < limit));
      const ids = [...new Set(out.flatMap((p) => [p.initiator, p.responder]))];
      return { paths: out, assets: new Map(s.assetsById(ids).map((a) => [a.id, a])) };
    });
    if (values.json) console.log(terminalJson(paths, 2));
    else console.log(paths.length ? formatTable(PATH_COLUMNS, pathColumns(paths, assets)) : 'no paths');
    return 0;
  },
};
