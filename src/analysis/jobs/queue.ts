/**
 * Capture analysis jobs, persisted in the database so that they survive a restart: one job at a
 * time (the pipeline is CPU-bound and the machine small), oldest first. The rows are
 * src/store/jobs-repository.ts's.
 *
 * What a restart does with each job:
 * - 'running' at start-up: the process died during it (a crash, kill -9, out of memory): queued again
 *   (analysis is one transaction, so a rerun counts nothing twice), up to MAX_ATTEMPTS, then failed with
 *   the reason. A clean stop (close()) puts its job back in the queue itself, without counting the attempt.
 * - 'cancelled' (API or `otwatch jobs cancel`) and 'failed' (an input refused, e.g. past the decompression
 *   bound): final, never run again. A cancellation is written before the analysis is stopped, so a process
 *   that dies in between does not run it again either.
 * - Upload files that belong to no queued or running job (a `.part` of an upload cut by a crash, the file of
 *   a job that ended while the server was down) are removed.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { GunzipBound } from '../../capture/index.js';
import { JobsRepository, toJob, type Job, type JobStatus } from '../../store/jobs-repository.js';
import type { Store } from '../../store/store.js';
import { analyzeStoredCapture, type CaptureAnalysis } from './capture-analysis.js';

export { JOB_STATUSES, type Job, type JobStatus } from '../../store/jobs-repository.js';
/** Attempts before a job that keeps dying with the process is given up. */
export const MAX_ATTEMPTS = 3;
/** Progress is written at most this often (ms): a row update per chunk would slow the analysis. */
export const PROGRESS_INTERVAL_MS = 500;
/** The names the queue gives uploads (`<uuid>.capture`, `.part` while it arrives): the only files start-up removes. */
const UPLOAD_NAME = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.capture(\.part)?$/;

/** The reason a cancelled job's analysis stops with. */
export class JobCancelled extends Error {
  constructor(readonly jobId: string) {
    super(`job ${jobId} cancelled`);
    this.name = 'JobCancelled';
  }
}

export interface JobQueueOptions {
  uploadDir: string;
  /** Runs after a capture was merged (the audit); its return value joins the job's result. */
  afterAnalysis?: (analysis: CaptureAnalysis) => Promise<Record<string, unknown>> | Record<string, unknown>;
  /** How far a gzip upload may expand (the capture reader's defaults otherwise: 100x, 64 GiB). */
  gunzipBound?: GunzipBound;
  log?: Logger;
}

export class JobQueue {
  private running = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  private readonly jobs: JobsRepository;
  /** The job being analysed, and how to stop it. */
  private current?: { id: string; abort: AbortController; stopping: boolean };

  constructor(
    private readonly store: Store,
    private readonly opts: JobQueueOptions,
  ) {
    this.jobs = new JobsRepository(store.db);
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
    this.jobs.insert(id, this.fileFor(id), size, createdBy);
    this.kick();
    return this.get(id)!;
  }

  get(id: string): Job | undefined {
    const r = this.jobs.row(id);
    return r && toJob(r);
  }

  counts(): Record<JobStatus, number> {
    return this.jobs.counts();
  }

  /**
   * Cancels a queued or running job: recorded at once (a restart will not run it), its analysis stopped at the
   * next chunk with nothing stored, its upload removed. `cancelled` is false for a job that had ended already.
   */
  cancel(id: string, by: string | null): { job: Job; cancelled: boolean } | undefined {
    const row = this.jobs.row(id);
    if (!row) return undefined;
    const cancelled = this.jobs.cancel(id, by);
    if (cancelled) {
      this.opts.log?.info({ job: id, by }, `job ${id} cancelled`);
      // the running analysis removes its file when it has stopped reading it
      if (this.current?.id === id) this.current.abort.abort(new JobCancelled(id));
      else rmSync(row.file, { force: true });
    }
    return { job: this.get(id)!, cancelled };
  }

  /** Start-up: re-queue what a crash interrupted, fail what cannot run, remove dead uploads, then start working. */
  recover(): { requeued: number; failed: number; removed: number } {
    let requeued = 0;
    let failed = 0;
    for (const r of this.jobs.unfinished()) {
      if (!existsSync(r.file)) {
        this.jobs.fail(r.id, 'the uploaded file is gone (removed while the server was stopped)');
        failed++;
      } else if (r.status === 'running' && r.attempts >= MAX_ATTEMPTS) {
        this.jobs.fail(r.id, `interrupted ${r.attempts} times (the server stopped during the analysis); given up`);
        rmSync(r.file, { force: true });
        failed++;
      } else if (r.status === 'running') {
        this.jobs.requeue(r.id, `interrupted by a server stop (attempt ${r.attempts}); queued again`);
        requeued++;
      }
    }
    const removed = this.removeDeadUploads();
    if (removed) this.opts.log?.info({ removed }, `removed ${removed} upload file(s) of no queued job (cut uploads, ended jobs)`);
    this.kick();
    return { requeued, failed, removed };
  }

  /**
   * Before the server listens no upload is in progress, so every `.part` is one a crash cut, and a `.capture`
   * that no queued or running job names can never run (its job ended, or the crash came before it was queued).
   */
  private removeDeadUploads(): number {
    const live = this.jobs.liveFiles();
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(this.opts.uploadDir);
    } catch {
      return 0;
    }
    for (const name of names) {
      if (!UPLOAD_NAME.test(name)) continue;
      const file = join(this.opts.uploadDir, name);
      if (!name.endsWith('.part') && live.has(file)) continue;
      try {
        rmSync(file, { force: true });
        removed++;
      } catch (err) {
        this.opts.log?.warn({ err, file }, 'cannot remove a dead upload');
      }
    }
    return removed;
  }

  /** Resolves when no job is running and, unless closed, none is queued (tests, shutdown). */
  idle(): Promise<void> {
    if (!this.running && (this.closed || !this.jobs.nextQueued())) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking new jobs. A running one goes back to the queue now, its attempt not counted (the stop is not
   * its fault), and its analysis is stopped: the database closes after this, and the next start runs it again.
   */
  close(): void {
    this.closed = true;
    const cur = this.current;
    if (!cur) return;
    cur.stopping = true;
    try {
      this.jobs.requeue(cur.id, 'interrupted by a server stop; queued again', true);
    } catch (err) {
      // a database that cannot take it: the job stays 'running' and the next start re-queues it as after a crash
      this.opts.log?.warn({ err, job: cur.id }, 'could not re-queue the running job at stop');
    }
    cur.abort.abort(new Error('the server is stopping'));
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
      for (let r = this.jobs.nextQueued(); r && !this.closed; r = this.jobs.nextQueued()) await this.runOne(r.id, r.file, r.size);
    } finally {
      this.running = false;
      const waiters = this.idleWaiters.splice(0);
      for (const w of waiters) w();
    }
  }

  private async runOne(id: string, file: string, size: number): Promise<void> {
    const jobs = this.jobs;
    const log = this.opts.log;
    jobs.start(id);
    const cur = { id, abort: new AbortController(), stopping: false };
    this.current = cur;
    let lastWrite = 0;
    // `otwatch jobs cancel` (another process) can only mark the row: look at it every progress interval. A timer,
    // not the progress callback: a gzip upload is read whole long before it is decompressed, and the reader
    // yields to the event loop between chunks, so the timer runs while the analysis does.
    const poll = setInterval(() => {
      try {
        if (jobs.status(id) === 'cancelled') cur.abort.abort(new JobCancelled(id));
      } catch {
        // the database closed under a stop: close() has dealt with the job
      }
    }, PROGRESS_INTERVAL_MS);
    poll.unref();
    try {
      const analysis = await analyzeStoredCapture(
        this.store,
        file,
        (p) => {
          const now = Date.now();
          if (now - lastWrite < PROGRESS_INTERVAL_MS && p.bytes < size) return;
          lastWrite = now;
          jobs.progress(id, p.bytes, p.packets);
        },
        { log, read: { gunzipBound: this.opts.gunzipBound, signal: cur.abort.signal } },
      );
      const extra = this.opts.afterAnalysis ? await this.opts.afterAnalysis(analysis) : {};
      const { counters: _c, ...summary } = analysis;
      const result = { ...summary, ...extra };
      if (!jobs.done(id, analysis.packets, result)) jobs.noteStoredAfterCancel(id, analysis.packets, result);
    } catch (err) {
      if (cur.stopping) return; // close() re-queued it; the file stays for the next start
      if (cur.abort.signal.aborted) log?.info({ job: id }, `job ${id} stopped: cancelled`);
      else {
        log?.error({ job: id, err }, `job ${id} failed`);
        jobs.fail(id, (err as Error).message ?? String(err));
      }
    } finally {
      clearInterval(poll);
      this.current = undefined;
    }
    rmSync(file, { force: true });
  }
}
