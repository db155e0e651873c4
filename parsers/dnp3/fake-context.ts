/** A DecoderContext for tests: one flow, collected events and anomalies. Not used by the pipeline. */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent, Transport } from '../types.js';
import type { Dnp3Fields } from './decoder.js';

export interface FakeContext extends DecoderContext {
  events: ProtocolEvent<Dnp3Fields>[];
  anomalies: { kind: string; detail?: string }[];
}

export function fakeContext(
  initiator: Endpoint = { ip: '10.0.0.1', port: 49152 },
  responder: Endpoint = { ip: '10.0.0.2', port: 20000 },
  transport: Transport = 'tcp',
): FakeContext {
  const flow: FlowRef = { id: `${transport} ${initiator.ip}:${initiator.port} > ${responder.ip}:${responder.port} #1`, transport, initiator, responder };
  const events: ProtocolEvent<Dnp3Fields>[] = [];
  const anomalies: { kind: string; detail?: string }[] = [];
  return {
    flow,
    events,
    anomalies,
    endpoints: (fromInitiator: boolean) => (fromInitiator ? { src: initiator, dst: responder } : { src: responder, dst: initiator }),
    emit: (e) => events.push(e as ProtocolEvent<Dnp3Fields>),
    anomaly: (kind, detail) => anomalies.push(detail === undefined ? { kind } : { kind, detail }),
  };
}
