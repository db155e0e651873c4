/** NetBIOS name and datagram services: one event per datagram, operation 'discovery'. */
import type { DecoderContext, ProtocolEvent, StreamDecoder } from '../../core/events.js';
import { decodeNbds } from './dgm.js';
import { decodeNbns } from './ns.js';

export const NBNS_PROTOCOL = 'netbios-ns';
export const NBDS_PROTOCOL = 'netbios-dgm';

export class NbnsDecoder implements StreamDecoder {
  constructor(private readonly ctx: DecoderContext) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    const m = decodeNbns(data);
    if (!m) {
      this.ctx.anomaly('short_message', `${data.length} bytes`);
      return;
    }
    if (m.fields.malformed) this.ctx.anomaly('malformed', m.fields.malformed);
    const { src, dst } = this.ctx.endpoints(fromInitiator);
    const e: ProtocolEvent<object> = {
      protocol: NBNS_PROTOCOL,
      ts,
      flow: this.ctx.flow,
      src,
      dst,
      direction: m.response ? 'response' : 'request',
      fn: m.fn,
      operation: 'discovery',
      detail: m.detail,
      fields: m.fields,
    };
    if (m.claims.length > 0) e.identity = m.claims;
    this.ctx.emit(e);
  }
}

export class NbdsDecoder implements StreamDecoder {
  constructor(private readonly ctx: DecoderContext) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    const m = decodeNbds(data);
    if (!m) {
      this.ctx.anomaly('not_netbios_datagram', `${data.length} bytes, type ${data[0] ?? '-'}`);
      return;
    }
    if (m.fields.malformed) this.ctx.anomaly('malformed', m.fields.malformed);
    const { src, dst } = this.ctx.endpoints(fromInitiator);
    const e: ProtocolEvent<object> = {
      protocol: NBDS_PROTOCOL,
      ts,
      flow: this.ctx.flow,
      src,
      dst,
      direction: 'unknown',
      fn: m.fn,
      operation: 'discovery',
      detail: m.detail,
      fields: m.fields,
    };
    if (m.claims.length > 0) e.identity = m.claims;
    this.ctx.emit(e);
  }
}
