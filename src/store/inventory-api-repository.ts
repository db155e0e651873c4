/**
 * The API's reads of the inventory: assets and paths filtered, sorted and paged (list-query.ts), one
 * asset's paths and changes, and the values each enumeration filter can take (the drop-downs of the
 * page's inventory table). The routes only call these: all SQL stays in the store.
 */
import type { Asset, Path } from '../core/model.js';
import type { DB } from './database.js';
import { listPage, type Page } from './list-query.js';
import { pathFromRow, type OperationRow, type PathRow } from './rows.js';
import { assetWhere } from './asset-filter.js';

export const ASSET_SORT = { id: 'a.id', last_seen: 'a.last_seen', first_seen: 'a.first_seen', role: 'a.role' } as const;
export const PATH_SORT = { id: 'p.id', last_seen: 'p.last_seen', first_seen: 'p.first_seen', protocol: 'p.protocol' } as const;

export interface AssetListQuery {
  role?: string;
  zone?: string;
  vendor?: string;
  protocol?: string;
  sort: keyof typeof ASSET_SORT;
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  cursor?: string;
}

export interface PathListQuery {
  protocol?: string;
  operation?: string;
  asset?: string;
  zone?: string;
  from_zone?: string;
  to_zone?: string;
  transport?: 'tcp' | 'udp';
  port?: number;
  sort: keyof typeof PATH_SORT;
  order: 'asc' | 'desc';
  limit: number;
  offset?: number;
  cursor?: string;
}

export type ZonedAsset = Asset & { zone: string | null };
export type ZonedPath = Path & { fromZone: string | null; toZone: string | null; zoneStatus: string | null };

/** Every value the enumeration filters of the asset, path and finding lists can take, sorted. */
export interface AssetFacets {
  roles: string[];
  zones: string[];
  vendors: string[];
  protocols: string[];
  operations: string[];
  conduits: string[];
  rules: string[];
}

type ZonedPathRow = PathRow & { from_zone: string | null; to_zone: string | null; zone_status: string | null };

const PATH_SELECT = 'p.*, z.from_zone, z.to_zone, z.status AS zone_status';
const PATH_FROM = 'paths p LEFT JOIN path_zones z ON z.path_id = p.id';

export function assetPage(db: DB, q: AssetListQuery): Page<ZonedAsset> {
  const { where, args } = assetWhere(q);
  const page = listPage<{ data: string; zone: string | null }>(db, {
    from: 'assets a',
    select: 'a.data, (SELECT zone FROM asset_zones WHERE asset_id = a.id) AS zone',
    id: 'a.id',
    where,
    args,
    sort: ASSET_SORT[q.sort],
    desc: q.order === 'desc',
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  });
  return { ...page, items: page.items.map((r) => ({ ...(JSON.parse(r.data) as Asset), zone: r.zone })) };
}

/**
 * The drop-down values: one DISTINCT over an indexed column each (role, vendor, protocol, zone, operation,
 * conduit, rule), so the cost is that of the distinct values, not of the rows, on a plant of thousands.
 */
export function assetFacets(db: DB): AssetFacets {
  const col = (sql: string) => (db.prepare(sql).pluck().all() as (string | null)[]).filter((v): v is string => !!v);
  return {
    roles: col('SELECT DISTINCT role FROM assets ORDER BY role'),
    zones: col('SELECT DISTINCT zone FROM asset_zones ORDER BY zone'),
    vendors: col('SELECT DISTINCT vendor FROM assets WHERE vendor IS NOT NULL ORDER BY vendor'),
    protocols: col('SELECT DISTINCT protocol FROM asset_protocols ORDER BY protocol'),
    operations: col('SELECT DISTINCT operation FROM path_operations ORDER BY operation'),
    conduits: col(
      'SELECT DISTINCT conduit FROM path_conduits UNION SELECT DISTINCT conduit FROM findings WHERE conduit IS NOT NULL ORDER BY 1',
    ),
    rules: col('SELECT DISTINCT rule FROM findings ORDER BY rule'),
  };
}

function withOps(db: DB, rows: ZonedPathRow[]): ZonedPath[] {
  const getOps = db.prepare('SELECT * FROM path_operations WHERE path_id = ?');
  return rows.map((r) => ({
    ...pathFromRow(r, getOps.all(r.id) as OperationRow[]),
    fromZone: r.from_zone,
    toZone: r.to_zone,
    zoneStatus: r.zone_status,
  }));
}

export function pathPage(db: DB, q: PathListQuery): Page<ZonedPath> {
  const where: string[] = [];
  const args: unknown[] = [];
  if (q.protocol) {
    where.push('p.protocol = ?');
    args.push(q.protocol);
  }
  if (q.transport) {
    where.push('p.transport = ?');
    args.push(q.transport);
  }
  if (q.port !== undefined) {
    where.push('p.responder_port = ?');
    args.push(q.port);
  }
  // An operation filter drives the query from the (operation, path_id) index, already in id order.
  if (q.operation) {
    where.push('o.operation = ?');
    args.push(q.operation);
  }
  if (q.asset) {
    where.push('(p.initiator = ? OR p.responder = ?)');
    args.push(q.asset, q.asset);
  }
  if (q.from_zone || q.to_zone) {
    const cond = [q.from_zone && 'from_zone = ?', q.to_zone && 'to_zone = ?'].filter(Boolean).join(' AND ');
    where.push(`p.id IN (SELECT path_id FROM path_zones WHERE ${cond})`);
    if (q.from_zone) args.push(q.from_zone);
    if (q.to_zone) args.push(q.to_zone);
  }
  if (q.zone) {
    where.push('p.id IN (SELECT path_id FROM path_zones WHERE from_zone = ? UNION SELECT path_id FROM path_zones WHERE to_zone = ?)');
    args.push(q.zone, q.zone);
  }
  const byOp = q.operation !== undefined;
  const id = byOp ? 'o.path_id' : 'p.id';
  const page = listPage<ZonedPathRow>(db, {
    from: byOp ? `path_operations o JOIN ${PATH_FROM.replace('paths p', 'paths p ON p.id = o.path_id')}` : PATH_FROM,
    countFrom: byOp ? (where.length === 1 ? 'path_operations o' : 'path_operations o JOIN paths p ON p.id = o.path_id') : 'paths p',
    select: PATH_SELECT,
    id,
    where,
    args,
    sort: q.sort === 'id' ? id : PATH_SORT[q.sort],
    desc: q.order === 'desc',
    limit: q.limit,
    offset: q.offset,
    cursor: q.cursor,
  });
  return { ...page, items: withOps(db, page.items) };
}

/** What the asset page shows besides the asset: its zone, its paths (at most `limit`) and its inventory changes. */
export function assetSurroundings(
  db: DB,
  id: string,
  limit = 1000,
): { zone: string | null; paths: ZonedPath[]; changes: { ts: number; kind: string; detail: string }[] } {
  const zone = db.prepare('SELECT zone FROM asset_zones WHERE asset_id = ?').pluck().get(id) as string | undefined;
  const paths = withOps(
    db,
    db
      .prepare(
        `SELECT ${PATH_SELECT} FROM ${PATH_FROM} WHERE p.initiator = ? UNION ALL SELECT ${PATH_SELECT} FROM ${PATH_FROM} WHERE p.responder = ? AND p.initiator != ? LIMIT ?`,
      )
      .all(id, id, id, limit) as ZonedPathRow[],
  );
  const changes = db
    .prepare('SELECT ts, kind, detail FROM inventory_changes WHERE asset_id = ? ORDER BY ts, id LIMIT ?')
    .all(id, limit) as { ts: number; kind: string; detail: string }[];
  return { zone: zone ?? null, paths, changes };
}
