/**
 * API tokens: random secrets shown once, stored only as their SHA-256 (a 256-bit random secret needs
 * no slow hash: nothing to brute-force). A token is found by its hash, so checking one costs an
 * index lookup and no secret ever sits in the database.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { DB } from './database.js';

/** Token format: prefix + base64url of 32 random bytes. The prefix lets secret scanners spot leaks. */
export const TOKEN_PREFIX = 'otw_';
export const TOKEN_BYTES = 32;
export const TOKEN_ROLES = ['viewer', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface TokenInfo {
  id: string;
  role: TokenRole;
  label: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface TokenRow {
  id: string;
  role: TokenRole;
  label: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

const info = (r: TokenRow): TokenInfo => ({
  id: r.id,
  role: r.role,
  label: r.label,
  createdAt: r.created_at,
  lastUsedAt: r.last_used_at,
  revokedAt: r.revoked_at,
});

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates a token; the secret is returned here and never again. */
export function createToken(db: DB, role: TokenRole, label?: string): { token: string; info: TokenInfo } {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  const id = randomBytes(4).toString('hex');
  db.prepare('INSERT INTO api_tokens (id, hash, role, label, created_at) VALUES (?, ?, ?, ?, ?)').run(
    id,
    hashToken(token),
    role,
    label ?? null,
    new Date().toISOString(),
  );
  return { token, info: info(db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(id) as TokenRow) };
}

export function listTokens(db: DB): TokenInfo[] {
  return (db.prepare('SELECT * FROM api_tokens ORDER BY created_at, id').all() as TokenRow[]).map(info);
}

/** Revokes a token by id; false when there is no such live token. */
export function revokeToken(db: DB, id: string): boolean {
  return (
    db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes === 1
  );
}

/** The live token a presented secret belongs to, or undefined (unknown, malformed or revoked). */
export function verifyToken(db: DB, presented: string): TokenInfo | undefined {
  if (!presented.startsWith(TOKEN_PREFIX) || presented.length > 100) return undefined;
  const row = db.prepare('SELECT * FROM api_tokens WHERE hash = ? AND revoked_at IS NULL').get(hashToken(presented)) as
    TokenRow | undefined;
  return row ? info(row) : undefined;
}

/** Records use, at most once a minute per token (a write per request would serialise readers). */
export function touchToken(db: DB, t: TokenInfo): void {
  const now = new Date();
  if (t.lastUsedAt && now.getTime() - Date.parse(t.lastUsedAt) < 60_000) return;
  db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(now.toISOString(), t.id);
}
