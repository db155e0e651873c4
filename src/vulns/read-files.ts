/**
 * Advisory files from folders and files given by the user, one at a time (memory bounded by the largest
 * file, not their number): every `.json` under a folder, in any layout, sorted so that runs are
 * reproducible. Each file becomes a CSAF advisory, the KEV catalogue, or an error naming the file and,
 * for a document we cannot read, the JSON path; one bad file never stops the others.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { AdvisoryError, looksLikeCsaf, readCsaf } from './csaf.js';
import { looksLikeKev, readKev } from './kev.js';
import type { Advisory, KnownExploited } from './types.js';

export type AdvisoryFile =
  | { kind: 'csaf'; file: string; advisory: Advisory }
  | { kind: 'kev'; file: string; catalogVersion: string; entries: KnownExploited[] }
  | { kind: 'error'; file: string; message: string };

/** Files larger than this are refused: the largest real advisory is about 1 MiB, the KEV catalogue 1.5 MiB. */
export const MAX_ADVISORY_FILE_BYTES = 64 * 1024 * 1024;

/** The `.json` files under the given paths (a file given by name is taken whatever its extension). */
export function* advisoryPaths(paths: readonly string[]): Generator<string | { file: string; message: string }> {
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (err) {
      yield { file: p, message: `cannot read: ${(err as Error).message}` };
      continue;
    }
    if (st.isDirectory()) yield* walk(p);
    else yield p;
  }
}

function* walk(dir: string): Generator<string | { file: string; message: string }> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    yield { file: dir, message: `cannot read folder: ${(err as Error).message}` };
    return;
  }
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) yield* walk(full);
    else if (e.isFile() && e.name.toLowerCase().endsWith('.json') && !e.name.toLowerCase().endsWith('_schema.json')) yield full;
  }
}

/** Reads and classifies one file. Never throws. */
export function readAdvisoryFile(file: string): AdvisoryFile {
  let text: string;
  try {
    const size = statSync(file).size;
    if (size > MAX_ADVISORY_FILE_BYTES)
      return { kind: 'error', file, message: `${file}: ${size} bytes, more than an advisory (${MAX_ADVISORY_FILE_BYTES})` };
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return { kind: 'error', file, message: `${file}: cannot read: ${(err as Error).message}` };
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { kind: 'error', file, message: `${file}: $: not JSON (${(err as Error).message})` };
  }
  try {
    if (looksLikeKev(doc)) return { kind: 'kev', file, ...readKev(doc, file) };
    if (looksLikeCsaf(doc)) return { kind: 'csaf', file, advisory: readCsaf(doc, file) };
    return { kind: 'error', file, message: `${file}: $: neither a CSAF 2.0 document (no document.csaf_version) nor the KEV catalogue` };
  } catch (err) {
    if (err instanceof AdvisoryError) return { kind: 'error', file, message: err.message };
    return { kind: 'error', file, message: `${file}: ${(err as Error).message}` };
  }
}

/** Every file under the paths, read one at a time. */
export function* readAdvisoryFiles(paths: readonly string[]): Generator<AdvisoryFile> {
  for (const p of advisoryPaths(paths)) {
    if (typeof p === 'string') yield readAdvisoryFile(p);
    else yield { kind: 'error', file: p.file, message: `${p.file}: ${p.message}` };
  }
}
