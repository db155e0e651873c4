/**
 * API tokens of the hub, stored centrally in PostgreSQL: the same secrets and rules as the sensor's
 * (src/store/token-repository.ts: shown once, kept as SHA-256), so `otwatch token create --postgres URL`
 * gives a token for every site's data at the hub.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { hashToken, TOKEN_BYTES, TOKEN_PREFIX, type TokenInfo, type TokenRole } from '../token-repository.js';

function info(r: Record<string, unknown>): TokenInfo {
  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : null);
  return {
    id: r.id as string,
    role: r.role as TokenRole,
    label: (r.label as string | null) ?? null,
    createdAt: iso(r.created_at) ?? '',
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

export async function createPgToken(pool: pg.Pool, role: TokenRole, label?: string): Promise<{ token: string; info: TokenInfo }> {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  const id = randomBytes(4).toString('hex');
  const { rows } = await pool.query('INSERT INTO api_tokens (id, hash, role, label) VALUES ($1, $2, $3, $4) RETURNING *', [
    id,
    hashToken(token),
    role,
    label ?? null,
  ]);
  return { token, info: info(rows[0]) };
}

export async function listPgTokens(pool: pg.Pool): Promise<TokenInfo[]> {
  return (await pool.query('SELECT * FROM api_tokens ORDER BY created_at, id')).rows.map(info);
}

export async function revokePgToken(pool: pg.Pool, id: string): Promise<boolean> {
  return ((await pool.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id])).rowCount ?? 0) === 1;
}

export async function verifyPgToken(pool: pg.Pool, presented: string): Promise<TokenInfo | undefined> {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 100) return undefined;
  const { rows } = await pool.query('SELECT * FROM api_tokens WHERE hash = $1 AND revoked_at IS NULL', [hashToken(presented)]);
  return rows[0] ? info(rows[0]) : undefined;
}

/** Records use at most once a minute per token, as the sensor's store does. */
export async function touchPgToken(pool: pg.Pool, t: TokenInfo): Promise<void> {
  if (t.lastUsedAt && Date.now() - Date.parse(t.lastUsedAt) < 60_000) return;
  await pool.query('UPDATE api_tokens SET last_used_at = now() WHERE id = $1', [t.id]);
}
