/** The REST API inside the live agent's process (`otwatch capture --serve`), over the same store. */
import type { Logger } from 'pino';
import { buildApp } from '../../api/app.js';
import type { TrustProxy } from '../../api/auth.js';
import { DEFAULT_HOST, DEFAULT_PORT } from '../../api/constants.js';
import type { LiveAgent } from '../../live/live-agent.js';
import { isLoopback } from './serve.js';

export interface LiveApiOptions {
  db: string;
  host?: string;
  port?: number;
  tls?: { cert: string; key: string };
  log: Logger;
  /** api.trust_proxy of the configuration, already checked (parseTrustProxy). */
  trustProxy?: TrustProxy;
}

export async function startLiveApi(agent: LiveAgent, o: LiveApiOptions): Promise<{ close(): Promise<void> }> {
  const host = o.host ?? DEFAULT_HOST;
  if (!o.tls && !isLoopback(host)) {
    o.log.warn(`listening on ${host} without TLS: tokens and data cross the network in clear text; set api.tls_cert and api.tls_key`);
  }
  const app = await buildApp({ db: o.db, tls: o.tls, logger: o.log, live: () => agent.metrics, trustProxy: o.trustProxy });
  const address = await app.listen({ host, port: o.port ?? DEFAULT_PORT });
  o.log.info(`API on ${address}/api/v1 (docs at ${address}/docs)`);
  return { close: () => app.close() };
}
