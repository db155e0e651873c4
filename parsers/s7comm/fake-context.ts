/**
 * A DecoderContext for tests: a fixed client (10.0.0.1:50000) → PLC (10.0.0.2:102) flow that
 * collects events and anomalies.
 */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent } from '../types.js';

export interface FakeContext extends DecoderContext {
  events: ProtocolEvent<Record<string, any>>[];
  anomalies: { kind: string; detail?: string }[];
}

export function fakeContext(): FakeContext {
  const client: Endpoint = { ip: '10.0.0.1', port: 50000 };
  const plc: Endpoint = { ip: '10.0.0.2', port: 102 };
  const flow: FlowRef = { id: 'tcp 10.0.0.1:50000 > 10.0.0.2:102 #1', transport: 'tcp', initiator: client, responder: plc };
  const events: ProtocolEvent<Record<string, any>>[] = [];
  const anomalies: { kind: string; detail?: string }[] = [];
  return {
    flow,
    events,
    anomalies,
    endpoints: (fromInitiator) => (fromInitiator ? { src: client, dst: plc } : { src: plc, dst: client }),
    emit: (e) => events.push(e as ProtocolEvent<Record<string, any>>),
    anomaly: (kind, detail) => anomalies.push({ kind, detail }),
  };
}
