/** Runs otwatch's CLI (`main`) inside the test's process, with what it prints captured. */
import { vi } from 'vitest';
import { main } from '../../src/cli/cli.js';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * `otwatch <argv>`: its exit code, and the lines it printed with console.log (out) and console.error (err).
 * `stdout: true` also captures process.stdout.write (commands that print YAML or JSON documents whole).
 */
export async function runCli(argv: string[], opts: { stdout?: boolean } = {}): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  const write = opts.stdout ? vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true)) : undefined;
  try {
    return { code: await main(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write?.mockRestore();
  }
}
