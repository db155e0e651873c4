/**
 * The CLI as installed runs from dist/bundle/ (bin/bundle.js, bin/otwatch.js): one flat folder in which code finds
 * worker scripts and schemas next to itself. These tests run the built CLI, not the sources, so that a worker entry or
 * a file missing from the bundle fails here rather than on a user's machine.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../src/core/package-root.js';

const bundle = join(packageRoot, 'dist/bundle');
const cli = join(packageRoot, 'bin/otwatch.js');
const plant = join(packageRoot, 'fixtures/plant/plant.pcap');
const policy = join(packageRoot, 'fixtures/plant/policy.yaml');
const dir = mkdtempSync(join(tmpdir(), 'otwatch-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function otwatch(...args: string[]): string {
  return execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('the bundled CLI', () => {
  it('is what bin/otwatch.js runs after a build', () => {
    expect(existsSync(join(bundle, 'cli.js')), 'dist/bundle/cli.js is missing: run npm run build').toBe(true);
  });

  it('finds every file that its code looks for next to itself', () => {
    // new URL(<'./name' or a choice of names>, import.meta.url) in any bundled file names a file of the flat bundle
    // folder (the .ts names are for runs from sources)
    const names = new Set<string>();
    for (const f of readdirSync(bundle).filter((n) => n.endsWith('.js'))) {
      const code = readFileSync(join(bundle, f), 'utf8');
      for (const call of code.matchAll(/new URL\(([^()]{1,160}),\s*import\.meta\.url\s*\)/g))
        for (const m of call[1].matchAll(/["'`]\.\/([\w.-]+)["'`]/g)) if (!m[1].endsWith('.ts')) names.add(m[1]);
    }
    // the worker threads, the capture child and the policy schema at least
    for (const expected of ['shard-worker.js', 'audit-worker.js', 'policy-worker.js', 'capture-child.js', 'policy.schema.json'])
      expect(names).toContain(expected);
    const missing = [...names].filter((n) => !existsSync(join(bundle, n)));
    expect(missing).toEqual([]);
  });

  it('analyses the plant with its policy in one thread and in two, to the same inventory and findings', () => {
    const summaries = ['1', '2'].map((workers) => {
      const db = join(dir, `plant-${workers}.db`);
      const out = otwatch('analyze', plant, '--policy', policy, '--db', db, '--workers', workers, '--quiet');
      expect(out).toMatch(/analysed into .*: \d+ assets .*\d+ paths .*[1-9]\d* findings/);
      return {
        summary: out.replace(db, '<db>'),
        assets: otwatch('assets', '--db', db),
        findings: otwatch('findings', '--db', db),
      };
    });
    expect(summaries[1]).toEqual(summaries[0]);
    expect(summaries[0].findings).toMatch(/ZC-/);
  });

  it('logs through the pino bundled with it, as JSON lines on stderr', () => {
    // yaml and pino are part of the bundle (bin/bundle.js, INLINED): their CommonJS code must find require()
    const r = spawnSync(process.execPath, [cli, 'analyze', plant, '--policy', policy, '--db', join(dir, 'log.db'), '--quiet'], {
      encoding: 'utf8',
      env: { ...process.env, OTWATCH_LOG: 'info' },
    });
    expect(r.status).toBe(0);
    const lines = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(lines.some((l) => l.level === 30 && /^storing \d+ assets and \d+ paths into /.test(l.msg))).toBe(true);
  });

  it('loads no SQLite driver for a command that opens no database', () => {
    // stats is timed against tshark from process start: the driver and its native module cost it ~10 ms
    const probe = join(dir, 'loaded.cjs');
    writeFileSync(probe, "process.on('exit', () => process.stderr.write(JSON.stringify(Object.keys(require.cache))));\n");
    const run = (...args: string[]) => spawnSync(process.execPath, ['--require', probe, cli, ...args], { encoding: 'utf8' });
    const stats = run('stats', plant);
    expect(stats.status).toBe(0);
    expect(JSON.parse(stats.stdout).packets).toBeGreaterThan(0);
    expect(JSON.parse(stats.stderr) as string[]).not.toContainEqual(expect.stringContaining('better-sqlite3'));
    // the probe does see the driver where a command loads it
    const assets = run('assets', '--db', join(dir, 'log.db'));
    expect(JSON.parse(assets.stderr.slice(assets.stderr.lastIndexOf('['))) as string[]).toContainEqual(
      expect.stringContaining('better-sqlite3'),
    );
  });

  it('reports a broken policy with its location, as the sources do', () => {
    let err = '';
    try {
      otwatch(
        'analyze',
        plant,
        '--policy',
        join(packageRoot, 'fixtures/policies/invalid', readdirSync(join(packageRoot, 'fixtures/policies/invalid'))[0]),
        '--db',
        join(dir, 'bad.db'),
      );
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toMatch(/:\d+:\d+/);
    expect(err).not.toMatch(/\n\s+at /); // no stack trace
  });
});
