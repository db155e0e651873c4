/**
 * The stateful part of the Modbus/TCP decoder: MBAP framing over each direction's reassembled
 * bytes, request/response pairing by (transaction id, unit id), and one ProtocolEvent per PDU.
 *
 * Framing follows what a receiver does: read the 6-byte MBAP prefix, check it (protocol id 0,
 * length 2..254, or 255 as real devices send, counted as an oversized PDU), take `length` more bytes. A chunk that does not start with a sane header is
 * garbage up to its end (TCP segment boundaries are where a Modbus sender starts ADUs, so the next
 * chunk is the next chance to find one, as Wireshark does); a gap drops the partial ADU.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, Endpoint, IdentityClaim, ProtocolEvent, StreamDecoder } from '../../core/events.js';
import { describe } from './classify.js';
import { describeRequest, type Described } from './memo.js';
import { SlotMap } from '../../net/slot-map.js';
import { Framing, GARBAGE, NEED_MORE, PduFramer, type PduSink } from '../framing.js';
import {
  DEVICE_ID_OBJECTS,
  EXCEPTION_BIT,
  FC_ENCAPSULATED_INTERFACE,
  FC_REPORT_SERVER_ID,
  FUNCTIONS,
  MAX_ADU_LEN,
  MAX_GARBAGE_CHUNKS_BEFORE_GIVING_UP,
  MAX_PDU_LEN,
  MAX_PENDING_TRANSACTIONS,
  MBAP_HEADER_LEN,
  MBAP_PREFIX_LEN,
  MBAP_PROTOCOL_ID,
  MODBUS_TCP_PORT,
  isUserDefinedFunction,
} from './constants.js';
import { decodeException, decodeRequest, decodeResponse, mbapLength, newFields, u16, type ModbusFields } from './records.js';
import type { Operation } from '../../core/events.js';

export const PROTOCOL = 'modbus';

/** Framing of each direction: MBAP prefix, measured by measureAdu, given up on after a few garbage chunks. */
const FRAMING = new Framing({
  headerLen: MBAP_PREFIX_LEN,
  measure: measureAdu,
  maxGarbageChunks: MAX_GARBAGE_CHUNKS_BEFORE_GIVING_UP,
  initialCapacity: MAX_ADU_LEN,
});

/** An outstanding request is its own event: it carries fields, fn, operation, detail and ts. */
type PendingRequest = ProtocolEvent<ModbusFields>;

/** Identity attribute each standard device identification object feeds (vendor URL has none). */
const OBJECT_ATTRIBUTES: ReadonlyMap<number, IdentityClaim['attribute']> = new Map([
  [0, 'vendor'],
  [1, 'order_number'], // ProductCode: the catalogue reference, e.g. "BMX P34 2020"
  [2, 'firmware'], // MajorMinorRevision
  [4, 'product'],
  [5, 'model'],
  [6, 'name'], // UserApplicationName: the project running on the PLC
]);

/** Public and user-defined function codes (by code without the exception bit): 1, others 0. */
const KNOWN_FUNCTIONS = Uint8Array.from({ length: 128 }, (_, fc) => (FUNCTIONS.has(fc) || isUserDefinedFunction(fc) ? 1 : 0));

/**
 * Out-parameter of describeRequest, read right after each call: one object for all decoders (no result
 * object per PDU, and one that stays in the CPU cache while thousands of connections interleave).
 */
const described: Described = { fn: '', operation: 'other', detail: '' };

/**
 * The decoder is the sink of both directions' framers (which never hold more than one ADU each): onData
 * says which direction the ADUs it delivers come from. Per-direction state lives in the decoder itself
 * rather than in an object per direction: thousands of connections interleave, so each object a PDU
 * visits is one more miss in the CPU cache.
 */
export class ModbusDecoder implements StreamDecoder, PduSink {
  private readonly fromInitiatorFramer = new PduFramer(this, FRAMING);
  private readonly fromResponderFramer = new PduFramer(this, FRAMING);
  private readonly pending = new SlotMap<PendingRequest>();
  /** The direction and capture time of the bytes being framed (set by onData for the framer's calls). */
  private fromInitiator = true;
  private ts = 0;
  /**
   * The flow's endpoints and what their ports say of each direction (directionByPort), fetched at the
   * first ADU: they are the same objects for the flow's life, and by then cold in the CPU cache.
   */
  private initiator: Endpoint | undefined;
  private responder: Endpoint | undefined;
  private byPortFromInitiator: Direction | undefined;
  private byPortFromResponder: Direction | undefined;

  constructor(private readonly ctx: DecoderContext) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    this.onBytes(fromInitiator, data, 0, data.length, ts);
  }

  onBytes(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    this.fromInitiator = fromInitiator;
    this.ts = ts;
    const framer = fromInitiator ? this.fromInitiatorFramer : this.fromResponderFramer;
    try {
      framer.push(data, start, end);
    } catch (err) {
      // A bug here must not take the pipeline down: count it and start this direction afresh.
      framer.reset();
      this.ctx.anomaly('modbus_decoder_error', err instanceof Error ? err.message : String(err));
    }
  }

  onGap(fromInitiator: boolean, bytes: number): void {
    const dropped = (fromInitiator ? this.fromInitiatorFramer : this.fromResponderFramer).gap();
    if (dropped > 0) this.ctx.anomaly('modbus_adu_lost_in_gap', `${dropped} bytes buffered, ${bytes} missing`);
  }

  onEnd(): void {
    this.release(this.fromInitiatorFramer);
    this.release(this.fromResponderFramer);
    this.pending.clear();
  }

  private release(framer: PduFramer): void {
    const left = framer.release();
    if (left > 0) this.ctx.anomaly('modbus_truncated_adu', `${left} bytes at end of flow`);
  }

  /** PduSink: one complete ADU at buf[start, end) from the direction being framed. */
  pdu(buf: Buffer, start: number, end: number): void {
    this.adu(buf, start, end);
  }

  garbage(buf: Buffer, from: number, to: number): void {
    this.ctx.anomaly('modbus_bad_mbap_header', buf.toString('hex', from, Math.min(to, from + MBAP_HEADER_LEN + 1)));
  }

  gaveUp(chunks: number): void {
    // Not Modbus at all (a scanner, another protocol on 502): stop looking for ADUs in random bytes.
    this.ctx.anomaly('modbus_not_modbus', `${chunks} chunks without a valid MBAP header`);
  }

  private fetchEndpoints(): void {
    const { src, dst } = this.ctx.endpoints(true);
    this.initiator = src;
    this.responder = dst;
    this.byPortFromInitiator = directionByPort(src.port, dst.port);
    this.byPortFromResponder = directionByPort(dst.port, src.port);
  }

  /** One complete ADU at buf[start, end). */
  private adu(buf: Buffer, start: number, end: number): void {
    const { fromInitiator, ts } = this;
    if (this.initiator === undefined) this.fetchEndpoints();
    const src = fromInitiator ? this.initiator! : this.responder!;
    const dst = fromInitiator ? this.responder! : this.initiator!;
    const tid = u16(buf, start);
    const unit = buf[start + 6]!;
    const s = start + MBAP_HEADER_LEN;
    const fcByte = buf[s]!;
    const fc = fcByte & ~EXCEPTION_BIT;
    const direction = (fromInitiator ? this.byPortFromInitiator : this.byPortFromResponder) ?? directionByFunction(fromInitiator, fcByte);
    const key = (tid << 8) | unit;
    let req: PendingRequest | undefined;
    if (direction === 'response') {
      req = this.pending.get(key);
      if (req && req.fields.functionCode === fc) this.pending.delete(key);
      else req = undefined;
    }
    const kind = fcByte & EXCEPTION_BIT ? 'exception' : direction === 'request' ? 'request' : 'response';
    const fields = newFields(tid, unit, fc, kind, end - s, req !== undefined, req === undefined ? 0 : ts - req.ts);
    if (kind === 'exception') decodeException(buf, s, end, fields);
    else if (kind === 'request') decodeRequest(buf, s, end, fields);
    else decodeResponse(buf, s, end, fields, req?.fields);

    if (KNOWN_FUNCTIONS[fields.functionCode] === 0) this.ctx.anomaly('modbus_unknown_function', String(fields.functionCode));
    if (end - s > MAX_PDU_LEN)
      this.ctx.anomaly('modbus_oversized_pdu', `fc ${fields.functionCode}: a PDU of ${end - s} octets (at most ${MAX_PDU_LEN})`);
    if (fields.malformed) this.ctx.anomaly('modbus_malformed_pdu', `fc ${fields.functionCode}: ${fields.malformed}`);

    let fn: string;
    let operation: Operation;
    let detail: string;
    if (req) {
      fn = req.fn;
      operation = req.operation;
      detail = req.detail ?? ''; // always set on a remembered request
      if (fields.umasFunction === undefined && req.fields.umasFunction !== undefined) fields.umasFunction = req.fields.umasFunction;
    } else {
      describeRequest(fields, described);
      fn = described.fn;
      operation = described.operation;
      detail = described.detail;
    }
    if (fields.exceptionCode !== undefined) detail = `${detail} exception ${fields.exceptionCode} ${fields.exception ?? 'unknown'}`;
    else if (direction === 'response' && fields.objects) detail = describe(fields, fn);

    const event = protocolEvent(PROTOCOL, ts, this.ctx.flow, src, dst, direction, fn, operation, detail, fields);
    if (direction === 'response') {
      const identity = identityOf(fields);
      if (identity) event.identity = identity;
    } else {
      this.remember(key, event);
    }
    this.ctx.emit(event);
  }

  private remember(key: number, r: PendingRequest): void {
    if (this.pending.size >= MAX_PENDING_TRANSACTIONS && !this.pending.has(key)) {
      // Oldest first: Map iteration order is insertion order.
      const oldest = this.pending.oldestKey();
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(key, r);
  }
}

/**
 * Who sent this PDU: the port-502 side is the server when exactly one side uses 502; otherwise an
 * exception bit marks a response, and the initiator of the conversation is taken as the client.
 */
export function directionOf(fromInitiator: boolean, srcPort: number, dstPort: number, fcByte: number): Direction {
  return directionByPort(srcPort, dstPort) ?? directionByFunction(fromInitiator, fcByte);
}

/** The direction when exactly one side uses port 502, else undefined (fixed for a side of a conversation). */
function directionByPort(srcPort: number, dstPort: number): Direction | undefined {
  if (dstPort === MODBUS_TCP_PORT && srcPort !== MODBUS_TCP_PORT) return 'request';
  if (srcPort === MODBUS_TCP_PORT && dstPort !== MODBUS_TCP_PORT) return 'response';
  return undefined;
}

function directionByFunction(fromInitiator: boolean, fcByte: number): Direction {
  if (fcByte & EXCEPTION_BIT) return 'response';
  return fromInitiator ? 'request' : 'response';
}

/** Claims about the server (the response's sender) from FC 43/14 objects and FC 17 text. */
export function identityOf(f: ModbusFields): IdentityClaim[] | undefined {
  if (f.functionCode === FC_ENCAPSULATED_INTERFACE && f.objects && f.objects.length > 0) {
    const out: IdentityClaim[] = [];
    for (const o of f.objects) {
      const attribute = OBJECT_ATTRIBUTES.get(o.id);
      if (attribute && DEVICE_ID_OBJECTS.has(o.id) && o.value.length > 0) out.push({ about: 'src', attribute, value: o.value });
    }
    return out.length > 0 ? out : undefined;
  }
  if (f.functionCode === FC_REPORT_SERVER_ID && f.serverIdText) return [{ about: 'src', attribute: 'description', value: f.serverIdText }];
  return undefined;
}

/**
 * The ADU length a receiver reads from the MBAP prefix at buf[off, off + avail): protocol id 0 and a
 * length of 2..255. With fewer than 6 bytes it waits, unless a protocol id already visible is not 0.
 */
export function measureAdu(buf: Buffer, off: number, avail: number): number {
  if (avail < MBAP_PREFIX_LEN) return avail >= 4 && u16(buf, off + 2) !== MBAP_PROTOCOL_ID ? GARBAGE : NEED_MORE;
  const len = mbapLength(buf, off);
  return len < 0 ? GARBAGE : MBAP_PREFIX_LEN + len;
}
