/**
 * Audits the whole store against the current policy and keeps what the API filters by: findings
 * (through zoning's FindingsStore, the writer `otwatch analyze` and the live agent use too), the zone
 * of every asset and the zone pair and conduits of every path. Runs after each capture job and after
 * each policy change.
 */
import type { Asset, Path } from '../core/model.js';
import type { Store } from '../store/store.js';
import { audit } from '../audit/audit.js';
import type { Policy } from '../audit/policy-types.js';
import { FindingsStore, type StoredFinding } from '../store/findings-repository.js';

export interface AuditRunResult {
  findings: number;
  /** Findings that are new or came back (what the syslog forwarder sends). */
  opened: StoredFinding[];
  resolved: number;
  pathStatus: Record<string, number>;
}

export function auditStore(store: Store, policy: Policy, now = Date.now() / 1000): AuditRunResult {
  const assets: Asset[] = store.assets();
  const paths: Path[] = store.paths();
  const result = audit(assets, paths, policy, { now });
  const db = store.db;
  const findings = new FindingsStore(db);
  // Placement and findings in one transaction: a reader never sees the zones of one audit with the findings of another.
  const saved = db
    .transaction(() => {
      db.exec('DELETE FROM asset_zones; DELETE FROM path_zones; DELETE FROM path_conduits;');
      const putAsset = db.prepare('INSERT INTO asset_zones (asset_id, zone) VALUES (?, ?)');
      for (const [id, p] of result.assessment.placements) putAsset.run(id, p.zone);
      const putPath = db.prepare('INSERT OR REPLACE INTO path_zones (path_id, from_zone, to_zone, status) VALUES (?, ?, ?, ?)');
      const putConduit = db.prepare('INSERT OR IGNORE INTO path_conduits (conduit, path_id) VALUES (?, ?)');
      for (const a of result.assessment.paths) {
        putPath.run(a.path.id, a.from.zone, a.to.zone, a.status);
        for (const u of a.allowing.length ? a.allowing : a.uses) putConduit.run(u.conduit.id, a.path.id);
      }
      return findings.saveAnalysis(result.findings, now);
    })
    .immediate();
  return {
    findings: result.findings.length,
    opened: findings.byIds([...saved.opened, ...saved.reopened]),
    resolved: saved.resolved.length,
    pathStatus: result.pathStatus,
  };
}
