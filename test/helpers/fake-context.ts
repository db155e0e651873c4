/**
 * A DecoderContext for decoder tests: one flow, and everything the decoder emits or counts kept in
 * order so a test can assert on it. Not used by the pipeline. Protocol test helpers wrap it with
 * their own default endpoints (the well-known port of the protocol).
 */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent, Transport } from '../../src/core/events.js';

export interface RecordedAnomaly {
  kind: string;
  detail?: string;
}

export class FakeContext<F extends object = Record<string, any>> implements DecoderContext {
  readonly events: ProtocolEvent<F>[] = [];
  readonly anomalies: RecordedAnomaly[] = [];

  constructor(readonly flow: FlowRef) {}

  // Arrow properties, not methods: a decoder may keep `ctx.emit` or `ctx.anomaly` apart from `ctx`.
  readonly endpoints = (fromInitiator: boolean): { src: Endpoint; dst: Endpoint } =>
    fromInitiator ? { src: this.flow.initiator, dst: this.flow.responder } : { src: this.flow.responder, dst: this.flow.initiator };

  readonly emit = (event: ProtocolEvent<object>): void => {
    this.events.push(event as ProtocolEvent<F>);
  };

  readonly anomaly = (kind: string, detail?: string): void => {
    this.anomalies.push(detail === undefined ? { kind } : { kind, detail });
  };
}

/** The flow the pipeline would name for a first conversation between two endpoints (MACs for l2). */
export function flowBetween(initiator: Endpoint, responder: Endpoint, transport: Transport = 'tcp'): FlowRef {
  const name = (e: Endpoint): string => (transport === 'l2' ? (e.mac ?? '') : `${e.ip}:${e.port}`);
  return { id: `${transport} ${name(initiator)} > ${name(responder)} #1`, transport, initiator, responder };
}

export function fakeContext<F extends object = Record<string, any>>(
  initiator: Endpoint,
  responder: Endpoint,
  transport: Transport = 'tcp',
): FakeContext<F> {
  return new FakeContext<F>(flowBetween(initiator, responder, transport));
}
