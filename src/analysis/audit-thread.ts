/**
 * runAudit of a whole database off the caller's thread, for the API's policy update: one worker thread, started
 * on first use and kept (unref'd), one audit at a time. The same bootstrap as src/pipeline/shard-pool.ts.
 */
import { Worker } from 'node:worker_threads';
import type { StoredFinding } from '../store/findings-repository.js';
import type { AuditJob, AuditReply } from './audit-worker.js';

/** Longest a re-audit may take in the worker before it is stopped (its transaction then leaves the store as it was). */
export const AUDIT_THREAD_TIMEOUT_MS = 10 * 60_000;

export interface AuditSummary {
  findings: number;
  resolved: number;
  /** The opened findings (empty when not asked for), and how many there were. */
  opened: StoredFinding[];
  openedCount: number;
}

let worker: Worker | undefined;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

function startWorker(): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './audit-worker.ts' : './audit-worker.js', import.meta.url);
  const w = fromSources
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, {
        eval: true,
        execArgv: [],
      })
    : new Worker(url, { execArgv: [] });
  w.unref();
  const drop = () => {
    if (worker === w) worker = undefined;
  };
  w.once('exit', drop).once('error', drop);
  return w;
}

function run(job: Omit<AuditJob, 'id'>, timeoutMs: number): Promise<AuditSummary> {
  const w = (worker ??= startWorker());
  const id = nextId++;
  w.ref();
  return new Promise<AuditSummary>((resolve, reject) => {
    const finish = () => {
      clearTimeout(timer);
      w.off('message', onMessage).off('error', onError).off('exit', onExit);
      w.unref();
    };
    const onMessage = (m: AuditReply) => {
      if (m.id !== id) return;
      finish();
      if (m.ok) resolve({ findings: m.findings, resolved: m.resolved, opened: m.opened as StoredFinding[], openedCount: m.openedCount });
      else reject(new Error(m.error));
    };
    const onError = (e: Error) => {
      finish();
      worker = undefined;
      void w.terminate();
      reject(e);
    };
    const onExit = (code: number) => {
      finish();
      reject(new Error(`the audit thread stopped (exit code ${code})`));
    };
    const timer = setTimeout(() => {
      finish();
      worker = undefined;
      void w.terminate();
      reject(new Error(`the re-audit took longer than ${Math.round(timeoutMs / 1000)} s and was stopped`));
    }, timeoutMs);
    w.on('message', onMessage).once('error', onError).once('exit', onExit);
    w.postMessage({ id, ...job } satisfies AuditJob);
  });
}

/**
 * The database file `db` audited against the policy `text` in the worker; rejects with the reason when it fails.
 * `opened: false` leaves the opened findings in the worker (only their count comes back): thousands of them cost
 * the receiving thread a pause to copy, and only a syslog forwarder reads them.
 */
export function runAuditOffThread(
  db: string,
  text: string,
  opts: { file?: string; timeoutMs?: number; opened?: boolean } = {},
): Promise<AuditSummary> {
  const job = { db, text, file: opts.file ?? 'policy.yaml', opened: opts.opened ?? true };
  const p = queue.then(() => run(job, opts.timeoutMs ?? AUDIT_THREAD_TIMEOUT_MS));
  queue = p.catch(() => undefined);
  return p;
}
