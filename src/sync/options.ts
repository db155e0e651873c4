/**
 * The sensor's publishing options, shared by `otwatch analyze` and `otwatch capture` (flags) and the
 * agent's configuration file (`site:` and `publish:`): one place turns them into a Publisher.
 */
import type { Logger } from 'pino';
import { Store } from '../store/store.js';
import type { NatsOptions } from './nats.js';
import type { Publisher } from './publisher.js';
import { checkPrefix, checkSite } from './subject-names.js';

/** parseArgs options: spread into a command's own. */
export const PUBLISH_FLAGS = {
  site: { type: 'string' },
  'site-name': { type: 'string' },
  publish: { type: 'string' },
  'publish-prefix': { type: 'string' },
  'publish-wait': { type: 'string' },
  'nats-creds': { type: 'string' },
  'nats-ca': { type: 'string' },
  'nats-cert': { type: 'string' },
  'nats-key': { type: 'string' },
} as const;

export const PUBLISH_USAGE = `  --site id            this sensor's site (letters, digits, - and _), with --publish
  --publish url        publish inventory, paths, findings and identities to the hub's NATS JetStream
                       (nats://host:4222 or tls://host:4222); the outbox keeps changes while it is away
  --site-name text     the site's name shown by the hub (default: the id)
  --nats-creds file    this sensor's NATS credentials (.creds); --nats-ca/--nats-cert/--nats-key for TLS
  --publish-wait s     analyze: seconds to wait for the hub's NATS before leaving changes in the outbox (default 30)`;

/** The `publish:` mapping of the configuration file. */
export interface PublishConfig {
  url: string;
  prefix?: string;
  name?: string;
  creds?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

export interface PublishSettings {
  site: string;
  name?: string;
  prefix?: string;
  nats: NatsOptions;
  waitMs: number;
}

type Flags = Partial<Record<keyof typeof PUBLISH_FLAGS, string | boolean | undefined>>;

/** undefined when not publishing; throws an Error naming the problem (the command makes it a CliError). */
export function publishSettings(flags: Flags, cfg: { site?: string; publish?: PublishConfig } = {}): PublishSettings | undefined {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const url = str(flags.publish) ?? cfg.publish?.url;
  const site = str(flags.site) ?? cfg.site;
  if (!url && !site) return undefined;
  if (!url) throw new Error('--site needs --publish nats://host:4222 (the hub to publish to)');
  if (!site) throw new Error('--publish needs --site <id> (the site this sensor watches)');
  const wait = str(flags['publish-wait']);
  const waitS = wait === undefined ? 30 : Number(wait);
  if (!(waitS >= 0 && waitS <= 86_400)) throw new Error('--publish-wait must be a number of seconds from 0 to 86400');
  const ca = str(flags['nats-ca']) ?? cfg.publish?.ca;
  const cert = str(flags['nats-cert']) ?? cfg.publish?.cert;
  const key = str(flags['nats-key']) ?? cfg.publish?.key;
  const prefix = str(flags['publish-prefix']) ?? cfg.publish?.prefix;
  return {
    site: checkSite(site),
    name: str(flags['site-name']) ?? cfg.publish?.name,
    prefix: prefix === undefined ? undefined : checkPrefix(prefix),
    nats: {
      url,
      creds: str(flags['nats-creds']) ?? cfg.publish?.creds,
      ...(ca || cert || key ? { tls: { ca, cert, key } } : {}),
    },
    waitMs: waitS * 1000,
  };
}

/** A running publisher over its own connection to the sensor's database (the live agent writes through another). */
export async function startPublisher(
  s: PublishSettings,
  dbFile: string,
  log?: Logger,
  counters?: () => Record<string, number>,
): Promise<{ publisher: Publisher; stop(waitMs?: number): Promise<number> }> {
  // the NATS client loads here, not when the command starts: an analysis that does not publish never pays for it
  const { Publisher } = await import('./publisher.js');
  const store = new Store(dbFile);
  const publisher = new Publisher({ site: s.site, name: s.name, prefix: s.prefix, nats: s.nats, db: store.db, log, counters });
  publisher.start();
  return {
    publisher,
    async stop(waitMs = 0) {
      if (waitMs > 0) await publisher.drain(waitMs);
      await publisher.stop();
      const pending = publisher.outbox.state().pending;
      store.close();
      return pending;
    },
  };
}

/**
 * Runs `fn` (an analysis) with publishing on: the site is enabled before it writes, so its changes go
 * to the outbox in its transaction; then waits up to `waitMs` for the outbox to empty. Returns what
 * `fn` returned and how many changes still wait (published by the next run).
 */
export async function withPublishing<T>(
  s: PublishSettings | undefined,
  dbFile: string,
  log: Logger | undefined,
  fn: (store: Store | undefined) => Promise<T>,
): Promise<{ result: T; published?: number; pending?: number }> {
  if (!s) return { result: await fn(undefined) };
  const { Publisher } = await import('./publisher.js');
  const store = new Store(dbFile);
  try {
    const publisher = new Publisher({ site: s.site, name: s.name, prefix: s.prefix, nats: s.nats, db: store.db, log });
    publisher.start();
    try {
      const result = await fn(store);
      publisher.kick();
      await publisher.drain(s.waitMs);
      return { result, published: publisher.counters.changes, pending: publisher.outbox.state().pending };
    } finally {
      await publisher.stop();
    }
  } finally {
    store.close();
  }
}
