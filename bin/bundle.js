#!/usr/bin/env node
// Build step after tsc: bundles the `otwatch stats` path (the pipeline and every decoder, ~130 modules of our
// own, no package) into dist/bundle/, for the main thread and for the shard worker threads. Node 20 loads
// 130 ES modules in ~100 ms, one bundle in ~30: start-up is a tenth of a million-packet analysis, and each
// worker thread pays it again before its shard can start. The unbundled dist/ stays what everything else runs.
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const entry = (p) => join(root, 'dist', p);
if (!existsSync(entry('src/pipeline/statistics.js'))) {
  console.error('bundle: dist/src/pipeline/statistics.js is missing: run tsc first');
  process.exit(1);
}
// esbuild names chunks by content hash: old ones would pile up
rmSync(entry('bundle'), { recursive: true, force: true });
await build({
  // the names matter: shard-pool finds the worker as ./shard-worker.js next to itself; the stats command loads
  // shard-pool (small) first to start the workers, then stats (large), which shares shard-pool's module
  entryPoints: {
    stats: entry('src/pipeline/statistics.js'),
    'shard-worker': entry('src/pipeline/shard-worker.js'),
    'shard-pool': entry('src/pipeline/shard-pool.js'),
  },
  outdir: entry('bundle'),
  bundle: true,
  splitting: true, // the code both entries share is one chunk
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external', // node-opcua (loaded on demand) stays a package
  // comments and layout out (a third less to parse at each start), names kept: stack traces stay readable
  minifyWhitespace: true,
  logLevel: 'warning',
});

// The OUI registry as sorted text lines for bisection (src/inventory/oui.ts): read in milliseconds where the
// package's 5 MB JSON takes a tenth of a second to parse into an object at the first MAC vendor lookup.
const { ouiIndexText, ouiDataVersion, OUI_INDEX_FILE } = await import(entry('src/inventory/oui.js'));
const require = createRequire(import.meta.url);
try {
  const version = ouiDataVersion(require);
  writeFileSync(join(root, OUI_INDEX_FILE), ouiIndexText(require('oui-data'), version));
} catch (e) {
  console.error(`bundle: no OUI index (${e.message}): MAC vendors come from the oui-data JSON`);
}
