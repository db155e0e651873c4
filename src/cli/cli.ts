#!/usr/bin/env node
/** otwatch command line: dispatches to one Command per sub-command. */
import { pathToFileURL } from 'node:url';
import type { Command } from './commands/command.js';
import { CliError } from './commands/command.js';
import { limitHeapGrowthWhenLarge } from '../core/heap-growth.js';
import { StoreError, storeError } from '../store/store-error.js';

/**
 * The sub-commands, each loaded only when it runs: `otwatch stats` must not pay for loading Fastify,
 * SQLite and the audit (a third of a second), and a command's dependencies cannot break another.
 */
const commands: { name: string; summary: string; load: () => Promise<Command> }[] = [
  {
    name: 'stats',
    summary: 'protocol statistics of captures, as JSON (the oracle format)',
    load: async () => (await import('./commands/stats.js')).statsCommand,
  },
  {
    name: 'analyze',
    summary: 'analyse captures into the asset inventory database',
    load: async () => (await import('./commands/analyze.js')).analyzeCommand,
  },
  { name: 'assets', summary: 'list the asset inventory', load: async () => (await import('./commands/assets.js')).assetsCommand },
  { name: 'paths', summary: 'list the communication paths', load: async () => (await import('./commands/paths.js')).pathsCommand },
  {
    name: 'findings',
    summary: 'list the audit findings, what to fix first at the top',
    load: async () => (await import('./commands/findings.js')).findingsCommand,
  },
  {
    name: 'policy',
    summary: 'check a zone/conduit policy, or export its conduits as firewall rules',
    load: async () => (await import('./commands/policy.js')).policyCommand,
  },
  {
    name: 'zones',
    summary: 'suggest zones and conduits from the inventory, or show the SL-A vs SL-T gap',
    load: async () => (await import('./commands/zones.js')).zonesCommand,
  },
  {
    name: 'serve',
    summary: 'serve the REST API (inventory, paths, findings, policy, capture upload)',
    load: async () => (await import('./commands/serve.js')).serveCommand,
  },
  {
    name: 'hub',
    summary: 'the central side of remote sites: NATS JetStream into PostgreSQL, and the API over every site',
    load: async () => (await import('./commands/hub.js')).hubCommand,
  },
  { name: 'token', summary: 'create, list and revoke API tokens', load: async () => (await import('./commands/token.js')).tokenCommand },
  {
    name: 'jobs',
    summary: "list and cancel the server's capture analysis jobs",
    load: async () => (await import('./commands/jobs.js')).jobsCommand,
  },
  {
    name: 'capture',
    summary: 'run the live agent on a mirror port (libpcap), optionally serving the API',
    load: async () => (await import('./commands/capture.js')).captureCommand,
  },
  {
    name: 'demo',
    summary: 'analyse the bundled plant capture against its policy, then serve the API',
    load: async () => (await import('./commands/demo.js')).demoCommand,
  },
  {
    name: 'report',
    summary: 'write the IEC 62443-3-2 zone/conduit assessment report (self-contained HTML)',
    load: async () => (await import('./commands/report.js')).reportCommand,
  },
  {
    name: 'vulns',
    summary: "import CSAF advisories and the KEV catalogue, list the assets' known vulnerabilities",
    load: async () => (await import('./commands/vulns.js')).vulnsCommand,
  },
];

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'otwatch: passive OT network discovery and IEC 62443-3-2 zone audit',
    '',
    'usage: otwatch <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'otwatch <command> --help shows the options of a command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  limitHeapGrowthWhenLarge(true);
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name ? 0 : 2;
  }
  const entry = commands.find((c) => c.name === name);
  if (!entry) {
    console.error(`otwatch: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  let command: Command | undefined;
  try {
    command = await entry.load();
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(command.usage);
      return 0;
    }
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`otwatch ${name}: ${err.message}`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      // node:util parseArgs: an unknown option or a missing value is a usage error, not a crash
      console.error(`otwatch ${name}: ${e.message}\n\n${command?.usage ?? ''}`);
      return 2;
    }
    // a database error no command translated (a damaged page met mid-way, a disk that filled up): its
    // message and exit code (README, "Exit codes"), never a stack trace
    const se = storeError(err, 'the database');
    if (se instanceof StoreError) {
      console.error(`otwatch ${name}: ${se.message}`);
      return se.exitCode;
    }
    if (e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')) {
      console.error(`otwatch ${name}: ${e.message}`);
      return 2;
    }
    console.error(`otwatch ${name}: internal error: ${e?.stack ?? String(err)}`);
    return 70;
  }
}

// run when executed directly (`node --import tsx src/cli/cli.ts ...` in tests); bin/otwatch.js imports main()
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      console.error(err);
      process.exitCode = 70;
    },
  );
}
