/**
 * The stateful part of the BACnet decoder, one instance per UDP flow (or per LLC station pair):
 * each datagram → BVLC → NPDU → network message or APDU → one ProtocolEvent. State: segmented
 * messages being reassembled and outstanding confirmed requests (so that a Reject, Abort or
 * Segment-ACK is classified by the service it answers), both bounded.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, Endpoint, IdentityClaim, Operation, StreamDecoder } from '../../core/events.js';
import {
  BVLC_FUNCTION_NAMES,
  BVLC_FUNCTION_OPERATIONS,
  BVLC_RESULT_NAMES,
  CONFIRMED_SERVICES,
  LLC_CONTROL_UI,
  LLC_SAP_BACNET,
  MAX_PENDING,
  MAX_REASSEMBLY_BYTES,
  MAX_REASSEMBLY_SEGMENTS,
  NETWORK_MESSAGE_NAMES,
  NETWORK_MESSAGE_OPERATIONS,
  PDU_ABORT,
  PDU_COMPLEX_ACK,
  PDU_CONFIRMED_REQUEST,
  PDU_ERROR,
  PDU_REJECT,
  PDU_SEGMENT_ACK,
  PDU_SIMPLE_ACK,
  PDU_TYPE_NAMES,
  PDU_UNCONFIRMED_REQUEST,
  UNCONFIRMED_SERVICES,
  USVC_I_AM,
  USVC_I_HAVE,
} from './constants.js';
import { identityClaims } from './identity.js';
import { PendingServices } from './pending.js';
import { routedDestination, routedSource } from './routing.js';
import { decodeService, newServiceRecord, type ServiceRecord } from './services.js';
import {
  networkNumbers,
  newApduHeader,
  newBvlc,
  newNpdu,
  parseApduHeader,
  parseBvlc,
  parseNpdu,
  type ApduHeader,
  type Npdu,
} from './records.js';

export const PROTOCOL = 'bacnet';

/** Fields every BACnet event carries (plus service-specific ones). */
export interface BacnetFields {
  /** BVLC function (B/IP only; absent over LLC). */
  bvlc?: number;
  /** Forwarded-NPDU: the B/IP node that relayed it ("ip:port"); src is then the original sender. */
  relay?: string;
  link?: 'llc';
  dnet?: number;
  dadr?: string;
  snet?: number;
  sadr?: string;
  hop_count?: number;
  network_message?: number;
  apdu_type?: number;
  service?: number;
  invoke_id?: number;
  segment?: number;
  more_follows?: boolean;
  object_names?: string[];
  char_strings?: string[];
  [k: string]: unknown;
}

interface Reassembly {
  service: number;
  chunks: Buffer[];
  bytes: number;
  next: number;
}

export class BacnetDecoder implements StreamDecoder {
  /** Segmented messages being reassembled (made at the first segment: most flows never see one). */
  private reassembly: Map<string, Reassembly> | undefined;
  /** pendingKey(request came from the initiator, invoke id) → confirmed service. */
  private readonly pending = new PendingServices(MAX_PENDING);
  /** Same keys: the remote device (DNET/DADR) an outstanding confirmed request was routed to (made on first use). */
  private routedPending: Map<number, string> | undefined;
  /**
   * The flow's two endpoints, fetched at the first datagram: they are the same objects for its life, and
   * holding them here spares a visit to the flow's own (by then cold) objects per datagram.
   */
  private initiator: Endpoint | undefined;
  private responder: Endpoint | undefined;

  /** `llc`: datagrams are 802.2 LLC payloads (NPDU, no BVLC), not B/IP. */
  constructor(
    private readonly ctx: DecoderContext,
    private readonly llc = false,
  ) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    this.onBytes(fromInitiator, data, 0, data.length, ts);
  }

  /** One datagram (or LLC payload) in place: data[start, end), read during the call only. */
  onBytes(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    try {
      if (this.llc) this.onLlc(fromInitiator, data, start, end, ts);
      else this.onBip(fromInitiator, data, start, end, ts);
    } catch (err) {
      // Defensive: every decoder path is bounds-checked; a throw here is our bug, never the packet's
      // fault, and must not take the pipeline down.
      this.ctx.anomaly('bacnet_internal_error', (err as Error).message);
    }
  }

  onEnd(): void {
    if (this.reassembly?.size) this.ctx.anomaly('bacnet_incomplete_segmentation', `${this.reassembly.size} unfinished`);
    this.reassembly = undefined;
    this.pending.clear();
    this.routedPending = undefined;
  }

  /** Sets initiator and responder. */
  private fetchEndpoints(): void {
    const { src, dst } = this.ctx.endpoints(true);
    this.initiator = src;
    this.responder = dst;
  }

  private onBip(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    const bvlc = parseBvlc(data, start, end, BVLC);
    if (!bvlc) {
      this.ctx.anomaly('bacnet_not_bvlc', `first octet 0x${(start < end ? data[start]! : 0).toString(16)} length ${end - start}`);
      return;
    }
    if (bvlc.malformed) this.ctx.anomaly('bacnet_bvlc_malformed', bvlc.malformed);
    if (this.initiator === undefined) this.fetchEndpoints();
    let src = fromInitiator ? this.initiator! : this.responder!;
    const dst = fromInitiator ? this.responder! : this.initiator!;
    const fields = newFields();
    fields.bvlc = bvlc.fn;
    if (bvlc.origin) {
      fields.relay = `${src.ip}:${src.port}`;
      src = { ip: bvlc.origin.ip, port: bvlc.origin.port };
    }
    if (bvlc.npduOffset === undefined) {
      const fn = BVLC_FUNCTION_NAMES[bvlc.fn] ?? `bvlc_function_${bvlc.fn}`;
      if (bvlc.resultCode !== undefined) fields.result = BVLC_RESULT_NAMES.get(bvlc.resultCode) ?? bvlc.resultCode;
      if (bvlc.ttl !== undefined) fields.ttl_s = bvlc.ttl;
      if (bvlc.entries !== undefined) fields.entries = bvlc.entries;
      if (bvlc.entry !== undefined) fields.entry = bvlc.entry;
      const isResponse = bvlc.fn === 0x00 || bvlc.fn === 0x03 || bvlc.fn === 0x07;
      this.emit(ts, src, dst, isResponse ? 'response' : 'request', fn, BVLC_FUNCTION_OPERATIONS[bvlc.fn] ?? 'other', undefined, fields);
      return;
    }
    this.onNpdu(fromInitiator, data, bvlc.npduOffset, end, ts, src, dst, fields);
  }

  private onLlc(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    // Accept the payload with or without its 3-octet LLC header (DSAP 0x82, SSAP 0x82, UI).
    let off = start;
    if (end - start >= 3 && data[start] === LLC_SAP_BACNET && data[start + 1] === LLC_SAP_BACNET && data[start + 2] === LLC_CONTROL_UI)
      off += 3;
    if (this.initiator === undefined) this.fetchEndpoints();
    const src = fromInitiator ? this.initiator! : this.responder!;
    const dst = fromInitiator ? this.responder! : this.initiator!;
    const fields = newFields();
    fields.link = 'llc';
    this.onNpdu(fromInitiator, data, off, end, ts, src, dst, fields);
  }

  private onNpdu(
    fromInitiator: boolean,
    buf: Buffer,
    off: number,
    end: number,
    ts: number,
    src: Endpoint,
    dst: Endpoint,
    fields: BacnetFields,
  ): void {
    const npdu = parseNpdu(buf, off, end, NPDU);
    if (!npdu) {
      this.ctx.anomaly('bacnet_npdu_malformed', 'not an NPDU (version or length)');
      this.emit(ts, src, dst, 'unknown', 'malformed_npdu', 'other', undefined, fields);
      return;
    }
    addRouting(fields, npdu);
    if (npdu.malformed) {
      this.ctx.anomaly('bacnet_npdu_malformed', npdu.malformed);
      if (npdu.malformed !== 'slen 0') {
        this.emit(ts, src, dst, 'unknown', 'malformed_npdu', 'other', undefined, fields);
        return;
      }
    }
    if (npdu.messageType !== undefined) {
      this.onNetworkMessage(buf, npdu, end, ts, src, dst, fields);
      return;
    }
    this.onApdu(fromInitiator, buf, npdu.next, end, ts, src, dst, fields);
  }

  private onNetworkMessage(buf: Buffer, npdu: Npdu, end: number, ts: number, src: Endpoint, dst: Endpoint, fields: BacnetFields): void {
    const type = npdu.messageType!;
    fields.network_message = type;
    if (npdu.vendorId !== undefined) fields.vendor_id = npdu.vendorId;
    let detail: string | undefined;
    if (type === 0 || type === 1 || type === 4 || type === 5) {
      // Who-Is-Router (optional DNET), I-Am-Router, Router-Busy/Available: lists of networks.
      const nets = networkNumbers(buf, npdu.next, end, 64);
      if (nets.length) {
        fields.networks = nets;
        detail = `networks ${nets.join(',')}`;
      }
    }
    const fn = NETWORK_MESSAGE_NAMES[type] ?? (type >= 0x80 ? 'proprietary_network_message' : `network_message_${type}`);
    const direction: Direction = type === 1 || type === 7 || type === 0x13 ? 'response' : 'request';
    this.emit(ts, src, dst, direction, fn, NETWORK_MESSAGE_OPERATIONS[type] ?? 'other', detail, fields);
  }

  private onApdu(
    fromInitiator: boolean,
    buf: Buffer,
    off: number,
    end: number,
    ts: number,
    src: Endpoint,
    dst: Endpoint,
    fields: BacnetFields,
  ): void {
    const h = parseApduHeader(buf, off, end, APDU);
    if (!h) {
      this.ctx.anomaly('bacnet_apdu_missing', 'NPDU without APDU');
      this.emit(ts, src, dst, 'unknown', 'malformed_apdu', 'other', undefined, fields);
      return;
    }
    fields.apdu_type = h.type;
    if (h.service !== undefined) fields.service = h.service;
    if (h.invokeId !== undefined) fields.invoke_id = h.invokeId;
    if (h.malformed) this.ctx.anomaly('bacnet_apdu_malformed', h.malformed);

    let name: string;
    let operation: Operation;
    let direction: Direction;
    switch (h.type) {
      case PDU_CONFIRMED_REQUEST:
      case PDU_SIMPLE_ACK:
      case PDU_COMPLEX_ACK:
      case PDU_ERROR: {
        const svc = h.service === undefined ? undefined : CONFIRMED_SERVICES[h.service];
        operation = svc?.[1] ?? 'other';
        if (h.type === PDU_CONFIRMED_REQUEST) {
          name = svc?.[0] ?? confirmedName(h.service);
          direction = 'request';
          if (h.invokeId !== undefined && h.service !== undefined)
            this.remember(fromInitiator, h.invokeId, h.service, routedDestination(fields));
        } else {
          const names = h.type === PDU_ERROR ? ERROR_NAMES : ACK_NAMES;
          name =
            (h.service === undefined ? undefined : names[h.service]) ??
            `${confirmedName(h.service)}${h.type === PDU_ERROR ? '_error' : '_ack'}`;
          direction = 'response';
        }
        break;
      }
      case PDU_UNCONFIRMED_REQUEST: {
        const svc = h.service === undefined ? undefined : UNCONFIRMED_SERVICES[h.service];
        name = svc?.[0] ?? (h.service === undefined ? 'unconfirmed' : `unconfirmed_service_${h.service}`);
        operation = svc?.[1] ?? 'other';
        direction = h.service === USVC_I_AM || h.service === USVC_I_HAVE ? 'response' : 'request';
        break;
      }
      default: {
        // Segment-ACK, Reject, Abort: named by the PDU type, classified by the request they answer.
        name = PDU_TYPE_NAMES[h.type] ?? `apdu_type_${h.type}`;
        const answered =
          h.invokeId === undefined
            ? undefined
            : this.answered(fromInitiator, h.invokeId, h.type === PDU_SEGMENT_ACK || h.type === PDU_ABORT ? h.server : true);
        operation = answered === undefined ? 'other' : (CONFIRMED_SERVICES[answered]?.[1] ?? 'other');
        if (answered !== undefined) fields.answers = CONFIRMED_SERVICES[answered]?.[0] ?? answered;
        direction = h.type === PDU_REJECT || h.server ? 'response' : 'request';
        if (h.reason !== undefined) fields.reason = h.reason;
        if (h.type === PDU_SEGMENT_ACK) {
          fields.segment = h.sequence;
          if (h.nak) fields.nak = true;
        }
      }
    }

    let rec: ServiceRecord | undefined;
    if (!h.malformed && h.service !== undefined && (h.type <= PDU_COMPLEX_ACK || h.type === PDU_ERROR)) {
      if (h.segmented) rec = this.segment(fromInitiator, h, buf, end, fields);
      else rec = decodeService(h.type, h.service, buf, h.next, end, fields, SERVICE);
    }
    let identity: IdentityClaim[] | undefined;
    let detail: string | undefined;
    if (rec) {
      detail = rec.detail;
      if (rec.malformed) this.ctx.anomaly('bacnet_service_malformed', `${name}: ${rec.malformed}`);
      if (rec.objectNames) fields.object_names = rec.objectNames;
      if (rec.charStrings?.length) fields.char_strings = rec.charStrings;
      if (rec.iam || rec.ihaveDevice !== undefined || rec.results) {
        // A routed PDU (SNET/SADR) comes from a device behind the router whose IP we see: the claims name
        // that device. So does an ack without SNET to a request that was routed to DNET/DADR (a router that
        // omits SNET on the way back still relays the remote device's answer).
        const device =
          fields.snet !== undefined
            ? routedSource(fields)
            : h.type === PDU_COMPLEX_ACK && h.invokeId !== undefined
              ? this.routedAnswer(fromInitiator, h.invokeId)
              : undefined;
        // SNET with an empty SADR is an indeterminate source: neither the router nor a device we can name.
        if (fields.snet === undefined || device !== undefined) identity = identityClaims(rec, device);
      }
    }
    this.emit(ts, src, dst, direction, name, operation, detail, fields, identity);
  }

  /** Adds one segment; returns the decoded message when this segment completes it. */
  private segment(fromInitiator: boolean, h: ApduHeader, buf: Buffer, end: number, fields: BacnetFields): ServiceRecord | undefined {
    fields.segment = h.sequence;
    fields.more_follows = h.moreFollows;
    const key = `${fromInitiator ? 1 : 0}:${h.type}:${h.invokeId}`;
    const reassembly = (this.reassembly ??= new Map());
    let r = reassembly.get(key);
    // Sequence numbers run modulo 256: a 0 that follows segment 255 continues the message.
    if (h.sequence === 0 && !(r && r.next > 0 && (r.next & 0xff) === 0)) {
      if (r) this.ctx.anomaly('bacnet_segmentation_restart', key);
      r = { service: h.service!, chunks: [], bytes: 0, next: 0 };
      reassembly.delete(key);
      reassembly.set(key, r);
      this.evict(reassembly);
    }
    if (!r) {
      this.ctx.anomaly('bacnet_segment_without_start', `${key} segment ${h.sequence}`);
      return undefined;
    }
    if (h.sequence !== (r.next & 0xff)) {
      // A repeated segment (retransmission) is harmless; a gap means we lost part of the message.
      if (h.sequence! < (r.next & 0xff)) return undefined;
      this.ctx.anomaly('bacnet_segment_gap', `${key} expected ${r.next & 0xff} got ${h.sequence}`);
      reassembly.delete(key);
      return undefined;
    }
    const chunk = Buffer.from(buf.subarray(h.next, end)); // copy: `buf` is only valid during onData
    r.chunks.push(chunk);
    r.bytes += chunk.length;
    r.next++;
    if (r.bytes > MAX_REASSEMBLY_BYTES || r.chunks.length > MAX_REASSEMBLY_SEGMENTS) {
      this.ctx.anomaly('bacnet_segmentation_too_large', `${key} ${r.bytes} bytes in ${r.chunks.length} segments`);
      reassembly.delete(key);
      return undefined;
    }
    if (h.moreFollows) return undefined;
    reassembly.delete(key);
    const whole = Buffer.concat(r.chunks, r.bytes);
    fields.reassembled_segments = r.chunks.length;
    return decodeService(h.type, r.service, whole, 0, whole.length, fields, SERVICE);
  }

  private remember(fromInitiator: boolean, invokeId: number, service: number, device: string | undefined): void {
    const key = pendingKey(fromInitiator, invokeId);
    this.pending.renew(key, service);
    this.routedPending?.delete(key);
    if (device !== undefined) {
      const routed = (this.routedPending ??= new Map());
      routed.set(key, device);
      this.evict(routed);
    }
  }

  /** The remote device that the request an ack answers (sent from the other direction) was routed to, if any. */
  private routedAnswer(fromInitiator: boolean, invokeId: number): string | undefined {
    return this.routedPending?.get(pendingKey(!fromInitiator, invokeId));
  }

  /**
   * The confirmed service an answer refers to. `byServer`: the PDU was sent by the server side, so the
   * request came from the other direction.
   */
  private answered(fromInitiator: boolean, invokeId: number, byServer: boolean | undefined): number | undefined {
    const requestFromInitiator = byServer === false ? fromInitiator : !fromInitiator;
    return this.pending.get(pendingKey(requestFromInitiator, invokeId));
  }

  private evict(map: Map<unknown, unknown>): void {
    if (map.size > MAX_PENDING) {
      const oldest = map.keys().next().value;
      if (oldest !== undefined) map.delete(oldest);
    }
  }

  private emit(
    ts: number,
    src: Endpoint,
    dst: Endpoint,
    direction: Direction,
    fn: string,
    operation: Operation,
    detail: string | undefined,
    fields: BacnetFields,
    identity?: IdentityClaim[],
  ): void {
    const flow = this.ctx.flow;
    const ev = protocolEvent(PROTOCOL, ts, flow, src, dst, direction, fn, operation, detail, fields);
    if (identity) ev.identity = identity;
    if (fields.snet !== undefined || fields.dnet !== undefined) {
      const from = routedSource(fields);
      const to = routedDestination(fields);
      if (from !== undefined || to !== undefined) ev.routed = { src: from, dst: to };
    }
    this.ctx.emit(ev);
  }
}

/**
 * Scratch records for the headers every datagram has, read and dropped before the next one (decoding is
 * synchronous and never re-entered): no header record per datagram.
 */
const BVLC = newBvlc();
const NPDU = newNpdu();
const APDU = newApduHeader();
const SERVICE = newServiceRecord();

/**
 * An event's fields, to which the layers add their members in wire order. It starts as `{}` because V8
 * gives an empty literal 4 in-object slots where `{ bvlc }` gets 1: the usual 7 members (bvlc, apdu_type,
 * service, invoke_id, object, property, values) then need one property array, not three grown in turn.
 */
function newFields(): BacnetFields {
  return {};
}

function addRouting(fields: BacnetFields, npdu: Npdu): void {
  if (npdu.dnet !== undefined) {
    fields.dnet = npdu.dnet;
    fields.dadr = npdu.dadr;
    fields.hop_count = npdu.hopCount;
  }
  if (npdu.snet !== undefined) {
    fields.snet = npdu.snet;
    fields.sadr = npdu.sadr;
  }
}

/** Names of the answers to each known confirmed service, built once. */
const ACK_NAMES: readonly string[] = CONFIRMED_SERVICES.map(([name]) => `${name}_ack`);
const ERROR_NAMES: readonly string[] = CONFIRMED_SERVICES.map(([name]) => `${name}_error`);

/** Name of a confirmed service not in CONFIRMED_SERVICES. */
function confirmedName(service: number | undefined): string {
  return service === undefined ? 'confirmed' : `confirmed_service_${service}`;
}

/** Key of an outstanding confirmed request: its direction and invoke id (0..255) as one small integer, no string per PDU. */
function pendingKey(fromInitiator: boolean, invokeId: number): number {
  return (fromInitiator ? 256 : 0) + invokeId;
}
