/**
 * One stored upload through analyzeCaptures (fingerprint, skip a capture already merged, pipeline,
 * inventory, one transaction) into the API's open store, reporting progress (bytes read from the
 * file, packets decoded) as it goes, summed up for the job's result.
 */
import type { Logger } from 'pino';
import type { ProtocolModule } from '../../core/events.js';
import { analyzeCaptures } from '../analyze-captures.js';
import type { PipelineCounters } from '../../core/counters.js';
import type { CaptureReadLimits } from '../../capture/index.js';
import type { Store } from '../../store/store.js';

export interface CaptureProgress {
  bytes: number;
  packets: number;
}

export interface CaptureAnalysis {
  skipped: boolean;
  packets: number;
  assets: number;
  paths: number;
  newAssets: number;
  newPaths: number;
  changes: number;
  /** Where reading stopped early (truncated or corrupt capture): what was read is still merged. */
  captureError?: { message: string; offset: number; record: number };
  counters?: PipelineCounters;
}

export async function analyzeStoredCapture(
  store: Store,
  file: string,
  onProgress: (p: CaptureProgress) => void,
  opts: { modules?: readonly ProtocolModule[]; log?: Logger; read?: CaptureReadLimits } = {},
): Promise<CaptureAnalysis> {
  const report = await analyzeCaptures([file], {
    store,
    modules: opts.modules,
    log: opts.log,
    onProgress: (bytes, packets) => onProgress({ bytes, packets }),
    // the decompression bound and the job's cancellation: either rejects, and nothing is stored
    read: opts.read,
  });
  const counters = report.stats?.otwatch;
  const read = counters?.files[0];
  const { assets, paths, newAssets, newPaths, changes } = report.store;
  return {
    skipped: report.skipped.length > 0,
    packets: read?.packets ?? 0,
    assets,
    paths,
    newAssets,
    newPaths,
    changes,
    ...(read?.error ? { captureError: read.error } : {}),
    ...(counters ? { counters } : {}),
  };
}
