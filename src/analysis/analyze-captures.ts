/**
 * `analyzeCaptures`: captures → pipeline → inventory (+ oracle-format stats) → store → report.
 * The audit (zoning/) plugs in as an optional step: it receives the stored assets and the paths as this
 * analysis saw them (its own operations and facts), so that a finding resolves when its traffic stops.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { CaptureReadLimits } from '../capture/index.js';
import { protocolModules } from '../protocols/registry.js';
import type { ProtocolModule } from '../core/events.js';
import { Inventory, type InventoryState } from '../inventory/inventory.js';
import { inventoryShardSink } from '../inventory/shard-sink.js';
import type { PipelineCounters } from '../core/counters.js';
import type { Asset, InventoryChange, Path } from '../core/model.js';
import { runPipeline, type ProgressHandler } from '../pipeline/pipeline.js';
import { runSharded, StatsCollector, type StatsReport } from '../pipeline/statistics.js';
import { Store, type CaptureRecord, type SaveResult } from '../store/store.js';
import { rematchWithStoredPolicy } from './rematch-stored.js';

export const DEFAULT_DB = './otwatch.db';

export interface AuditInput {
  assets: Asset[];
  paths: Path[];
  policy?: string;
  store: Store;
  /** Only traffic seen since then counts (the live agent's active window); all of `paths` otherwise. */
  activeSince?: number;
}
/** The zone/conduit audit: returns findings for the report (and may store them through `store`). */
export type AuditStep = (input: AuditInput) => Promise<unknown[]> | unknown[];

export interface AnalyzeOptions {
  /**
   * The capture reader's decompression bound and a signal that stops the analysis (a cancelled job): either
   * rejects, and nothing is stored. One thread only: a sharded analysis reads with the default bound.
   */
  read?: CaptureReadLimits;
  /** Database file (default ./otwatch.db); ':memory:' keeps nothing. */
  db?: string;
  /** Write the JSON report to this file, or to stdout with '-'. */
  report?: string;
  /**
   * Build the protocol sections of the statistics (the oracle-format counts per protocol). Default: only when a
   * JSON `report` is written, the one place they appear; the pipeline counters are always kept.
   */
  sections?: boolean;
  policy?: string;
  audit?: AuditStep;
  log?: Logger;
  /** Seconds without traffic after which an asset is reported silent. */
  silentAfter?: number;
  modules?: readonly ProtocolModule[];
  /** Called as the captures are read: bytes of the files read so far, packets decoded so far. */
  onProgress?: ProgressHandler;
  /** An open store to merge into (the API's connection), left open; `db` is ignored then. */
  store?: Store;
  /** Open flows kept at most (default 32,768): past it the oldest flows without payload end first. */
  maxFlows?: number;
  /**
   * Shards (default 1): this thread and `workers - 1` worker threads each decode every packet, keep the flows of
   * their hash and build their part of the inventory, merged here once (the same result as one thread). Custom
   * `modules` cannot cross to a worker: with them the analysis runs in this thread.
   */
  workers?: number;
}

export interface AnalysisReport {
  files: string[];
  /** Captures already merged into the database earlier: not analysed again, so no traffic counts twice. */
  skipped: { file: string; reason: string }[];
  stats: StatsReport | null;
  assets: Asset[];
  paths: Path[];
  changes: InventoryChange[];
  findings?: unknown[];
  store: Omit<SaveResult, 'assetIds' | 'pathIds' | 'saved'> & { db: string; ms: { pipeline: number; inventory: number; store: number } };
}

/** Bytes hashed at each end of a capture for its fingerprint (a whole-file hash would read big captures twice). */
const FINGERPRINT_EDGE = 1 << 20;

/** Identifies a capture by size and content of its first and last MiB: stable across renames and copies. */
export function captureFingerprint(path: string): { fingerprint: string; size: number } {
  const size = statSync(path).size;
  const h = createHash('sha256').update(`${size}:`);
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(FINGERPRINT_EDGE, size));
    h.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)));
    if (size > FINGERPRINT_EDGE)
      h.update(buf.subarray(0, readSync(fd, buf, 0, buf.length, Math.max(FINGERPRINT_EDGE, size - FINGERPRINT_EDGE))));
  } finally {
    closeSync(fd);
  }
  return { fingerprint: h.digest('hex'), size };
}

/** The registry's serverRole for a protocol name; 's7commplus' falls back to the 's7comm' module's. */
export function serverRoleLookup(modules: readonly ProtocolModule[]): (protocol: string) => string | undefined {
  const exact = new Map(modules.map((m) => [m.name, m.serverRole]));
  return (protocol) => {
    if (exact.has(protocol)) return exact.get(protocol);
    const prefix = modules.find((m) => protocol.startsWith(m.name));
    return prefix?.serverRole;
  };
}

export async function analyzeCaptures(paths: string[], opts: AnalyzeOptions = {}): Promise<AnalysisReport> {
  const modules = opts.modules ?? protocolModules;
  const serverRoleOf = serverRoleLookup(modules);
  // a database this analysis creates is written once, through a rollback journal, and left in WAL mode at close
  const store = opts.store ?? new Store(opts.db ?? DEFAULT_DB, { rollbackJournalWhenNew: true });
  const dbFile = store.file;
  const log = opts.log;
  try {
    const prints = paths.map((p) => ({ file: p, ...captureFingerprint(p) }));
    const known = store.knownCaptures(prints.map((p) => p.fingerprint));
    const skipped = prints
      .filter((p) => known.has(p.fingerprint))
      .map((p) => ({ file: p.file, reason: 'already analysed into this database' }));
    for (const s of skipped) log?.info({ file: s.file }, `${s.file}: ${s.reason}, skipped`);
    const todo = prints.filter((p) => !known.has(p.fingerprint));

    const t0 = performance.now();
    let inventory = new Inventory({ serverRoleOf, silentAfter: opts.silentAfter });
    let counters: PipelineCounters | null = null;
    let sections: Record<string, object> = {};
    const files = todo.map((p) => p.file);
    const flow = opts.maxFlows ? { maxFlows: opts.maxFlows } : undefined;
    const workers = Math.max(1, Math.floor(opts.workers ?? 1));
    const withSections = opts.sections ?? opts.report !== undefined;
    if (files.length && workers > 1 && !opts.modules) {
      const sharded = await runSharded(files, {
        workers,
        flow,
        log,
        sink: inventory,
        shardSink: inventoryShardSink({ silentAfter: opts.silentAfter }),
        onProgress: opts.onProgress,
        sections: withSections,
      });
      if (sharded) {
        for (const state of sharded.states) inventory.mergeState(state as InventoryState);
        counters = sharded.counters;
        sections = sharded.sections;
      } else {
        log?.warn('analyze: shard statistics could not be merged; analysing again in one thread');
        inventory = new Inventory({ serverRoleOf, silentAfter: opts.silentAfter });
      }
    }
    if (files.length && !counters) {
      const collector = withSections ? new StatsCollector(modules, inventory) : undefined;
      counters = await runPipeline(files, collector ?? inventory, { modules, log, onProgress: opts.onProgress, flow, read: opts.read });
      sections = collector?.sections() ?? {};
    }
    const t1 = performance.now();
    const result = inventory.result();
    const t2 = performance.now();
    log?.info(
      { assets: result.assets.length, paths: result.paths.length },
      `storing ${result.assets.length} assets and ${result.paths.length} paths into ${dbFile}`,
    );
    const packetsByFile = new Map((counters?.files ?? []).map((f) => [f.file, f.packets]));
    // a file that held no capture (a gzip of something else) is not recorded: it was not analysed
    const noCapture = new Set((counters?.files ?? []).filter((f) => f.format === 'unknown').map((f) => f.file));
    const captures: CaptureRecord[] = todo
      .filter((p) => !noCapture.has(p.file))
      .map((p) => ({
        fingerprint: p.fingerprint,
        file: basename(p.file),
        size: p.size,
        packets: packetsByFile.get(p.file) ?? 0,
      }));
    const saved = store.save(result, { serverRoleOf, silentAfter: opts.silentAfter, captures });
    // without an audit (which matches them itself) identities that changed are matched to advisories here
    if (!opts.audit) await rematchWithStoredPolicy(store.db);
    const t3 = performance.now();

    const stats: StatsReport | null = counters
      ? { file: todo.map((p) => basename(p.file)).join(','), packets: counters.packets, ...sections, otwatch: counters }
      : null;
    // the rows as save wrote them, without reading them back
    const { assetIds: _a, pathIds: _p, saved: written, ...counts } = saved;
    const assets = written.assets;
    const storedPaths = written.paths;
    const report: AnalysisReport = {
      files: todo.map((p) => p.file),
      skipped,
      stats,
      assets,
      paths: storedPaths,
      changes: result.changes,
      store: { db: dbFile, ...counts, ms: { pipeline: round(t1 - t0), inventory: round(t2 - t1), store: round(t3 - t2) } },
    };
    if (opts.audit && todo.length > 0) {
      // the paths as this analysis saw them: a write that stopped no longer keeps its finding open
      report.findings = await opts.audit({ assets: store.assets(), paths: result.paths, policy: opts.policy, store });
    } else if (opts.audit) {
      log?.info('no new capture: the audit keeps the stored findings as they are');
    }
    if (opts.report === '-') process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    else if (opts.report) writeFileSync(opts.report, JSON.stringify(report, null, 2) + '\n');
    return report;
  } finally {
    if (!opts.store) store.close();
  }
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
