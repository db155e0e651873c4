#!/usr/bin/env node
// Build step after tsc: copies the non-TypeScript files the code reads at run time (JSON schemas,
// static pages) from the source folders into dist/, keeping their paths.
import { cpSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const ASSET = new Set(['.json', '.html', '.css', '.svg', '.js.map-not']);

function walk(dir) {
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) walk(rel);
    else if (ASSET.has(extname(name)) && !rel.startsWith(join('src', 'api', 'web'))) {
      cpSync(join(root, rel), join(root, 'dist', rel));
    }
  }
}
// the static web page is served from src/api/web itself, never copied
for (const top of ['src']) if (existsSync(join(root, top))) walk(top);
