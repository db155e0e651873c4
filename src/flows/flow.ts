/**
 * One conversation: who initiated it, packets and bytes per direction, and — when a decoder claimed it —
 * per-direction TCP reassembly feeding that decoder. A Flow is the decoder's DecoderContext.
 */
import type { DecoderContext, Endpoint, FlowRef, FlowSummary, ProtocolEvent, ProtocolModule, StreamDecoder } from '../core/events.js';
import { TcpDirection, type ReassemblyBudget, type StreamSink } from './tcp-reassembly.js';
import { serviceName } from './app-ports.js';

/** What a flow reports upward; the pipeline implements it. */
export interface FlowOwner {
  emit(event: ProtocolEvent<object>): void;
  anomaly(protocol: string, kind: string, detail: string | undefined, flow: FlowRef): void;
  /** The bound on out-of-order bytes held by all of the owner's TCP streams. */
  readonly reassembly?: ReassemblyBudget;
}

export const enum DecodeState {
  Undecided = 0,
  Decoding = 1,
  None = 2,
}

export class Flow implements DecoderContext, StreamSink {
  // Fields in the order of their use per packet: V8 lays an object out in declaration order, and a packet
  // then touches the first two cache lines of its flow rather than every line (4,000 flows are not all in
  // the CPU cache).
  // flow-table index fields: the canonical IPv4 tuple (as int32: addresses and the two ports in one) and
  // hash chain, or the IPv6 key
  lo4 = 0;
  hi4 = 0;
  ports = 0;
  proto = 0;
  chain: Flow | undefined;
  /** Whether the initiator is the endpoint that sorts first in the flow key. */
  readonly initiatorIsLo: boolean;
  lastSeen: number;
  packetsFromInitiator = 0;
  packetsFromResponder = 0;
  bytesFromInitiator = 0;
  bytesFromResponder = 0;
  state = DecodeState.Undecided;
  decoder: StreamDecoder | undefined;
  fromInitiatorStream: TcpDirection | undefined;
  fromResponderStream: TcpDirection | undefined;
  /** Out-of-order segments held by the two streams: an ACK needs a look at the other stream only when > 0. */
  queuedSegments = 0;
  /**
   * The endpoints as decoders ask for them, made at the first ask of each direction: most decoders ask once,
   * for one direction, and a flow no decoder claimed never does.
   */
  private pairFromInitiator: { src: Endpoint; dst: Endpoint } | undefined;
  private pairFromResponder: { src: Endpoint; dst: Endpoint } | undefined;
  private readonly owner: FlowOwner;
  readonly flow: FlowRef;
  module: ProtocolModule | undefined;
  /**
   * Name for the summary when no decoder claimed the flow: set when the name is not the responder port's
   * service name (garbage on a well-known port), else looked up at the summary.
   */
  serviceName: string | undefined;
  probesLeft = 6;
  firstSeen: number;
  /**
   * TCP: the ISN per side when the SYN was seen, so that reassembly starts at the first byte. As an int32
   * (a small integer in V8 where half of all ISNs as unsigned would be a boxed number): sequence arithmetic
   * is modulo 2^32 either way.
   */
  initiatorIsn: number | undefined;
  responderIsn: number | undefined;
  finFromInitiator = false;
  finFromResponder = false;
  reset = false;
  key6 = '';
  /** For eviction (flow-table.ts): in the table (false once ended), has carried payload. */
  open = true;
  carriedPayload = false;
  /**
   * For eviction: the capture time the flow was last queued at, undefined while that is when it was opened
   * (firstSeen, until a checkpoint moves it): most flows are never queued again, and a number here would be
   * one more boxed number per flow.
   */
  private requeuedAt: number | undefined;
  /** The flow table's list of open flows, in the order they were opened (flow-table.ts). */
  prevOpen: Flow | undefined;
  nextOpen: Flow | undefined;

  constructor(ref: FlowRef, initiatorIsLo: boolean, ts: number, owner: FlowOwner) {
    this.flow = ref;
    this.owner = owner;
    this.initiatorIsLo = initiatorIsLo;
    this.firstSeen = ts;
    this.lastSeen = ts;
  }

  get queuedAt(): number {
    return this.requeuedAt ?? this.firstSeen;
  }

  set queuedAt(ts: number) {
    this.requeuedAt = ts;
  }

  /** Whether this is the IPv4 flow of that canonical key (an IPv6 flow's proto is 0: never). */
  hasKey4(lo: number, hi: number, ports: number, proto: number): boolean {
    return this.lo4 === lo && this.hi4 === hi && this.ports === ports && this.proto === proto;
  }

  endpoints(fromInitiator: boolean): { src: Endpoint; dst: Endpoint } {
    const { initiator, responder } = this.flow;
    if (fromInitiator) return (this.pairFromInitiator ??= { src: initiator, dst: responder });
    return (this.pairFromResponder ??= { src: responder, dst: initiator });
  }

  emit(event: ProtocolEvent<object>): void {
    this.owner.emit(event);
  }

  anomaly(kind: string, detail?: string): void {
    this.owner.anomaly(this.module?.name ?? 'flow', kind, detail, this.flow);
  }

  /** Attach a decoder; TCP streams start at the SYN when it was seen, else at the next segment. */
  attach(module: ProtocolModule): void {
    this.module = module;
    this.state = DecodeState.Decoding;
    const decoder = module.createDecoder(this);
    this.decoder = decoder;
    if (this.flow.transport === 'tcp') {
      this.fromInitiatorStream = new TcpDirection(this, true, this.owner.reassembly);
      this.fromResponderStream = new TcpDirection(this, false, this.owner.reassembly);
      if (this.initiatorIsn !== undefined) this.fromInitiatorStream.syn(this.initiatorIsn);
      if (this.responderIsn !== undefined) this.fromResponderStream.syn(this.responderIsn);
    }
  }

  /** Reassembled bytes data[start, end) of one direction into the decoder (TcpDirection's sink). */
  streamData(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    this.bytes(fromInitiator, data, start, end, ts);
  }

  streamGap(fromInitiator: boolean, bytes: number, ts: number): void {
    if (this.state !== DecodeState.Decoding) return;
    try {
      this.decoder!.onGap?.(fromInitiator, bytes, ts);
    } catch (err) {
      this.failed(err);
    }
  }

  /** Hand a datagram (UDP), data[start, end), to the decoder. */
  datagram(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    this.bytes(fromInitiator, data, start, end, ts);
  }

  /** In place to a decoder that takes bytes in place (StreamDecoder.onBytes), else as a Buffer view. */
  private bytes(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    if (this.state !== DecodeState.Decoding) return;
    const d = this.decoder!;
    try {
      if (d.onBytes) d.onBytes(fromInitiator, data, start, end, ts);
      else d.onData(fromInitiator, data.subarray(start, end), ts);
    } catch (err) {
      this.failed(err);
    }
  }

  /** A decoder bug must cost one flow's decoding, never the process: count it and stop decoding this flow. */
  failed(err: unknown): void {
    this.anomaly('decoder_exception', (err as Error)?.message);
    this.state = DecodeState.None;
    this.decoder = undefined;
  }

  /** Flush reassembly and the decoder; returns the summary for the inventory. */
  end(ts: number): FlowSummary {
    if (this.state === DecodeState.Decoding) {
      this.fromInitiatorStream?.flush(ts);
      this.fromResponderStream?.flush(ts);
      try {
        this.decoder?.onEnd?.(ts);
      } catch (err) {
        this.failed(err);
      }
    }
    return this.summary();
  }

  /**
   * The traffic since the last checkpoint, as a summary, and start counting afresh: a live agent persists
   * long-lived flows (a Modbus poll connection lasts for months) interval by interval.
   */
  checkpoint(): FlowSummary | undefined {
    if (this.packetsFromInitiator + this.packetsFromResponder === 0) return undefined;
    const s = this.summary();
    this.packetsFromInitiator = this.packetsFromResponder = this.bytesFromInitiator = this.bytesFromResponder = 0;
    this.requeuedAt ??= this.firstSeen;
    this.firstSeen = this.lastSeen;
    return s;
  }

  /** FlowSummary.attempt: a TCP SYN that got no SYN back and no payload went either way. */
  private attempt(): FlowSummary['attempt'] {
    if (this.carriedPayload || this.initiatorIsn === undefined || this.responderIsn !== undefined || this.flow.transport !== 'tcp')
      return undefined;
    if (this.packetsFromResponder === 0) return 'unanswered';
    return this.reset ? 'refused' : undefined;
  }

  private summary(): FlowSummary {
    return {
      flow: this.flow,
      protocol: this.module
        ? this.module.name
        : (this.serviceName ??= serviceName(this.flow.transport as 'tcp' | 'udp', this.flow.responder.port)),
      decoded: this.module !== undefined,
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      packetsFromInitiator: this.packetsFromInitiator,
      packetsFromResponder: this.packetsFromResponder,
      bytesFromInitiator: this.bytesFromInitiator,
      bytesFromResponder: this.bytesFromResponder,
      attempt: this.attempt(),
    };
  }
}
