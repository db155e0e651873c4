/** What every route plugin gets: the store and the API's services over it. */
import type { Logger } from 'pino';
import type { JobQueue } from '../analysis/jobs/queue.js';
import type { Store } from '../store/store.js';
import type { FindingsStore } from '../store/findings-api-repository.js';
import type { PolicyStore } from '../store/policy-repository.js';
import type { Metrics } from './metrics.js';

export interface ApiContext {
  store: Store;
  findings: FindingsStore;
  policies: PolicyStore;
  jobs: JobQueue;
  metrics: Metrics;
  uploadLimit: number;
  /** Re-audits the store with the current policy (after a policy change). */
  reaudit(): { findings: number; opened: number; resolved: number } | null;
  /** reaudit() in a worker thread (a policy update): the server keeps answering while a large store is audited. */
  reauditOffThread(): Promise<{ findings: number; opened: number; resolved: number } | null>;
  log?: Logger;
}

/** A time filter: seconds since the epoch, or an ISO 8601 date (validated by timeParam first). */
export function parseTime(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v);
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}
