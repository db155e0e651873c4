// Lint for otwatch: typescript-eslint's recommended rules, and the layer rule that keeps data flowing one way.
import { dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The folders of src/, lowest first: a folder imports only from itself and the folders before it
 * (docs/ARCHITECTURE.md). The order is the data's: capture → frames → flows → events → inventory → audit → store → API.
 */
export const LAYERS = [
  'core', // events, ids, the Asset/Path/Finding model, counters: no imports of our own
  'capture', // pcap/pcapng readers, the libpcap child, the live source
  'net', // link, IPv4/IPv6, TCP/UDP, ARP frames
  'flows', // flow table, TCP reassembly, IP fragments
  'protocols', // the registry, framing, one folder per protocol
  'pipeline', // packets → flows → decoders → events; shards; protocol statistics
  'inventory', // events → assets, paths, roles
  'vulns', // advisories (CSAF, KEV) and their matching to asset identities
  'audit', // zone/conduit policy, rules, findings, SL-A, suggestions
  'store', // every SQL statement: SQLite repositories (and PostgreSQL for the hub)
  'report', // the assessment report from stored data
  'analysis', // captures → store → audit, the one audit writer, the capture job queue
  'sync', // a sensor's outbox published to NATS JetStream
  'live', // the live agent (mirror port)
  'hub', // the central side: JetStream consumer into PostgreSQL
  'api', // Fastify app, routes, SIEM formats, the web page
  'cli', // commands: wire the layers together
];

function layerOf(file) {
  const rel = relative(root, file).split(sep);
  if (rel[0] === 'src') return { top: 'src', layer: rel[1] };
  return { top: rel[0] };
}

/** Our own rule: an import may not point up the layer order, nor from shipped code into test/ or bench/. */
const layerRule = {
  meta: { type: 'problem', schema: [], messages: { up: '{{from}} may not import {{to}}: {{why}}' } },
  create(context) {
    const file = context.filename;
    const from = layerOf(file);
    const isTest = /\.test\.ts$/.test(file);
    function check(node, spec) {
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const to = layerOf(resolve(dirname(file), spec));
      const name = (l) => (l.layer ? `src/${l.layer}` : l.top);
      const report = (why) => context.report({ node, messageId: 'up', data: { from: name(from), to: name(to), why } });
      if (from.top === 'src' && !isTest && (to.top === 'test' || to.top === 'bench'))
        return report('shipped code never imports test or bench code');
      if (from.top === 'bench' && to.top === 'test') return report('the benchmark is built, test helpers are not');
      if (from.top !== 'src' || to.top !== 'src' || isTest) return;
      const a = LAYERS.indexOf(from.layer);
      const b = LAYERS.indexOf(to.layer);
      if (a < 0) return report(`${name(from)} is not a layer: add it to LAYERS in eslint.config.js`);
      if (b < 0) return report(`${name(to)} is not a layer: add it to LAYERS in eslint.config.js`);
      if (b > a) report(`${to.layer} is above ${from.layer} in the layer order (eslint.config.js LAYERS)`);
    }
    return {
      ImportDeclaration: (n) => check(n, n.source.value),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source.value),
      ExportAllDeclaration: (n) => check(n, n.source.value),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source.value),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.bench/**', 'coverage/**', 'src/api/web/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { otwatch: { rules: { layers: layerRule } } },
    languageOptions: { ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      'otwatch/layers': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // decoders test bits with control characters on purpose; the sanitiser matches them
      'no-control-regex': 'off',
    },
  },
  {
    // tests poke at untyped library objects (peers, fakes) and hostile values
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // the browser page (plain scripts) and the Node scripts of bin/
    files: ['src/api/web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: {
        window: 'readonly',
        document: 'readonly',
        fetch: 'readonly',
        localStorage: 'readonly',
        sessionStorage: 'readonly',
        location: 'readonly',
        history: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        requestAnimationFrame: 'readonly',
        performance: 'readonly',
        cytoscape: 'readonly',
        navigator: 'readonly',
        Blob: 'readonly',
        FormData: 'readonly',
        alert: 'readonly',
        confirm: 'readonly',
        HTMLElement: 'readonly',
        Event: 'readonly',
        CustomEvent: 'readonly',
        Node: 'readonly',
        AbortController: 'readonly',
        XMLHttpRequest: 'readonly',
        getComputedStyle: 'readonly',
        ResizeObserver: 'readonly',
      },
    },
  },
  {
    files: ['bin/**/*.js', 'eslint.config.js', 'scripts/**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
