/** `otwatch hub`: the central side of remote sites (issue 17): JetStream → PostgreSQL, and the API over every site. */
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadEnterprisePolicyFile } from '../../audit/enterprise-policy.js';
import { formatPolicyError } from '../../audit/policy-load.js';
import { Hub } from '../../hub/hub.js';
import { CliError, type Command } from './command.js';
import { isLoopback } from './serve.js';

const usage = `usage: otwatch hub --nats <url> --postgres <url> [--serve [--host addr] [--port n] [--tls-cert file --tls-key file]]
                   [--nats-creds file] [--nats-ca file] [--nats-cert file --nats-key file]
                   [--pg-ca file] [--pg-cert file --pg-key file] [--pg-schema name]
                   [--stream name] [--durable name] [--prefix otwatch] [--enterprise-policy file.yaml]

Consumes every site's changes from NATS JetStream (one durable consumer, acknowledged only after
PostgreSQL committed) into PostgreSQL, keyed by site; asks a sensor for a snapshot when a gap shows.
With --serve, serves the API (/api/v1, with a site filter on every list, and /api/v1/sites) from
PostgreSQL; tokens: otwatch token create --role viewer --postgres <url>.

  --nats url           nats://host:4222 or tls://host:4222 (user:password in the URL, or --nats-creds)
  --postgres url       postgres://user@host:5432/db (sslmode=verify-full in the URL, or --pg-ca)
  --pg-schema name     tables in this schema (default: public)
  --stream name        JetStream stream (default OTWATCH), created or updated with the sites' subjects
  --durable name       durable consumer (default otwatch-hub); run one hub per consumer
  --prefix p           subject prefix (default otwatch): sensors publish to <p>.<site>.<kind>
  --enterprise-policy f
                       the enterprise policy (YAML: sites with their address ranges, conduits between them;
                       sample fixtures/policies/enterprise.yaml): paths that cross from one site into another
                       are judged against it after each ingest; findings at /api/v1/enterprise/findings.
                       A malformed file stops the hub (exit 2) with file:line:column for each error.
                       SIGHUP reads the file again: a valid one replaces the policy, a malformed one is
                       logged and the current policy kept
  --stale-after s      a site not heard from for s seconds is stale (default 60)
  --serve              serve the API (--host, default 127.0.0.1; --port, default 8080)
  --tls-cert/--tls-key PEM certificate and key: serve HTTPS (a non-loopback --host without them prints a warning)`;

export const hubCommand: Command = {
  name: 'hub',
  usage,
  async run(argv) {
    const values = parseArgs({
      args: argv,
      options: {
        nats: { type: 'string' },
        postgres: { type: 'string' },
        'nats-creds': { type: 'string' },
        'nats-ca': { type: 'string' },
        'nats-cert': { type: 'string' },
        'nats-key': { type: 'string' },
        'pg-ca': { type: 'string' },
        'pg-cert': { type: 'string' },
        'pg-key': { type: 'string' },
        'pg-schema': { type: 'string' },
        stream: { type: 'string' },
        durable: { type: 'string' },
        prefix: { type: 'string' },
        'stale-after': { type: 'string' },
        'enterprise-policy': { type: 'string' },
        serve: { type: 'boolean' },
        host: { type: 'string' },
        port: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
      },
    }).values;
    if (!values.nats || !values.postgres) throw new CliError(`--nats and --postgres are both needed\n\n${usage}`);
    const staleAfter = values['stale-after'] === undefined ? 60 : Number(values['stale-after']);
    if (!(staleAfter > 0)) throw new CliError('--stale-after must be a positive number of seconds');
    const port = values.port === undefined ? 8080 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0 to 65535');
    if (!!values['tls-cert'] !== !!values['tls-key']) throw new CliError('--tls-cert and --tls-key go together');
    const host = values.host ?? '127.0.0.1';
    const https = values['tls-cert'] ? { cert: values['tls-cert'], key: values['tls-key']! } : undefined;
    if (values.serve && !https && !isLoopback(host))
      console.error(
        `otwatch hub: WARNING: serving on ${host} without TLS: tokens and data cross the network in clear text; give --tls-cert and --tls-key`,
      );
    let enterprisePolicy;
    if (values['enterprise-policy'] !== undefined) {
      const r = await loadEnterprisePolicyFile(values['enterprise-policy']);
      if (!r.ok) {
        for (const e of r.errors) console.error(formatPolicyError(e));
        throw new CliError(`${values['enterprise-policy']}: ${r.errors.length} error(s), enterprise policy not loaded`);
      }
      enterprisePolicy = r.policy;
    }
    const log = pino({ level: process.env.OTWATCH_LOG ?? 'info', base: { service: 'otwatch-hub' } }, pino.destination(2));
    const tls = (ca?: string, cert?: string, key?: string) => (ca || cert || key ? { ca, cert, key } : undefined);
    const pgOptions = {
      url: values.postgres,
      schema: values['pg-schema'],
      tls: tls(values['pg-ca'], values['pg-cert'], values['pg-key']),
    };
    let hub: Hub;
    try {
      hub = new Hub({
        nats: {
          url: values.nats,
          creds: values['nats-creds'],
          tls: tls(values['nats-ca'], values['nats-cert'], values['nats-key']),
        },
        pg: pgOptions,
        stream: values.stream,
        durable: values.durable,
        prefix: values.prefix,
        enterprisePolicy,
        log,
      });
      await hub.start();
    } catch (err) {
      throw new CliError(`cannot start the hub: ${(err as Error).message}`);
    }
    let api: { close(): Promise<unknown> } | undefined;
    if (values.serve) {
      const { buildHubApp } = await import('../../api/hub-app.js');
      const app = await buildHubApp({ pool: hub.repo!.pool, staleAfterS: staleAfter, logger: log, hub, https });
      await app.listen({ host, port });
      log.info({ address: app.server.address() }, 'hub API listening');
      api = app;
    }
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        log.info(`${signal}: stopping`);
        const force = setTimeout(() => process.exit(1), 10_000);
        force.unref();
        void (async () => {
          await api?.close().catch(() => undefined);
          await hub.stop().catch(() => undefined);
          resolve();
        })();
      };
      const policyFile = values['enterprise-policy'];
      if (policyFile !== undefined)
        process.on('SIGHUP', () => {
          void (async () => {
            const r = await loadEnterprisePolicyFile(policyFile);
            if (!r.ok) {
              log.error({ errors: r.errors.map(formatPolicyError) }, 'SIGHUP: the enterprise policy has errors; the current one is kept');
              return;
            }
            await hub.replaceEnterprisePolicy(r.policy);
            log.info({ policy: policyFile, hash: r.policy.hash }, 'SIGHUP: enterprise policy replaced');
          })().catch((err: Error) => log.error({ err: err.message }, 'SIGHUP: cannot replace the enterprise policy'));
        });
      process.once('SIGTERM', () => shutdown('SIGTERM'));
      process.once('SIGINT', () => shutdown('SIGINT'));
    });
    return 0;
  },
};

/**
 * `otwatch token create|list|revoke --postgres URL`: the hub's tokens, stored centrally (src/cli/commands/token.ts
 * hands over here when --postgres is given).
 */
export async function pgTokenCommand(
  action: 'create' | 'list' | 'revoke',
  values: {
    postgres: string;
    'pg-schema'?: string;
    'pg-ca'?: string;
    'pg-cert'?: string;
    'pg-key'?: string;
    role?: string;
    name?: string;
    json?: boolean;
  },
  id?: string,
): Promise<number> {
  const { openPool } = await import('../../store/pg/pool.js');
  const { migratePg } = await import('../../store/pg/migrations.js');
  const { createPgToken, listPgTokens, revokePgToken } = await import('../../store/pg/token-repository.js');
  let pool;
  try {
    const [ca, cert, key] = [values['pg-ca'], values['pg-cert'], values['pg-key']];
    if (!!cert !== !!key) throw new Error('--pg-cert and --pg-key go together');
    pool = await openPool({ url: values.postgres, schema: values['pg-schema'], tls: ca || cert ? { ca, cert, key } : undefined });
    await migratePg(pool);
  } catch (err) {
    await pool?.end().catch(() => undefined);
    throw new CliError(`cannot open the hub database: ${(err as Error).message}`);
  }
  try {
    if (action === 'create') {
      const { token, info } = await createPgToken(pool, values.role as 'viewer' | 'admin', values.name);
      console.error(`token ${info.id} (${info.role}) created in the hub database; it is shown once, store it now:`);
      console.log(token);
    } else if (action === 'list') {
      const tokens = await listPgTokens(pool);
      if (values.json) console.log(JSON.stringify(tokens, null, 2));
      else if (!tokens.length) console.log('no tokens');
      else
        for (const t of tokens)
          console.log(
            `${t.id}  ${t.role.padEnd(6)}  ${t.revokedAt ? 'revoked ' + t.revokedAt : 'active'}  created ${t.createdAt}  ${t.label ?? ''}`.trimEnd(),
          );
    } else {
      if (!(await revokePgToken(pool, id!))) throw new CliError(`no active token '${id}'`);
      console.log(`token ${id} revoked`);
    }
    return 0;
  } finally {
    await pool.end().catch(() => undefined);
  }
}
