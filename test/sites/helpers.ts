/** What the remote-sites tests share: a PostgreSQL schema and a NATS subject prefix of their own, states to compare, a NATS server of their own. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Asset, Path } from '../../src/core/model.js';
import { FindingsStore, type StoredFinding } from '../../src/store/findings-repository.js';
import type { HubRepository } from '../../src/store/pg/hub-repository.js';
import { Store } from '../../src/store/store.js';

export const PG_URL = process.env.OTWATCH_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';
export const NATS_URL = process.env.OTWATCH_TEST_NATS ?? 'nats://127.0.0.1:4222';
export const NATS_SERVER = process.env.OTWATCH_NATS_SERVER ?? '/usr/sbin/nats-server';

export const uniq = () => randomBytes(4).toString('hex');

/** A fresh schema name; drop() removes it with everything in it. */
export function pgSchema(): { schema: string; drop(): Promise<void> } {
  const schema = `t_sites_${uniq()}`;
  return {
    schema,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface SiteData {
  assets: Asset[];
  paths: Path[];
  findings: StoredFinding[];
}

const byId = <T extends { id: string }>(a: T[]) => [...a].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
/** JSON round trip: what survives the wire (undefined fields go). */
const plain = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** What a sensor holds, as it publishes it: each asset with its zone, each path with its zones, verdict and conduits. */
export function sensorData(dbFile: string): SiteData {
  const store = new Store(dbFile);
  try {
    const zone = store.db.prepare('SELECT zone FROM asset_zones WHERE asset_id = ?').pluck();
    const placed = store.db.prepare('SELECT from_zone, to_zone, status FROM path_zones WHERE path_id = ?');
    const conduits = store.db.prepare('SELECT conduit FROM path_conduits WHERE path_id = ? ORDER BY conduit').pluck();
    return plain({
      assets: byId(store.assets()).map((a) => ({ ...a, zone: (zone.get(a.id) as string | undefined) ?? null })),
      paths: byId(store.paths()).map((p) => {
        const z = placed.get(p.id) as { from_zone: string; to_zone: string; status: string } | undefined;
        return {
          ...p,
          fromZone: z?.from_zone ?? null,
          toZone: z?.to_zone ?? null,
          zoneStatus: z?.status ?? null,
          conduits: conduits.all(p.id),
        };
      }),
      findings: byId(new FindingsStore(store.db).all()),
    });
  } finally {
    store.close();
  }
}

export async function hubData(repo: HubRepository, site: string): Promise<SiteData> {
  const all = async <T extends { id: string; site: string }>(
    page: (cursor?: string) => Promise<{ items: T[]; nextCursor: string | null }>,
  ) => {
    const out: Omit<T, 'site'>[] = [];
    let cursor: string | undefined;
    do {
      const p = await page(cursor);
      for (const { site: _s, ...rest } of p.items) out.push(rest);
      cursor = p.nextCursor ?? undefined;
    } while (cursor);
    return out;
  };
  const q = { site, sort: 'id', order: 'asc' as const, limit: 500 };
  return {
    assets: byId((await all((cursor) => repo.assetPage({ ...q, cursor }))) as Asset[]),
    paths: byId((await all((cursor) => repo.pathPage({ ...q, cursor }))) as Path[]),
    findings: byId((await all((cursor) => repo.findingPage({ ...q, sort: 'id', cursor }))) as StoredFinding[]),
  };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

/** A nats-server of the test's own (JetStream on, its own store directory), to stop and start again. */
export class OwnNats {
  private child?: ChildProcess;
  readonly dir = mkdtempSync(join(tmpdir(), 'otwatch-nats-'));
  readonly conf = join(this.dir, 'nats.conf');

  constructor(
    readonly port: number,
    extra = '',
  ) {
    mkdirSync(join(this.dir, 'js'));
    writeFileSync(this.conf, `listen: 127.0.0.1:${port}\njetstream { store_dir: "${join(this.dir, 'js')}" }\n${extra}\n`);
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(NATS_SERVER, ['-c', this.conf], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let log = '';
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await waitFor(() => /Server is ready/.test(log) || child.exitCode !== null, 10_000, 'nats-server to start');
    if (child.exitCode !== null) throw new Error(`nats-server exited: ${log}`);
  }

  async stop(): Promise<void> {
    const c = this.child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  }

  /** Stops the server and removes its configuration and JetStream store. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
