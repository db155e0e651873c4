import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pcapHeader } from '../../../test/helpers/capture-build.js';
import { captureFingerprint } from '../analyze-captures.js';
import { JobsRepository } from '../../store/jobs-repository.js';
import { Store } from '../../store/store.js';
import { JobQueue } from './queue.js';

const PLANT = fileURLToPath(new URL('../../../fixtures/plant/plant.pcap', import.meta.url));

/** A pcap header, then `members` gzip members of `mib` MiB of zeros: empty records, ~1,000x compressed. */
function gzipBomb(mib: number, members: number): Buffer {
  const zeros = Buffer.alloc(mib << 20);
  const next = gzipSync(zeros);
  return Buffer.concat([gzipSync(Buffer.concat([pcapHeader(), zeros])), ...Array.from({ length: members - 1 }, () => next)]);
}

const until = async (what: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the job queue: bounds, cancellation, restarts, dead uploads', () => {
  let dir: string;
  let db: string;
  let uploads: string;
  let store: Store;
  const queues: JobQueue[] = [];
  const queue = (opts: Partial<ConstructorParameters<typeof JobQueue>[1]> = {}): JobQueue => {
    const q = new JobQueue(store, { uploadDir: uploads, ...opts });
    queues.push(q);
    return q;
  };
  /** An upload as the API stores it, queued. */
  const upload = (q: JobQueue, bytes: Buffer | string): string => {
    const { id, file } = q.reserve();
    if (typeof bytes === 'string') copyFileSync(bytes, file);
    else writeFileSync(file, bytes);
    q.enqueue(id, typeof bytes === 'string' ? 0 : bytes.length, 'test');
    return id;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-queue-'));
    db = join(dir, 'o.db');
    uploads = join(dir, 'uploads');
    store = new Store(db);
  });
  afterEach(async () => {
    for (const q of queues.splice(0)) {
      q.close();
      await q.idle();
    }
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a gzip bomb fails in seconds with the reason, stores nothing, and the next upload runs', async () => {
    const q = queue();
    const bombBytes = gzipBomb(64, 8); // 512 MiB of empty records from ~0.5 MB
    const bomb = upload(q, bombBytes);
    const plant = upload(q, PLANT);
    const t0 = performance.now();
    await until(() => q.get(bomb)!.status === 'failed');
    const seconds = (performance.now() - t0) / 1000;
    expect(q.get(bomb)!.error).toMatch(/^gzip expands more than 100x .*: a decompression bomb, refused$/);
    expect(seconds).toBeLessThan(10);
    await q.idle();
    expect(q.get(plant)!.status).toBe('done');
    // the bomb is not recorded as analysed (a corrected upload is not 'skipped'), and its file is gone
    const printed = join(dir, 'bomb.gz');
    writeFileSync(printed, bombBytes);
    expect(store.knownCaptures([captureFingerprint(printed).fingerprint]).size).toBe(0);
    expect(readdirSync(uploads)).toEqual([]);
  });

  it('a queued job cancelled never runs; a running one stops at once and stores nothing; an ended one is left', async () => {
    // a bomb under a bound raised far past it runs for minutes: the job to cancel
    const q = queue({ gunzipBound: { ratio: 1e9, bytes: 2 ** 50 } });
    const long = upload(q, gzipBomb(64, 64));
    const waiting = upload(q, PLANT);
    await until(() => q.get(long)!.status === 'running' && q.get(long)!.progress.bytes > 0);
    expect(q.cancel(waiting, 'admin')).toMatchObject({ cancelled: true, job: { status: 'cancelled', error: 'cancelled by admin' } });
    const t0 = performance.now();
    expect(q.cancel(long, 'admin')!.cancelled).toBe(true);
    await q.idle();
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(q.get(long)).toMatchObject({ status: 'cancelled', result: null });
    expect(q.get(waiting)).toMatchObject({ status: 'cancelled', startedAt: null });
    expect(store.assets()).toEqual([]); // nothing of either was stored
    expect(readdirSync(uploads)).toEqual([]);
    expect(q.cancel(long, 'admin')!.cancelled).toBe(false);
    expect(q.cancel('00000000-0000-4000-8000-000000000000', 'admin')).toBeUndefined();
  });

  it('a job cancelled from another process (otwatch jobs cancel) stops within a progress interval', async () => {
    const q = queue({ gunzipBound: { ratio: 1e9, bytes: 2 ** 50 } });
    const long = upload(q, gzipBomb(64, 64));
    await until(() => q.get(long)!.status === 'running' && q.get(long)!.progress.bytes > 0);
    const other = new Store(db);
    try {
      expect(new JobsRepository(other.db).cancel(long, 'cli')).toBe(true);
    } finally {
      other.close();
    }
    const t0 = performance.now();
    await q.idle();
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(q.get(long)).toMatchObject({ status: 'cancelled', error: 'cancelled by cli' });
  });

  it('at start: cancelled and failed jobs stay ended, a crash-cut job runs again, dead uploads are removed', async () => {
    const q1 = queue();
    const repo = new JobsRepository(store.db);
    const put = (status: 'cancelled' | 'failed' | 'running', name = `${q1.reserve().id}`) => {
      const file = q1.fileFor(name);
      copyFileSync(PLANT, file);
      repo.insert(name, file, 1, 'test');
      if (status === 'running') repo.start(name);
      else if (status === 'failed') repo.fail(name, 'refused');
      else {
        repo.start(name);
        repo.cancel(name, 'admin'); // cancelled while running, then the process died
      }
      return name;
    };
    q1.close();
    const cancelled = put('cancelled');
    const failed = put('failed');
    const crashed = put('running');
    // an upload cut by a crash, and files the queue does not own
    writeFileSync(join(uploads, `${q1.reserve().id}.capture.part`), 'half');
    writeFileSync(join(uploads, 'notes.txt'), 'mine');
    const q2 = queue();
    expect(q2.recover()).toEqual({ requeued: 1, failed: 0, removed: 3 });
    await q2.idle();
    expect(q2.get(cancelled)).toMatchObject({ status: 'cancelled', attempts: 1, startedAt: expect.any(String) });
    expect(q2.get(failed)).toMatchObject({ status: 'failed', attempts: 0 });
    expect(q2.get(crashed)).toMatchObject({ status: 'done', attempts: 2 });
    expect(readdirSync(uploads)).toEqual(['notes.txt']);
  });

  it('a clean stop puts the running job back without counting the attempt', async () => {
    const q = queue({ gunzipBound: { ratio: 1e9, bytes: 2 ** 50 } });
    const long = upload(q, gzipBomb(64, 64));
    await until(() => q.get(long)!.status === 'running' && q.get(long)!.progress.bytes > 0);
    q.close();
    await q.idle();
    expect(q.get(long)).toMatchObject({ status: 'queued', attempts: 0, error: 'interrupted by a server stop; queued again' });
    expect(existsSync(q.fileFor(long))).toBe(true);
  });
});
