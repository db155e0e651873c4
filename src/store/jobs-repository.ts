/**
 * The capture analysis jobs' rows (src/analysis/jobs/queue.ts runs them, `otwatch jobs` lists and cancels them):
 * every statement on the jobs table. A job ends in one of three states, and only a 'running' job is finished by
 * its run: a cancellation recorded meanwhile (by the API or by the CLI in another process) is never overwritten.
 */
import type { DB } from './database.js';

export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

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

export interface JobRow {
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

export const toJob = (r: JobRow): Job => ({
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

const now = (): string => new Date().toISOString();

export class JobsRepository {
  constructor(private readonly db: DB) {}

  insert(id: string, file: string, size: number, createdBy: string | null): void {
    this.db
      .prepare("INSERT INTO jobs (id, kind, status, file, size, created_by, created_at) VALUES (?, 'capture', 'queued', ?, ?, ?, ?)")
      .run(id, file, size, createdBy, now());
  }

  row(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  /** The newest first, at most `limit`. */
  list(limit: number): JobRow[] {
    return this.db.prepare('SELECT * FROM jobs ORDER BY created_at DESC, rowid DESC LIMIT ?').all(limit) as JobRow[];
  }

  counts(): Record<JobStatus, number> {
    const out = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const r of this.db.prepare('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as { status: JobStatus; n: number }[])
      out[r.status] = r.n;
    return out;
  }

  /** Queued and running jobs, oldest first (start-up). */
  unfinished(): JobRow[] {
    return this.db.prepare("SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created_at, rowid").all() as JobRow[];
  }

  nextQueued(): JobRow | undefined {
    return this.db.prepare("SELECT * FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1").get() as JobRow | undefined;
  }

  /** Files of jobs that may still run: an upload directory's other files belong to no live job. */
  liveFiles(): Set<string> {
    return new Set(this.db.prepare("SELECT file FROM jobs WHERE status IN ('queued', 'running')").pluck().all() as string[]);
  }

  start(id: string): void {
    this.db.prepare("UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = ? WHERE id = ?").run(now(), id);
  }

  /** Progress of a running job; false when it is no longer running (cancelled from elsewhere). */
  progress(id: string, bytes: number, packets: number): boolean {
    return (
      this.db.prepare("UPDATE jobs SET bytes_done = ?, packets = ? WHERE id = ? AND status = 'running'").run(bytes, packets, id).changes > 0
    );
  }

  status(id: string): JobStatus | undefined {
    return this.db.prepare('SELECT status FROM jobs WHERE id = ?').pluck().get(id) as JobStatus | undefined;
  }

  /** Back in the queue (interrupted by a stop); `uncount` takes back the attempt a clean stop cut. */
  requeue(id: string, note: string, uncount = false): void {
    this.db
      .prepare(
        `UPDATE jobs SET status = 'queued', bytes_done = 0, packets = 0, error = ?${uncount ? ', attempts = MAX(attempts - 1, 0)' : ''} WHERE id = ? AND status = 'running'`,
      )
      .run(note, id);
  }

  done(id: string, packets: number, result: Record<string, unknown>): boolean {
    return (
      this.db
        .prepare(
          "UPDATE jobs SET status = 'done', finished_at = ?, error = NULL, packets = ?, result = ? WHERE id = ? AND status = 'running'",
        )
        .run(now(), packets, JSON.stringify(result), id).changes > 0
    );
  }

  /** Fails a job that has not ended otherwise (a cancellation stays a cancellation). */
  fail(id: string, error: string): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET status = 'failed', error = ?, finished_at = ? WHERE id = ? AND status IN ('queued', 'running')")
        .run(error, now(), id).changes > 0
    );
  }

  /**
   * Records a cancellation: a queued or running job becomes 'cancelled' at once, durably, so that a restart
   * never runs it again even if the process dies before the analysis stops. False when it had ended already.
   */
  cancel(id: string, by: string | null): boolean {
    return (
      this.db
        .prepare("UPDATE jobs SET status = 'cancelled', finished_at = ?, error = ? WHERE id = ? AND status IN ('queued', 'running')")
        .run(now(), `cancelled${by ? ` by ${by}` : ''}`, id).changes > 0
    );
  }

  /** A cancelled job whose analysis had been stored before the cancellation could stop it: say so, with its result. */
  noteStoredAfterCancel(id: string, packets: number, result: Record<string, unknown>): void {
    this.db
      .prepare("UPDATE jobs SET packets = ?, result = ?, error = error || ? WHERE id = ? AND status = 'cancelled'")
      .run(packets, JSON.stringify(result), '; too late: the analysis had been stored already', id);
  }
}
