/**
 * The hub (issue 17): one durable JetStream consumer for every site's changes, written into PostgreSQL.
 *
 * Messages are fetched in stream order; a fetch's changes are written (in chunks of one kind, several
 * transactions at once), then the sites' cursors, and the fetch is acknowledged (AckAll, the last message)
 * only after all of it committed: a hub killed at any point leaves JetStream holding what PostgreSQL lacks,
 * and what it applies again is skipped as no newer. On start, after a failure, and when a fetch does not
 * follow the last one, the consumer is re-created at its acknowledgement floor, so redelivery comes first
 * and in order rather than after ack_wait, behind newer messages.
 *
 * Per site, a cursor: the last sequence applied. A batch names the batch JetStream acknowledged before it
 * (`prev`); a heartbeat names the last acknowledged sequence. Either one beyond the cursor means messages
 * were lost after JetStream stored them (a stream limit, a purge): the hub asks the sensor for a snapshot
 * (core NATS, `<prefix>.<site>.snapshot-request`), which the sensor records into its outbox and publishes
 * like any change; the gap is repaired once the cursor reaches the snapshot's last sequence.
 *
 * A heartbeat may carry the site's policy zones and conduits (checked by parseSitePolicy): stored per site when
 * they changed, before the fetch is acknowledged, for the site's map (src/store/pg/map-repository.ts).
 *
 * With an enterprise policy, each committed fetch's paths go to the enterprise audit (enterprise-auditor.ts),
 * which judges the traffic between sites between fetches, debounced; its failures never stop the ingest.
 */
import type { Logger } from 'pino';
import type { NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { EnterprisePolicy } from '../audit/enterprise-policy.js';
import { HubRepository, type Change, type SiteState } from '../store/pg/hub-repository.js';
import type { SitePolicySummary } from '../store/site-policy.js';
import { migratePg } from '../store/pg/migrations.js';
import { openPool, type PgOptions, type PgPool } from '../store/pg/pool.js';
import { checkPrefix, natsConnect, type NatsOptions } from '../sync/nats.js';
import { EnterpriseAuditor } from './enterprise-auditor.js';
import {
  DEFAULT_PREFIX,
  HEARTBEAT,
  parseMessage,
  parseSitePolicy,
  snapshotSubject,
  streamSubjects,
  type ChangeBatch,
  type Heartbeat,
} from '../sync/messages.js';

export interface HubOptions {
  nats: NatsOptions;
  pg: PgOptions;
  prefix?: string;
  /** JetStream stream and durable consumer names (default OTWATCH, otwatch-hub). */
  stream?: string;
  durable?: string;
  /** Messages per fetch, one PostgreSQL transaction each (default 64). */
  fetch?: number;
  /** How long the stream keeps what the hub has not consumed (days, default 30). */
  maxAgeDays?: number;
  /** A snapshot request unanswered this long is sent again (ms, default 30 s). */
  snapshotRetryMs?: number;
  /** The enterprise policy for traffic between sites (src/hub/enterprise-auditor.ts), and how long a burst of changes rests before it is judged (ms, default 1 s). */
  enterprisePolicy?: EnterprisePolicy;
  enterpriseDebounceMs?: number;
  log?: Logger;
}

export interface HubCounters {
  messages: number;
  batches: number;
  heartbeats: number;
  changes: number;
  written: number;
  malformed: number;
  gaps: number;
  snapshotRequests: number;
  transactions: number;
  failures: number;
  /** Milliseconds spent writing to PostgreSQL (the rest of ingest: NATS, parsing, cursors). */
  pgMs: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Hub {
  readonly counters: HubCounters = {
    messages: 0,
    batches: 0,
    heartbeats: 0,
    changes: 0,
    written: 0,
    malformed: 0,
    gaps: 0,
    snapshotRequests: 0,
    transactions: 0,
    failures: 0,
    pgMs: 0,
  };
  private readonly prefix: string;
  private readonly stream: string;
  private readonly durable: string;
  private pool?: PgPool;
  repo?: HubRepository;
  /** The enterprise audit, when the hub runs with an enterprise policy. */
  enterprise?: EnterpriseAuditor;
  /** The enterprise evaluation under way, if any. */
  private judging?: Promise<void>;
  private nc?: NatsConnection;
  private consumer?: Consumer;
  private sites = new Map<string, SiteState>();
  private running = false;
  /** The stream sequence of the last message applied: the next fetch should start right after it. */
  private lastStreamSeq = 0;
  private loop?: Promise<void>;

  constructor(private readonly o: HubOptions) {
    this.prefix = checkPrefix(o.prefix ?? DEFAULT_PREFIX);
    this.stream = o.stream ?? 'OTWATCH';
    this.durable = o.durable ?? 'otwatch-hub';
  }

  async start(): Promise<void> {
    try {
      await this.open();
    } catch (err) {
      // nothing left open by a hub that did not start: the command exits with the reason
      await this.nc?.close().catch(() => undefined);
      await this.pool?.end().catch(() => undefined);
      throw err;
    }
    this.running = true;
    this.loop = this.run();
    this.o.log?.info({ stream: this.stream, durable: this.durable, sites: this.sites.size }, 'hub consuming');
  }

  private async open(): Promise<void> {
    this.pool = await openPool(this.o.pg);
    await migratePg(this.pool);
    this.repo = new HubRepository(this.pool);
    await this.loadSites();
    if (this.o.enterprisePolicy) await this.replaceEnterprisePolicy(this.o.enterprisePolicy);
    this.nc = await natsConnect({ name: 'otwatch-hub', ...this.o.nats }).catch((err: Error) => {
      throw new Error(`NATS at ${this.o.nats.url.replace(/\/\/[^@/]*@/, '//')}: ${err.message}`);
    });
    const jsm = await jetstreamManager(this.nc);
    const config = {
      subjects: streamSubjects(this.prefix),
      max_age: nanos((this.o.maxAgeDays ?? 30) * 86_400_000),
      duplicate_window: nanos(120_000),
    };
    try {
      await jsm.streams.info(this.stream);
      await jsm.streams.update(this.stream, config);
    } catch {
      await jsm.streams.add({ name: this.stream, ...config });
    }
    await this.resetConsumer();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    // what the last batches changed is judged before the pool closes
    await this.judging;
    await this.enterprise?.settled();
    if (this.enterprise?.ready) await this.enterprise.evaluateIfDue(Number.POSITIVE_INFINITY).catch(() => undefined);
    await this.nc?.drain().catch(() => undefined);
    await this.pool?.end().catch(() => undefined);
  }

  /**
   * Runs the enterprise audit with this policy from now on (at start, and on a reload: `otwatch hub` on SIGHUP).
   * The new auditor takes the ingest's changes at once, before its scan of the stored paths begins, so that no
   * change falls between the two; the old one finishes what it was doing and stops.
   */
  async replaceEnterprisePolicy(policy: EnterprisePolicy): Promise<void> {
    const old = this.enterprise;
    const next = new EnterpriseAuditor(this.pool!, policy, { debounceMs: this.o.enterpriseDebounceMs, log: this.o.log });
    this.enterprise = next;
    await old?.close();
    await next.startInBackground();
  }

  /** The sites as the hub holds them now. */
  siteStates(): SiteState[] {
    return [...this.sites.values()];
  }

  private async loadSites(): Promise<void> {
    this.sites = new Map((await this.repo!.sites()).map((s) => [s.id, s]));
  }

  /** The durable consumer, re-created at its acknowledgement floor: what was delivered but not acknowledged comes first, in order. */
  private async resetConsumer(): Promise<void> {
    const jsm = await jetstreamManager(this.nc!);
    let floor = 0;
    try {
      floor = (await jsm.consumers.info(this.stream, this.durable)).ack_floor.stream_seq;
      await jsm.consumers.delete(this.stream, this.durable);
    } catch {
      // no consumer yet: start at the beginning of the stream
    }
    await jsm.consumers.add(this.stream, {
      durable_name: this.durable,
      ack_policy: AckPolicy.All,
      ack_wait: nanos(60_000),
      max_ack_pending: 10_000,
      ...(floor > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: floor + 1 } : { deliver_policy: DeliverPolicy.All }),
    });
    this.consumer = await jetstream(this.nc!).consumers.get(this.stream, this.durable);
    this.lastStreamSeq = floor;
  }

  /** The next fetch's messages, all of them (a fetch ends at max_messages or when it expires). */
  private pull(): Promise<JsMsg[]> {
    const consumer = this.consumer!;
    const p = (async () => {
      const iter = await consumer.fetch({ max_messages: this.o.fetch ?? 64, expires: 1000 });
      const msgs: JsMsg[] = [];
      for await (const m of iter) msgs.push(m);
      return msgs;
    })();
    p.catch(() => undefined); // awaited by the loop, or dropped with its consumer after a reset
    return p;
  }

  private async run(): Promise<void> {
    let backoff = 500;
    let next: Promise<JsMsg[]> | undefined;
    while (this.running) {
      try {
        const msgs = await (next ?? this.pull());
        next = undefined;
        // before the next fetch is asked for: this one's are then the only deliveries awaiting acknowledgement
        if (msgs.length > 0) await this.checkContinuity(msgs);
        // the next fetch travels while this one is written: NATS and PostgreSQL work at the same time
        next = this.running ? this.pull() : undefined;
        if (msgs.length > 0) {
          await this.apply(msgs);
          this.lastStreamSeq = msgs[msgs.length - 1]!.info.streamSequence;
          // AckAll: the last message acknowledges the fetch, after PostgreSQL committed it
          await msgs[msgs.length - 1]!.ackAck().catch(() => false);
        }
        // in the loop, between transactions: a request never races the cursor's write
        await this.requestSnapshots();
        this.judgeEnterprise();
        backoff = 500;
      } catch (err) {
        next = undefined; // its deliveries come again from the re-created consumer
        if (!this.running) break;
        this.counters.failures++;
        this.o.log?.error({ err: (err as Error).message }, 'ingest failed; retrying from the last acknowledged message');
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 10_000);
        try {
          await this.loadSites();
          await this.resetConsumer();
        } catch (e) {
          this.o.log?.error({ err: (e as Error).message }, 'cannot reset the consumer yet');
        }
      }
    }
    await next?.catch(() => undefined);
  }

  /**
   * A fetch that does not follow the last one may mean deliveries went to a fetch lost with the connection
   * (NATS restarted, the link dropped): they wait for ack_wait, and acknowledging this fetch (AckAll) would
   * acknowledge them unseen. When the consumer holds more unacknowledged deliveries than this fetch, start
   * again from the acknowledgement floor (the loop's recovery re-creates the consumer there); otherwise the
   * messages in between were deleted from the stream (limits, a purge), which the sites' cursors will show.
   */
  private async checkContinuity(msgs: JsMsg[]): Promise<void> {
    const first = msgs[0]!.info.streamSequence;
    if (first === this.lastStreamSeq + 1) return;
    const info = await this.consumer!.info(false);
    if (info.num_ack_pending > msgs.length)
      throw new Error(`fetch starts at stream sequence ${first} after ${this.lastStreamSeq}, with deliveries of a lost fetch pending`);
  }

  /** One fetch: cursors and gaps in stream order, then the changes, then the sites (src/store/pg/hub-repository.ts ingest). */
  private async apply(msgs: JsMsg[]): Promise<void> {
    const working = new Map<string, SiteState>();
    const state = (id: string): SiteState => {
      let s = working.get(id);
      if (!s) {
        const had = this.sites.get(id);
        s = had
          ? { ...had }
          : {
              id,
              name: null,
              cursor: 0,
              lastHeard: null,
              heartbeat: null,
              gaps: 0,
              gapAt: null,
              snapshotRequestedAt: null,
              repairUntil: null,
            };
        working.set(id, s);
      }
      return s;
    };
    const now = new Date();
    const gap = (s: SiteState, why: string) => {
      if (!s.gapAt) {
        s.gapAt = now;
        s.gaps++;
        s.snapshotRequestedAt = null;
        s.repairUntil = null;
        this.counters.gaps++;
        this.o.log?.warn({ site: s.id, cursor: s.cursor, why }, 'gap: asking the sensor for a snapshot');
      }
    };
    const changes: Change[] = [];
    /** The newest policy each site's heartbeats carried in this fetch. */
    const policies = new Map<string, SitePolicySummary>();
    let batches = 0;
    let heartbeats = 0;
    let malformed = 0;
    for (const m of msgs) {
      const parts = m.subject.split('.');
      const kind = parts[parts.length - 1]!;
      const site = parts[parts.length - 2]!;
      const msg = parseMessage(kind, m.data);
      // the subject is what NATS permissions guard: a body naming another site is refused
      if (!msg || msg.site !== site) {
        malformed++;
        continue;
      }
      const s = state(site);
      if (kind === HEARTBEAT) {
        const hb = msg as Heartbeat;
        heartbeats++;
        s.lastHeard = now;
        s.name = typeof hb.name === 'string' ? hb.name.slice(0, 200) : s.name;
        s.heartbeat = { ts: hb.ts, lastAcked: hb.lastAcked, pending: hb.pending, counters: hb.counters };
        const policy = parseSitePolicy(hb.policy);
        if (policy) policies.set(site, policy);
        if (typeof hb.snapshot === 'number' && s.gapAt) s.repairUntil = Math.max(s.repairUntil ?? 0, hb.snapshot);
        if (hb.lastAcked > s.cursor) gap(s, `heartbeat names ${hb.lastAcked}`);
      } else {
        const b = msg as ChangeBatch;
        batches++;
        // prev 0: the first batch of a sensor database (new, or recreated): its outbox holds its whole state
        if (b.prev !== 0 && b.prev > s.cursor) gap(s, `batch ${b.seq} follows ${b.prev}`);
        s.cursor = Math.max(s.cursor, b.seq);
        s.lastHeard = now;
        for (const c of b.changes) changes.push({ kind: b.kind, site, id: c.id, version: c.seq, data: c.data });
      }
      if (s.gapAt && s.repairUntil !== null && s.cursor >= s.repairUntil) {
        this.o.log?.info({ site: s.id, cursor: s.cursor }, 'gap repaired by the snapshot');
        s.gapAt = null;
        s.repairUntil = null;
        s.snapshotRequestedAt = null;
      }
    }
    const t = performance.now();
    const written = await this.repo!.ingest(changes, [...working.values()]);
    // after the sites' rows exist; before the acknowledgement, so that a crash here sends them again
    const changed = await this.repo!.writeSitePolicies([...policies].map(([site, policy]) => ({ site, policy })));
    for (const site of changed) {
      const p = policies.get(site)!;
      this.o.log?.info(
        { site, version: p.version, zones: p.zones.length, conduits: p.conduits.length, omitted: p.omitted },
        "the site's policy zones and conduits changed",
      );
    }
    this.counters.pgMs += performance.now() - t;
    for (const [id, s] of working) this.sites.set(id, s);
    // after the commit: the enterprise audit sees only what PostgreSQL holds
    this.enterprise?.observe(changes);
    this.counters.transactions++;
    this.counters.messages += msgs.length;
    this.counters.batches += batches;
    this.counters.heartbeats += heartbeats;
    this.counters.changes += changes.length;
    this.counters.written += written;
    this.counters.malformed += malformed;
  }

  /**
   * The enterprise audit's debounced evaluation, started and not awaited: its PostgreSQL writes overlap the next
   * fetch. One at a time; its failure is logged and retried at the next change, never an ingest failure.
   */
  private judgeEnterprise(): void {
    const auditor = this.enterprise;
    if (!auditor || this.judging) return;
    this.judging = auditor
      .evaluateIfDue()
      .then(() => undefined)
      .catch((err: Error) => this.o.log?.error({ err: err.message }, 'enterprise evaluation failed; retrying at the next change'))
      .finally(() => (this.judging = undefined));
  }

  /** Sites with an unrepaired gap whose request is new or unanswered for too long: (re)send it. */
  private async requestSnapshots(): Promise<void> {
    const nc = this.nc;
    if (!nc || nc.isClosed() || !this.repo) return;
    const retry = this.o.snapshotRetryMs ?? 30_000;
    const now = new Date();
    const due = [...this.sites.values()].filter(
      (s) => s.gapAt && (!s.snapshotRequestedAt || now.getTime() - s.snapshotRequestedAt.getTime() > retry),
    );
    if (!due.length) return;
    await this.repo.markSnapshotRequested(
      due.map((s) => s.id),
      now,
    );
    for (const s of due) {
      s.snapshotRequestedAt = now;
      nc.publish(snapshotSubject(this.prefix, s.id), JSON.stringify({ v: 1, site: s.id, cursor: s.cursor }));
      this.counters.snapshotRequests++;
    }
  }
}
