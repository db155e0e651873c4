/**
 * Where the audit placed every asset and path: `asset_zones`, `path_zones`, `path_conduits`. The map, the zone
 * filters of every list and the report read these; only the audit writer (src/analysis/run-audit.ts) replaces them.
 */
import type { Assessment } from '../audit/assess.js';
import type { DB } from './database.js';

/** Replaces the whole placement; call inside the audit's transaction so readers never see half of one. */
export function replaceZonePlacement(db: DB, assessment: Assessment): void {
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
