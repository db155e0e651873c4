/**
 * `otwatch demo` (what `npm start` runs): the bundled plant capture analysed against its bundled policy into
 * SQLite, the inventory and findings printed, an admin token created, and the REST API served.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { analyzeCaptures } from '../../analysis/analyze-captures.js';
import { ASSET_HEADER, assetRows, formatTable } from '../../inventory/format.js';
import { pathPage } from '../../store/inventory-api-repository.js';
import { PATH_COLUMNS, pathColumns } from './paths.js';
import { auditStep } from '../../analysis/run-audit.js';
import type { Finding } from '../../audit/finding.js';
import { packageRoot } from '../../core/package-root.js';
import { buildApp } from '../../api/app.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../api/constants.js';
import { createToken } from '../../store/token-repository.js';
import { Store } from '../../store/store.js';
import { CliError, type Command } from './command.js';

export const PLANT_CAPTURE = join(packageRoot, 'fixtures/plant/plant.pcap');
export const PLANT_POLICY = join(packageRoot, 'fixtures/plant/policy.yaml');
const DEMO_DB = 'otwatch-demo.db';

const usage = `usage: otwatch demo [--db file] [--port n] [--no-serve]

Analyses the bundled plant capture (fixtures/plant/plant.pcap: Modbus, S7comm, OPC UA and BACnet between
a dozen devices in five zones, recorded from real library peers) against its zone/conduit policy
(fixtures/plant/policy.yaml) into a fresh database (default ${DEMO_DB}), prints assets, paths and
findings, creates an admin API token and serves the REST API on ${DEFAULT_HOST}:${DEFAULT_PORT}.

  --db file     the demo database (recreated)
  --port n      API port (default ${DEFAULT_PORT})
  --no-serve    stop after printing`;

export const demoCommand: Command = {
  name: 'demo',
  usage,
  async run(argv) {
    const values = parseArgs({
      args: argv,
      options: { db: { type: 'string' }, port: { type: 'string' }, 'no-serve': { type: 'boolean' } },
    }).values;
    const db = values.db ?? DEMO_DB;
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0-65535');
    if (!existsSync(PLANT_CAPTURE)) throw new CliError(`the bundled capture ${PLANT_CAPTURE} is missing`);
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });

    const report = await analyzeCaptures([PLANT_CAPTURE], { db, policy: PLANT_POLICY, audit: auditStep() });
    const findings = (report.findings ?? []) as Finding[];
    const out = process.stdout;
    out.write(`otwatch demo: ${report.stats?.packets ?? 0} packets of ${PLANT_CAPTURE}\n\n`);
    out.write(`ASSETS (${report.assets.length})\n${formatTable(ASSET_HEADER, assetRows(report.assets))}\n\n`);
    // paths as `otwatch paths` shows them: each end by address, name and zone, not by the store's 'mac:…' id
    const zoned = (() => {
      const reader = new Store(db, { mustExist: true });
      try {
        return pathPage(reader.db, { sort: 'id', order: 'asc', limit: 500 }).items;
      } finally {
        reader.close();
      }
    })();
    const byId = new Map(report.assets.map((a) => [a.id, a]));
    out.write(`PATHS (${report.paths.length})\n${formatTable(PATH_COLUMNS, pathColumns(zoned, byId))}\n\n`);
    out.write(`FINDINGS against ${PLANT_POLICY} (${findings.length})\n`);
    out.write(
      formatTable(
        ['SEVERITY', 'FINDING', 'REQUIREMENTS', 'WHAT'],
        findings.map((f) => [f.severity, f.title, f.requirements.join(' '), f.explanation]),
        110,
      ) + '\n\n',
    );
    if (values['no-serve']) return 0;

    // the analysis recorded the demo policy as the current one and placed assets and paths in its zones
    // (src/analysis/run-audit.ts); the API only needs an admin token for the curl examples
    const store = new Store(db);
    let token: string;
    try {
      token = createToken(store.db, 'admin', 'demo').token;
    } finally {
      store.close();
    }
    const log = pino({ level: process.env.OTWATCH_LOG ?? 'warn' }, pino.destination(2));
    const app = await buildApp({ db, logger: log });
    const address = await app.listen({ host: DEFAULT_HOST, port });
    out.write(
      `Plant map: ${address}/ (sign in with the token below). REST API on ${address}/api/v1 (interactive docs: ${address}/docs).\n` +
        'An admin token for this demo:\n\n' +
        `  export TOKEN=${token}\n` +
        `  curl -H "Authorization: Bearer $TOKEN" '${address}/api/v1/findings?severity=high'\n` +
        `  curl -H "Authorization: Bearer $TOKEN" '${address}/api/v1/assets?role=plc'\n` +
        `  curl -H "Authorization: Bearer $TOKEN" '${address}/api/v1/paths?protocol=s7comm'\n\n` +
        'Ctrl-C stops it.\n',
    );
    await new Promise<void>((resolve) => {
      const stop = () => void app.close().then(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
