/**
 * Commands on a damaged database and on a read-only one (issue 18 items 2 and 3), run as the separate
 * processes a user starts: a clear message and a documented exit code, never a stack trace; the
 * commands that only read work on a read-only file in a read-only folder. When the tests run as root
 * (who may write anything) the read-only cases run the command without the capabilities that override file modes.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInterface } from '../../capture/preflight.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const plant = join(repo, 'fixtures/plant/plant.pcap');
const policy = join(repo, 'fixtures/policies/rules-test.yaml');
const asRoot = process.getuid?.() === 0;

/**
 * Root is refused nothing by file modes: for the read-only cases the command runs without the capabilities that
 * override them (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that a 0444 file and a 0555 folder bind it as they bind
 * anyone, while it still reads the checkout wherever that is (another user could not read a private clone).
 */
function otwatch(args: string[], unprivileged = false): { code: number; out: string; err: string } {
  const node = [process.execPath, '--import', 'tsx', 'src/cli/cli.ts', ...args];
  const argv = unprivileged && asRoot ? ['setpriv', '--bounding-set=-dac_override,-dac_read_search', ...node] : node;
  const r = spawnSync(argv[0]!, argv.slice(1), {
    cwd: repo,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, OTWATCH_LOG: 'silent' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at |internal error/);

function damage(file: string, table: string): void {
  const raw = new Database(file, { readonly: true });
  const page = raw.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
  const size = raw.pragma('page_size', { simple: true }) as number;
  raw.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(2048, 0xde), 0, 2048, (page - 1) * size);
  closeSync(fd);
}

describe('commands on a damaged or read-only database', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-store-'));
  const good = join(dir, 'good.db');
  beforeAll(() => {
    chmodSync(dir, 0o755);
    const r = otwatch(['analyze', plant, '--db', good]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  }, 60_000);
  afterAll(() => {
    chmodSync(join(dir, 'ro'), 0o755);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a database with a corrupt page: exit 65, one clear line, for every command', () => {
    const bad = join(dir, 'bad.db');
    copyFileSync(good, bad);
    damage(bad, 'assets');
    const commands = [
      ['assets', '--db', bad],
      ['paths', '--db', bad],
      ['report', '--db', bad, '--policy', policy, '--out', join(dir, 'r.html')],
      ['token', 'create', '--role', 'admin', '--db', bad],
      ['analyze', plant, '--db', bad],
      // the live agent opens its database before it captures (only where a capture could start at all)
      ...(checkInterface('lo').ok ? [['capture', '--interface', 'lo', '--db', bad]] : []),
    ];
    for (const c of commands) {
      const r = otwatch(c);
      expect([c[0], r.code]).toEqual([c[0], 65]);
      expect(r.err).toContain(`bad.db is damaged: SQLite's integrity check says "`);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      noStack(r.err);
    }
    expect(existsSync(join(dir, 'r.html'))).toBe(false);
  }, 120_000);

  it('token create on a read-only database file: exit 73 and what to do', () => {
    const ro = join(dir, 'readonly.db');
    copyFileSync(good, ro);
    chmodSync(ro, 0o444);
    const r = otwatch(['token', 'create', '--role', 'admin', '--db', ro], true);
    expect(r.code).toBe(73);
    expect(r.err).toMatch(/readonly\.db is read-only \(SQLITE_READONLY.*\) and this command writes to it; give write access/);
    noStack(r.err);
    expect(r.out).toBe(''); // no token printed that was never stored
  }, 60_000);

  it('assets, paths, report and token list work on a read-only database in a read-only folder', () => {
    const folder = join(dir, 'ro');
    mkdirSync(folder);
    const db = join(folder, 'otwatch.db');
    copyFileSync(good, db);
    chmodSync(db, 0o444);
    chmodSync(folder, 0o555);
    const assets = otwatch(['assets', '--db', db], true);
    expect(assets.err).toBe('');
    expect(assets.code).toBe(0);
    expect(assets.out.split('\n')[0]).toMatch(/^ASSET\s+ROLE/);
    expect(assets.out.trim().split('\n')).toHaveLength(21); // the header and the plant's 20 assets
    const paths = otwatch(['paths', '--db', db, '--json'], true);
    expect(paths.code).toBe(0);
    expect(JSON.parse(paths.out)).toHaveLength(21);
    expect(otwatch(['token', 'list', '--db', db], true).code).toBe(0);
    const report = otwatch(['report', '--db', db, '--policy', policy, '--out', '-'], true);
    expect(report.code).toBe(0);
    expect(report.out).toMatch(/^<!DOCTYPE html>/i);
    expect(report.err).toContain('is read-only: the report is written but not archived');
    expect(existsSync(`${db}-wal`)).toBe(false); // nothing was created beside it
  }, 120_000);
});
