/**
 * Connecting to NATS for a sensor (src/sync/publisher.ts) or the hub (src/hub/): credentials, TLS and
 * reconnection in one place. Connections always go outward, from the site to the centre.
 */
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type ConnectionOptions } from '@nats-io/transport-node';
import { SITE_PATTERN, checkPrefix, checkSite } from './subject-names.js';

export { SITE_PATTERN, checkPrefix, checkSite };

export interface NatsOptions {
  /** nats://host:port or tls://host:port; user:password in the URL are used as credentials. */
  url: string;
  /** A NATS .creds file (JWT + NKey seed) for this sensor or hub. */
  creds?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** TLS: a CA to trust (the server's), and a client certificate and key when the server asks for one. */
  tls?: { ca?: string; cert?: string; key?: string };
  /** The client name the server shows (otwatch-sensor-<site>, otwatch-hub). */
  name?: string;
  /** Reply subjects under this prefix: a sensor's are `_INBOX_<site>`, so its permissions can name them alone. */
  inboxPrefix?: string;
}

/** The connection options for nats.js from ours; bad URLs become errors a person can act on. */
export function natsConnectionOptions(o: NatsOptions): ConnectionOptions {
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new Error(`'${o.url}' is not a NATS URL (nats://host:4222 or tls://host:4222)`);
  }
  if (!['nats:', 'tls:'].includes(url.protocol)) throw new Error(`'${o.url}' is not a NATS URL (nats://host:4222 or tls://host:4222)`);
  const server = `${url.protocol}//${url.host}`;
  const user = o.user ?? (url.username ? decodeURIComponent(url.username) : undefined);
  const pass = o.pass ?? (url.password ? decodeURIComponent(url.password) : undefined);
  const opts: ConnectionOptions = {
    servers: server,
    name: o.name,
    // a plant's WAN link comes and goes: reconnect for ever, the outbox waits meanwhile
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    // the first connection is retried by the caller (the publisher, while it runs), so it can give up
    timeout: 5000,
    ...(o.inboxPrefix ? { inboxPrefix: o.inboxPrefix } : {}),
  };
  if (o.creds) opts.authenticator = credsAuthenticator(readFileSync(o.creds));
  else if (o.token) opts.token = o.token;
  else if (user !== undefined) {
    opts.user = user;
    opts.pass = pass;
  }
  if (o.tls || url.protocol === 'tls:') {
    opts.tls = {
      ...(o.tls?.ca ? { caFile: o.tls.ca } : {}),
      ...(o.tls?.cert ? { certFile: o.tls.cert } : {}),
      ...(o.tls?.key ? { keyFile: o.tls.key } : {}),
    };
  }
  return opts;
}

export async function natsConnect(o: NatsOptions): Promise<NatsConnection> {
  return connect(natsConnectionOptions(o));
}
