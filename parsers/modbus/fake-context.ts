/** A DecoderContext for tests: one flow, collected events and anomalies. Not used by the pipeline. */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent } from '../types.js';
import type { ModbusFields } from './records.js';

export interface FakeContext extends DecoderContext {
  events: ProtocolEvent<ModbusFields>[];
  anomalies: { kind: string; detail?: string }[];
}

export function fakeContext(client: Endpoint = { ip: '10.0.0.1', port: 49152 }, server: Endpoint = { ip: '10.0.0.2', port: 502 }): FakeContext {
  const flow: FlowRef = { id: `tcp ${client.ip}:${client.port} > ${server.ip}:${server.port} #1`, transport: 'tcp', initiator: client, responder: server };
  const events: ProtocolEvent<ModbusFields>[] = [];
  const anomalies: { kind: string; detail?: string }[] = [];
  return {
    flow,
    events,
    anomalies,
    endpoints: (fromInitiator: boolean) => (fromInitiator ? { src: client, dst: server } : { src: server, dst: client }),
    emit: (e) => events.push(e as ProtocolEvent<ModbusFields>),
    anomaly: (kind, detail) => anomalies.push(detail === undefined ? { kind } : { kind, detail }),
  };
}

/** An ADU: MBAP header (length computed from the PDU unless given) then the PDU bytes. */
export function adu(tid: number, unit: number, pdu: number[] | Buffer, lengthOverride?: number, protocolId = 0): Buffer {
  const body = Buffer.from(pdu);
  const h = Buffer.alloc(7);
  h.writeUInt16BE(tid & 0xffff, 0);
  h.writeUInt16BE(protocolId, 2);
  h.writeUInt16BE(lengthOverride ?? body.length + 1, 4);
  h[6] = unit;
  return Buffer.concat([h, body]);
}
