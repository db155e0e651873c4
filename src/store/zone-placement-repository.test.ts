import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { Assessment } from '../audit/assess.js';
import { BULK_LOAD_MIN_ROWS } from './bulk-load.js';
import { openDatabase, type DB } from './database.js';
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
});
