/**
 * One stored upload through the pipeline into the inventory database, reporting progress (bytes
 * read from the file, packets decoded) as it goes. Same steps as analyzeCaptures (fingerprint,
 * skip a capture already merged, pipeline, inventory, one transaction), with a progress hook that
 * analyzeCaptures does not have.
 */
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import type { Logger } from 'pino';
import { readCaptureStream } from '../../parsers/capture/index.js';
import { protocolModules } from '../../parsers/protocols.js';
import type { ProtocolModule } from '../../parsers/types.js';
import { captureFingerprint, serverRoleLookup } from '../analyze.js';
import type { PipelineCounters } from '../counters.js';
import { Inventory } from '../inventory/inventory.js';
import { Pipeline } from '../pipeline.js';
import { StatsCollector } from '../stats.js';
import type { Store } from '../store/store.js';

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
  label: string,
  onProgress: (p: CaptureProgress) => void,
  opts: { modules?: readonly ProtocolModule[]; log?: Logger } = {},
): Promise<CaptureAnalysis> {
  const modules = opts.modules ?? protocolModules;
  const serverRoleOf = serverRoleLookup(modules);
  const { fingerprint, size } = captureFingerprint(file);
  if (store.knownCaptures([fingerprint]).size) {
    return { skipped: true, packets: 0, assets: 0, paths: 0, newAssets: 0, newPaths: 0, changes: 0 };
  }
  const inventory = new Inventory({ serverRoleOf });
  const pipeline = new Pipeline(new StatsCollector(modules, inventory), { modules, log: opts.log });
  let bytes = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      onProgress({ bytes, packets: pipeline.counters.packets });
      done(null, chunk);
    },
  });
  const source = createReadStream(file);
  source.on('error', (err) => counting.destroy(err));
  const result = await readCaptureStream(source.pipe(counting), pipeline.packet);
  pipeline.endCapture(label, result);
  onProgress({ bytes, packets: pipeline.counters.packets });
  const saved = store.save(inventory.result(), {
    serverRoleOf,
    captures: [{ fingerprint, file: label, size, packets: result.packets }],
  });
  return {
    skipped: false,
    packets: result.packets,
    assets: saved.assets,
    paths: saved.paths,
    newAssets: saved.newAssets,
    newPaths: saved.newPaths,
    changes: saved.changes,
    captureError: result.error,
    counters: pipeline.counters,
  };
}
