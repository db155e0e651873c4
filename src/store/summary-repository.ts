/** Counts over the whole store for GET /api/v1/stats, and the captures an analysis recorded, for the report. */
import type { DB } from './database.js';

export interface InventoryCounts {
  assets: number;
  paths: number;
  captures: number;
  assetsByRole: Record<string, number>;
  pathsByProtocol: Record<string, number>;
}

export function inventoryCounts(db: DB): InventoryCounts {
  const count = (sql: string) => db.prepare(sql).pluck().get() as number;
  const grouped = (sql: string) => Object.fromEntries(db.prepare(sql).raw().all() as [string, number][]);
  return {
    assets: count('SELECT COUNT(*) FROM assets'),
    paths: count('SELECT COUNT(*) FROM paths'),
    captures: count('SELECT COUNT(*) FROM captures'),
    assetsByRole: grouped('SELECT role, COUNT(*) FROM assets GROUP BY role'),
    pathsByProtocol: grouped('SELECT protocol, COUNT(*) FROM paths GROUP BY protocol'),
  };
}

/** A capture file an analysis recorded (its fingerprint keeps a rerun from counting it twice). */
export interface AnalysedCapture {
  file: string;
  size: number;
  packets: number;
  analysedAt: string;
}

export function analysedCaptures(db: DB): AnalysedCapture[] {
  return db
    .prepare('SELECT file, size, packets, analysed_at AS analysedAt FROM captures ORDER BY analysed_at, file')
    .all() as AnalysedCapture[];
}

/** How many paths the store holds. */
export function storedPathCount(db: DB): number {
  return db.prepare('SELECT COUNT(*) FROM paths').pluck().get() as number;
}
