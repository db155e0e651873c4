/**
 * The live agent: a mirror port → the same pipeline as captures → inventory windows flushed to SQLite every
 * few seconds → the audit. A crash loses at most the last window; a restart merges into what is stored. Flushes
 * run one at a time and take at most a quarter of the thread (src/live/flush-schedule.ts): a plant whose flush is
 * slow gets longer windows, and the log says so, rather than a pipeline that falls behind the capture.
 */
import type { Logger } from 'pino';
import { protocolModules } from '../protocols/registry.js';
import { Inventory } from '../inventory/inventory.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { Store, type SaveResult } from '../store/store.js';
import { serverRoleLookup, type AuditStep } from '../analysis/analyze-captures.js';
import { LiveSource, type LiveStats } from '../capture/live-source.js';
import { EvidenceRing } from '../capture/evidence-ring.js';
import { checkInterface } from '../capture/preflight.js';
import { StoredMirror } from './stored-mirror.js';
import { FlushSchedule } from './flush-schedule.js';
import { rematchWithStoredPolicy } from '../analysis/rematch-stored.js';

export interface LiveAgentOptions {
  iface: string;
  filter?: string;
  snaplen?: number;
  bufferMb?: number;
  promisc?: boolean;
  db: string;
  policy?: string;
  audit?: AuditStep;
  flushSeconds: number;
  silentAfter?: number;
  /** Open flows kept at most (src/flows/flow-table.ts; default 32,768). */
  maxFlows?: number;
  evidence?: { dir: string; maxMb: number; fileMb?: number };
  log: Logger;
}

/** What /metrics and the logs report about the live agent. */
export interface LiveMetrics {
  packets: number;
  bytes: number;
  capture: LiveStats;
  decodeErrors: number;
  malformedFrames: number;
  activeFlows: number;
  flushes: number;
  lastFlush: number | null;
  lastFlushMs: number;
  findings: number;
}

export class LiveAgent {
  private readonly serverRoleOf = serverRoleLookup(protocolModules);
  private readonly store: Store;
  /** The stored assets and paths the audit looks at, without reading them back at every flush. */
  private readonly mirror: StoredMirror;
  private readonly inventory: Inventory;
  private readonly pipeline: Pipeline;
  private readonly source: LiveSource;
  private readonly ring?: EvidenceRing;
  private schedule?: FlushSchedule;
  private stretchWarned = false;
  private lastDrops = 0;
  /** Packets and wall time at the last flush: the rate logged with each flush is over the window since. */
  private lastRate = { packets: 0, at: performance.now() };
  private stopping?: Promise<void>;
  readonly metrics: LiveMetrics;

  constructor(private readonly o: LiveAgentOptions) {
    const pre = checkInterface(o.iface);
    if (!pre.ok) throw new Error(pre.problems.join('; '));
    for (const w of pre.warnings) o.log.warn(w);
    this.store = new Store(o.db);
    this.mirror = new StoredMirror(this.store);
    this.inventory = new Inventory({ serverRoleOf: this.serverRoleOf, silentAfter: o.silentAfter });
    this.pipeline = new Pipeline(this.inventory, { log: o.log, flow: o.maxFlows ? { maxFlows: o.maxFlows } : undefined });
    this.source = new LiveSource({
      iface: o.iface,
      filter: o.filter,
      snaplen: o.snaplen,
      bufferSize: (o.bufferMb ?? 64) * 1024 * 1024,
      promisc: o.promisc,
    });
    if (o.evidence)
      this.ring = new EvidenceRing({
        dir: o.evidence.dir,
        maxBytes: o.evidence.maxMb * 2 ** 20,
        fileBytes: (o.evidence.fileMb ?? 64) * 2 ** 20,
        snaplen: o.snaplen,
      });
    this.metrics = {
      packets: 0,
      bytes: 0,
      capture: this.source.stats,
      decodeErrors: 0,
      malformedFrames: 0,
      activeFlows: 0,
      flushes: 0,
      lastFlush: null,
      lastFlushMs: 0,
      findings: 0,
    };
  }

  get db(): Store {
    return this.store;
  }

  /** Packets decoded so far (metrics.packets is only updated at each flush) and the capture process's pid. */
  get progress(): { decoded: number; capturePid: number | undefined } {
    return { decoded: this.pipeline.counters.packets, capturePid: this.source.pid };
  }

  async start(): Promise<void> {
    const ring = this.ring;
    const packet = this.pipeline.packet;
    await this.source.start(
      ring
        ? (d, start, end, ts, lt, len) => {
            packet(d, start, end, ts, lt, len);
            ring.write(d, start, end, ts, lt, len);
          }
        : packet,
    );
    for (const w of this.source.warnings) this.o.log.warn(`libpcap: ${w}`);
    this.o.log.info(
      { interface: this.o.iface, filter: this.o.filter ?? '', db: this.o.db, flushSeconds: this.o.flushSeconds },
      `capturing on ${this.o.iface}`,
    );
    this.schedule = new FlushSchedule(() => this.flushSafely(), {
      everyMs: this.o.flushSeconds * 1000,
      stretched: (waitMs, flushMs) => {
        // warned once, then logged: a big plant stretches every window, the operator needs telling only once
        const level = this.stretchWarned ? 'info' : 'warn';
        this.stretchWarned = true;
        this.o.log[level](
          { flushMs: Math.round(flushMs), nextInMs: Math.round(waitMs) },
          `a flush took ${Math.round(flushMs)} ms: the next one waits ${(waitMs / 1000).toFixed(1)} s instead of ${this.o.flushSeconds} s so that decoding keeps up (a crash would lose that much)`,
        );
      },
    });
    this.schedule.start();
  }

  /** Persist the current window: open flows' traffic so far, the inventory, then the audit. */
  async flush(): Promise<SaveResult> {
    const t = performance.now();
    // a quiet network sends no packet to end idle flows: end them by the clock (live timestamps are wall time)
    this.pipeline.tick(Date.now() / 1000);
    this.pipeline.checkpoint();
    this.ring?.flush();
    const result = this.inventory.takeWindow();
    const tSave = performance.now();
    const saved = this.store.save(result, { serverRoleOf: this.serverRoleOf, silentAfter: this.o.silentAfter });
    const tAudit = performance.now();
    // without an audit (which matches them itself) identities that changed are matched to advisories here
    if (!(this.o.audit && this.o.policy)) await rematchWithStoredPolicy(this.store.db);
    if (this.o.audit && this.o.policy) {
      // the audit looks at everything stored: a path keeps its findings open until it falls silent
      this.mirror.saved(saved);
      const { assets, paths } = this.mirror.current();
      const findings = await this.o.audit({
        assets,
        paths,
        policy: this.o.policy,
        store: this.store,
      });
      this.metrics.findings = findings.length;
    }
    const tEnd = performance.now();
    this.updateMetrics();
    this.metrics.flushes++;
    this.metrics.lastFlush = Date.now() / 1000;
    this.metrics.lastFlushMs = performance.now() - t;
    const c = this.metrics.capture;
    const drops = c.drop + c.ifdrop + c.queueDrops;
    const now = performance.now();
    const pps = Math.round(((this.metrics.packets - this.lastRate.packets) * 1000) / Math.max(1, now - this.lastRate.at));
    this.lastRate = { packets: this.metrics.packets, at: now };
    const line = {
      ...saved,
      assetIds: undefined,
      pathIds: undefined,
      saved: undefined,
      packets: this.metrics.packets,
      pps,
      recv: c.recv,
      drop: c.drop,
      ifdrop: c.ifdrop,
      queueDrops: c.queueDrops,
      activeFlows: this.metrics.activeFlows,
      ms: Math.round(this.metrics.lastFlushMs),
      // where a slow flush spends its time: closing the window, writing it, auditing (or matching advisories)
      windowMs: Math.round(tSave - t),
      saveMs: Math.round(tAudit - tSave),
      auditMs: Math.round(tEnd - tAudit),
    };
    if (drops > this.lastDrops)
      this.o.log.warn(
        line,
        `dropping packets: ${drops - this.lastDrops} since the last flush (kernel ${c.drop}, interface ${c.ifdrop}, otwatch queue ${c.queueDrops}); raise buffer_mb or narrow the filter`,
      );
    else this.o.log.info(line, `flushed (${pps.toLocaleString('en')} packets/s since the last flush)`);
    this.lastDrops = drops;
    return saved;
  }

  private async flushSafely(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      // a locked or full database must not stop the capture: the next flush carries the window over
      this.o.log.error({ err: (err as Error).message }, 'flush failed; will retry at the next interval');
    }
  }

  private updateMetrics(): void {
    const c = this.pipeline.counters;
    this.metrics.packets = c.packets;
    this.metrics.bytes = c.bytes;
    this.metrics.malformedFrames = c.frames.malformed;
    this.metrics.decodeErrors = Object.values(c.anomalies).reduce((a, b) => a + b, 0);
    this.metrics.activeFlows = this.pipeline.activeFlows;
  }

  /** Stop capturing, end every flow, flush, close the store. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      // a flush in progress ends before the last one starts: two at once would save the same window twice
      await this.schedule?.stop();
      const result = await this.source.stop();
      if (result) this.pipeline.endCapture(`live:${this.o.iface}`, result);
      await this.flush();
      this.ring?.close();
      this.store.close();
      this.o.log.info({ packets: this.metrics.packets, ...this.metrics.capture }, 'stopped');
    })();
    return this.stopping;
  }
}
