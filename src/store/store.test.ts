import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Inventory } from '../inventory/inventory.js';
import { ep, feedExchange, serverRoleOf } from '../../bench/gen/synthetic-inventory.js';
import { openDatabase, StoreError } from './database.js';
import { LATEST_SCHEMA_VERSION, migrations } from './migrations.js';
import { Store } from './store.js';
import { BULK_LOAD_MIN_ROWS } from './bulk-load.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbPath = () => join(dir, `t${++n}.db`);

const PLC1 = '00:0e:8c:00:00:01';
const PLC2 = '00:0e:8c:00:00:02';
const HMI = '00:0c:29:00:00:03';

/** Morning capture: the HMI polls PLC 1 (firmware V1); afternoon: it polls PLC 2 and PLC 1 reports V2. */
function morning() {
  const inv = new Inventory({ serverRoleOf });
  feedExchange(inv, {
    client: ep('10.0.0.3', 50000, HMI),
    server: ep('10.0.0.1', 502, PLC1),
    ts: 1000,
    requests: [{ detail: 'HR 1-10' }, { detail: 'HR 1-10' }, { operation: 'write', fn: 'write_single_register', detail: 'HR 5' }],
    responses: [
      {
        identity: [
          { about: 'src', attribute: 'firmware', value: 'V1' },
          { about: 'src', attribute: 'vendor', value: 'Schneider Electric' },
        ],
      },
    ],
  });
  return inv.result();
}
function afternoon() {
  const inv = new Inventory({ serverRoleOf });
  feedExchange(inv, {
    client: ep('10.0.0.3', 50001, HMI),
    server: ep('10.0.0.1', 502, PLC1),
    ts: 5000,
    requests: [{ detail: 'HR 20-30' }],
    responses: [{ identity: [{ about: 'src', attribute: 'firmware', value: 'V2' }] }],
  });
  feedExchange(inv, {
    client: ep('10.0.0.3', 50002, HMI),
    server: ep('10.0.0.2', 502, PLC2),
    ts: 5100,
    requests: [{ detail: 'coils 0-7', operation: 'read' }],
  });
  return inv.result();
}

function dump(file: string) {
  const s = new Store(file);
  try {
    return {
      assets: s.assets(),
      paths: s.paths(),
      identity: s.identityHistory(`mac:${PLC1}`),
      changes: s.changes().filter((c) => c.kind === 'identity_changed'),
    };
  } finally {
    s.close();
  }
}

const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('merging analyses', () => {
  it('gives the same inventory whichever capture is analysed first, adding counts instead of duplicating', () => {
    const [a, b] = [dbPath(), dbPath()];
    for (const [file, order] of [
      [a, [morning, afternoon]],
      [b, [afternoon, morning]],
    ] as const) {
      const s = new Store(file);
      for (const analysis of order) s.save(analysis(), { serverRoleOf });
      s.close();
    }
    const x = dump(a);
    const y = dump(b);
    expect(y).toEqual(x);
    expect(x.assets.map((s) => s.id)).toEqual([`mac:${HMI}`, `mac:${PLC1}`, `mac:${PLC2}`]);
    const hmi = x.assets.find((s) => s.id === `mac:${HMI}`)!;
    // Only the merged view shows two controllers polled: the role was recomputed from the stored paths.
    expect(hmi.role).toBe('hmi');
    expect(hmi.roleEvidence[0]).toBe('hmi: polls 2 controllers with 5 read/write requests');
    const plc1 = x.assets.find((s) => s.id === `mac:${PLC1}`)!;
    expect(plc1.identity.firmware?.value).toBe('V2');
    expect(plc1.identity.vendor?.value).toBe('Schneider Electric');
    expect([plc1.firstSeen, plc1.lastSeen]).toEqual([1000, 5001]);
    const path = x.paths.find((p) => p.responder === `mac:${PLC1}`)!;
    expect(x.paths).toHaveLength(2);
    expect(path.operations.read).toEqual({ count: 3, examples: ['HR 1-10', 'HR 20-30'], functions: { read_holding_registers: 3 } });
    expect(path.operations.write?.count).toBe(1);
    expect([path.packetsToResponder, path.firstSeen, path.lastSeen]).toEqual([4, 1000, 5001]);
    expect(x.identity.filter((r) => r.attribute === 'firmware').map((r) => r.value)).toEqual(['V1', 'V2']);
    expect(x.changes).toEqual([
      { ts: 5000.5, kind: 'identity_changed', assetId: `mac:${PLC1}`, detail: "firmware changed from 'V1' to 'V2' (modbus)" },
    ]);
  });

  it('hands back the assets and paths as written, equal to reading them back, fresh and merged', () => {
    const s = new Store(dbPath());
    for (const analysis of [morning, afternoon]) {
      const saved = s.save(analysis(), { serverRoleOf });
      expect(JSON.parse(JSON.stringify(saved.saved.assets))).toEqual(s.assetsById(saved.assetIds));
      expect(JSON.stringify(saved.saved.paths)).toBe(JSON.stringify(s.pathsById(saved.pathIds)));
    }
    // the HMI's role comes from the merged paths (two controllers), not from the afternoon's alone
    expect(s.assetsById([`mac:${HMI}`])[0].role).toBe('hmi');
    s.close();
  });

  it('merges an asset or path named twice in one result into a fresh store as two saves would', () => {
    // into a fresh store nothing is looked up but what this save wrote: the second copy still merges
    const twice = morning();
    twice.assets = [...twice.assets, ...twice.assets];
    twice.paths = [...twice.paths, ...twice.paths];
    const fresh = new Store(dbPath());
    const saved = fresh.save(twice, { serverRoleOf });
    expect([saved.newAssets, saved.newPaths]).toEqual([2, 1]);
    const stepwise = new Store(dbPath());
    stepwise.save(morning(), { serverRoleOf });
    stepwise.save({ ...morning(), changes: [] }, { serverRoleOf });
    expect(fresh.paths()).toEqual(stepwise.paths());
    expect(fresh.paths()[0].packetsToResponder).toBe(2 * morning().paths[0].packetsToResponder);
    expect(fresh.assets()).toEqual(stepwise.assets());
    fresh.close();
    stepwise.close();
  });

  it('builds the indexes of paths after the rows of a large first save, every row and index as written row by row', () => {
    const inv = new Inventory({ serverRoleOf });
    for (let c = 0; c < 40; c++)
      for (let v = 0; v < 26; v++)
        feedExchange(inv, {
          client: ep(`10.1.0.${c + 1}`, 50000 + v, undefined),
          server: ep(`10.2.0.${v + 1}`, 502, undefined),
          ts: 1000 + c,
        });
    const big = inv.result();
    expect(big.paths.length).toBeGreaterThanOrEqual(BULK_LOAD_MIN_ROWS);
    const bulk = new Store(dbPath());
    const exec = vi.spyOn(bulk.db, 'exec');
    bulk.save(big, { serverRoleOf });
    expect(exec).toHaveBeenCalledWith('DROP INDEX "paths_protocol"');
    expect(exec).toHaveBeenCalledWith('CREATE INDEX paths_protocol ON paths (protocol, id)');
    // the same paths in two saves, the second into a table that has rows: written row by row
    const stepwise = new Store(dbPath());
    stepwise.save({ ...big, paths: big.paths.slice(0, 1) }, { serverRoleOf });
    stepwise.save({ ...big, assets: [], changes: [], identityHistory: [], paths: big.paths.slice(1) }, { serverRoleOf });
    for (const sql of [
      'SELECT rowid, * FROM paths',
      'SELECT * FROM path_operations',
      "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ('paths', 'path_operations') ORDER BY name",
    ])
      expect(bulk.db.prepare(sql).all()).toEqual(stepwise.db.prepare(sql).all());
    expect(bulk.db.prepare('PRAGMA integrity_check').pluck().all()).toEqual(['ok']);
    bulk.close();
    stepwise.close();
  });

  it('records new assets and, after the first analysis, new paths as changes', () => {
    const s = new Store(dbPath());
    const first = s.save(morning(), { serverRoleOf });
    const second = s.save(afternoon(), { serverRoleOf });
    expect([first.newAssets, first.newPaths, second.newAssets, second.newPaths]).toEqual([2, 1, 1, 1]);
    const kinds = s.changes().map((c) => `${c.kind} ${c.assetId}`);
    expect(kinds.filter((k) => k.startsWith('new_asset')).sort()).toEqual([
      `new_asset mac:${HMI}`,
      `new_asset mac:${PLC1}`,
      `new_asset mac:${PLC2}`,
    ]);
    expect(kinds.filter((k) => k.startsWith('new_path'))).toEqual([`new_path mac:${HMI}`]);
    expect(kinds.filter((k) => k.startsWith('asset_silent'))).toEqual([]); // every asset came back in the afternoon
    const later = new Inventory({ serverRoleOf });
    feedExchange(later, {
      client: ep('10.0.0.9', 50000, '00:0c:29:00:00:09'),
      server: ep('10.0.0.8', 502, '00:0c:29:00:00:08'),
      ts: 10_000,
    });
    s.save(later.result(), { serverRoleOf });
    const silent = s.changes().filter((c) => c.kind === 'asset_silent');
    expect(silent.map((c) => [c.assetId, c.ts])).toEqual([
      [`mac:${PLC1}`, 5001 + 3600],
      [`mac:${HMI}`, 5101 + 3600],
      [`mac:${PLC2}`, 5101 + 3600],
    ]);
    s.close();
  });

  it('filters assets by role, vendor and protocol and paths by protocol and operation, through indexes', () => {
    const s = new Store(dbPath());
    s.save(morning(), { serverRoleOf });
    s.save(afternoon(), { serverRoleOf });
    expect(s.assets({ role: 'plc' }).map((a) => a.id)).toEqual([`mac:${PLC1}`, `mac:${PLC2}`]);
    expect(s.assets({ vendor: 'Schneider Electric' }).map((a) => a.id)).toEqual([`mac:${PLC1}`]);
    expect(s.assets({ vendor: 'Siemens AG' }).map((a) => a.id)).toEqual([`mac:${PLC2}`]); // MAC vendor where no identity
    expect(s.assets({ protocol: 'modbus' }).length).toBe(3);
    expect(s.assets({ limit: 1, offset: 1 }).map((a) => a.id)).toEqual([`mac:${PLC1}`]);
    expect(s.paths({ operation: 'write' }).map((p) => p.responder)).toEqual([`mac:${PLC1}`]);
    expect(s.paths({ protocol: 'modbus', asset: `mac:${PLC2}` }).length).toBe(1);
    const plan = (sql: string, ...args: unknown[]) =>
      (s.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('; ');
    expect(plan('SELECT data FROM assets WHERE role = ? ORDER BY id LIMIT 50', 'plc')).toMatch(/USING (COVERING )?INDEX assets_role/);
    expect(plan('SELECT asset_id FROM asset_protocols WHERE protocol = ?', 'modbus')).toMatch(/USING PRIMARY KEY|USING (COVERING )?INDEX/);
    expect(plan('SELECT * FROM paths WHERE protocol = ? ORDER BY id LIMIT 50', 'modbus')).toMatch(/USING INDEX paths_protocol/);
    expect(plan('SELECT path_id FROM path_operations WHERE operation = ?', 'write')).toMatch(
      /USING (COVERING )?INDEX path_operations_operation/,
    );
    // migration 10 dropped assets_last_seen: (last_seen, id) serves its queries, none sorts anew
    for (const sql of [
      'SELECT MAX(last_seen) FROM assets',
      'SELECT id, last_seen FROM assets WHERE last_seen < 100',
      'SELECT data FROM assets ORDER BY last_seen DESC, id DESC LIMIT 50',
    ])
      expect(plan(sql)).toMatch(/USING (COVERING )?INDEX assets_last_seen_id/);
    expect(plan('SELECT data FROM assets ORDER BY last_seen, id LIMIT 50')).not.toMatch(/TEMP B-TREE/);
    const indexes = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets'").pluck().all();
    expect(indexes).not.toContain('assets_last_seen');
    expect(indexes).not.toContain('assets_mac_vendor');
    s.close();
  });
});

describe('schema and opening', () => {
  it('creates a WAL database at the latest schema version', () => {
    const file = dbPath();
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT MAX(version) FROM schema_version').pluck().get()).toBe(migrations.at(-1)!.version);
    db.close();
  });

  it('applies a new migration as one more entry of the list', () => {
    const file = dbPath();
    openDatabase(file).close();
    const next = [
      ...migrations,
      {
        version: migrations.at(-1)!.version + 1,
        name: 'test table',
        sql: 'CREATE TABLE migration_test (id TEXT PRIMARY KEY, detail TEXT)',
      },
    ];
    const db = openDatabase(file, { migrations: next });
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'migration_test'").pluck().get()).toBe('migration_test');
    expect(db.prepare('SELECT version FROM schema_version ORDER BY version').pluck().all()).toEqual(next.map((m) => m.version));
    db.close();
  });

  it('refuses a database from a newer otwatch and leaves it byte-identical', () => {
    const file = dbPath();
    const raw = new Database(file);
    raw.exec(
      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); INSERT INTO schema_version VALUES (99, 'future', 'x'); CREATE TABLE future_stuff (x)",
    );
    raw.close();
    const before = sha(file);
    let err: unknown;
    try {
      new Store(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('newer_schema');
    expect((err as Error).message).toContain(`schema version 99, newer than this otwatch supports (${LATEST_SCHEMA_VERSION})`);
    expect(sha(file)).toBe(before);
    const check = new Database(file, { readonly: true });
    expect(check.pragma('journal_mode', { simple: true })).toBe('delete'); // not switched to WAL either
    check.close();
  });

  it('refuses a corrupt file, a foreign SQLite database and a locked one with a clear error', () => {
    const junk = dbPath();
    writeFileSync(junk, Buffer.concat([Buffer.from('this is not sqlite at all'), Buffer.alloc(4096, 0x41)]));
    expect(() => new Store(junk)).toThrow(/not a SQLite database or is corrupt/);
    expect(readFileSync(junk).subarray(0, 11).toString()).toBe('this is not');

    const foreign = dbPath();
    const f = new Database(foreign);
    f.exec('CREATE TABLE customers (id INTEGER)');
    f.close();
    expect(() => new Store(foreign)).toThrow(/not an otwatch one/);

    const locked = dbPath();
    openDatabase(locked).close();
    const holder = new Database(locked);
    holder.exec('BEGIN EXCLUSIVE');
    const s = new Store(locked, { busyTimeoutMs: 100 }); // opening reads through WAL; writing must wait
    expect(() => s.save(morning(), { serverRoleOf })).toThrow(/locked by another process \(waited 5 s\)|locked by another process/);
    holder.exec('ROLLBACK');
    holder.close();
    s.close();

    expect(() => new Store(join(dir, 'missing.db'), { mustExist: true })).toThrow(/no database at/);
  });
});
