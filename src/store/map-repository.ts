/**
 * What the plant map reads (src/report/map-view.ts aggregates it, GET /api/v1/map* serve it): every asset with
 * its zone, every path with its zone pair, verdict, operations and conduits, and the live boundary findings, in
 * flat rows and small typed arrays, read in a handful of statements. The rows are kept until what they hold
 * changes (version() below), so that a filter change or an opened zone costs an aggregation over memory, not
 * a read of 20,000 paths.
 */
import type { DB } from './database.js';
import { vulnerabilityCounts } from './vulnerability-repository.js';

export interface MapAssetRow {
  id: string;
  label: string;
  ips: string[];
  role: string;
  zone: string;
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  /** Known vulnerabilities of the asset when the inventory carries them (undefined: not assessed). */
  vulnerabilities?: number;
  firstSeen: number;
  lastSeen: number;
}

export interface MapPathRows {
  ids: string[];
  /** Index into MapRows.assets of each end (-1: not an asset row). */
  initiator: Int32Array;
  responder: Int32Array;
  /** Index into MapRows.protocols. */
  protocol: Uint16Array;
  transport: string[];
  port: Uint16Array;
  packets: Float64Array;
  firstSeen: Float64Array;
  lastSeen: Float64Array;
  /** Index into MapRows.zoneIds of each end's zone. */
  fromZone: Uint16Array;
  toZone: Uint16Array;
  /** The audit's verdict ('allowed', 'no_conduit', ...; '' before any audit). */
  status: string[];
  /** Bit i set: the path carried MapRows.operations[i]. */
  ops: Uint32Array;
  /** Initiator and responder ids of the paths whose ends are not asset rows (index -1). */
  orphanEnds: Map<number, [string, string]>;
}

/** Columns for `n` paths, to be filled in (by this store and by the hub's, src/store/pg/map-repository.ts). */
export function newMapPathRows(n: number): MapPathRows {
  return {
    ids: [],
    initiator: new Int32Array(n),
    responder: new Int32Array(n),
    protocol: new Uint16Array(n),
    transport: [],
    port: new Uint16Array(n),
    packets: new Float64Array(n),
    firstSeen: new Float64Array(n),
    lastSeen: new Float64Array(n),
    fromZone: new Uint16Array(n),
    toZone: new Uint16Array(n),
    status: [],
    ops: new Uint32Array(n),
    orphanEnds: new Map(),
  };
}

/** A live (not resolved) finding as the map needs it: what it is about and what its evidence names. */
export interface MapFindingRow {
  id: string;
  rule: string;
  severity: string;
  status: string;
  label: string;
  conduit: string | null;
  zones: string[];
  subject: { kind: string; key: string };
  evidencePaths: string[];
  protocols: string[];
  operations: string[];
}

export interface MapRows {
  assets: MapAssetRow[];
  assetIndex: Map<string, number>;
  zoneIds: string[];
  protocols: string[];
  operations: string[];
  paths: MapPathRows;
  pathIndex: Map<string, number>;
  /** Conduit id → path indexes the audit put on it. */
  conduitPaths: Map<string, number[]>;
  findings: MapFindingRow[];
}

interface AssetJson {
  names?: string[];
  ips?: string[];
  macVendor?: string | null;
  identity?: Record<string, { value?: string } | undefined>;
  vulnerabilities?: unknown;
}

const ident = (a: AssetJson, ...keys: string[]): string | null => {
  for (const k of keys) {
    const v = a.identity?.[k]?.value;
    if (v) return v;
  }
  return null;
};

function vulnerabilityCount(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (Array.isArray(v)) return v.length;
  return undefined;
}

export class MapRepository {
  private cached?: { key: string; rows: MapRows };

  constructor(private readonly db: DB) {}

  /**
   * A value that changes with what the map reads: another connection's commit (data_version), and this
   * connection's writes to the inventory, the placement and the findings (counts and latest times, each read
   * from an index). Writes the map does not read (tokens, jobs, a token's last use) leave it as it is.
   */
  private version(): string {
    const dv = this.db.pragma('data_version', { simple: true }) as number;
    const row = this.db
      .prepare(
        `SELECT (SELECT COUNT(*) FROM assets), (SELECT MAX(last_seen) FROM assets), (SELECT COUNT(*) FROM paths),
                (SELECT MAX(last_seen) FROM paths), (SELECT COUNT(*) FROM asset_zones), (SELECT COUNT(*) FROM path_zones),
                (SELECT COUNT(*) FROM path_conduits), (SELECT COUNT(*) FROM findings), (SELECT MAX(updated_at) FROM findings),
                (SELECT MAX(version) FROM policy_versions),
                (SELECT COUNT(*) FROM vulnerability_matches WHERE status != 'not_affected')`,
      )
      .raw()
      .get() as unknown[];
    return `${dv}:${row.join(':')}`;
  }

  rows(): MapRows {
    const key = this.version();
    if (this.cached?.key !== key) this.cached = { key, rows: this.read() };
    return this.cached.rows;
  }

  private read(): MapRows {
    const db = this.db;
    return db
      .transaction((): MapRows => {
        const zoneIds: string[] = [];
        const zoneIdx = new Map<string, number>();
        const zoneOf = (z: string | null) => {
          const id = z ?? 'unzoned';
          let i = zoneIdx.get(id);
          if (i === undefined) {
            i = zoneIds.push(id) - 1;
            zoneIdx.set(id, i);
          }
          return i;
        };
        const assets: MapAssetRow[] = [];
        const assetIndex = new Map<string, number>();
        // affected and potentially affected CVEs per asset (src/vulns): the map marks an asset that has any
        const vulns = vulnerabilityCounts(db);
        const ar = db
          .prepare('SELECT a.id, a.role, a.data, z.zone FROM assets a LEFT JOIN asset_zones z ON z.asset_id = a.id ORDER BY a.id')
          .raw()
          .all() as [string, string, string, string | null][];
        for (const [id, role, data, zone] of ar) {
          const a = JSON.parse(data) as AssetJson & { firstSeen: number; lastSeen: number };
          const ips = a.ips ?? [];
          assetIndex.set(id, assets.length);
          zoneOf(zone);
          assets.push({
            id,
            label: a.names?.[0] ?? ident(a, 'name') ?? ips[0] ?? id,
            ips,
            role,
            zone: zone ?? 'unzoned',
            vendor: ident(a, 'vendor') ?? a.macVendor ?? null,
            model: ident(a, 'model', 'product', 'module_type', 'order_number'),
            firmware: ident(a, 'firmware'),
            vulnerabilities: vulns.get(id) ?? vulnerabilityCount(a.vulnerabilities),
            firstSeen: a.firstSeen,
            lastSeen: a.lastSeen,
          });
        }

        const n = db.prepare('SELECT COUNT(*) FROM paths').pluck().get() as number;
        const paths = newMapPathRows(n);
        const protocols: string[] = [];
        const protoIdx = new Map<string, number>();
        const pathIndex = new Map<string, number>();
        const pr = db
          .prepare(
            `SELECT p.id, p.initiator, p.responder, p.protocol, p.transport, p.responder_port,
                    p.packets_to_responder + p.packets_to_initiator, p.first_seen, p.last_seen, z.from_zone, z.to_zone, z.status
             FROM paths p LEFT JOIN path_zones z ON z.path_id = p.id`,
          )
          .raw()
          .all() as [string, string, string, string, string, number, number, number, number, string | null, string | null, string | null][];
        // in id order (the table's own order is cheaper to read): pages of paths are then in id order without a sort
        pr.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
        let i = 0;
        for (const [id, ini, res, proto, transport, port, packets, first, last, fz, tz, status] of pr) {
          if (i >= n) break; // a row committed between the count and the read: the next read has it
          let pi = protoIdx.get(proto);
          if (pi === undefined) {
            pi = protocols.push(proto) - 1;
            protoIdx.set(proto, pi);
          }
          pathIndex.set(id, i);
          paths.ids.push(id);
          paths.initiator[i] = assetIndex.get(ini) ?? -1;
          paths.responder[i] = assetIndex.get(res) ?? -1;
          if (paths.initiator[i]! < 0 || paths.responder[i]! < 0) paths.orphanEnds.set(i, [ini, res]);
          paths.protocol[i] = pi;
          paths.transport.push(transport);
          paths.port[i] = port;
          paths.packets[i] = packets;
          paths.firstSeen[i] = first;
          paths.lastSeen[i] = last;
          paths.fromZone[i] = zoneOf(fz);
          paths.toZone[i] = zoneOf(tz);
          paths.status.push(status ?? '');
          i++;
        }

        const operations: string[] = [];
        const opIdx = new Map<string, number>();
        const or = db.prepare('SELECT path_id, operation FROM path_operations').raw().all() as [string, string][];
        for (const [pid, op] of or) {
          const p = pathIndex.get(pid);
          if (p === undefined) continue;
          let oi = opIdx.get(op);
          if (oi === undefined) {
            oi = operations.push(op) - 1;
            opIdx.set(op, oi);
          }
          if (oi < 32) paths.ops[p]! |= 1 << oi;
        }

        const conduitPaths = new Map<string, number[]>();
        const cr = db.prepare('SELECT conduit, path_id FROM path_conduits').raw().all() as [string, string][];
        for (const [c, pid] of cr) {
          const p = pathIndex.get(pid);
          if (p !== undefined) (conduitPaths.get(c) ?? conduitPaths.set(c, []).get(c)!).push(p);
        }

        const findings: MapFindingRow[] = [];
        const fr = db
          .prepare(
            `SELECT f.id, f.rule, f.severity, f.status, f.conduit, d.data FROM findings f JOIN finding_data d ON d.id = f.id
             WHERE f.status != 'resolved'
             ORDER BY COALESCE(json_extract(d.data, '$.priority.rank'), f.severity_rank * 4 + 3), f.first_seen, f.id`,
          )
          .raw()
          .all() as [string, string, string, string, string | null, string][];
        for (const [id, rule, severity, status, conduit, data] of fr) {
          const f = JSON.parse(data) as {
            title?: string;
            subject?: { kind?: string; key?: string; label?: string };
            zones?: string[];
            evidence?: { paths?: { pathId: string; protocol: string }[]; operations?: { operation: string }[] };
          };
          const ev = f.evidence?.paths ?? [];
          findings.push({
            id,
            rule,
            severity,
            status,
            label: f.title ?? f.subject?.label ?? id,
            conduit,
            zones: f.zones ?? [],
            subject: { kind: f.subject?.kind ?? '', key: f.subject?.key ?? '' },
            evidencePaths: ev.map((p) => p.pathId),
            protocols: [...new Set(ev.map((p) => p.protocol))].sort(),
            operations: (f.evidence?.operations ?? []).map((o) => o.operation),
          });
        }
        return { assets, assetIndex, zoneIds, protocols, operations, paths, pathIndex, conduitPaths, findings };
      })
      .deferred();
  }
}
