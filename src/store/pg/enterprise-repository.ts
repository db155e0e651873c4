/**
 * Every SQL statement of the hub's enterprise audit (issue 17): the enterprise policy it runs with, the
 * paths it reads at start (their ends first, whole only when they cross sites), and the enterprise findings
 * with their lifecycle: a finding seen again stays open (first seen kept, last seen moved); one no longer
 * produced is resolved, with why (the traffic is gone, or a new policy allows it); one produced again after
 * that is reopened and counted.
 */
import type pg from 'pg';
import type { Path } from '../../core/model.js';
import { SEVERITY_ORDER } from '../../audit/constants.js';
import type { EnterprisePolicySummary } from '../../audit/enterprise-policy.js';
import type { EnterpriseFinding } from '../../audit/enterprise-rules.js';
import { withoutNul } from './hub-repository.js';
import { BadCursor, type Page } from '../list-query.js';

export type Resolution = 'traffic' | 'policy';

export interface StoredEnterpriseFinding extends EnterpriseFinding {
  status: 'open' | 'resolved';
  firstSeen: string;
  lastSeen: string;
  resolvedAt: string | null;
  resolution: Resolution | null;
  reopened: number;
  policyHash: string;
}

export interface EnterpriseFindingQuery {
  severity?: string;
  status?: 'open' | 'resolved';
  site?: string;
  rule?: string;
  limit: number;
  offset?: number;
  cursor?: string;
}

export interface EnterpriseEvaluation {
  /** Paths the hub holds in memory as crossing sites. */
  interSitePaths: number;
  findings: number;
  opened: number;
  resolved: number;
  /** Milliseconds of the rules, and of the whole evaluation with PostgreSQL. */
  auditMs: number;
  totalMs: number;
}

export interface StoredEnterprisePolicy {
  hash: string;
  summary: EnterprisePolicySummary;
  loadedAt: string;
  evaluatedAt: string | null;
  evaluation: EnterpriseEvaluation | null;
}

/** A path's key and ends: what the start-up scan reads of every path (the whole row only for those that cross). */
export interface PathEnds {
  site: string;
  id: string;
  initiatorIp: string | null;
  responderIp: string | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * jsonb refuses a lone UTF-16 surrogate (\ud800 with no partner), which a device's string can carry into a
 * finding's evidence; the whole evaluation's transaction would fail at every try. JSON.stringify writes a
 * surrogate as an escape only when it is alone (pairs go out as characters), so each such escape (after an
 * even number of backslashes: not the text '\\ud800') becomes U+FFFD, and NUL goes as in the hub's ingest.
 */
export function jsonbSafe(json: string): string {
  const out = json.includes('\\u') ? json.replace(/(?<!\\)((?:\\\\)*)\\u[dD][89a-fA-F][0-9a-fA-F]{2}/g, '$1\\ufffd') : json;
  return withoutNul(out);
}

function decodeCursor(c: string): [number, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && Number.isInteger(v[0]) && typeof v[1] === 'string') return [v[0] as number, v[1]];
  } catch {
    // fall through: a cursor we did not make
  }
  throw new BadCursor('cursor is not one this server returned');
}

export class EnterpriseRepository {
  constructor(readonly pool: pg.Pool) {}

  /** Records the policy the hub runs with; returns the hash of the one before (null the first time). */
  async setPolicy(hash: string, summary: EnterprisePolicySummary): Promise<string | null> {
    const before = await this.pool.query('SELECT hash FROM enterprise_policy WHERE id = 1');
    await this.pool.query(
      `INSERT INTO enterprise_policy (id, hash, name, summary, loaded_at) VALUES (1, $1, $2, $3, now())
       ON CONFLICT (id) DO UPDATE SET hash = EXCLUDED.hash, name = EXCLUDED.name, summary = EXCLUDED.summary, loaded_at = now()`,
      [hash, summary.name, jsonbSafe(JSON.stringify(summary))],
    );
    return (before.rows[0]?.hash as string | undefined) ?? null;
  }

  async policy(): Promise<StoredEnterprisePolicy | undefined> {
    const r = (await this.pool.query('SELECT * FROM enterprise_policy WHERE id = 1')).rows[0];
    if (!r) return undefined;
    return {
      hash: r.hash,
      summary: r.summary,
      loadedAt: iso(r.loaded_at)!,
      evaluatedAt: iso(r.evaluated_at),
      evaluation: r.evaluation ?? null,
    };
  }

  /** The sites that hold paths. */
  async pathSites(): Promise<string[]> {
    // a skip scan over the primary key (site, id): one index probe per site, not a pass over every row
    const r = await this.pool.query(
      `WITH RECURSIVE s AS (
         (SELECT site FROM paths ORDER BY site LIMIT 1)
         UNION ALL
         SELECT (SELECT p.site FROM paths p WHERE p.site > s.site ORDER BY p.site LIMIT 1) FROM s WHERE s.site IS NOT NULL)
       SELECT site FROM s WHERE site IS NOT NULL`,
    );
    return r.rows.map((x) => x.site as string);
  }

  /** One page of a site's live paths' ends, in id order after `afterId`. */
  async pathEnds(site: string, afterId: string | undefined, limit: number): Promise<PathEnds[]> {
    const r = await this.pool.query(
      `SELECT id, data->>'initiatorIp' AS i, data->>'responderIp' AS r FROM paths
       WHERE site = $1 AND data IS NOT NULL ${afterId === undefined ? '' : 'AND id > $3'} ORDER BY id LIMIT $2`,
      afterId === undefined ? [site, limit] : [site, limit, afterId],
    );
    return r.rows.map((x) => ({ site, id: x.id, initiatorIp: x.i, responderIp: x.r }));
  }

  /** The whole rows of these paths (with their version). */
  async paths(keys: readonly { site: string; id: string }[]): Promise<{ site: string; id: string; version: number; path: Path }[]> {
    if (!keys.length) return [];
    const r = await this.pool.query(
      `SELECT p.site, p.id, p.version, p.data FROM paths p
       JOIN unnest($1::text[], $2::text[]) AS k(site, id) ON p.site = k.site AND p.id = k.id
       WHERE p.data IS NOT NULL`,
      [keys.map((k) => k.site), keys.map((k) => k.id)],
    );
    return r.rows.map((x) => ({ site: x.site, id: x.id, version: Number(x.version), path: x.data as Path }));
  }

  /**
   * The findings of one evaluation, in one transaction: each upserted open (reopened when it was resolved),
   * every open one not among them resolved with `resolution`.
   */
  async sync(
    findings: readonly EnterpriseFinding[],
    policyHash: string,
    resolution: Resolution,
    now = new Date(),
  ): Promise<{ opened: number; resolved: number }> {
    const rows = findings.map((f) => ({
      id: f.id,
      rule: f.rule,
      severity: f.severity,
      severity_rank: SEVERITY_ORDER[f.severity],
      sites: f.sites,
      observed_at: f.observedAt,
      data: f,
    }));
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      // rows that were not open before this upsert: new ones, and resolved ones coming back
      const up = await c.query(
        `WITH input AS (
           SELECT * FROM jsonb_to_recordset($1::jsonb)
             AS x(id text, rule text, severity text, severity_rank integer, sites text[], observed_at text[], data jsonb)),
         before AS (SELECT e.id, e.status FROM enterprise_findings e JOIN input USING (id))
         INSERT INTO enterprise_findings AS e (id, rule, severity, severity_rank, status, sites, observed_at, policy_hash, first_seen, last_seen, data)
         SELECT id, rule, severity, severity_rank, 'open', sites, observed_at, $2, $3, $3, data FROM input
         ON CONFLICT (id) DO UPDATE SET
           rule = EXCLUDED.rule, severity = EXCLUDED.severity, severity_rank = EXCLUDED.severity_rank, status = 'open',
           sites = EXCLUDED.sites, observed_at = EXCLUDED.observed_at, policy_hash = EXCLUDED.policy_hash,
           last_seen = EXCLUDED.last_seen, resolved_at = NULL, resolution = NULL, data = EXCLUDED.data,
           reopened = e.reopened + CASE WHEN e.status = 'resolved' THEN 1 ELSE 0 END
         RETURNING (SELECT b.status FROM before b WHERE b.id = e.id) AS was`,
        [jsonbSafe(JSON.stringify(rows)), policyHash, now],
      );
      const opened = up.rows.filter((r) => r.was !== 'open').length;
      const resolved = await c.query(
        `UPDATE enterprise_findings SET status = 'resolved', resolved_at = $1, resolution = $2
         WHERE status = 'open' AND NOT (id = ANY($3::text[]))`,
        [now, resolution, findings.map((f) => f.id)],
      );
      await c.query('COMMIT');
      return { opened, resolved: resolved.rowCount ?? 0 };
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async recordEvaluation(e: EnterpriseEvaluation, at = new Date()): Promise<void> {
    await this.pool.query('UPDATE enterprise_policy SET evaluated_at = $1, evaluation = $2 WHERE id = 1', [at, JSON.stringify(e)]);
  }

  /** One page, most severe first (then id); a keyset cursor continues exactly. */
  async findingPage(q: EnterpriseFindingQuery): Promise<Page<StoredEnterpriseFinding>> {
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    const where: string[] = [];
    if (q.severity) where.push(`severity = ${arg(q.severity)}`);
    if (q.status) where.push(`status = ${arg(q.status)}`);
    if (q.rule) where.push(`rule = ${arg(q.rule)}`);
    if (q.site) where.push(`(${arg(q.site)} = ANY(sites) OR $${args.length} = ANY(observed_at))`);
    const countArgs = [...args];
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const pageWhere = [...where];
    if (q.cursor) {
      const [rank, id] = decodeCursor(q.cursor);
      pageWhere.push(`(severity_rank, id) > (${arg(rank)}, ${arg(id)})`);
    }
    const offset = q.cursor ? 0 : (q.offset ?? 0);
    const [rows, total] = await Promise.all([
      this.pool.query(
        `SELECT * FROM enterprise_findings ${pageWhere.length ? `WHERE ${pageWhere.join(' AND ')}` : ''}
         ORDER BY severity_rank, id LIMIT ${arg(q.limit + 1)} OFFSET ${arg(offset)}`,
        args,
      ),
      this.pool.query(`SELECT COUNT(*) AS n FROM enterprise_findings ${filter}`, countArgs),
    ]);
    const more = rows.rows.length > q.limit;
    const items = more ? rows.rows.slice(0, q.limit) : rows.rows;
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        ...(r.data as EnterpriseFinding),
        status: r.status,
        firstSeen: iso(r.first_seen)!,
        lastSeen: iso(r.last_seen)!,
        resolvedAt: iso(r.resolved_at),
        resolution: r.resolution,
        reopened: r.reopened,
        policyHash: r.policy_hash,
      })),
      total: Number(total.rows[0].n),
      limit: q.limit,
      offset,
      nextCursor: more && last ? Buffer.from(JSON.stringify([last.severity_rank, last.id])).toString('base64url') : null,
    };
  }
}
