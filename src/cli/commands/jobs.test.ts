import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { JobsRepository } from '../../store/jobs-repository.js';
import { Store } from '../../store/store.js';
import { CliError } from './command.js';
import { jobsCommand } from './jobs.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-jobs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('otwatch jobs', () => {
  it('cancel marks a queued job cancelled and removes its upload; list shows it; an ended or unknown job is refused', async () => {
    const db = join(dir, 'o.db');
    const id = '33333333-3333-4333-8333-333333333333';
    const file = join(dir, `${id}.capture`);
    writeFileSync(file, 'x');
    const store = new Store(db);
    new JobsRepository(store.db).insert(id, file, 1, 'test');
    store.close();

    const out: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    try {
      expect(await jobsCommand.run(['cancel', id, '--db', db])).toBe(0);
      expect(out.pop()).toBe(`job ${id} cancelled (it was queued)`);
      expect(existsSync(file)).toBe(false);
      expect(await jobsCommand.run(['list', '--db', db])).toBe(0);
      expect(out.pop()).toMatch(new RegExp(`^${id}  cancelled .* cancelled by otwatch jobs cancel$`));
      await expect(jobsCommand.run(['cancel', id, '--db', db])).rejects.toThrow(/has ended already \(cancelled\)/);
      await expect(jobsCommand.run(['cancel', '44444444-4444-4444-8444-444444444444', '--db', db])).rejects.toThrow(/^no job/);
      await expect(jobsCommand.run(['cancel', '../etc', '--db', db])).rejects.toBeInstanceOf(CliError);
      await expect(jobsCommand.run(['list', '--db', join(dir, 'missing.db')])).rejects.toBeInstanceOf(CliError);
    } finally {
      log.mockRestore();
    }
  });
});
