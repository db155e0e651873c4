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

export async function openPool(o: PgOptions): Promise<pg.Pool> {
  if (o.schema !== undefined && !SCHEMA.test(o.schema)) throw new Error(`schema '${o.schema}' must be lower-case letters, digits and _`);
  const ssl = o.tls
    ? {
        rejectUnauthorized: true,
        ...(o.tls.ca ? { ca: readFileSync(o.tls.ca, 'utf8') } : {}),
        ...(o.tls.cert ? { cert: readFileSync(o.tls.cert, 'utf8') } : {}),
        ...(o.tls.key ? { key: readFileSync(o.tls.key, 'utf8') } : {}),
      }
    : undefined;
  if (o.schema) {
    // the schema must exist before a connection names it in its search_path
    const c = new pg.Client({ connectionString: o.url, ssl });
    await c.connect();
    try {
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${o.schema}`);
    } finally {
      await c.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: o.url,
    ssl,
    max: o.max ?? 8,
    ...(o.schema ? { options: `-c search_path=${o.schema}` } : {}),
  });
  // an idle client's error (the server restarting) must not crash the hub: the next query reconnects
  pool.on('error', () => undefined);
  return pool;
}
