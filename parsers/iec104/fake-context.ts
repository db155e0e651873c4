/** A DecoderContext for tests: one flow, collected events and anomalies. Not used by the pipeline. */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent } from '../types.js';
import type { Iec104Fields } from './classify.js';

export interface FakeContext extends DecoderContext {
  events: ProtocolEvent<Iec104Fields>[];
  anomalies: { kind: string; detail?: string }[];
}

export function fakeContext(initiator: Endpoint = { ip: '10.0.0.1', port: 49152 }, responder: Endpoint = { ip: '10.0.0.2', port: 2404 }): FakeContext {
  const flow: FlowRef = { id: `tcp ${initiator.ip}:${initiator.port} > ${responder.ip}:${responder.port} #1`, transport: 'tcp', initiator, responder };
  const events: ProtocolEvent<Iec104Fields>[] = [];
  const anomalies: { kind: string; detail?: string }[] = [];
  return {
    flow,
    events,
    anomalies,
    endpoints: (fromInitiator: boolean) => (fromInitiator ? { src: initiator, dst: responder } : { src: responder, dst: initiator }),
    emit: (e) => events.push(e as ProtocolEvent<Iec104Fields>),
    anomaly: (kind, detail) => anomalies.push(detail === undefined ? { kind } : { kind, detail }),
  };
}
