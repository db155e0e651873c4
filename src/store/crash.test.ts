import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeManyHostsPcap } from '../../test/helpers/many-hosts.js';

const HOSTS = 20_000;
const dir = mkdtempSync(join(tmpdir(), 'otwatch-crash-'));
const capture = join(dir, 'many.pcap');
const db = join(dir, 'crash.db');
const child = fileURLToPath(new URL('../../test/helpers/analyze-child.ts', import.meta.url));
const tsx = createRequire(import.meta.url).resolve('tsx');

beforeAll(() => writeManyHostsPcap(capture, HOSTS), 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the analysis in a child process; with `killOn`, SIGKILLs it `delayMs` after that text appears on stderr. */
function runChild(killOn?: string, delayMs = 0): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['--import', tsx, child, db, capture], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let armed = false;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => {
      stderr += d;
      if (killOn && !armed && stderr.includes(killOn)) {
        armed = true;
        setTimeout(() => p.kill('SIGKILL'), delayMs);
      }
    });
    p.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

function inspect() {
  const d = new Database(db, { readonly: true });
  try {
    return {
      integrity: d.pragma('integrity_check', { simple: true }),
      assets: d.prepare('SELECT COUNT(*) FROM assets').pluck().get() as number,
      paths: d.prepare('SELECT COUNT(*) FROM paths').pluck().get() as number,
      captures: d.prepare('SELECT COUNT(*) FROM captures').pluck().get() as number,
    };
  } finally {
    d.close();
  }
}

describe('crash safety', () => {
  it('survives SIGKILL while storing: the database is intact and a rerun completes the inventory', async () => {
    const killed = await runChild('storing', 150);
    expect(killed.signal).toBe('SIGKILL'); // killed mid-way, not finished
    const after = inspect();
    expect(after.integrity).toBe('ok');
    // One transaction per analysis: nothing of the interrupted one, so the rerun counts nothing twice.
    expect([after.assets, after.paths, after.captures]).toEqual([0, 0, 0]);

    const rerun = await runChild();
    expect(rerun.code).toBe(0);
    const stored = JSON.parse(rerun.stdout.trim().split('\n').pop()!);
    const done = inspect();
    expect(done.integrity).toBe('ok');
    expect(done.assets).toBe(stored.assets);
    expect(done.assets).toBeGreaterThan(HOSTS * 0.99); // every client (but the .0/.255 ones) plus 10 PLCs
    expect(done.paths).toBe(stored.paths);
    expect(done.captures).toBe(1);

    const again = await runChild();
    expect(JSON.parse(again.stdout.trim()).paths).toBe(0); // already analysed: skipped
    expect(inspect().paths).toBe(done.paths);
  }, 180_000);
});
