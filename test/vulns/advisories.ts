/**
 * Where the shared advisories live (../shared/advisories, README there). Tests that need them skip with a
 * message when they are absent; OTWATCH_REQUIRE_CORPUS=1 (set by .ci/run) turns absence into a failure.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { packageRoot } from '../../src/core/package-root.js';
import { readAdvisoryFiles } from '../../src/vulns/read-files.js';
import type { Advisory } from '../../src/vulns/types.js';

export const advisoriesDir = process.env.OTWATCH_ADVISORIES ?? resolve(packageRoot, '../shared/advisories');
export const csafDir = join(advisoriesDir, 'cisa-csaf-ot');
export const kevFile = join(advisoriesDir, 'cisa-kev/known_exploited_vulnerabilities.json');
export const advisoriesAvailable = existsSync(csafDir) && existsSync(kevFile);

if (!advisoriesAvailable) {
  if (process.env.OTWATCH_REQUIRE_CORPUS === '1')
    throw new Error(`advisories required but not found at ${advisoriesDir} (set OTWATCH_ADVISORIES)`);
  console.warn(`[otwatch tests] advisories not found at ${advisoriesDir}: advisory tests are skipped`);
}

/** One advisory file of the shared set: 'YYYY/icsa-YY-DDD-NN.json'. */
export function csafPath(rel: string): string {
  return join(csafDir, rel);
}

/** Every shared advisory and the KEV CVEs, read once per test file. */
export function loadAll(): { advisories: Advisory[]; kev: Set<string>; errors: string[] } {
  const advisories: Advisory[] = [];
  const kev = new Set<string>();
  const errors: string[] = [];
  for (const f of readAdvisoryFiles([csafDir, kevFile])) {
    if (f.kind === 'csaf') advisories.push(f.advisory);
    else if (f.kind === 'kev') for (const e of f.entries) kev.add(e.cve);
    else errors.push(f.message);
  }
  return { advisories, kev, errors };
}
