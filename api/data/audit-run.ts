/**
 * Audits the whole store against the current policy and keeps what the API filters by: findings
 * (with their lifecycle), the zone of every asset and the zone pair and conduits of every path.
 * Runs after each capture job and after each policy change.
 */
import type { Asset, Path } from '../../agent/inventory/model.js';
import type { Store } from '../../agent/store/store.js';
import { audit } from '../../zoning/audit.js';
import type { Policy } from '../../zoning/policy-types.js';
import { FindingsStore, type StoredFinding } from './findings-store.js';

export interface AuditRunResult {
  findings: number;
  opened: StoredFinding[];
  resolved: number;
  pathStatus: Record<string, number>;
}

export function auditStore(store: Store, policy: Policy, now = Date.now() / 1000): AuditRunResult {
  const assets: Asset[] = store.assets();
  const paths: Path[] = store.paths();
  const result = audit(assets, paths, policy, { now });
  const db = store.db;
  db.transaction(() => {
    db.exec('DELETE FROM asset_zones; DELETE FROM path_zones; DELETE FROM path_conduits;');
    const putAsset = db.prepare('INSERT INTO asset_zones (asset_id, zone) VALUES (?, ?)');
    for (const [id, p] of result.assessment.placements) putAsset.run(id, p.zone);
    const putPath = db.prepare('INSERT OR REPLACE INTO path_zones (path_id, from_zone, to_zone, status) VALUES (?, ?, ?, ?)');
    const putConduit = db.prepare('INSERT OR IGNORE INTO path_conduits (conduit, path_id) VALUES (?, ?)');
    for (const a of result.assessment.paths) {
      putPath.run(a.path.id, a.from.zone, a.to.zone, a.status);
      for (const u of a.allowing.length ? a.allowing : a.uses) putConduit.run(u.conduit.id, a.path.id);
    }
  }).immediate();
  const saved = new FindingsStore(db).saveAudit(result.findings, now);
  return { findings: result.findings.length, opened: saved.opened, resolved: saved.resolved, pathStatus: result.pathStatus };
}
