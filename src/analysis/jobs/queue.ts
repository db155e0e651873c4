/**
 * Capture analysis jobs, persisted in the database so that they survive a restart: one job at a
 * time (the pipeline is CPU-bound and the machine small), oldest first. A job found 'running' at
 * start-up was cut by a crash or a stop: it is queued again (analysis is one transaction, so a
 * rerun counts nothing twice), up to MAX_ATTEMPTS, then marked failed with the reason.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Store } from '../../store/store.js';
import { analyzeStoredCapture, type CaptureAnalysis } from './capture-analysis.js';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Attempts before a job that keeps dying with the process is given up. */
export const MAX_ATTEMPTS = 3;
/** Progress is written at most this often (ms): a row update per chunk would slow the analysis. */
export const PROGRESS_INTERVAL_MS = 500;

export interface Job {
  id: string;
  kind: 'capture';
  status: JobStatus;
  size: number;
  progress: { bytes: number; packets: number };
  attempts: number;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  result: Record<string, unknown> | null;
}

interface JobRow {
  id: string;
  kind: 'capture';
  status: JobStatus;
  file: string;
  size: number;
  bytes_done: number;
  packets: number;
  attempts: number;
  created_by: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  error: string | null;
  result: string | null;
}

const toJob = (r: JobRow): Job => ({
  id: r.id,
  kind: r.kind,
  status: r.status,
  size: r.size,
  progress: { bytes: r.bytes_done, packets: r.packets },
  attempts: r.attempts,
  createdBy: r.created_by,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  error: r.error,
  result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
});

export interface JobQueueOptions {
  uploadDir: string;
  /** Runs after a capture was merged (the audit); its return value joins the job's result. */
  afterAnalysis?: (analysis: CaptureAnalysis) => Promise<Record<string, unknown>> | Record<string, unknown>;
  log?: Logger;
}

export class JobQueue {
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly store: Store,
    private readonly opts: JobQueueOptions,
  ) {
    mkdirSync(opts.uploadDir, { recursive: true, mode: 0o700 });
  }

  /** A fresh job id (random: ids are not guessable) and the server-chosen file it uploads into. */
  reserve(): { id: string; file: string } {
    const id = randomUUID();
    return { id, file: this.fileFor(id) };
  }

  /** The upload's path: from the job id only, never from anything the client sent. */
  fileFor(id: string): string {
    return join(this.opts.uploadDir, `${id}.capture`);
  }

  enqueue(id: string, size: number, createdBy: string | null): Job {
    this.store.db
      .prepare("INSERT INTO jobs (id, kind, status, file, size, created_by, created_at) VALUES (?, 'capture', 'queued', ?, ?, ?, ?)")
      .run(id, this.fileFor(id), size, createdBy, new Date().toISOString());
    this.kick();
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    const r = this.store.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return r && toJob(r);
  }

  counts(): Record<JobStatus, number> {
    const out = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const r of this.store.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as {
      status: JobStatus;
      n: number;
    }[])
      out[r.status] = r.n;
    return out;
  }

  /** Start-up: re-queue what a stop interrupted, fail what cannot run, then start working. */
  recover(): { requeued: number; failed: number } {
    const db = this.store.db;
    let requeued = 0;
    let failed = 0;
    const rows = db.prepare("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at").all() as JobRow[];
    for (const r of rows) {
      if (!existsSync(r.file)) {
        this.fail(r.id, 'the uploaded file is gone (removed while the server was stopped)');
        failed++;
      } else if (r.status === 'running' && r.attempts >= MAX_ATTEMPTS) {
        this.fail(r.id, `interrupted ${r.attempts} times (the server stopped during the analysis); given up`);
        rmSync(r.file, { force: true });
        failed++;
      } else if (r.status === 'running') {
        db.prepare("UPDATE jobs SET status = 'queued', bytes_done = 0, packets = 0, error = ? WHERE id = ?").run(
          `interrupted by a server stop (attempt ${r.attempts}); queued again`,
          r.id,
        );
        requeued++;
      }
    }
    this.kick();
    return { requeued, failed };
  }

  /** Resolves when no job is queued or running (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.running && !this.nextQueued()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking new jobs; a running one finishes (or is re-queued at the next start). */
  close(): void {
    this.closed = true;
  }

  private nextQueued(): JobRow | undefined {
    return this.store.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1").get() as
      JobRow | undefined;
  }

  private fail(id: string, error: string): void {
    this.store.db
      .prepare("UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ?")
      .run(error, new Date().toISOString(), id);
  }

  private kick(): void {
    if (this.running || this.closed) return;
    this.running = true;
    // After close() the database may be gone under a running job: it stays 'running' in the file
    // and recover() queues it again at the next start, so the error here is expected, not lost.
    setImmediate(() => this.loop().catch((err) => this.opts.log?.warn({ err }, 'job loop stopped')));
  }

  private async loop(): Promise<void> {
    try {
      for (let r = this.nextQueued(); r && !this.closed; r = this.nextQueued()) await this.runOne(r);
    } finally {
      this.running = false;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private async runOne(r: JobRow): Promise<void> {
    const db = this.store.db;
    db.prepare("UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ? WHERE id = ?").run(
      new Date().toISOString(),
      r.id,
    );
    const progress = db.prepare('UPDATE jobs SET bytes_done = ?, packets = ? WHERE id = ?');
    let lastWrite = 0;
    try {
      const analysis = await analyzeStoredCapture(
        this.store,
        r.file,
        (p) => {
          const now = Date.now();
          if (now - lastWrite < PROGRESS_INTERVAL_MS && p.bytes < r.size) return;
          lastWrite = now;
          progress.run(p.bytes, p.packets, r.id);
        },
        { log: this.opts.log },
      );
      const extra = this.opts.afterAnalysis ? await this.opts.afterAnalysis(analysis) : {};
      const { counters: _c, ...summary } = analysis;
      db.prepare("UPDATE jobs SET status = 'done', finished_at = ?, error = NULL, packets = ?, result = ? WHERE id = ?").run(
        new Date().toISOString(),
        analysis.packets,
        JSON.stringify({ ...summary, ...extra }),
        r.id,
      );
      rmSync(r.file, { force: true });
    } catch (err) {
      this.opts.log?.error({ job: r.id, err }, `job ${r.id} failed`);
      this.fail(r.id, (err as Error).message ?? String(err));
      rmSync(r.file, { force: true });
    }
  }
}
