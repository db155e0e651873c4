/** /health on a damaged store (issue 18 item 2): refused at start, and reported once a request met damage. */
import Database from 'better-sqlite3';
import { closeSync, openSync, writeSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { bearer, tempDb, tokens } from '../../../test/helpers/api.js';

function damage(file: string, table: string): void {
  const raw = new Database(file, { readonly: true });
  const page = raw.prepare('SELECT rootpage FROM sqlite_master WHERE name = ?').pluck().get(table) as number;
  const size = raw.pragma('page_size', { simple: true }) as number;
  raw.close();
  const fd = openSync(file, 'r+');
  writeSync(fd, Buffer.alloc(1024, 0xde), 0, 1024, (page - 1) * size);
  closeSync(fd);
}

describe('/health and a damaged store', () => {
  const t = tempDb();
  afterAll(() => t.cleanup());

  it('answers 503 damaged once a request met a damaged page, and the request gets a clear 503', async () => {
    const tk = tokens(t.db);
    const app = await buildApp({ db: t.db });
    try {
      expect((await app.inject({ url: '/health' })).json()).toEqual({ status: 'ok' });
      damage(t.db, 'api_tokens');
      // another process commits: this one's page cache is dropped and the damaged page read from disk
      const other = new Database(t.db);
      other.prepare('INSERT INTO schema_version (version, name, applied_at) VALUES (9999, ?, ?)').run('x', 'y');
      other.prepare('DELETE FROM schema_version WHERE version = 9999').run();
      other.close();
      const r = await app.inject({ url: '/api/v1/assets', headers: bearer(tk.viewer) });
      expect(r.statusCode).toBe(503);
      expect(r.json().message).toBe('the database is damaged (see the server log)');
      const h = await app.inject({ url: '/health' });
      expect(h.statusCode).toBe(503);
      expect(h.json()).toEqual({ status: 'damaged' });
    } finally {
      await app.close();
    }
  });

  it('refuses to start on a store that fails its integrity check', async () => {
    await expect(buildApp({ db: t.db })).rejects.toMatchObject({ code: 'corrupt' });
  });
});
