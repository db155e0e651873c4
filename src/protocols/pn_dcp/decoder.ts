/**
 * PROFINET DCP decoder: one instance per pair of MAC addresses (src/flows/l2-flows.ts), one onData per
 * Ethernet frame of EtherType 0x8892 from the frame id on. Frames of other frame ids (cyclic real-time
 * data, alarms) share the EtherType and are ignored; every DCP PDU becomes one event.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, StreamDecoder } from '../../core/events.js';
import { DCP_HEADER_LEN, FRAME_ID_LEN, PROTOCOL, SERVICE_GET, SERVICE_SET, TYPE_REQUEST } from './constants.js';
import { classify, identityClaims } from './classify.js';
import { isDcpFrameId, isResponseType, parseDcp, type DcpBlock } from './records.js';

export { PROTOCOL };

export interface DcpFields {
  frame_id: number;
  service_id: number;
  service_type: number;
  xid: number;
  response_delay?: number;
  data_length: number;
  /** Get request: option << 8 | suboption of each selector. */
  selectors?: number[];
  blocks: DcpBlock[];
  malformed?: string;
  /** A unicast Get/Set response: the function of the request it answers (same xid, this MAC pair). */
  request_fn?: string;
}

/** DCP has no authentication of any kind: any station on the segment may rename or reset a device. */
const FACTS: Readonly<Record<string, string>> = Object.freeze({ auth: 'none' });
/** Unanswered unicast requests remembered per MAC pair (Get/Set are one-at-a-time in practice). */
const MAX_PENDING = 32;

export class DcpDecoder implements StreamDecoder {
  private readonly pending = new Map<number, string>(); // xid → fn of an unanswered Get/Set request

  constructor(private readonly ctx: DecoderContext) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    if (data.length < FRAME_ID_LEN || !isDcpFrameId(data.readUInt16BE(0))) return;
    const pdu = parseDcp(data);
    if (!pdu) {
      this.ctx.anomaly('short_pdu', `${data.length - FRAME_ID_LEN} octets, the DCP header needs ${DCP_HEADER_LEN}`);
      return;
    }
    if (pdu.malformed) this.ctx.anomaly('malformed_block', pdu.malformed);
    const { src, dst } = this.ctx.endpoints(fromInitiator);
    const c = classify(pdu);
    const fields: DcpFields = {
      frame_id: pdu.frameId,
      service_id: pdu.serviceId,
      service_type: pdu.serviceType,
      xid: pdu.xid,
      data_length: pdu.dataLength,
      blocks: pdu.blocks,
    };
    if (pdu.responseDelay !== undefined) fields.response_delay = pdu.responseDelay;
    if (pdu.selectors) fields.selectors = pdu.selectors;
    if (pdu.malformed) fields.malformed = pdu.malformed;
    const unicast = pdu.serviceId === SERVICE_GET || pdu.serviceId === SERVICE_SET;
    if (unicast && pdu.serviceType === TYPE_REQUEST) this.remember(pdu.xid, c.fn);
    else if (unicast && isResponseType(pdu.serviceType)) {
      const asked = this.pending.get(pdu.xid);
      if (asked !== undefined) {
        fields.request_fn = asked;
        this.pending.delete(pdu.xid);
      }
    }
    const direction = pdu.serviceType === TYPE_REQUEST ? 'request' : isResponseType(pdu.serviceType) ? 'response' : 'unknown';
    const event = protocolEvent(PROTOCOL, ts, this.ctx.flow, src, dst, direction, c.fn, c.operation, c.detail, fields, FACTS);
    const identity = identityClaims(pdu, src.mac);
    if (identity) event.identity = identity;
    this.ctx.emit(event);
  }

  onEnd(): void {
    this.pending.clear();
  }

  private remember(xid: number, fn: string): void {
    if (this.pending.size >= MAX_PENDING && !this.pending.has(xid)) this.pending.delete(this.pending.keys().next().value!);
    this.pending.set(xid, fn);
  }
}
