/**
 * A re-audit in a worker thread (started by audit-thread.ts): after a policy update the whole store is audited
 * again, seconds of CPU and thousands of finding rows for a large plant, which on the server's thread would hold
 * every request, /health included. The worker has its own connection to the database file (WAL: the server
 * keeps reading; writers wait for each other through the busy timeout).
 */
import { parentPort } from 'node:worker_threads';
import { loadPolicyText } from '../audit/policy-load.js';
import { Store } from '../store/store.js';
import { runAudit } from './run-audit.js';

export interface AuditJob {
  id: number;
  db: string;
  text: string;
  file: string;
  /** Send the opened findings back (else only their count). */
  opened: boolean;
}

export type AuditReply =
  | { id: number; ok: true; findings: number; resolved: number; opened: unknown[]; openedCount: number }
  | { id: number; ok: false; error: string };

parentPort?.on('message', (job: AuditJob) => {
  let reply: AuditReply;
  try {
    const loaded = loadPolicyText(job.text, job.file);
    if (!loaded.ok) throw new Error(`the stored policy does not load: ${loaded.errors[0]?.message ?? ''}`);
    const store = new Store(job.db);
    try {
      const r = runAudit(store, { policy: loaded.policy });
      reply = {
        id: job.id,
        ok: true,
        findings: r.findings.length - r.resolved,
        resolved: r.resolved,
        opened: job.opened ? r.opened : [],
        openedCount: r.opened.length,
      };
    } finally {
      store.close();
    }
  } catch (err) {
    reply = { id: job.id, ok: false, error: (err as Error).message ?? String(err) };
  }
  parentPort!.postMessage(reply);
});
