#!/usr/bin/env node
/** otwatch command line: dispatches to one Command per sub-command. */
import { pathToFileURL } from 'node:url';
import type { Command } from './commands/command.js';
import { CliError } from './commands/command.js';
import { statsCommand } from './commands/stats.js';
import { analyzeCommand } from './commands/analyze.js';
import { assetsCommand } from './commands/assets.js';
import { pathsCommand } from './commands/paths.js';
import { policyCommand } from './commands/policy.js';
import { zonesCommand } from './commands/zones.js';
import { serveCommand } from './commands/serve.js';
import { tokenCommand } from './commands/token.js';
import { captureCommand } from './commands/capture.js';
import { demoCommand } from './commands/demo.js';
import { reportCommand } from './commands/report.js';

const commands: Command[] = [
  statsCommand,
  analyzeCommand,
  assetsCommand,
  pathsCommand,
  policyCommand,
  zonesCommand,
  serveCommand,
  tokenCommand,
  captureCommand,
  demoCommand,
  reportCommand,
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
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name ? 0 : 2;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    console.error(`otwatch: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof CliError) {
      console.error(`otwatch ${name}: ${err.message}`);
      return err.exitCode;
    }
    const e = err as NodeJS.ErrnoException;
    if (typeof e?.code === 'string' && e.code.startsWith('ERR_PARSE_ARGS')) {
      // node:util parseArgs: an unknown option or a missing value is a usage error, not a crash
      console.error(`otwatch ${name}: ${e.message}\n\n${command.usage}`);
      return 2;
    }
    if (e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR')) {
      console.error(`otwatch ${name}: ${e.message}`);
      return 2;
    }
    console.error(`otwatch ${name}: internal error: ${e?.stack ?? String(err)}`);
    return 70;
  }
}

// run when executed directly (`node --import tsx agent/cli.ts ...` in tests); bin/otwatch.js imports main()
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (err) => { console.error(err); process.exitCode = 70; },
  );
}
