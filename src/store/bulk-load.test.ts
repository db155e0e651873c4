import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { withIndexesBuiltAfter } from './bulk-load.js';
import { openDatabase, type DB } from './database.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-bulk-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const open = () => openDatabase(join(dir, `b${++n}.db`));

const indexes = (db: DB, table: string) =>
  db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name").all(table);
const pathRow = (i: number) => [`path:${String(i).padStart(4, '0')}`, `mac:a${i % 7}`, `mac:b${i % 5}`, 'modbus', 1000 + (i % 13)];
const insertPaths = (db: DB, from: number, to: number) => {
  const put = db.prepare(
    `INSERT INTO paths (id, initiator, responder, initiator_ip, responder_ip, protocol, transport, responder_port, packets_to_responder,
       packets_to_initiator, bytes_to_responder, bytes_to_initiator, first_seen, last_seen, facts)
     VALUES (?, ?, ?, '10.0.0.1', '10.0.0.2', ?, 'tcp', 502, 1, 1, 60, 60, ?, ?, '{}')`,
  );
  for (let i = from; i < to; i++) {
    const [id, a, b, proto, ts] = pathRow(i);
    put.run(id, a, b, proto, ts, ts);
  }
};

describe('indexes built after the rows', () => {
  it('drops the secondary indexes while writing and creates them again as they were, the rows the same', () => {
    const bulk = open();
    const rowByRow = open();
    const before = indexes(bulk, 'paths');
    expect(before.length).toBeGreaterThan(3);
    let during: unknown[] = [];
    bulk.transaction(() =>
      withIndexesBuiltAfter(bulk, ['paths'], () => {
        during = indexes(bulk, 'paths');
        insertPaths(bulk, 0, 500);
      }),
    )();
    rowByRow.transaction(() => insertPaths(rowByRow, 0, 500))();
    expect(during).toEqual([{ name: 'sqlite_autoindex_paths_1', sql: null }]); // the primary key's own index stays
    expect(indexes(bulk, 'paths')).toEqual(before);
    expect(bulk.prepare('PRAGMA integrity_check').pluck().all()).toEqual(['ok']);
    const all = (db: DB) => db.prepare('SELECT rowid, * FROM paths').all();
    expect(all(bulk)).toEqual(all(rowByRow));
    expect(bulk.prepare("EXPLAIN QUERY PLAN SELECT * FROM paths WHERE initiator = 'mac:a1'").all()).toEqual(
      rowByRow.prepare("EXPLAIN QUERY PLAN SELECT * FROM paths WHERE initiator = 'mac:a1'").all(),
    );
    bulk.close();
    rowByRow.close();
  });

  it('keeps the indexes when the write fails (the transaction rolls back) and refuses to run outside a transaction', () => {
    const db = open();
    const before = indexes(db, 'paths');
    expect(() =>
      db.transaction(() =>
        withIndexesBuiltAfter(db, ['paths'], () => {
          insertPaths(db, 0, 10);
          throw new Error('disk full');
        }),
      )(),
    ).toThrow('disk full');
    expect(indexes(db, 'paths')).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM paths').pluck().get()).toBe(0);
    expect(() => withIndexesBuiltAfter(db, ['paths'], () => insertPaths(db, 0, 10))).toThrow(/inside a transaction/);
    expect(indexes(db, 'paths')).toEqual(before);
    expect(db.prepare('SELECT COUNT(*) FROM paths').pluck().get()).toBe(0);
    db.close();
  });
});
