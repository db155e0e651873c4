/** Connecting to the hub's PostgreSQL: a pool, TLS when asked, an optional schema (tests and several hubs in one database). */
import { readFileSync } from 'node:fs';
import pg from 'pg';

export interface PgOptions {
  /** postgres://user@host:5432/db (sslmode in the URL works too). */
  url: string;
  /** Tables live in this schema (created when missing); `public` when absent. */
  schema?: string;
  /** TLS: the CA that signed the server's certificate (verified), and a client certificate and key. */
  tls?: { ca?: string; cert?: string; key?: string };
  max?: number;
}

export type PgPool = pg.Pool;

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** The URL's parameters that pg turns into its `ssl` option, which then replaces ours whole (the CA given as a flag would be lost). */
const URL_TLS_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'ssl', 'uselibpqcompat'] as const;

/**
 * The connection string and pg's `ssl` option. With TLS flags, the URL's TLS parameters are taken out and
 * folded in (a flag wins over the URL's file): pg applies the URL's over an explicit `ssl`, so `sslmode=verify-full`
 * in the URL would otherwise drop the CA of --pg-ca and refuse a server that CA signed.
 */
function connection(o: PgOptions): { connectionString: string; ssl: pg.ClientConfig['ssl'] } {
  if (!o.tls) return { connectionString: o.url, ssl: undefined };
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new Error('the PostgreSQL URL is not a URL (postgres://user@host:5432/db)');
  }
  const q = url.searchParams;
  if (q.get('sslmode') === 'disable')
    throw new Error('sslmode=disable in the PostgreSQL URL contradicts the TLS options (--pg-ca, --pg-cert, --pg-key)');
  const file = (flag: string | undefined, param: string) => flag ?? q.get(param) ?? undefined;
  const [ca, cert, key] = [file(o.tls.ca, 'sslrootcert'), file(o.tls.cert, 'sslcert'), file(o.tls.key, 'sslkey')];
  for (const p of URL_TLS_PARAMS) q.delete(p);
  return {
    connectionString: url.toString(),
    ssl: {
      rejectUnauthorized: true,
      ...(ca ? { ca: readFileSync(ca, 'utf8') } : {}),
      ...(cert ? { cert: readFileSync(cert, 'utf8') } : {}),
      ...(key ? { key: readFileSync(key, 'utf8') } : {}),
    },
  };
}

/** Node's codes for a server certificate that no trusted CA signed. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
]);

/** A failed connection as one line saying what to do; the original is its `cause` (and its `code` is kept). */
export function explainPgError(err: unknown): Error {
  const e = err as { code?: string; message?: string };
  const message = e?.message ?? String(err);
  let hint: string | undefined;
  if (e?.code && UNTRUSTED.has(e.code))
    hint = "the server's TLS certificate is not signed by a CA given: give its CA (--pg-ca, or sslrootcert= in the URL)";
  else if (e?.code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    hint = "the server's TLS certificate does not name the host connected to: use a name or address it carries";
  else if (/does not support SSL/i.test(message)) hint = 'the server does not accept TLS (ssl = off in its postgresql.conf)';
  else if (e?.code === '28000' && /no encryption/.test(message))
    hint = 'the server accepts only TLS: add sslmode=verify-full to the URL, or --pg-ca';
  else if (e?.code === 'ECONNREFUSED') hint = 'nothing listens there';
  if (!hint) return err instanceof Error ? err : new Error(message);
  const out = new Error(`${message}: ${hint}`, { cause: err });
  return Object.assign(out, { code: e.code });
}

export async function openPool(o: PgOptions): Promise<pg.Pool> {
  if (o.schema !== undefined && !SCHEMA.test(o.schema)) throw new Error(`schema '${o.schema}' must be lower-case letters, digits and _`);
  const { connectionString, ssl } = connection(o);
  // one connection first: a refusal (TLS, authentication, no server) is reported now, once, in words, and
  // the schema must exist before a connection names it in its search_path
  const c = new pg.Client({ connectionString, ssl });
  let connected = false;
  try {
    await c.connect();
    connected = true;
    if (o.schema) await c.query(`CREATE SCHEMA IF NOT EXISTS ${o.schema}`);
  } catch (err) {
    throw explainPgError(err);
  } finally {
    // a client whose connect failed has nothing to end
    if (connected) await c.end().catch(() => undefined);
  }
  const pool = new pg.Pool({
    connectionString,
    ssl,
    max: o.max ?? 8,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
  });
  // an idle client's error (the server restarting) must not crash the hub: the next query reconnects
  pool.on('error', () => undefined);
  return pool;
}
