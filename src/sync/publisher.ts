/**
 * The sensor's publisher (issue 17): the outbox (src/store/outbox-repository.ts) to NATS JetStream.
 *
 * One batch at a time, oldest changes first: publish with message id `<site>:<last seq>`, and only when
 * JetStream acknowledged it (stored it) delete its rows and advance the chain. A batch that fails (NATS
 * away, a timeout) is retried; its rows stay, and rows replaced meanwhile go out in their newer version.
 * One batch in flight keeps the chain exact: each batch names the last acknowledged one, so the hub sees
 * exactly the batches lost after JetStream stored them. Connections go outward only; packets never leave.
 *
 * The heartbeat also carries the current policy's zones and conduits (src/sync/site-policy.ts, bounded) when
 * they changed since the last heartbeat JetStream acknowledged, after a snapshot request, and every
 * `policyEvery` heartbeats (a hub whose database was replaced gets them back), so that the hub's map of the
 * site names and places its zones; a last heartbeat goes out when the publisher stops.
 */
import type { Logger } from 'pino';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import type { DB } from '../store/database.js';
import { Outbox, type OutboxChange } from '../store/outbox-repository.js';
import { checkPrefix, checkSite, natsConnect, type NatsOptions } from './nats.js';
import type { SitePolicySummary } from '../store/site-policy.js';
import { SitePolicySource, type SitePolicyLimits } from './site-policy.js';
import {
  batchSubject,
  DEFAULT_PREFIX,
  heartbeatSubject,
  MESSAGE_VERSION,
  snapshotSubject,
  type ChangeBatch,
  type Heartbeat,
} from './messages.js';

export interface PublisherOptions {
  site: string;
  /** A human name for the site (GET /api/v1/sites); the id when absent. */
  name?: string;
  nats: NatsOptions;
  /** The sensor's SQLite connection (its own, or the store's). */
  db: DB;
  prefix?: string;
  /** Changes per batch at most (default 500) and bytes of JSON (default 512 KiB, under NATS's 1 MiB payload). */
  batchSize?: number;
  batchBytes?: number;
  heartbeatMs?: number;
  /** How often an idle publisher looks at the outbox (ms). */
  pollMs?: number;
  /** JetStream acknowledgement timeout (ms). */
  ackTimeoutMs?: number;
  /** The sensor's own counters for the heartbeat (packets, flows, ...). */
  counters?: () => Record<string, number>;
  /** The policy goes again in every n-th heartbeat even when unchanged (default 30: five minutes at 10 s). */
  policyEvery?: number;
  /** Bounds of the policy in a heartbeat (default: 10,000 zones, 10,000 conduits, 768 KiB). */
  policyLimits?: SitePolicyLimits;
  log?: Logger;
}

export interface PublisherCounters {
  batches: number;
  changes: number;
  duplicates: number;
  errors: number;
  snapshots: number;
  heartbeats: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Publisher {
  readonly site: string;
  readonly outbox: Outbox;
  readonly counters: PublisherCounters = { batches: 0, changes: 0, duplicates: 0, errors: 0, snapshots: 0, heartbeats: 0 };
  private readonly prefix: string;
  private nc?: NatsConnection;
  private js?: JetStreamClient;
  private sub?: Subscription;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private heartbeatTimer?: NodeJS.Timeout;
  private snapshotSeq = 0;
  private connecting?: Promise<void>;
  private lastWarned = 0;
  private readonly sitePolicy: SitePolicySource;
  /** The hash of the policy in the last heartbeat JetStream acknowledged, and heartbeats since it went. */
  private policySent?: string;
  /** The hash of the policy in a heartbeat not yet acknowledged: the heartbeats meanwhile go without it. */
  private policyInFlight?: string;
  private sincePolicy = 0;

  constructor(private readonly o: PublisherOptions) {
    this.site = checkSite(o.site);
    this.prefix = checkPrefix(o.prefix ?? DEFAULT_PREFIX);
    this.outbox = new Outbox(o.db);
    this.sitePolicy = new SitePolicySource(o.db, o.policyLimits);
    // recording starts now (the first time: with the whole stored state), whether or not NATS is reachable
    this.outbox.enable(this.site);
  }

  /** Connects in the background (NATS may be away: the outbox waits) and starts publishing. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.connecting = this.connect();
    this.loop = this.run();
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), this.o.heartbeatMs ?? 10_000);
    this.heartbeatTimer.unref();
  }

  /** Look at the outbox now (after a save) rather than at the next poll. */
  kick(): void {
    this.wake?.();
  }

  /** Resolves true once the outbox is empty, false after `timeoutMs` with changes still waiting. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (this.outbox.state().pending === 0) return true;
      if (Date.now() >= until) return false;
      this.kick();
      await sleep(Math.min(50, Math.max(1, until - Date.now())));
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.heartbeatTimer);
    this.kick();
    // a publish in flight is given 2 s (the outbox keeps its rows if it never completes); the timer is
    // cleared so that it does not hold the process either
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all([this.loop, this.connecting]), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    // a last heartbeat: the final counters and the policy as the run left it (analyze stores it after connecting)
    await Promise.race([this.heartbeat(), new Promise((r) => (timer = setTimeout(r, 2000)))]);
    clearTimeout(timer);
    this.sub?.unsubscribe();
    // close, not drain: a request still waiting for JetStream would hold the process for its whole timeout
    await this.nc?.close().catch(() => undefined);
    this.nc = undefined;
    this.js = undefined;
  }

  /** Connects, retrying while running (a site starts with its WAN link down as often as up). */
  private async connect(): Promise<void> {
    let delay = 500;
    while (this.running) {
      try {
        const nc = await natsConnect({ name: `otwatch-sensor-${this.site}`, inboxPrefix: `_INBOX_${this.site}`, ...this.o.nats });
        if (!this.running) {
          await nc.close();
          return;
        }
        this.nc = nc;
        this.js = jetstream(nc, { timeout: this.o.ackTimeoutMs ?? 10_000 });
        this.sub = nc.subscribe(snapshotSubject(this.prefix, this.site), {
          callback: (err) => {
            if (!err) this.onSnapshotRequest();
          },
        });
        this.o.log?.info({ site: this.site, url: this.o.nats.url }, 'publishing to NATS JetStream');
        void this.heartbeat();
        this.kick();
        return;
      } catch (err) {
        this.counters.errors++;
        this.o.log?.warn({ err: (err as Error).message }, 'cannot reach NATS; the outbox keeps the changes');
        for (let t = 0; t < delay && this.running; t += 100) await sleep(100);
        delay = Math.min(delay * 2, 10_000);
      }
    }
  }

  private onSnapshotRequest(): void {
    try {
      // a request while the last snapshot is still going out is answered with that one
      const s = this.outbox.state();
      if (this.snapshotSeq === 0 || s.lastAcked >= this.snapshotSeq) {
        this.snapshotSeq = this.outbox.snapshot();
        this.counters.snapshots++;
        this.o.log?.warn({ site: this.site, upTo: this.snapshotSeq }, 'the hub asked for a snapshot: whole state recorded again');
      }
      void this.heartbeat(this.snapshotSeq);
      this.kick();
    } catch (err) {
      this.counters.errors++;
      this.o.log?.error({ err: (err as Error).message }, 'snapshot failed');
    }
  }

  private async heartbeat(snapshot?: number): Promise<void> {
    const js = this.js;
    if (!js || this.nc?.isClosed()) return;
    const s = this.outbox.state();
    let policy: SitePolicySummary | undefined;
    try {
      policy = await this.sitePolicy.current();
    } catch (err) {
      // the heartbeat goes without it: the hub keeps the policy it has
      this.o.log?.warn({ err: (err as Error).message }, 'cannot read the policy for the heartbeat');
    }
    const withPolicy =
      policy !== undefined &&
      policy.hash !== this.policyInFlight &&
      (policy.hash !== this.policySent || !!snapshot || this.sincePolicy >= (this.o.policyEvery ?? 30) - 1);
    if (withPolicy) this.policyInFlight = policy!.hash;
    const hb: Heartbeat = {
      v: MESSAGE_VERSION,
      site: this.site,
      name: this.o.name,
      ts: Date.now() / 1000,
      lastAcked: s.lastAcked,
      pending: s.pending,
      ...(snapshot ? { snapshot } : {}),
      counters: { ...this.counters, ...(this.o.counters?.() ?? {}) },
      ...(withPolicy ? { policy } : {}),
    };
    try {
      await js.publish(heartbeatSubject(this.prefix, this.site), JSON.stringify(hb));
      this.counters.heartbeats++;
      if (withPolicy) {
        this.policySent = policy!.hash;
        this.sincePolicy = 0;
      } else this.sincePolicy++;
    } catch {
      // NATS away: the next heartbeat carries the same news
    } finally {
      if (withPolicy) this.policyInFlight = undefined;
    }
  }

  private async run(): Promise<void> {
    let backoff = 250;
    while (this.running) {
      const js = this.js;
      const groups = js ? this.nextMessages() : [];
      if (!js || groups.length === 0) {
        await new Promise<void>((r) => {
          const t = setTimeout(r, this.o.pollMs ?? 500);
          this.wake = () => {
            clearTimeout(t);
            r();
          };
        });
        continue;
      }
      try {
        // one message per kind, in the order of their last sequences; each acknowledged before the next goes
        for (const batch of groups) await this.publishBatch(js, batch);
        backoff = 250;
        this.lastWarned = 0;
      } catch (err) {
        if (!this.running) break;
        this.counters.errors++;
        // one line when publishing stops working and then one a minute, not one per retry
        if (Date.now() - this.lastWarned > 60_000) {
          this.lastWarned = Date.now();
          this.o.log?.warn({ err: (err as Error).message, pending: this.outbox.state().pending }, 'publish failed; retrying');
        }
        for (let t = 0; t < backoff && this.running; t += 100) await sleep(100);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private async publishBatch(js: JetStreamClient, batch: OutboxChange[]): Promise<void> {
    const last = batch[batch.length - 1]!;
    const msg: ChangeBatch = {
      v: MESSAGE_VERSION,
      site: this.site,
      kind: last.kind,
      seq: last.seq,
      prev: this.outbox.state().lastAcked,
      changes: batch.map((c) => ({ id: c.id, seq: c.seq, data: c.data })),
    };
    const ack = await js.publish(batchSubject(this.prefix, this.site, last.kind), JSON.stringify(msg), {
      msgID: `${this.site}:${last.seq}`,
      timeout: this.o.ackTimeoutMs ?? 10_000,
    });
    // stored, or a duplicate of a batch stored before (a resend after a lost acknowledgement): either way it is there
    this.outbox.acknowledge(batch, last.seq);
    this.counters.batches++;
    this.counters.changes += batch.length;
    if (ack.duplicate) this.counters.duplicates++;
  }

  /**
   * The oldest waiting changes, cut to the byte budget, as one group per kind ordered by last sequence.
   * Each group is the rows of its kind among the oldest rows, so a resend under the same message id (its
   * last sequence) carries the same rows or fewer: JetStream's deduplication never drops anything new.
   */
  private nextMessages(): OutboxChange[][] {
    const rows = this.outbox.batch(this.o.batchSize ?? 500);
    const budget = this.o.batchBytes ?? 512 * 1024;
    let bytes = 0;
    let n = rows.length;
    for (let i = 0; i < rows.length; i++) {
      bytes += JSON.stringify(rows[i]!.data).length + rows[i]!.id.length + 40;
      if (bytes > budget && i > 0) {
        n = i;
        break;
      }
    }
    const byKind = new Map<string, OutboxChange[]>();
    for (const r of rows.slice(0, n)) {
      let g = byKind.get(r.kind);
      if (!g) byKind.set(r.kind, (g = []));
      g.push(r);
    }
    return [...byKind.values()].sort((a, b) => a[a.length - 1]!.seq - b[b.length - 1]!.seq);
  }
}
