/**
 * The inventory store: merges an analysis into the database and reads assets, paths and changes back.
 *
 * One analysis is written in one transaction (prepared statements, rows in batches inside it): a crash
 * leaves the database as it was before that analysis, and the captures it covered are recorded in the
 * same transaction, so a rerun completes the inventory without counting any traffic twice.
 */
import { addressGatewayEvidence } from '../inventory/roles.js';
import { finishAsset, identityChangeDetail, silentDetail, type IdentityRecord, type InventoryResult } from '../inventory/inventory.js';
import { mergeAsset, mergePath } from '../inventory/merge.js';
import type { Asset, InventoryChange, Path } from '../core/model.js';
import { DEFAULT_SILENT_AFTER_S } from '../inventory/constants.js';
import { closeDatabase, openDatabase, storeError, type DB, type OpenOptions } from './database.js';
import { assetColumns, pathAsStored, pathFromRow, type PathRow, type OperationRow } from './rows.js';
import { asAssetId } from '../core/ids.js';
import { assetWhere } from './asset-filter.js';
import { BULK_LOAD_MIN_ROWS, withIndexesBuiltAfter } from './bulk-load.js';

export interface CaptureRecord {
  fingerprint: string;
  file: string;
  size: number;
  packets: number;
}

export interface SaveOptions {
  serverRoleOf(protocol: string): string | undefined;
  silentAfter?: number;
  captures?: CaptureRecord[];
}

export interface SaveResult {
  assets: number; // assets written (new or merged)
  paths: number;
  newAssets: number;
  newPaths: number;
  changes: number; // change rows added
  assetIds: string[];
  pathIds: string[];
  /**
   * The assets and paths as written (merged with what was stored, roles final), in the order of assetIds / pathIds;
   * `recomputed`: other stored assets whose role this save recomputed (ends of merged paths not in this result).
   */
  saved: { assets: Asset[]; paths: Path[]; recomputed: Asset[] };
}

export interface AssetQuery {
  role?: string;
  vendor?: string;
  protocol?: string;
  limit?: number;
  offset?: number;
}

export interface PathQuery {
  protocol?: string;
  operation?: string;
  asset?: string;
  limit?: number;
  offset?: number;
}

export class Store {
  readonly db: DB;

  constructor(
    readonly file: string,
    opts: OpenOptions = {},
  ) {
    this.db = openDatabase(file, opts);
  }

  close(): void {
    closeDatabase(this.db);
  }

  /** Captures (by fingerprint) already merged into this database. */
  knownCaptures(fingerprints: string[]): Set<string> {
    const get = this.db.prepare('SELECT 1 FROM captures WHERE fingerprint = ?').pluck();
    return new Set(fingerprints.filter((f) => get.get(f) !== undefined));
  }

  /** Merges one analysis into the database, atomically. */
  save(result: InventoryResult, opts: SaveOptions): SaveResult {
    try {
      return this.db.transaction(() => this.saveInTransaction(result, opts)).immediate();
    } catch (err) {
      throw storeError(err, this.file);
    }
  }

  private saveInTransaction(result: InventoryResult, opts: SaveOptions): SaveResult {
    const db = this.db;
    const exists = (table: string) => db.prepare(`SELECT EXISTS (SELECT 1 FROM ${table})`).pluck().get() === 1;
    const hadData = exists('assets');
    // A row is stored only if its table held rows before this save or this save wrote its id: into a fresh
    // database (a first analysis) nothing is looked up, 20,000 reads that find nothing less for a large plant.
    const hadPaths = exists('paths');
    const getAsset = db.prepare('SELECT data, gateway_evidence FROM assets WHERE id = ?');
    const putAsset =
      db.prepare(`INSERT INTO assets (id, role, purdue_level, vendor, mac_vendor, name, first_seen, last_seen, gateway_evidence, data)
      VALUES (@id, @role, @purdue_level, @vendor, @mac_vendor, @name, @first_seen, @last_seen, @gateway_evidence, @data)
      ON CONFLICT (id) DO UPDATE SET role = excluded.role, purdue_level = excluded.purdue_level, vendor = excluded.vendor,
        mac_vendor = excluded.mac_vendor, name = excluded.name, first_seen = excluded.first_seen, last_seen = excluded.last_seen,
        gateway_evidence = excluded.gateway_evidence, data = excluded.data`);
    const putAddress = db.prepare('INSERT OR IGNORE INTO asset_addresses (kind, value, asset_id) VALUES (?, ?, ?)');
    const putIdentity =
      db.prepare(`INSERT INTO identity_history (asset_id, attribute, value, protocol, first_ts, last_ts) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET first_ts = MIN(first_ts, excluded.first_ts), last_ts = MAX(last_ts, excluded.last_ts)`);
    const getPath = db.prepare('SELECT * FROM paths WHERE id = ?');
    const getOps = db.prepare('SELECT * FROM path_operations WHERE path_id = ?');
    const putPath =
      db.prepare(`INSERT OR REPLACE INTO paths (id, initiator, responder, initiator_ip, responder_ip, protocol, transport, responder_port,
      packets_to_responder, packets_to_initiator, bytes_to_responder, bytes_to_initiator, first_seen, last_seen, facts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const putOp = db.prepare(
      'INSERT OR REPLACE INTO path_operations (path_id, operation, count, functions, examples) VALUES (?, ?, ?, ?, ?)',
    );
    const putChange = db.prepare('INSERT OR IGNORE INTO inventory_changes (ts, kind, asset_id, detail) VALUES (?, ?, ?, ?)');
    let changes = 0;
    const change = (c: InventoryChange) => {
      changes += putChange.run(c.ts, c.kind, c.assetId, c.detail).changes;
    };

    // Assets: merged with what is stored. The inventory's roles stand for an asset whose row and paths are all
    // new (its paths are exactly this analysis's); the others' come later, from the merged paths.
    let newAssets = 0;
    const created = new Map(result.changes.filter((c) => c.kind === 'new_asset').map((c) => [c.assetId, c]));
    const recompute = new Set<string>();
    const gateway = new Map<string, string | null>();
    const savedAssets = new Map<string, Asset>();
    for (const a of result.assets) {
      const row =
        hadData || savedAssets.has(a.id)
          ? (getAsset.get(a.id) as { data: string; gateway_evidence: string | null } | undefined)
          : undefined;
      const merged = row ? mergeAsset(JSON.parse(row.data) as Asset, a) : a;
      savedAssets.set(a.id, merged);
      if (row) recompute.add(a.id);
      // Only the address evidence (a MAC fronting many IPs) is kept in its column: routing to devices behind
      // the asset lives in the asset itself (Asset.routes) and is re-derived from it with the role.
      const gw = row?.gateway_evidence ?? addressGatewayEvidence(a) ?? null;
      gateway.set(a.id, gw);
      putAsset.run(assetColumns(merged, gw));
      for (const ip of a.ips) putAddress.run('ip', ip, a.id);
      for (const mac of a.macs) putAddress.run('mac', mac, a.id);
      if (!row) {
        newAssets++;
        change(created.get(a.id) ?? { ts: a.firstSeen, kind: 'new_asset', assetId: a.id, detail: a.ips.concat(a.macs).join(' ') });
      }
    }

    const touchedIdentity = new Set<string>();
    for (const r of result.identityHistory) {
      putIdentity.run(r.assetId, r.attribute, r.value, r.protocol, r.firstTs, r.lastTs);
      touchedIdentity.add(`${r.assetId}\u0000${r.attribute}`);
    }

    // Paths: counts added, first/last min/max, operations and facts merged.
    let newPaths = 0;
    const savedPaths: Path[] = [];
    const writtenPaths = hadPaths ? undefined : new Set<string>();
    const writePaths = () => {
      for (const p of result.paths) {
        let row: PathRow | undefined;
        if (!writtenPaths || writtenPaths.has(p.id)) row = getPath.get(p.id) as PathRow | undefined;
        else writtenPaths.add(p.id);
        const merged = row ? mergePath(pathFromRow(row, getOps.all(p.id) as OperationRow[]), p) : p;
        savedPaths.push(pathAsStored(merged));
        // positional parameters: binding by name looks every one up in a copy of the whole path
        const m = merged;
        putPath.run(
          m.id,
          m.initiator,
          m.responder,
          m.initiatorIp,
          m.responderIp,
          m.protocol,
          m.transport,
          m.responderPort,
          m.packetsToResponder,
          m.packetsToInitiator,
          m.bytesToResponder,
          m.bytesToInitiator,
          m.firstSeen,
          m.lastSeen,
          JSON.stringify(m.facts),
        );
        for (const [op, s] of Object.entries(merged.operations))
          putOp.run(p.id, op, s!.count, JSON.stringify(s!.functions), JSON.stringify(s!.examples));
        if (!row) {
          newPaths++;
          if (hadData)
            change({
              ts: p.firstSeen,
              kind: 'new_path',
              assetId: p.initiator,
              detail: `${p.initiator} → ${p.responder} ${p.protocol} ${p.transport}/${p.responderPort}`,
            });
        }
        if (row) {
          recompute.add(p.initiator);
          recompute.add(p.responder);
        }
      }
    };
    // a first analysis of a large plant: the indexes of paths built once after the rows
    if (!hadPaths && result.paths.length >= BULK_LOAD_MIN_ROWS) withIndexesBuiltAfter(db, ['paths', 'path_operations'], writePaths);
    else writePaths();

    // the paths this save wrote, as reading them back would give them: not read and parsed again for the roles
    const written = recompute.size ? new Map(savedPaths.map((p) => [p.id, p])) : new Map<string, Path>();
    const recomputed = this.recomputeRoles(recompute, gateway, savedAssets, written, opts);
    const putProtocol = db.prepare('INSERT OR IGNORE INTO asset_protocols (protocol, side, asset_id) VALUES (?, ?, ?)');
    for (const a of result.assets) {
      if (recompute.has(a.id)) continue;
      for (const p of a.protocolsServer) putProtocol.run(p, 'server', a.id);
      for (const p of a.protocolsClient) putProtocol.run(p, 'client', a.id);
    }
    changes += this.identityChanges(touchedIdentity, putChange);
    changes += this.silentAssets(opts.silentAfter ?? DEFAULT_SILENT_AFTER_S, putChange);

    const putCapture = db.prepare('INSERT OR IGNORE INTO captures (fingerprint, file, size, packets, analysed_at) VALUES (?, ?, ?, ?, ?)');
    for (const c of opts.captures ?? []) putCapture.run(c.fingerprint, c.file, c.size, c.packets, new Date().toISOString());

    return {
      assets: result.assets.length,
      paths: result.paths.length,
      newAssets,
      newPaths,
      changes,
      assetIds: result.assets.map((a) => a.id),
      pathIds: result.paths.map((p) => p.id),
      saved: { assets: result.assets.map((a) => savedAssets.get(a.id)!), paths: savedPaths, recomputed },
    };
  }

  /**
   * Role, evidence, Purdue level and protocols of the assets merged with stored data, from every path stored
   * for them; `saved` (the assets as written) gets the result too.
   */
  private recomputeRoles(
    ids: Set<string>,
    gateway: Map<string, string | null>,
    saved: Map<string, Asset>,
    written: ReadonlyMap<string, Path>,
    opts: SaveOptions,
  ): Asset[] {
    const others: Asset[] = [];
    const db = this.db;
    const getAsset = db.prepare('SELECT data, gateway_evidence FROM assets WHERE id = ?');
    const byInitiator = db.prepare('SELECT * FROM paths WHERE initiator = ?');
    const byResponder = db.prepare('SELECT * FROM paths WHERE responder = ?');
    const getOps = db.prepare('SELECT * FROM path_operations WHERE path_id = ?');
    const update = db.prepare('UPDATE assets SET role = ?, purdue_level = ?, data = ? WHERE id = ?');
    const clearProtocols = db.prepare('DELETE FROM asset_protocols WHERE asset_id = ?');
    const putProtocol = db.prepare('INSERT OR IGNORE INTO asset_protocols (protocol, side, asset_id) VALUES (?, ?, ?)');
    // a path written by this save is taken as written (finishAsset only reads it); only the others are read back
    const load = (rows: PathRow[]): Path[] => rows.map((r) => written.get(r.id) ?? pathFromRow(r, getOps.all(r.id) as OperationRow[]));
    for (const id of ids) {
      const row = getAsset.get(id) as { data: string; gateway_evidence: string | null } | undefined;
      if (!row) continue; // a broadcast group: not an asset
      const asset = JSON.parse(row.data) as Asset;
      finishAsset(asset, {
        asInitiator: load(byInitiator.all(id) as PathRow[]),
        asResponder: load(byResponder.all(id) as PathRow[]),
        gatewayEvidence: (gateway.get(id) ?? row.gateway_evidence) || undefined,
        serverRoleOf: opts.serverRoleOf,
      });
      update.run(asset.role, asset.purdueLevel, JSON.stringify(asset), id);
      if (saved.has(id)) saved.set(id, asset);
      else others.push(asset);
      clearProtocols.run(id);
      for (const p of asset.protocolsServer) putProtocol.run(p, 'server', id);
      for (const p of asset.protocolsClient) putProtocol.run(p, 'client', id);
    }
    return others;
  }

  /**
   * identity_changed rows from the history: each value that followed another (by first report) is one
   * change at the time it was first reported, so the rows do not depend on the order of analyses.
   */
  private identityChanges(keys: Set<string>, putChange: { run(...a: unknown[]): { changes: number } }): number {
    const history = this.db.prepare(
      'SELECT value, MIN(first_ts) AS first_ts, MIN(protocol) AS protocol FROM identity_history WHERE asset_id = ? AND attribute = ? GROUP BY value ORDER BY first_ts, value',
    );
    let n = 0;
    for (const key of keys) {
      const [assetId, attribute] = key.split('\u0000');
      const values = history.all(assetId, attribute) as { value: string; first_ts: number; protocol: string }[];
      for (let i = 1; i < values.length; i++) {
        n += putChange.run(
          values[i].first_ts,
          'identity_changed',
          assetId,
          identityChangeDetail(attribute, values[i - 1].value, values[i].value, values[i].protocol),
        ).changes;
      }
    }
    return n;
  }

  /** asset_silent rows for assets without traffic for `silentAfter` seconds before the newest traffic stored. */
  private silentAssets(silentAfter: number, putChange: { run(...a: unknown[]): { changes: number } }): number {
    const newest = this.db.prepare('SELECT MAX(last_seen) FROM assets').pluck().get() as number | null;
    if (newest === null) return 0;
    const rows = this.db.prepare('SELECT id, last_seen FROM assets WHERE last_seen < ?').all(newest - silentAfter) as {
      id: string;
      last_seen: number;
    }[];
    let n = 0;
    for (const r of rows) n += putChange.run(r.last_seen + silentAfter, 'asset_silent', r.id, silentDetail(r.last_seen)).changes;
    return n;
  }

  // --- reading ------------------------------------------------------------------------------------

  assets(q: AssetQuery = {}): Asset[] {
    const { where, args } = assetWhere(q);
    const sql = `SELECT a.data FROM assets a ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY a.id LIMIT ? OFFSET ?`;
    return this.read(() =>
      (
        this.db
          .prepare(sql)
          .pluck()
          .all(...args, q.limit ?? -1, q.offset ?? 0) as string[]
      ).map((d) => JSON.parse(d) as Asset),
    );
  }

  assetsById(ids: readonly string[]): Asset[] {
    const get = this.db.prepare('SELECT data FROM assets WHERE id = ?').pluck();
    return this.read(() =>
      ids
        .map((id) => get.get(id) as string | undefined)
        .filter((d): d is string => d !== undefined)
        .map((d) => JSON.parse(d) as Asset),
    );
  }

  paths(q: PathQuery = {}): Path[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (q.protocol) {
      where.push('p.protocol = ?');
      args.push(q.protocol);
    }
    if (q.operation) {
      where.push('p.id IN (SELECT path_id FROM path_operations WHERE operation = ?)');
      args.push(q.operation);
    }
    if (q.asset) {
      where.push('(p.initiator = ? OR p.responder = ?)');
      args.push(q.asset, q.asset);
    }
    const sql = `SELECT p.* FROM paths p ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY p.id LIMIT ? OFFSET ?`;
    const getOps = this.db.prepare('SELECT * FROM path_operations WHERE path_id = ?');
    return this.read(() =>
      (this.db.prepare(sql).all(...args, q.limit ?? -1, q.offset ?? 0) as PathRow[]).map((r) =>
        pathFromRow(r, getOps.all(r.id) as OperationRow[]),
      ),
    );
  }

  /** Changes when another connection commits to the database (never for this connection's own writes). */
  dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  pathsById(ids: readonly string[]): Path[] {
    const get = this.db.prepare('SELECT * FROM paths WHERE id = ?');
    const getOps = this.db.prepare('SELECT * FROM path_operations WHERE path_id = ?');
    return this.read(() =>
      ids
        .map((id) => get.get(id) as PathRow | undefined)
        .filter((r): r is PathRow => r !== undefined)
        .map((r) => pathFromRow(r, getOps.all(r.id) as OperationRow[])),
    );
  }

  changes(since = -Infinity, limit = -1): InventoryChange[] {
    return this.read(() =>
      (
        this.db
          .prepare('SELECT ts, kind, asset_id, detail FROM inventory_changes WHERE ts >= ? ORDER BY ts, id LIMIT ?')
          .all(since, limit) as { ts: number; kind: InventoryChange['kind']; asset_id: string; detail: string }[]
      ).map((r) => ({ ts: r.ts, kind: r.kind, assetId: asAssetId(r.asset_id), detail: r.detail })),
    );
  }

  identityHistory(assetId: string): IdentityRecord[] {
    return this.read(() =>
      (
        this.db.prepare('SELECT * FROM identity_history WHERE asset_id = ? ORDER BY attribute, first_ts, value').all(assetId) as {
          asset_id: string;
          attribute: IdentityRecord['attribute'];
          value: string;
          protocol: string;
          first_ts: number;
          last_ts: number;
        }[]
      ).map((r) => ({
        assetId: r.asset_id,
        attribute: r.attribute,
        value: r.value,
        protocol: r.protocol,
        firstTs: r.first_ts,
        lastTs: r.last_ts,
      })),
    );
  }

  private read<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw storeError(err, this.file);
    }
  }
}
