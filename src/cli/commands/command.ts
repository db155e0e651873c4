/** A CLI sub-command. Each lives in its own file under agent/commands/ and is listed (with its one-line summary) in src/cli/cli.ts. */
export interface Command {
  name: string; // 'stats', 'analyze', 'policy', ...
  usage: string; // full usage text
  /** Returns the process exit code. Throwing a CliError prints its message (no stack) and exits 2. */
  run(argv: string[]): Promise<number>;
}

/** An error the user can act on: printed as one clear line, never with a stack trace. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
  }
}

/** `--max-flows N` (undefined when absent): the flow table's bound on open flows (src/flows/flow-table.ts). */
export function parseMaxFlows(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`--max-flows takes a whole number of flows of 1 or more, not ${value}`);
  return n;
}
