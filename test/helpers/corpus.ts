/**
 * Where the shared corpus of real captures lives. Tests that need it skip with a message when it is
 * absent (a user's clone); `.ci/run` sets OTWATCH_REQUIRE_CORPUS=1, which turns absence into a failure.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/core/package-root.js';

export const repoRoot = packageRoot;
export const corpusDir = process.env.OTWATCH_CORPUS ?? resolve(repoRoot, '../shared/corpus');
export const corpusAvailable = existsSync(join(corpusDir, 'MANIFEST.tsv'));

if (!corpusAvailable) {
  if (process.env.OTWATCH_REQUIRE_CORPUS === '1') {
    throw new Error(`corpus required but not found at ${corpusDir} (set OTWATCH_CORPUS)`);
  }
  console.warn(`[otwatch tests] corpus not found at ${corpusDir}: corpus tests are skipped`);
}

/** Every capture of the corpus (relative paths like 'modbus/x.pcap'), optionally of one folder. */
export function corpusCaptures(folder?: string): string[] {
  if (!corpusAvailable) return [];
  const folders = folder
    ? [folder]
    : readdirSync(corpusDir, { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => d.name);
  const out: string[] = [];
  for (const f of folders) {
    for (const name of readdirSync(join(corpusDir, f)).sort()) {
      if (!name.endsWith('.oracle.json')) out.push(`${f}/${name}`);
    }
  }
  return out.sort();
}

export function corpusPath(rel: string): string {
  return join(corpusDir, rel);
}

/** The Wireshark oracle for one capture. */
export function oracleFor(rel: string): Record<string, any> {
  return JSON.parse(readFileSync(join(corpusDir, `${rel}.oracle.json`), 'utf8'));
}
