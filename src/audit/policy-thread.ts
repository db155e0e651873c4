/**
 * loadPolicyText off the caller's thread, for the API: one worker thread, started on first use and kept (unref'd,
 * it never holds the process open), one policy at a time. The worker has its own heap limit and a deadline, so
 * that a hostile policy costs that thread, never the server: past either, the answer is a load error and the
 * next call starts a fresh worker.
 */
import { deserialize, serialize } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { loadPolicyText } from './policy-load.js';
import type { Policy, PolicyError } from './policy-types.js';
import type { PolicyJob, PolicyReply } from './policy-worker.js';

/** A policy loaded in the worker: valid, as bytes that `policyFrom` turns into the Policy when it is needed; or the errors. */
export type OffThreadLoad = { ok: true; serialized: Uint8Array } | { ok: false; errors: PolicyError[] };

/** The Policy of an OffThreadLoad (tens of milliseconds for a large policy: call it where the policy is used). */
export function policyFrom(serialized: Uint8Array): Policy {
  return deserialize(serialized) as Policy;
}

/** Longest a policy may take to load in the worker (a 1 MiB policy, the API's body limit, takes about a second). */
export const POLICY_LOAD_TIMEOUT_MS = 60_000;
/** The worker's old-generation heap (MiB): a policy that needs more is refused, the server is not starved. */
export const POLICY_WORKER_HEAP_MB = 1024;

let worker: Worker | undefined;
let nextId = 1;
let queue: Promise<unknown> = Promise.resolve();

function startWorker(): Worker {
  // from sources (tests, tsx) the worker is TypeScript: the same bootstrap as src/pipeline/shard-pool.ts
  const fromSources = import.meta.url.endsWith('.ts');
  const url = new URL(fromSources ? './policy-worker.ts' : './policy-worker.js', import.meta.url);
  const options = { execArgv: [], resourceLimits: { maxOldGenerationSizeMb: POLICY_WORKER_HEAP_MB } };
  const w = fromSources
    ? new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url.href)}); })`, {
        ...options,
        eval: true,
      })
    : new Worker(url, options);
  w.unref();
  const drop = () => {
    if (worker === w) worker = undefined;
  };
  w.once('exit', drop).once('error', drop);
  return w;
}

function onThisThread(text: string, file: string): OffThreadLoad {
  const r = loadPolicyText(text, file);
  return r.ok ? { ok: true, serialized: serialize(r.policy) } : r;
}

function failure(file: string, message: string): OffThreadLoad {
  return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message }] };
}

function runInWorker(text: string, file: string, timeoutMs: number): Promise<OffThreadLoad> {
  const w = (worker ??= startWorker());
  const id = nextId++;
  w.ref(); // a load in progress keeps the process up
  return new Promise<OffThreadLoad>((resolve) => {
    const done = (r: OffThreadLoad) => {
      clearTimeout(timer);
      w.off('message', onMessage).off('error', onError).off('exit', onExit);
      w.unref();
      resolve(r);
    };
    const onMessage = (m: PolicyReply) => {
      if (m.id === id) done(m.ok ? { ok: true, serialized: m.serialized } : { ok: false, errors: m.errors });
    };
    const onError = (e: Error) => {
      worker = undefined;
      void w.terminate();
      // the policy needs more than the worker's heap: refused, the server's heap is not the next to try
      if ((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY')
        return done(failure(file, `cannot load the policy: it needs more than ${POLICY_WORKER_HEAP_MB} MiB`));
      // the thread could not run (its file missing from a package, ...): the answer still matters more than the
      // server's responsiveness, so the policy is loaded here
      done(onThisThread(text, file));
    };
    const onExit = (code: number) => done(failure(file, `cannot load the policy: the loader thread stopped (exit code ${code})`));
    const timer = setTimeout(() => {
      worker = undefined;
      w.off('exit', onExit);
      void w.terminate();
      done(
        failure(
          file,
          `cannot load the policy: loading took longer than ${timeoutMs >= 1000 ? `${Math.round(timeoutMs / 1000)} s` : `${timeoutMs} ms`}`,
        ),
      );
    }, timeoutMs);
    w.on('message', onMessage).once('error', onError).once('exit', onExit);
    w.postMessage({ id, text, file } satisfies PolicyJob);
  });
}

/**
 * The policy loaded in the worker thread; the same answer as loadPolicyText. Calls wait for each other: one
 * policy at a time is enough for an administrator's updates and keeps the worker's memory to one policy.
 * Where no worker can start (a bundle without the worker file), it loads on the caller's thread.
 */
export function loadPolicyOffThread(text: string, file = '<policy>', timeoutMs = POLICY_LOAD_TIMEOUT_MS): Promise<OffThreadLoad> {
  const run = queue.then(() => {
    try {
      return runInWorker(text, file, timeoutMs);
    } catch {
      return onThisThread(text, file);
    }
  });
  queue = run.catch(() => undefined);
  return run;
}
