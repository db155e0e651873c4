/**
 * Where the audit placed every asset and path: `asset_zones`, `path_zones`, `path_conduits`. The map, the zone
 * filters of every list and the report read these; only the audit writer (src/analysis/run-audit.ts) replaces them.
 */
import type { Assessment } from '../audit/assess.js';
import { BULK_LOAD_MIN_ROWS, withIndexesBuiltAfter } from './bulk-load.js';
import type { DB } from './database.js';

/** Replaces the whole placement; call inside the audit's transaction so readers never see half of one. */
export function replaceZonePlacement(db: DB, assessment: Assessment): void {
  const stored = db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM asset_zones) OR EXISTS (SELECT 1 FROM path_zones) OR EXISTS (SELECT 1 FROM path_conduits),
         EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ('asset_zones', 'path_zones', 'path_conduits'))`,
    )
    .raw()
    .get() as [number, number];
  const [hadRows, publishing] = [stored[0] === 1, stored[1] === 1];
  // The first audit of a large store: the placement's indexes built once after its rows.
  if (!hadRows && db.inTransaction && assessment.paths.length >= BULK_LOAD_MIN_ROWS)
    withIndexesBuiltAfter(db, PLACEMENT_TABLES, () => writePlacement(db, assessment));
  // A publishing store's triggers record each row inserted whose placement they did not record last: every row
  // is written again, as they expect. Any other store gets only the rows that changed (an audit that places
  // everything as the last one writes nothing), the same rows in the end.
  else if (hadRows && !publishing) updatePlacement(db, assessment);
  else writePlacement(db, assessment);
}

const PLACEMENT_TABLES = ['asset_zones', 'path_zones', 'path_conduits'];

function writePlacement(db: DB, assessment: Assessment): void {
  db.exec('DELETE FROM asset_zones; DELETE FROM path_zones; DELETE FROM path_conduits;');
  const putAsset = db.prepare('INSERT INTO asset_zones (asset_id, zone) VALUES (?, ?)');
  for (const [id, p] of assessment.placements) putAsset.run(id, p.zone);
  const putPath = db.prepare('INSERT OR REPLACE INTO path_zones (path_id, from_zone, to_zone, status) VALUES (?, ?, ?, ?)');
  const putConduit = db.prepare('INSERT OR IGNORE INTO path_conduits (conduit, path_id) VALUES (?, ?)');
  for (const a of assessment.paths) {
    putPath.run(a.path.id, a.from.zone, a.to.zone, a.status);
    for (const u of a.allowing.length ? a.allowing : a.uses) putConduit.run(u.conduit.id, a.path.id);
  }
}

/** The placement writePlacement leaves, by writing the rows that differ from the stored ones only (tables WITHOUT ROWID). */
function updatePlacement(db: DB, assessment: Assessment): void {
  const assets = new Map(db.prepare('SELECT asset_id, zone FROM asset_zones').raw().all() as [string, string][]);
  const putAsset = db.prepare('INSERT OR REPLACE INTO asset_zones (asset_id, zone) VALUES (?, ?)');
  for (const [id, p] of assessment.placements) {
    if (assets.get(id) !== p.zone) putAsset.run(id, p.zone);
    assets.delete(id);
  }
  const dropAsset = db.prepare('DELETE FROM asset_zones WHERE asset_id = ?');
  for (const id of assets.keys()) dropAsset.run(id);

  // compared with what is stored by then: a path assessed twice ends with its last placement, as with writePlacement
  const storedPaths = new Map<string, string[]>();
  for (const r of db.prepare('SELECT path_id, from_zone, to_zone, status FROM path_zones').raw().all() as string[][])
    storedPaths.set(r[0], r);
  const putPath = db.prepare('INSERT OR REPLACE INTO path_zones (path_id, from_zone, to_zone, status) VALUES (?, ?, ?, ?)');
  const placed = new Set<string>();
  const conduits = new Map<string, [string, string]>();
  for (const a of assessment.paths) {
    const id = a.path.id;
    const was = storedPaths.get(id);
    if (!was || was[1] !== a.from.zone || was[2] !== a.to.zone || was[3] !== a.status) {
      putPath.run(id, a.from.zone, a.to.zone, a.status);
      storedPaths.set(id, [id, a.from.zone, a.to.zone, a.status]);
    }
    placed.add(id);
    for (const u of a.allowing.length ? a.allowing : a.uses) conduits.set(JSON.stringify([u.conduit.id, id]), [u.conduit.id, id]);
  }
  const dropPath = db.prepare('DELETE FROM path_zones WHERE path_id = ?');
  for (const id of storedPaths.keys()) if (!placed.has(id)) dropPath.run(id);

  const storedConduits = new Set(
    (db.prepare('SELECT conduit, path_id FROM path_conduits').raw().all() as string[][]).map((c) => JSON.stringify(c)),
  );
  const putConduit = db.prepare('INSERT INTO path_conduits (conduit, path_id) VALUES (?, ?)');
  for (const [key, c] of conduits) if (!storedConduits.delete(key)) putConduit.run(...c);
  const dropConduit = db.prepare('DELETE FROM path_conduits WHERE conduit = ? AND path_id = ?');
  for (const key of storedConduits) dropConduit.run(...(JSON.parse(key) as string[]));
}

/** What was observed in one zone: its assets (by role) and its paths out, in and inside. */
export interface ZoneObservation {
  assets: number;
  roles: Record<string, number>;
  pathsOut: number;
  pathsIn: number;
  pathsInside: number;
}

/** What was observed on one conduit: the paths placed on it, their packets, protocols, time span and open findings. */
export interface ConduitObservation {
  paths: number;
  packets: number;
  protocols: string[];
  firstSeen: number | null;
  lastSeen: number | null;
  findings: number;
}

/** Reads the placement per zone; prepare once, ask per zone id ('unzoned' for assets in no zone). */
export function zoneObservations(db: DB): (zone: string) => ZoneObservation {
  const byRole = db.prepare(
    'SELECT a.role, COUNT(*) AS n FROM asset_zones z JOIN assets a ON a.id = z.asset_id WHERE z.zone = ? GROUP BY a.role',
  );
  const count = (sql: string) => db.prepare(sql).pluck();
  const assets = count('SELECT COUNT(*) FROM asset_zones WHERE zone = ?');
  const out = count('SELECT COUNT(*) FROM path_zones WHERE from_zone = ? AND to_zone != from_zone');
  const into = count('SELECT COUNT(*) FROM path_zones WHERE to_zone = ? AND to_zone != from_zone');
  const inside = count('SELECT COUNT(*) FROM path_zones WHERE from_zone = ? AND to_zone = from_zone');
  return (zone) => ({
    assets: assets.get(zone) as number,
    roles: Object.fromEntries((byRole.all(zone) as { role: string; n: number }[]).map((r) => [r.role, r.n])),
    pathsOut: out.get(zone) as number,
    pathsIn: into.get(zone) as number,
    pathsInside: inside.get(zone) as number,
  });
}

/** Reads the placement per conduit; prepare once, ask per conduit id. */
export function conduitObservations(db: DB): (conduit: string) => ConduitObservation {
  const seen = db.prepare(`SELECT COUNT(*) AS paths, COALESCE(SUM(p.packets_to_responder + p.packets_to_initiator), 0) AS packets,
      GROUP_CONCAT(DISTINCT p.protocol) AS protocols, MIN(p.first_seen) AS firstSeen, MAX(p.last_seen) AS lastSeen
      FROM path_conduits c JOIN paths p ON p.id = c.path_id WHERE c.conduit = ?`);
  const findings = db.prepare("SELECT COUNT(*) FROM findings WHERE conduit = ? AND status != 'resolved'").pluck();
  return (conduit) => {
    const o = seen.get(conduit) as Omit<ConduitObservation, 'protocols' | 'findings'> & { protocols: string | null };
    return { ...o, protocols: o.protocols ? o.protocols.split(',').sort() : [], findings: findings.get(conduit) as number };
  };
}
