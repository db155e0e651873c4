/** `otwatch serve`: the REST API over the inventory database. */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { buildApp } from '../../api/app.js';
import { parseTrustProxy } from '../../api/auth.js';
import { DEFAULT_HOST, DEFAULT_PORT, DEFAULT_UPLOAD_LIMIT } from '../../api/constants.js';
import { loadPolicyFile, formatPolicyError } from '../../audit/policy-load.js';
import { readFileSync } from 'node:fs';
import { DEFAULT_DB } from '../../analysis/analyze-captures.js';
import { StoreError } from '../../store/database.js';
import { DEFAULT_GUNZIP_BOUND } from '../../capture/index.js';
import { CliError, type Command } from './command.js';

const usage = `usage: otwatch serve [--db file] [--host 127.0.0.1] [--port 8080] [--tls-cert file --tls-key file]
                     [--policy file] [--upload-limit bytes] [--upload-dir dir]
                     [--gunzip-max-ratio n] [--gunzip-max-bytes n] [--syslog udp://host:514] [--public-docs]
                     [--trust-proxy addrs|true]

Serves the REST API (/api/v1, docs at /docs) over the inventory database. Every route but /health
needs a bearer token: create one with 'otwatch token create --role admin --db <file>'.

  --db file            SQLite database (default ${DEFAULT_DB})
  --host addr          listen address (default ${DEFAULT_HOST}; a non-loopback one without TLS prints a warning)
  --port n             TCP port (default ${DEFAULT_PORT})
  --tls-cert/--tls-key PEM certificate and key: serve HTTPS
  --policy file        store this zone/conduit policy as the current one at start (refused with line:col errors when invalid)
  --upload-limit n     largest capture upload in bytes (default ${DEFAULT_UPLOAD_LIMIT}, 2 GiB)
  --upload-dir dir     where uploads wait for analysis (default: <db>.uploads next to the database)
  --gunzip-max-ratio n a gzip upload expanding more than n times (past 16 MiB) fails its job as a bomb (default ${DEFAULT_GUNZIP_BOUND.ratio})
  --gunzip-max-bytes n a gzip upload expanding past n bytes fails its job (default ${DEFAULT_GUNZIP_BOUND.bytes}, 64 GiB)
  --syslog url         forward new findings as RFC 5424 + CEF: udp://host:port or tcp://host:port
  --public-docs        serve /docs without a token (the API description only)
  --trust-proxy v      behind a reverse proxy: take the client address (and https) from X-Forwarded-For/-Proto
                       sent by the proxy at these addresses/CIDRs (comma-separated; loopback for one on this
                       host), or (true) by anyone; without it every client is the proxy's address, and the
                       failed-login limit would count all of them as one`;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

export const serveCommand: Command = {
  name: 'serve',
  usage,
  async run(argv) {
    const values = parseArgs({
      args: argv,
      options: {
        db: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        policy: { type: 'string' },
        'upload-limit': { type: 'string' },
        'upload-dir': { type: 'string' },
        'gunzip-max-ratio': { type: 'string' },
        'gunzip-max-bytes': { type: 'string' },
        syslog: { type: 'string' },
        'public-docs': { type: 'boolean' },
        'trust-proxy': { type: 'string' },
      },
    }).values;
    const trustProxy = values['trust-proxy'] === undefined ? undefined : parseTrustProxy(values['trust-proxy']);
    if (typeof trustProxy === 'object' && 'error' in trustProxy) throw new CliError(`--trust-proxy: ${trustProxy.error}`);
    const host = values.host ?? DEFAULT_HOST;
    const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CliError('--port must be 0-65535');
    const uploadLimit = values['upload-limit'] === undefined ? undefined : Number(values['upload-limit']);
    if (uploadLimit !== undefined && !(Number.isInteger(uploadLimit) && uploadLimit > 0))
      throw new CliError('--upload-limit must be a positive number of bytes');
    const ratio = Number(values['gunzip-max-ratio'] ?? DEFAULT_GUNZIP_BOUND.ratio);
    if (!(Number.isFinite(ratio) && ratio >= 1)) throw new CliError('--gunzip-max-ratio must be a number of 1 or more');
    const maxBytes = Number(values['gunzip-max-bytes'] ?? DEFAULT_GUNZIP_BOUND.bytes);
    if (!(Number.isSafeInteger(maxBytes) && maxBytes > 0)) throw new CliError('--gunzip-max-bytes must be a positive number of bytes');
    if (!!values['tls-cert'] !== !!values['tls-key']) throw new CliError('--tls-cert and --tls-key go together');
    const tls = values['tls-cert'] ? { cert: values['tls-cert'], key: values['tls-key']! } : undefined;
    if (!tls && !isLoopback(host)) {
      console.error(
        `otwatch serve: WARNING: listening on ${host} without TLS: tokens and data cross the network in clear text; give --tls-cert and --tls-key`,
      );
    }
    let policyText: string | undefined;
    if (values.policy) {
      const r = await loadPolicyFile(values.policy);
      if (!r.ok) throw new CliError(`policy refused:\n${r.errors.map(formatPolicyError).join('\n')}`);
      policyText = readFileSync(values.policy, 'utf8');
    }
    const log = pino({ level: process.env.OTWATCH_LOG ?? 'info' }, pino.destination(2));
    let app;
    try {
      app = await buildApp({
        db: values.db ?? DEFAULT_DB,
        uploadLimit,
        uploadDir: values['upload-dir'],
        gunzipBound: { ratio, bytes: maxBytes },
        syslog: values.syslog,
        publicDocs: values['public-docs'],
        tls,
        logger: log,
        trustProxy,
      });
    } catch (err) {
      if (err instanceof StoreError) throw new CliError(err.message, err.exitCode); // a damaged store: serve does not start
      if (err instanceof Error && /syslog target/.test(err.message)) throw new CliError(err.message);
      throw err;
    }
    const ctx = app.otwatch;
    if (policyText !== undefined && ctx.policies.current()?.text !== policyText) {
      ctx.policies.put(policyText, `file:${values.policy}`);
      ctx.reaudit();
    }
    const address = await app.listen({ host, port });
    console.error(`otwatch serve: listening on ${address} (docs at ${address}/docs)`);
    await new Promise<void>((resolve) => {
      const stop = () => void app.close().then(() => resolve());
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  },
};
