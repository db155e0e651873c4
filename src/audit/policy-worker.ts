/**
 * The policy loader in a worker thread (started by policy-thread.ts): parsing and checking a large policy takes
 * seconds of CPU, which on the server's thread would stall every request, /health included.
 */
import { parentPort } from 'node:worker_threads';
import { loadPolicyText } from './policy-load.js';

export interface PolicyJob {
  id: number;
  text: string;
  file: string;
}

// The result goes back by structured clone, which carries the intervals' bigints as they are.
parentPort?.on('message', (job: PolicyJob) => {
  parentPort!.postMessage({ id: job.id, result: loadPolicyText(job.text, job.file) });
});
