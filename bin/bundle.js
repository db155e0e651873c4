#!/usr/bin/env node
// Build step after tsc: bundles the whole CLI (every command, the pipeline and every decoder, the inventory, the
// audit and the store: ~150 modules of our own, no package) into dist/bundle/, where bin/otwatch.js runs it. Node 20
// loads 150 ES modules in ~0.15 s and the same code in a few files in a third of that: start-up is a tenth of a
// million-packet analysis and most of a small one's, and each worker thread pays it again. Each command stays a
// chunk of its own, loaded when it runs. The unbundled dist/ stays what tests and library users import.
import { copyFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Packages bundled with our code. pino's transports (a worker thread that loads files next to pino's own) would
 * not work from the bundle: otwatch logs to a file descriptor (pino.destination) and uses none.
 */
const INLINED = new Set(['yaml', 'pino', 'ipaddr.js']);

/** esbuild plugin: a package import stays external unless it names an INLINED package or comes from inlined code. */
function inlineOnly(inlined) {
  return {
    name: 'inline-only',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith('node:')) return { path: args.path, external: true };
        const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
        if (inlined.has(name) || args.importer.includes('/node_modules/')) return undefined; // esbuild resolves and bundles it
        return { path: args.path, external: true };
      });
    },
  };
}
const entry = (p) => join(root, 'dist', p);
if (!existsSync(entry('src/cli/cli.js'))) {
  console.error('bundle: dist/src/cli/cli.js is missing: run tsc first');
  process.exit(1);
}
// esbuild names chunks by content hash: old ones would pile up
rmSync(entry('bundle'), { recursive: true, force: true });
await build({
  // The bundle is flat: code that finds a file next to itself through import.meta.url finds it in dist/bundle/.
  // Worker threads and the capture child are entries under the names their starters look for; the JSON schemas
  // are copied below. A module reached from two entries lives once, in a shared chunk.
  entryPoints: {
    cli: entry('src/cli/cli.js'),
    'shard-worker': entry('src/pipeline/shard-worker.js'),
    'inventory-shard': entry('src/inventory/shard-sink.js'),
    'audit-worker': entry('src/analysis/audit-worker.js'),
    'policy-worker': entry('src/audit/policy-worker.js'),
    'capture-child': entry('src/capture/capture-child.js'),
  },
  outdir: entry('bundle'),
  bundle: true,
  splitting: true, // the code both entries share is one chunk
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // packages stay packages (node-opcua is loaded on demand, better-sqlite3 and pcap are native), but for those of
  // INLINED: pure JavaScript that every analysis loads as CommonJS (yaml, pino and its dependencies: ~37 ms of
  // module loading at each start, 11 ms as part of the bundle; ipaddr.js, whose source Node scans for its exports
  // when an ES module imports it: 5 ms)
  plugins: [inlineOnly(INLINED)],
  // the inlined CommonJS code calls require() for Node's own modules: an ES module has none of its own
  banner: {
    js: "import { createRequire as __otwatchCreateRequire } from 'node:module'; const require = __otwatchCreateRequire(import.meta.url);",
  },
  // comments and layout out (a third less to parse at each start), names kept: stack traces stay readable
  minifyWhitespace: true,
  logLevel: 'warning',
});
for (const schema of ['src/audit/policy.schema.json', 'src/cli/config.schema.json'])
  copyFileSync(entry(schema), join(entry('bundle'), schema.split('/').pop()));

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
