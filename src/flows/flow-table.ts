/**
 * The flow table: frames in, flows out. Keys a conversation by its 5-tuple (both directions share a key),
 * decides who initiated it, hands its payload to the decoder the registry picks (by port, then by
 * heuristic), feeds TCP reassembly, and expires idle flows.
 */
import type { AddressBinding, Endpoint, FlowRef, FlowSummary, ProbeInfo, ProtocolEvent, ProtocolModule } from '../core/events.js';
import { limitHeapGrowth } from '../core/heap-growth.js';

type IpTransport = 'tcp' | 'udp';
import { type Frame } from '../net/frame.js';
import { IPPROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN } from '../net/constants.js';
import { ipv4ToString, ipv6ToString, macToString } from '../net/addr.js';
import { DecodeState, Flow, type FlowOwner } from './flow.js';
import { isServicePort } from './app-ports.js';
import { sourceIsLo, tupleHash } from './flow-key.js';
import { ReassemblyBudget, type TcpDirection } from './tcp-reassembly.js';
import { BindingsSeen } from './bindings-seen.js';
import type { PipelineCounters } from '../core/counters.js';

export interface FlowTableOptions {
  tcpIdleTimeout: number; // seconds without a packet before an open TCP flow ends
  tcpClosedTimeout: number; // seconds after FIN/RST
  udpIdleTimeout: number;
  /** Payload packets offered to the probes before a flow is declared undecodable. */
  probeBudget: number;
  /**
   * Open flows kept at most (split evenly between shards). Past it a new flow first ends another one, early
   * (reported as usual, counted as the anomaly `flow.evicted`): the oldest that never carried payload (a
   * scan's probes), else the oldest not seen since it was queued (evictOne). A scan of the plant network
   * cannot make the table, and the process, grow without bound.
   */
  maxFlows?: number;
  /**
   * Out-of-order TCP bytes held by all streams together (each also holds at most 1 MiB), split between shards.
   * At the bound a stream declares its hole lost at once (counted as the anomaly `tcp.reassembly_bound`).
   */
  maxQueuedBytes?: number;
  /**
   * Sharded analysis (src/pipeline/statistics.ts with workers): this table keeps only the flows whose key hash % shardCount
   * equals shardIndex; every shard sees every packet. 1 (the default) keeps every flow.
   */
  shardCount?: number;
  shardIndex?: number;
}

export const DEFAULT_FLOW_OPTIONS: FlowTableOptions = {
  tcpIdleTimeout: 3600,
  tcpClosedTimeout: 10,
  udpIdleTimeout: 300,
  probeBudget: 6,
  maxFlows: 32_768,
  maxQueuedBytes: 64 * 2 ** 20,
};

export interface FlowTableOutput {
  onEvent(event: ProtocolEvent<object>): void;
  onFlowEnd(summary: FlowSummary): void;
  onBinding?(binding: AddressBinding): void;
}

export class FlowTable implements FlowOwner {
  /**
   * Every open flow, oldest first (iteration), as a list through the flows themselves (Flow.prevOpen/nextOpen):
   * opening and ending a flow is two links, where a Set hashed it and grew its table with the open flows.
   */
  private oldestOpen: Flow | undefined;
  private newestOpen: Flow | undefined;
  private openCount = 0;
  /**
   * Eviction order: the flows without payload, oldest first, then every flow by age with a second chance.
   * Made from the list of open flows (the same order) when the table is first full, and kept from then on:
   * an analysis that never fills the table never queues a flow.
   */
  private withoutPayload: FlowQueue | undefined;
  private byAge: FlowQueue | undefined;
  private readonly maxFlows: number;
  readonly reassembly: ReassemblyBudget;
  private readonly minTimeout: number;
  private index4 = new Map<number, Flow>();
  private index6 = new Map<string, Flow>();
  private byPort = new Map<number, ProtocolModule[]>(); // portKey('tcp', 502) → modules
  private flowSeq = 0;
  private lastExpiry = 0;
  /**
   * No open flow can time out before this capture time (a lower bound of lastSeen + timeout over the flows):
   * until then an expiry sweep would end nothing, and is skipped rather than touching every flow.
   */
  private noExpiryBefore = Infinity;
  /** The latest capture time of a packet of a flow: no flow was seen after it. */
  private latest = -Infinity;
  private bindingsSeen = new BindingsSeen();
  /**
   * One text per IPv4 address: every flow of a host shares the same string object, so that sets and maps
   * keyed by address downstream (stats, inventory) compare by identity rather than character by character.
   */
  private ip4Texts = new Map<number, string>();
  private macTexts = new Map<number, { hi: number; text: string }>();
  /** What the probes are told of the packet they judge, filled afresh for each (a probe reads it during its call only). */
  private readonly probeInfo: ProbeInfo = { transport: 'tcp', fromInitiator: true, srcPort: 0, dstPort: 0 };
  /** The flow of the last packet (checked before the index). */
  private last: Flow | undefined;
  private readonly shardCount: number;
  private readonly shardIndex: number;

  constructor(
    private readonly modules: readonly ProtocolModule[],
    private readonly out: FlowTableOutput,
    private readonly counters: PipelineCounters,
    private readonly opts: FlowTableOptions = DEFAULT_FLOW_OPTIONS,
  ) {
    this.shardCount = opts.shardCount ?? 1;
    this.shardIndex = opts.shardIndex ?? 0;
    // the bounds are for the whole analysis: each shard keeps its share
    const share = (n: number) => Math.max(1, Math.ceil(n / this.shardCount));
    this.maxFlows = share(opts.maxFlows ?? DEFAULT_FLOW_OPTIONS.maxFlows!);
    this.reassembly = new ReassemblyBudget(share(opts.maxQueuedBytes ?? DEFAULT_FLOW_OPTIONS.maxQueuedBytes!), () =>
      this.count('tcp.reassembly_bound'),
    );
    this.minTimeout = Math.min(opts.tcpIdleTimeout, opts.tcpClosedTimeout, opts.udpIdleTimeout);
    for (const m of modules) {
      for (const t of m.transports) {
        for (const p of m.ports) {
          const k = portKey(t, p);
          const list = this.byPort.get(k) ?? [];
          list.push(m);
          this.byPort.set(k, list);
        }
      }
    }
  }

  get size(): number {
    return this.openCount;
  }

  emit(event: ProtocolEvent<object>): void {
    this.counters.events++;
    this.out.onEvent(event);
  }

  anomaly(protocol: string, kind: string, _detail: string | undefined, _flow: FlowRef): void {
    this.count(`${protocol}.${kind}`);
  }

  private count(anomaly: string): void {
    this.counters.anomalies[anomaly] = (this.counters.anomalies[anomaly] ?? 0) + 1;
  }

  /**
   * A decoded TCP or UDP frame. `ts`: its capture time (f.ts) as the caller holds it: handed on to the
   * streams and decoders as it is, where f.ts, a number the frame keeps in place, would be boxed anew for
   * each call that takes it.
   */
  packet(f: Frame, ts: number = f.ts): void {
    const tcp = f.l4proto === IPPROTO_TCP;
    const sp = f.srcPort;
    const dp = f.dstPort;
    // canonical key: the endpoint that sorts first is "lo", so both directions find the same flow
    let srcIsLo: boolean;
    let flow: Flow | undefined;
    let hash = 0;
    let key6 = '';
    // flows idle past their timeout end before this packet looks for its flow: a packet after a long silence
    // starts a new flow rather than joining one already reported (every shard runs this on every packet,
    // so flows end at the same packet sharded or not)
    this.advance(ts);
    if (f.ipVersion === 4) {
      const s = f.src4;
      const d = f.dst4;
      srcIsLo = sourceIsLo(s, d, sp, dp);
      // IPv4 flows live in an integer-keyed index (no string built per packet); chains resolve collisions
      // the key as int32s: small integers in V8, so the Flow keeps them in place instead of boxed numbers
      const lo = (srcIsLo ? s : d) | 0;
      const hi = (srcIsLo ? d : s) | 0;
      const ports = srcIsLo ? (sp << 16) | dp : (dp << 16) | sp;
      hash = tupleHash(lo, hi, ports, f.l4proto);
      if (this.shardCount > 1 && hash % this.shardCount !== this.shardIndex) return; // another shard's flow
      // a reply follows its request: half of all packets belong to the flow of the packet before
      flow = this.last;
      if (flow === undefined || !flow.hasKey4(lo, hi, ports, f.l4proto)) {
        flow = this.index4.get(hash);
        while (flow !== undefined && !flow.hasKey4(lo, hi, ports, f.l4proto)) flow = flow.chain;
      }
    } else {
      const s = f.data.toString('latin1', f.addrOff, f.addrOff + 16);
      const d = f.data.toString('latin1', f.addrOff + 16, f.addrOff + 32);
      srcIsLo = s < d || (s === d && sp <= dp);
      key6 = srcIsLo ? `${f.l4proto}|${s}|${sp}|${d}|${dp}` : `${f.l4proto}|${d}|${dp}|${s}|${sp}`;
      if (this.shardCount > 1 && stringHash(key6) % this.shardCount !== this.shardIndex) return;
      flow = this.index6.get(key6);
    }

    const flags = tcp ? f.tcpFlags : 0;
    if (flow && tcp && (flags & (TCP_SYN | TCP_ACK)) === TCP_SYN && (flow.reset || (flow.finFromInitiator && flow.finFromResponder))) {
      // a new connection reusing the 4-tuple of a closed one
      this.end(flow, ts);
      flow = undefined;
    }
    if (!flow) flow = this.create(f, hash, key6, srcIsLo, tcp ? 'tcp' : 'udp');
    this.last = flow;
    const fromInitiator = srcIsLo === flow.initiatorIsLo;
    const payloadLen = f.payloadEnd - f.payload;
    const ipBytes = f.l4End - f.l4;
    // capture time going back (merged captures, a clock step) makes a flow's deadline earlier than the bound
    // (the flow's own time, a number boxed apart from it, need not be read while capture time goes forward)
    if (ts >= this.latest) this.latest = ts;
    else if (ts < flow.lastSeen) this.noExpiryBefore = Math.min(this.noExpiryBefore, ts + this.minTimeout);
    flow.lastSeen = ts;
    if (fromInitiator) {
      // an endpoint's VLAN is that of the frames it sends (a routed peer's frames carry another)
      if (++flow.packetsFromInitiator === 1 && f.vlan >= 0) flow.flow.initiator.vlan = f.vlan;
      flow.bytesFromInitiator += ipBytes;
    } else {
      flow.bytesFromResponder += ipBytes;
      if (++flow.packetsFromResponder === 1) {
        if (f.vlan >= 0) flow.flow.responder.vlan = f.vlan;
        this.bindFrom(f, flow.flow.responder.ip);
      }
    }

    if (tcp) {
      if (flags & TCP_SYN) {
        if (fromInitiator) flow.initiatorIsn = f.seq | 0;
        else flow.responderIsn = f.seq | 0;
        const stream = fromInitiator ? flow.fromInitiatorStream : flow.fromResponderStream;
        stream?.syn(f.seq);
      }
      if (flags & TCP_FIN) {
        if (fromInitiator) flow.finFromInitiator = true;
        else flow.finFromResponder = true;
      }
      if (flags & TCP_RST) flow.reset = true;
      // a closing flow times out sooner
      if (flags & (TCP_FIN | TCP_RST)) this.noExpiryBefore = Math.min(this.noExpiryBefore, ts + this.opts.tcpClosedTimeout);
    }

    if (flow.state === DecodeState.Undecided && payloadLen > 0) this.choose(flow, f, fromInitiator);
    if (flow.state !== DecodeState.Decoding) return;

    if (tcp) {
      const stream = fromInitiator ? flow.fromInitiatorStream! : flow.fromResponderStream!;
      if (payloadLen > 0) stream.segment(f.seq, f.data, f.payload, f.payloadEnd, ts);
      // an ACK can only prove queued bytes lost: with nothing queued the other stream need not be touched
      if (flags & TCP_ACK && flow.queuedSegments > 0)
        (fromInitiator ? flow.fromResponderStream! : flow.fromInitiatorStream!).acked(f.ack, ts);
    } else if (payloadLen > 0) {
      flow.datagram(fromInitiator, f.data, f.payload, f.payloadEnd, ts);
    }
  }

  private create(f: Frame, hash: number, key6: string, srcIsLo: boolean, transport: IpTransport): Flow {
    if (this.openCount >= this.maxFlows) this.evictOne();
    const sp = f.srcPort;
    const dp = f.dstPort;
    // who initiated: SYN decides; mid-stream (or UDP) the side on a service port is the responder
    let srcIsInitiator: boolean;
    const flags = f.tcpFlags;
    if (transport === 'tcp' && flags & TCP_SYN) srcIsInitiator = !(flags & TCP_ACK);
    else {
      const dstService = this.byPort.has(portKey(transport, dp)) || isServicePort(transport, dp);
      const srcService = this.byPort.has(portKey(transport, sp)) || isServicePort(transport, sp);
      if (dstService !== srcService) srcIsInitiator = dstService;
      else if (dstService)
        srcIsInitiator = true; // both service ports (BACnet 47808↔47808): first sender initiates
      else srcIsInitiator = sp >= dp;
    }
    const srcIp = f.ipVersion === 4 ? this.ip4Text(f.src4) : ipv6ToString(f.data, f.addrOff);
    const dstIp = f.ipVersion === 4 ? this.ip4Text(f.dst4) : ipv6ToString(f.data, f.addrOff + 16);
    const srcMac = f.srcMacOff >= 0 ? this.macText(f.data, f.srcMacOff) : undefined;
    const dstMac = f.ethOff >= 0 ? this.macText(f.data, f.ethOff) : undefined;
    const src: Endpoint = { ip: srcIp, port: sp, mac: srcMac, vlan: undefined };
    const dst: Endpoint = { ip: dstIp, port: dp, mac: dstMac, vlan: undefined };
    const initiator = srcIsInitiator ? src : dst;
    const responder = srcIsInitiator ? dst : src;
    const id = flowId(transport, initiator, responder, ++this.flowSeq);
    const ref: FlowRef = { id, transport, initiator, responder };
    if (f.vlan >= 0) ref.vlan = f.vlan;
    const flow = new Flow(ref, srcIsInitiator ? srcIsLo : !srcIsLo, f.ts, this);
    if (f.ipVersion === 4) {
      flow.lo4 = (srcIsLo ? f.src4 : f.dst4) | 0;
      flow.hi4 = (srcIsLo ? f.dst4 : f.src4) | 0;
      flow.ports = srcIsLo ? (sp << 16) | dp : (dp << 16) | sp;
      flow.proto = f.l4proto;
      flow.chain = this.index4.get(hash);
      this.index4.set(hash, flow);
    } else {
      flow.key6 = key6;
      this.index6.set(key6, flow);
    }
    flow.probesLeft = this.opts.probeBudget;
    this.noExpiryBefore = Math.min(this.noExpiryBefore, f.ts + (transport === 'udp' ? this.opts.udpIdleTimeout : this.opts.tcpIdleTimeout));
    this.link(flow);
    this.counters.flows[transport]++;
    if (srcMac) this.binding(srcMac, srcIp, f.vlan, f.ts);
    return flow;
  }

  /**
   * One text per MAC address, as per IPv4 address: keyed by its last four bytes as an int32 (a small integer
   * in V8, where the whole 48 bits would be a boxed number hashed the slow way), the first two checked.
   */
  private macText(data: Buffer, off: number): string {
    const lo = (data[off + 2] << 24) | (data[off + 3] << 16) | (data[off + 4] << 8) | data[off + 5];
    const hi = (data[off] << 8) | data[off + 1];
    let e = this.macTexts.get(lo);
    if (e === undefined || e.hi !== hi) {
      if (this.macTexts.size >= MAX_INTERNED_ADDRESSES) this.macTexts.clear();
      e = { hi, text: macToString(data, off) };
      this.macTexts.set(lo, e);
    }
    return e.text;
  }

  /** `n`: the address as an unsigned 32-bit number; kept by its int32 (a small integer in V8, as the MACs are). */
  private ip4Text(n: number): string {
    const key = n | 0;
    let t = this.ip4Texts.get(key);
    if (t === undefined) {
      if (this.ip4Texts.size >= MAX_INTERNED_ADDRESSES) this.ip4Texts.clear(); // bounded: a scan must not grow it forever
      t = ipv4ToString(n);
      this.ip4Texts.set(key, t);
    }
    return t;
  }

  /** First packet from the responder: its source MAC belongs to (or fronts) its IP. */
  private bindFrom(f: Frame, ip: string): void {
    if (f.srcMacOff >= 0 && this.out.onBinding) this.binding(this.macText(f.data, f.srcMacOff), ip, f.vlan, f.ts);
  }

  private binding(mac: string, ip: string, vlan: number, ts: number): void {
    if (!this.out.onBinding) return;
    const seen = this.bindingsSeen;
    if (!seen.add(mac, ip, vlan, false)) return;
    // bounded: the inventory dedupes too (past the bound the table starts afresh with this binding)
    if (seen.size > 1_000_001) {
      seen.clear();
      seen.add(mac, ip, vlan, false);
    }
    const b: AddressBinding = { ts, mac, ip, source: 'ip' };
    if (vlan >= 0) b.vlan = vlan;
    this.out.onBinding(b);
  }

  /** ARP bindings come from the pipeline, deduplicated here with the IP ones. */
  arpBinding(mac: string, ip: string, ts: number, vlan: number): void {
    if (!this.out.onBinding) return;
    if (ip === '0.0.0.0' || mac === '00:00:00:00:00:00' || mac === 'ff:ff:ff:ff:ff:ff') return;
    if (!this.bindingsSeen.add(mac, ip, vlan, true)) return;
    const b: AddressBinding = { ts, mac, ip, source: 'arp' };
    if (vlan >= 0) b.vlan = vlan;
    this.out.onBinding(b);
  }

  /** Pick the decoder: a module claiming either port whose probe accepts, else any module's heuristic. */
  private choose(flow: Flow, f: Frame, fromInitiator: boolean): void {
    flow.carriedPayload = true;
    const t = flow.flow.transport as IpTransport;
    const payload = f.data.subarray(f.payload, f.payloadEnd);
    const info = this.probeInfo;
    info.transport = t;
    info.fromInitiator = fromInitiator;
    info.srcPort = f.srcPort;
    info.dstPort = f.dstPort;
    const portModules = this.byPort.get(portKey(t, flow.flow.responder.port)) ?? this.byPort.get(portKey(t, flow.flow.initiator.port));
    if (portModules) {
      for (const m of portModules) {
        if (safeProbe(m, payload, info)) return flow.attach(m);
      }
    }
    for (const m of this.modules) {
      if (portModules?.includes(m) || !m.transports.includes(t)) continue;
      if (safeProbe(m, payload, info)) {
        this.counters.heuristicFlows[m.name] = (this.counters.heuristicFlows[m.name] ?? 0) + 1;
        return flow.attach(m);
      }
    }
    if (--flow.probesLeft > 0) return;
    flow.state = DecodeState.None;
    if (portModules) {
      // garbage on a well-known port: counted, and named by its port rather than by the protocol
      for (const m of portModules) this.counters.mismatches[m.name] = (this.counters.mismatches[m.name] ?? 0) + 1;
      flow.serviceName = `${t}/${flow.flow.responder.port}`;
    }
  }

  /** A new flow goes last in the list of open flows (and in the eviction queues once they exist). */
  private link(flow: Flow): void {
    const newest = this.newestOpen;
    flow.prevOpen = newest;
    if (newest === undefined) this.oldestOpen = flow;
    else newest.nextOpen = flow;
    this.newestOpen = flow;
    this.openCount++;
    this.withoutPayload?.push(flow, this.openCount);
    this.byAge?.push(flow, this.openCount);
  }

  private unlink(flow: Flow): void {
    const { prevOpen, nextOpen } = flow;
    if (prevOpen === undefined) this.oldestOpen = nextOpen;
    else prevOpen.nextOpen = nextOpen;
    if (nextOpen === undefined) this.newestOpen = prevOpen;
    else nextOpen.prevOpen = prevOpen;
    flow.prevOpen = flow.nextOpen = undefined;
    this.openCount--;
  }

  private unindex(flow: Flow): void {
    this.unlink(flow);
    flow.open = false;
    if (this.last === flow) this.last = undefined;
    if (flow.key6) {
      this.index6.delete(flow.key6);
      return;
    }
    const hash = tupleHash(flow.lo4, flow.hi4, flow.ports, flow.proto);
    let head = this.index4.get(hash);
    if (head === flow) {
      if (flow.chain) this.index4.set(hash, flow.chain);
      else this.index4.delete(hash);
      return;
    }
    while (head && head.chain !== flow) head = head.chain;
    if (head) head.chain = flow.chain;
  }

  private end(flow: Flow, ts: number): void {
    this.unindex(flow);
    this.report(flow, ts);
  }

  /** A flow out of the table ends: its decoder is flushed and its summary and stream counts reported. */
  private report(flow: Flow, ts: number): void {
    const summary = flow.end(Math.max(ts, flow.lastSeen));
    if (flow.fromInitiatorStream) this.countStream(flow.fromInitiatorStream);
    if (flow.fromResponderStream) this.countStream(flow.fromResponderStream);
    if (summary.attempt) this.counters.flows[summary.attempt]++;
    this.out.onFlowEnd(summary);
  }

  private countStream(s: TcpDirection): void {
    const c = this.counters.tcp;
    c.gaps += s.gaps;
    c.gapBytes += s.gapBytes;
    c.retransmittedBytes += s.retransmittedBytes;
  }

  /**
   * The table is full: end the oldest flow that never carried payload, else the oldest by age that has not
   * been seen since it was queued. One seen since goes back to the end of the queue (a second chance): a
   * conversation that keeps talking outlives a scan's flows, each seen once, whatever their payload.
   */
  private evictOne(): void {
    if (this.byAge === undefined) this.queueOpenFlows();
    let victim = this.withoutPayload!.oldest();
    while (victim === undefined) {
      const f = this.byAge!.shift();
      if (f === undefined) return;
      if (f.lastSeen > f.queuedAt) {
        f.queuedAt = f.lastSeen;
        this.byAge!.push(f, this.openCount);
      } else {
        victim = f;
      }
    }
    this.anomaly('flow', 'evicted', undefined, victim.flow);
    this.end(victim, victim.lastSeen);
  }

  /**
   * The eviction queues as they would be had every flow been queued when opened: the open flows in the order
   * they were opened (the ones that ended are the ones the queues skip).
   */
  private queueOpenFlows(): void {
    // the table is full for the first time: what it ends from now on is garbage at the rate new flows come
    limitHeapGrowth(true);
    const withoutPayload = new FlowQueue((f) => f.open && !f.carriedPayload);
    const byAge = new FlowQueue((f) => f.open);
    for (let f = this.oldestOpen; f !== undefined; f = f.nextOpen) {
      withoutPayload.push(f, this.openCount);
      byAge.push(f, this.openCount);
    }
    this.withoutPayload = withoutPayload;
    this.byAge = byAge;
  }

  /** Capture time has reached `ts`: every 10 s of it, flows idle past their timeout end. */
  advance(ts: number): void {
    if (ts - this.lastExpiry <= 10) return;
    // a sweep that could end nothing is done without looking (1 s of margin for rounding): same flows end
    if (ts < this.noExpiryBefore - 1) this.lastExpiry = ts;
    else this.expire(ts);
  }

  /** End flows idle past their timeout (capture time). */
  expire(now: number): void {
    this.lastExpiry = now;
    const o = this.opts;
    let noExpiryBefore = Infinity;
    for (let flow = this.oldestOpen, next: Flow | undefined; flow !== undefined; flow = next) {
      next = flow.nextOpen; // before the flow ends and leaves the list
      const closed = flow.reset || (flow.finFromInitiator && flow.finFromResponder);
      const limit = flow.flow.transport === 'udp' ? o.udpIdleTimeout : closed ? o.tcpClosedTimeout : o.tcpIdleTimeout;
      if (now - flow.lastSeen > limit) this.end(flow, flow.lastSeen);
      else noExpiryBefore = Math.min(noExpiryBefore, flow.lastSeen + limit);
    }
    this.noExpiryBefore = noExpiryBefore;
  }

  /**
   * Live agent: report every open flow's traffic since the last checkpoint (and its address bindings
   * again), so that the next persistence window has them; flows stay open.
   */
  checkpoint(): void {
    this.bindingsSeen.clear();
    for (let flow = this.oldestOpen; flow !== undefined; flow = flow.nextOpen) {
      const s = flow.checkpoint();
      if (!s) continue;
      // a responder that never answered is not known to exist (FlowSummary.attempt): its address binds to nothing
      for (const ep of s.attempt === 'unanswered' ? [s.flow.initiator] : [s.flow.initiator, s.flow.responder]) {
        if (ep.mac) this.binding(ep.mac, ep.ip, flow.flow.vlan ?? -1, flow.lastSeen);
      }
      this.out.onFlowEnd(s);
    }
  }

  /** End every flow (end of a capture). */
  endAll(): void {
    // every flow leaves the table, oldest first, as end() would take them out one by one; the indexes
    // are emptied at once rather than entry by entry
    let flow = this.oldestOpen;
    this.oldestOpen = this.newestOpen = this.last = undefined;
    this.withoutPayload = this.byAge = undefined; // (made again from the open flows when needed)
    this.index4.clear();
    this.index6.clear();
    while (flow !== undefined) {
      const next = flow.nextOpen;
      flow.prevOpen = flow.nextOpen = undefined;
      flow.open = false;
      this.openCount--;
      this.report(flow, flow.lastSeen);
      flow = next;
    }
    this.bindingsSeen.clear();
  }
}

/** Address texts kept for sharing; past this the cache starts afresh. */
const MAX_INTERNED_ADDRESSES = 65536;

/**
 * Flows in the order they were queued that `keep` accepts, for eviction. One it no longer accepts (ended, or
 * carried payload) stays in the array until it reaches the head or the array is compacted, which happens once
 * the array (its taken head included) holds more than twice the open flows: O(1) a flow however they churn,
 * where a Set read from its first entry skips over every entry deleted since it was last rebuilt.
 */
class FlowQueue {
  private items: (Flow | undefined)[] = [];
  private head = 0;

  constructor(private readonly keep: (f: Flow) => boolean) {}

  /** `live`: the flows open in the table. */
  push(flow: Flow, live: number): void {
    if (this.items.length > 2 * live + 1024) this.compact();
    this.items.push(flow);
  }

  /** The oldest flow kept, left in the queue; the ones before it are dropped. */
  oldest(): Flow | undefined {
    const items = this.items;
    while (this.head < items.length) {
      const f = items[this.head]!;
      if (this.keep(f)) return f;
      items[this.head++] = undefined;
    }
    this.items = [];
    this.head = 0;
    return undefined;
  }

  /** The oldest flow kept, taken out of the queue. */
  shift(): Flow | undefined {
    const f = this.oldest();
    if (f !== undefined) this.items[this.head++] = undefined;
    return f;
  }

  private compact(): void {
    const kept: Flow[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const f = this.items[i];
      if (f !== undefined && this.keep(f)) kept.push(f);
    }
    this.items = kept;
    this.head = 0;
  }
}

/** 30-bit FNV-1a of an IPv6 flow key, for sharding only (IPv6 flows are indexed by the string itself). */
function stringHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) & 0x3fffffff;
}

/** byPort's key: transport and port in one number. */
function portKey(transport: IpTransport, port: number): number {
  return transport === 'udp' ? 0x10000 | port : port;
}

/**
 * `tcp 10.0.0.1:50001 > 10.0.0.2:502 #7`, as one flat string: concatenation would keep a tree of a dozen
 * pieces (about 270 bytes) alive per open flow, for an id that most analyses never read.
 */
function flowId(transport: IpTransport, a: Endpoint, b: Endpoint, seq: number): string {
  const v6 = a.ip.includes(':');
  const p = ID_PARTS;
  p[0] = transport;
  p[1] = v6 ? ' [' : ' ';
  p[2] = a.ip;
  p[3] = v6 ? ']:' : ':';
  p[4] = a.port;
  p[5] = v6 ? ' > [' : ' > ';
  p[6] = b.ip;
  p[7] = v6 ? ']:' : ':';
  p[8] = b.port;
  p[10] = seq;
  return p.join('');
}

/** flowId's pieces, written afresh for each id (no array of pieces made per flow). */
const ID_PARTS: (string | number)[] = ['', '', '', '', 0, '', '', '', 0, ' #', 0];

function safeProbe(m: ProtocolModule, payload: Buffer, info: ProbeInfo): boolean {
  try {
    return m.probe(payload, info);
  } catch {
    return false;
  }
}
