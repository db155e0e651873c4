/**
 * Every SQL statement of the hub (issue 17): ingesting changes from the sites, the per-site cursors,
 * and the API's reads with a site filter. Changes arrive in batches and are written with one statement
 * per kind and transaction (json_to_recordset of one parameter), each upsert skipping a row whose
 * stored version is as new or newer.
 */
import type pg from 'pg';
import type { Asset, Path } from '../../core/model.js';
import { SEVERITY_ORDER, type Severity } from '../../audit/constants.js';
import type { OutboxKind, IdentityRow } from '../outbox-repository.js';
import type { StoredFinding } from '../findings-repository.js';
import type { SitePolicySummary } from '../site-policy.js';
import { BadCursor, encodeCursor, type Page } from '../list-query.js';

export interface Change {
  kind: OutboxKind;
  site: string;
  id: string;
  version: number;
  data: unknown;
}

/** The hub's view of one site, kept in memory by the consumer and written with the changes it applied. */
export interface SiteState {
  id: string;
  name: string | null;
  cursor: number;
  lastHeard: Date | null;
  heartbeat: unknown;
  gaps: number;
  gapAt: Date | null;
  snapshotRequestedAt: Date | null;
  repairUntil: number | null;
}

interface Table {
  name: string;
  /** Extra columns with their SQL types, and how to read them from the entity. */
  cols: [string, string][];
  extract(data: never): unknown[];
}

/*
 * A sensor's entity is checked by NATS (its subject) but not trusted: each column takes only a value of
 * its type, else NULL, so that no message can make a statement fail and stall the consumer on it.
 */
// PostgreSQL text cannot hold NUL: taken out, or a message with one would fail its whole statement
const text = (v: unknown): string | null => (typeof v === 'string' ? v.slice(0, 1000).replace(/\u0000/g, '') : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 2 ** 31 ? v : null);
const texts = (...vs: unknown[]): string[] => [
  ...new Set(
    vs.flatMap((v) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 200).replace(/\u0000/g, '')) : [],
    ),
  ),
];
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

const TABLES: Record<OutboxKind, Table> = {
  asset: {
    name: 'assets',
    cols: [
      ['role', 'text'],
      ['vendor', 'text'],
      ['first_seen', 'float8'],
      ['last_seen', 'float8'],
      ['protocols', 'text[]'],
    ],
    extract: (a: Partial<Asset>) => [
      text(a.role),
      text(obj(obj(a.identity).vendor).value) ?? text(a.macVendor),
      num(a.firstSeen),
      num(a.lastSeen),
      texts(a.protocolsServer, a.protocolsClient),
    ],
  },
  path: {
    name: 'paths',
    cols: [
      ['initiator', 'text'],
      ['responder', 'text'],
      ['protocol', 'text'],
      ['transport', 'text'],
      ['responder_port', 'integer'],
      ['first_seen', 'float8'],
      ['last_seen', 'float8'],
      ['operations', 'text[]'],
    ],
    extract: (p: Partial<Path>) => [
      text(p.initiator),
      text(p.responder),
      text(p.protocol),
      text(p.transport),
      int(p.responderPort),
      num(p.firstSeen),
      num(p.lastSeen),
      texts(Object.keys(obj(p.operations))),
    ],
  },
  finding: {
    name: 'findings',
    cols: [
      ['rule', 'text'],
      ['severity', 'text'],
      ['severity_rank', 'integer'],
      ['status', 'text'],
      ['last_seen', 'float8'],
    ],
    extract: (f: Partial<StoredFinding>) => [
      text(f.rule),
      text(f.severity),
      Object.hasOwn(SEVERITY_ORDER, String(f.severity)) ? SEVERITY_ORDER[f.severity as Severity] : 9,
      text(f.status),
      num(obj(f.evidence).lastSeen) ?? num(f.lastDetected),
    ],
  },
  identity: {
    name: 'identities',
    cols: [['asset_id', 'text']],
    extract: (r: Partial<IdentityRow>) => [text(r.assetId)],
  },
};

/**
 * PostgreSQL refuses the escape of NUL (\u0000) anywhere in a json parameter that json_to_recordset reads, so one
 * such character in an entity would fail its whole chunk again at every redelivery. JSON.stringify writes NUL
 * only as that escape; it is taken out when it is one (an odd number of backslashes before the 'u').
 */
export function withoutNul(json: string): string {
  return json.includes('\\u0000') ? json.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1') : json;
}

/** The statement that upserts one kind's rows from a JSON array parameter. */
function upsertSql(t: Table): string {
  const cols = ['site', 'id', 'version', ...t.cols.map((c) => c[0]), 'data'];
  const types = [['site', 'text'], ['id', 'text'], ['version', 'bigint'], ...t.cols, ['data', 'json']].map(([n, ty]) => `${n} ${ty}`);
  const set = cols.slice(2).map((c) => `${c} = excluded.${c}`);
  return `INSERT INTO ${t.name} (${cols.join(', ')})
    SELECT ${cols.map((c) => (c === 'protocols' || c === 'operations' ? `COALESCE(${c}, '{}')` : c)).join(', ')}
    FROM json_to_recordset($1::json) AS u(${types.join(', ')})
    ON CONFLICT (site, id) DO UPDATE SET ${set.join(', ')} WHERE ${t.name}.version < excluded.version`;
}

/** Rows per statement (and transaction): big enough to amortise a round trip, small enough to spread over connections. */
const INGEST_CHUNK = 4000;

const UPSERT: Record<OutboxKind, string> = {
  asset: upsertSql(TABLES.asset),
  path: upsertSql(TABLES.path),
  finding: upsertSql(TABLES.finding),
  identity: upsertSql(TABLES.identity),
};

function siteRow(r: Record<string, unknown>): SiteState {
  return {
    id: r.id as string,
    name: (r.name as string | null) ?? null,
    cursor: Number(r.cursor),
    lastHeard: (r.last_heard as Date | null) ?? null,
    heartbeat: r.heartbeat ?? null,
    gaps: Number(r.gaps),
    gapAt: (r.gap_at as Date | null) ?? null,
    snapshotRequestedAt: (r.snapshot_requested_at as Date | null) ?? null,
    repairUntil: r.repair_until === null || r.repair_until === undefined ? null : Number(r.repair_until),
  };
}

export interface SiteSummary {
  id: string;
  name: string;
  assets: number;
  paths: number;
  openFindings: number;
  worstSeverity: string | null;
  lastHeard: string | null;
  stale: boolean;
  gap: boolean;
  pending: number | null;
  /** The sensor's counters from its last heartbeat (publisher's and, for a live agent, packets and flows). */
  counters: Record<string, number>;
}

export interface HubListQuery {
  site?: string;
  sort: string;
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  cursor?: string;
}

export interface HubAssetQuery extends HubListQuery {
  role?: string;
  vendor?: string;
  protocol?: string;
}
export interface HubPathQuery extends HubListQuery {
  protocol?: string;
  asset?: string;
  transport?: string;
  port?: number;
  operation?: string;
}
export interface HubFindingQuery extends HubListQuery {
  severity?: string;
  status?: string;
  rule?: string;
}

export const HUB_SORTS = {
  asset: { id: null, last_seen: 'last_seen', first_seen: 'first_seen', role: 'role' },
  path: { id: null, last_seen: 'last_seen', first_seen: 'first_seen', protocol: 'protocol' },
  finding: { severity: 'severity_rank', last_seen: 'last_seen', rule: 'rule', id: null },
} as const;

function decodeCursor(c: string): [unknown, string, string] {
  try {
    const v = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[1] === 'string') {
      const key = JSON.parse(v[1]) as unknown;
      if (Array.isArray(key) && key.length === 2 && typeof key[0] === 'string' && typeof key[1] === 'string') return [v[0], key[0], key[1]];
    }
  } catch {
    // fall through: a cursor we did not make
  }
  throw new BadCursor('cursor is not one this server returned');
}

export class HubRepository {
  constructor(readonly pool: pg.Pool) {}

  async sites(): Promise<SiteState[]> {
    // not the policy column: the consumer's state only (it reloads this after each failure)
    return (
      await this.pool.query(
        'SELECT id, name, cursor, last_heard, heartbeat, gaps, gap_at, snapshot_requested_at, repair_until FROM sites ORDER BY id',
      )
    ).rows.map(siteRow);
  }

  /**
   * Applies changes, then the sites' new state; returns the rows written (older versions than the stored
   * ones are skipped). Several versions of one entity keep the newest. The changes go in chunks of one
   * kind, each its own transaction, several at once on the pool's connections (disjoint rows: no lock
   * waits between them); the cursors are written after all committed. A failure part way leaves some
   * chunks applied and the cursors as they were: the caller does not acknowledge, the messages come again,
   * and applying them again changes nothing that is already there.
   */
  async ingest(changes: readonly Change[], sites: readonly SiteState[], parallel = 4): Promise<number> {
    const newest = new Map<string, Change>();
    for (const c of changes) {
      const key = `${c.kind}\u0000${c.site}\u0000${c.id}`;
      const had = newest.get(key);
      if (!had || had.version < c.version) newest.set(key, c);
    }
    const byKind = new Map<OutboxKind, unknown[]>();
    for (const c of newest.values()) {
      const t = TABLES[c.kind];
      const extra = c.data === null ? t.cols.map(() => null) : t.extract(c.data as never);
      const row: Record<string, unknown> = { site: c.site, id: c.id, version: c.version, data: c.data };
      t.cols.forEach(([n], i) => (row[n] = extra[i] ?? null));
      let list = byKind.get(c.kind);
      if (!list) byKind.set(c.kind, (list = []));
      list.push(row);
    }
    const chunks: [OutboxKind, unknown[]][] = [];
    for (const [kind, rows] of byKind)
      for (let i = 0; i < rows.length; i += INGEST_CHUNK) chunks.push([kind, rows.slice(i, i + INGEST_CHUNK)]);
    let written = 0;
    let next = 0;
    const worker = async () => {
      while (next < chunks.length) {
        const [kind, rows] = chunks[next++]!;
        written += (await this.pool.query(UPSERT[kind], [withoutNul(JSON.stringify(rows))])).rowCount ?? 0;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, chunks.length)) }, worker));
    if (sites.length) await this.writeSites(this.pool, sites);
    return written;
  }

  async writeSites(client: pg.PoolClient | pg.Pool, sites: readonly SiteState[]): Promise<void> {
    await client.query(
      `INSERT INTO sites (id, name, cursor, last_heard, heartbeat, gaps, gap_at, snapshot_requested_at, repair_until)
       SELECT id, name, cursor, last_heard, heartbeat, gaps, gap_at, snapshot_requested_at, repair_until
       FROM json_to_recordset($1::json) AS u(id text, name text, cursor bigint, last_heard timestamptz, heartbeat jsonb, gaps integer,
         gap_at timestamptz, snapshot_requested_at timestamptz, repair_until bigint)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, cursor = excluded.cursor, last_heard = excluded.last_heard,
         heartbeat = excluded.heartbeat, gaps = excluded.gaps, gap_at = excluded.gap_at,
         snapshot_requested_at = excluded.snapshot_requested_at, repair_until = excluded.repair_until`,
      [
        withoutNul(
          JSON.stringify(
            sites.map((s) => ({
              id: s.id,
              name: s.name,
              cursor: s.cursor,
              last_heard: s.lastHeard,
              heartbeat: s.heartbeat,
              gaps: s.gaps,
              gap_at: s.gapAt,
              snapshot_requested_at: s.snapshotRequestedAt,
              repair_until: s.repairUntil,
            })),
          ),
        ),
      ],
    );
  }

  /**
   * Each site's policy zones and conduits from its heartbeat (checked by the caller), written only when its hash
   * differs from the stored one: a heartbeat repeating it costs no write. Returns the sites whose policy changed.
   */
  async writeSitePolicies(policies: readonly { site: string; policy: SitePolicySummary }[]): Promise<string[]> {
    if (!policies.length) return [];
    const { rows } = await this.pool.query(
      `UPDATE sites s SET policy = u.policy, policy_hash = u.hash
       FROM json_to_recordset($1::json) AS u(id text, hash text, policy jsonb)
       WHERE s.id = u.id AND s.policy_hash IS DISTINCT FROM u.hash
       RETURNING s.id`,
      [withoutNul(JSON.stringify(policies.map((p) => ({ id: p.site, hash: p.policy.hash, policy: p.policy }))))],
    );
    return rows.map((r) => r.id as string);
  }

  async markSnapshotRequested(ids: readonly string[], at: Date): Promise<void> {
    await this.pool.query('UPDATE sites SET snapshot_requested_at = $2 WHERE id = ANY($1::text[])', [ids, at]);
  }

  // --- the API's reads ------------------------------------------------------------------------------

  /** Every site with its counts, worst open finding, when it was last heard and whether that is too long ago. */
  async siteSummaries(staleAfterS: number, now = new Date()): Promise<SiteSummary[]> {
    const { rows } = await this.pool.query(
      `SELECT s.id, COALESCE(s.name, s.id) AS name, s.last_heard, s.gap_at, s.heartbeat->'pending' AS pending,
         s.heartbeat->'counters' AS counters,
         (SELECT COUNT(*) FROM assets a WHERE a.site = s.id AND a.data IS NOT NULL) AS assets,
         (SELECT COUNT(*) FROM paths p WHERE p.site = s.id AND p.data IS NOT NULL) AS paths,
         (SELECT COUNT(*) FROM findings f WHERE f.site = s.id AND f.data IS NOT NULL AND f.status IN ('open', 'reopened')) AS open_findings,
         (SELECT f.severity FROM findings f WHERE f.site = s.id AND f.data IS NOT NULL AND f.status IN ('open', 'reopened')
            ORDER BY f.severity_rank LIMIT 1) AS worst
       FROM sites s ORDER BY s.id`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      assets: Number(r.assets),
      paths: Number(r.paths),
      openFindings: Number(r.open_findings),
      worstSeverity: r.worst ?? null,
      lastHeard: r.last_heard ? (r.last_heard as Date).toISOString() : null,
      stale: !r.last_heard || now.getTime() - (r.last_heard as Date).getTime() > staleAfterS * 1000,
      gap: r.gap_at !== null,
      pending: typeof r.pending === 'number' ? r.pending : null,
      // only numbers: the sensor's heartbeat is its own to fill
      counters: Object.fromEntries(
        Object.entries(typeof r.counters === 'object' && r.counters !== null ? (r.counters as Record<string, unknown>) : {})
          .filter((e): e is [string, number] => typeof e[1] === 'number')
          .slice(0, 50),
      ),
    }));
  }

  async assetPage(q: HubAssetQuery): Promise<Page<Asset & { site: string }>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    if (q.role) where.push(`role = ${arg(q.role)}`);
    if (q.vendor) where.push(`vendor = ${arg(q.vendor)}`);
    if (q.protocol) where.push(`protocols @> ARRAY[${arg(q.protocol)}]::text[]`);
    return this.page('assets', HUB_SORTS.asset[q.sort as keyof typeof HUB_SORTS.asset] ?? null, q, where, args);
  }

  async pathPage(q: HubPathQuery): Promise<Page<Path & { site: string }>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    if (q.protocol) where.push(`protocol = ${arg(q.protocol)}`);
    if (q.transport) where.push(`transport = ${arg(q.transport)}`);
    if (q.port !== undefined) where.push(`responder_port = ${arg(q.port)}`);
    if (q.operation) where.push(`operations @> ARRAY[${arg(q.operation)}]::text[]`);
    if (q.asset) {
      const a = arg(q.asset);
      where.push(`(initiator = ${a} OR responder = ${a})`);
    }
    return this.page('paths', HUB_SORTS.path[q.sort as keyof typeof HUB_SORTS.path] ?? null, q, where, args);
  }

  async findingPage(q: HubFindingQuery): Promise<Page<StoredFinding & { site: string }>> {
    const where: string[] = [];
    const args: unknown[] = [];
    const arg = (v: unknown) => `$${args.push(v)}`;
    if (q.severity) where.push(`severity = ${arg(q.severity)}`);
    if (q.status) where.push(`status = ${arg(q.status)}`);
    if (q.rule) where.push(`rule = ${arg(q.rule)}`);
    return this.page('findings', HUB_SORTS.finding[q.sort as keyof typeof HUB_SORTS.finding] ?? null, q, where, args);
  }

  /** One asset of one site with its identity history, its paths and the findings about it; undefined when unknown. */
  async assetDetail(
    site: string,
    id: string,
  ): Promise<{ asset: Asset & { site: string }; identityHistory: IdentityRow[]; paths: Path[]; findings: StoredFinding[] } | undefined> {
    const a = await this.pool.query('SELECT data FROM assets WHERE site = $1 AND id = $2 AND data IS NOT NULL', [site, id]);
    if (!a.rows[0]) return undefined;
    const [identityHistory, paths, findings] = await Promise.all([
      this.identities(site, id),
      this.pool.query(
        `SELECT data FROM paths WHERE site = $1 AND initiator = $2 AND data IS NOT NULL
         UNION ALL SELECT data FROM paths WHERE site = $1 AND responder = $2 AND initiator <> $2 AND data IS NOT NULL LIMIT 1000`,
        [site, id],
      ),
      // the asset a finding is about: its subject, or an end of one of its evidence paths (as the sensor's finding_assets)
      this.pool.query(
        `SELECT data FROM findings f WHERE f.site = $1 AND f.data IS NOT NULL AND (f.data->'subject'->>'key' = $2
           OR EXISTS (SELECT 1 FROM json_array_elements(CASE WHEN json_typeof(f.data->'evidence'->'paths') = 'array'
             THEN f.data->'evidence'->'paths' ELSE '[]'::json END) p WHERE p->>'initiator' = $2 OR p->>'responder' = $2))
         ORDER BY f.severity_rank, f.id LIMIT 500`,
        [site, id],
      ),
    ]);
    return {
      asset: { ...(a.rows[0].data as Asset), site },
      identityHistory,
      paths: paths.rows.map((r) => r.data as Path),
      findings: findings.rows.map((r) => r.data as StoredFinding),
    };
  }

  /** An identity history of one asset of one site. */
  async identities(site: string, assetId: string): Promise<IdentityRow[]> {
    const { rows } = await this.pool.query(
      'SELECT data FROM identities WHERE site = $1 AND asset_id = $2 AND data IS NOT NULL ORDER BY id',
      [site, assetId],
    );
    return rows.map((r) => r.data as IdentityRow);
  }

  /**
   * One page ordered by (sort column, site, id): a keyset cursor continues exactly, and with a site
   * filter the (site, column, id) indexes serve the page. `sort` null orders by site and id only.
   */
  private async page<T>(
    table: string,
    sort: string | null,
    q: HubListQuery,
    where: string[],
    args: unknown[],
  ): Promise<Page<T & { site: string }>> {
    const arg = (v: unknown) => `$${args.push(v)}`;
    where.unshift('data IS NOT NULL');
    if (q.site) where.unshift(`site = ${arg(q.site)}`);
    const filter = `WHERE ${where.join(' AND ')}`;
    const countArgs = [...args];
    const desc = q.order === 'desc';
    const keys = sort ? [sort, 'site', 'id'] : ['site', 'id'];
    const pageWhere = [...where];
    if (q.cursor) {
      const [v, site, id] = decodeCursor(q.cursor);
      const values = sort ? [v, site, id] : [site, id];
      pageWhere.push(`(${keys.join(', ')}) ${desc ? '<' : '>'} (${values.map((x) => arg(x)).join(', ')})`);
    }
    const dir = desc ? 'DESC' : 'ASC';
    const offset = q.cursor ? 0 : (q.offset ?? 0);
    const sql = `SELECT site, id, data, ${sort ?? 'NULL'} AS _sort FROM ${table} WHERE ${pageWhere.join(' AND ')}
      ORDER BY ${keys.map((k) => `${k} ${dir}`).join(', ')} LIMIT ${arg(q.limit + 1)} OFFSET ${arg(offset)}`;
    const [rows, total] = await Promise.all([
      this.pool.query(sql, args),
      this.pool.query(`SELECT COUNT(*) AS n FROM ${table} ${filter}`, countArgs),
    ]);
    const more = rows.rows.length > q.limit;
    const items = more ? rows.rows.slice(0, q.limit) : rows.rows;
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({ ...(r.data as T), site: r.site as string })),
      total: Number(total.rows[0].n),
      limit: q.limit,
      offset,
      nextCursor: more && last ? encodeCursor(last._sort, JSON.stringify([last.site, last.id])) : null,
    };
  }
}
