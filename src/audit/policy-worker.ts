/**
 * The policy loader in a worker thread (started by policy-thread.ts): parsing and checking a large policy takes
 * seconds of CPU, which on the server's thread would stall every request, /health included.
 */
import { serialize } from 'node:v8';
import { parentPort } from 'node:worker_threads';
import { loadPolicyText } from './policy-load.js';
import type { PolicyError } from './policy-types.js';

export interface PolicyJob {
  id: number;
  text: string;
  file: string;
}

/**
 * A loaded policy goes back serialised (v8.serialize, which keeps the intervals' bigints): bytes cost the server's
 * thread a copy, where an object graph of tens of thousands of nodes costs it ~50 ms of CPU to rebuild on receipt.
 * The server rebuilds it when it first needs it, on a request that reads the policy, not during the update.
 */
export type PolicyReply = { id: number; ok: true; serialized: Uint8Array } | { id: number; ok: false; errors: PolicyError[] };

parentPort?.on('message', (job: PolicyJob) => {
  const r = loadPolicyText(job.text, job.file);
  const reply: PolicyReply = r.ok ? { id: job.id, ok: true, serialized: serialize(r.policy) } : { id: job.id, ok: false, errors: r.errors };
  parentPort!.postMessage(reply);
});
