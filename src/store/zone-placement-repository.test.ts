import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Assessment } from '../audit/assess.js';
import { BULK_LOAD_MIN_ROWS } from './bulk-load.js';
import { openDatabase, type DB } from './database.js';
import { SYNC_TRIGGERS_SQL } from './migrations.js';
import { replaceZonePlacement, zoneObservations } from './zone-placement-repository.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-placement-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => openDatabase(join(dir, `p${++n}.db`));

/** A placement of `paths` paths between zones a, b and c, every third on conduit c-ab (only the fields written). */
function assessment(paths: number): Assessment {
  const zone = (i: number) => ['a', 'b', 'c'][i % 3];
  const placements = new Map(Array.from({ length: 50 }, (_, i) => [`mac:${String(i).padStart(2, '0')}`, { zone: zone(i) }]));
  const assessed = Array.from({ length: paths }, (_, i) => ({
    path: { id: `path:${String(i).padStart(5, '0')}` },
    from: { zone: zone(i) },
    to: { zone: zone(i + 1) },
    status: i % 2 ? 'allowed' : 'not_allowed',
    allowing: i % 3 === 0 ? [{ conduit: { id: 'c-ab' } }] : [],
    uses: [],
  }));
  return { placements, paths: assessed } as unknown as Assessment;
}

const rows = (db: DB) =>
  ['asset_zones', 'path_zones', 'path_conduits']
    .map((t) => db.prepare(`SELECT * FROM ${t}`).all())
    .concat([
      db
        .prepare("SELECT name, sql FROM sqlite_master WHERE tbl_name IN ('asset_zones', 'path_zones', 'path_conduits') ORDER BY name")
        .all(),
    ]);

describe('zone placement', () => {
  it('builds the indexes of a large first placement after its rows, every row and index as written row by row', () => {
    const big = assessment(BULK_LOAD_MIN_ROWS + 10);
    const first = open();
    const exec = vi.spyOn(first, 'exec');
    first.transaction(() => replaceZonePlacement(first, big))();
    expect(exec).toHaveBeenCalledWith('DROP INDEX "path_zones_pair"');
    // a placement replacing another one: its tables had rows, so row by row
    const again = open();
    again.transaction(() => replaceZonePlacement(again, assessment(3)))();
    const execAgain = vi.spyOn(again, 'exec');
    again.transaction(() => replaceZonePlacement(again, big))();
    expect(execAgain).not.toHaveBeenCalledWith('DROP INDEX "path_zones_pair"');
    expect(rows(first)).toEqual(rows(again));
    expect(first.prepare('PRAGMA integrity_check').pluck().all()).toEqual(['ok']);
    const observed = zoneObservations(first)('a');
    expect(observed.pathsOut).toBe(Math.ceil(big.paths.length / 3));
    first.close();
    again.close();
  });

  it('replaces a placement by writing only what changed, leaving the rows a placement written afresh leaves', () => {
    const before = assessment(30);
    const after = assessment(30);
    after.placements.delete('mac:01'); // an asset no longer placed
    after.placements.set('mac:02', { zone: 'z' } as never); // one moved
    after.placements.set('mac:99', { zone: 'a' } as never); // one new
    const [p0, p1, p2] = after.paths as unknown as { status: string; to: { zone: string }; allowing: unknown[] }[];
    p0.status = 'expired_conduit'; // same zones, another verdict
    p1.to = { zone: 'z' };
    p2.allowing = [{ conduit: { id: 'c-new' } }];
    (after.paths[3] as unknown as { allowing: unknown[] }).allowing = []; // loses conduit c-ab
    after.paths.splice(4, 1); // a path no longer placed
    after.paths.push({ ...after.paths[5], status: 'allowed', allowing: [{ conduit: { id: 'c-x' } }] } as never); // assessed twice
    const replaced = open();
    replaced.transaction(() => replaceZonePlacement(replaced, before))();
    replaced.transaction(() => replaceZonePlacement(replaced, after))();
    const afresh = open();
    afresh.transaction(() => replaceZonePlacement(afresh, after))();
    expect(rows(replaced)).toEqual(rows(afresh));
    // an audit that places every path (once, as audits do) where the last one did writes nothing
    replaced.transaction(() => replaceZonePlacement(replaced, before))();
    const changes = () => replaced.prepare('SELECT total_changes()').pluck().get() as number;
    const was = changes();
    replaced.transaction(() => replaceZonePlacement(replaced, before))();
    expect(changes()).toBe(was);
    replaced.close();
    afresh.close();
  });

  it('writes every row again in a publishing store, whose triggers record the placements they did not record last', () => {
    const db = open();
    db.prepare('INSERT INTO sync_state (id, site, seq) VALUES (1, ?, 1)').run('site-a');
    db.exec(SYNC_TRIGGERS_SQL);
    const placed = assessment(30);
    db.transaction(() => replaceZonePlacement(db, placed))();
    const changes = () => db.prepare('SELECT total_changes()').pluck().get() as number;
    const was = changes();
    db.transaction(() => replaceZonePlacement(db, placed))();
    const rowsPlaced = db
      .prepare('SELECT (SELECT COUNT(*) FROM asset_zones) + (SELECT COUNT(*) FROM path_zones) + (SELECT COUNT(*) FROM path_conduits)')
      .pluck()
      .get() as number;
    expect(changes() - was).toBeGreaterThanOrEqual(2 * rowsPlaced); // each deleted and inserted again
    db.close();
  });
});
