/** Builders of synthetic pipeline output (events, flow summaries, bindings) for inventory and store tests. */
import type {
  AddressBinding,
  Endpoint,
  FlowRef,
  FlowSummary,
  IdentityClaim,
  Operation,
  ProtocolEvent,
  Transport,
} from '../../src/core/events.js';

export const REGISTRY: Record<string, string | undefined> = {
  modbus: 'controller',
  s7comm: 'controller',
  bacnet: 'controller',
  opcua: 'opcua_server',
};
export const serverRoleOf = (p: string): string | undefined => REGISTRY[p];

let flowSeq = 0;

export function ep(ip: string, port: number, mac?: string): Endpoint {
  return mac ? { ip, port, mac } : { ip, port };
}

export function flow(initiator: Endpoint, responder: Endpoint, transport: Transport = 'tcp', vlan?: number): FlowRef {
  flowSeq++;
  return {
    id: `${transport} ${initiator.ip}:${initiator.port} > ${responder.ip}:${responder.port} #${flowSeq}`,
    transport,
    initiator,
    responder,
    vlan,
  };
}

export interface EventSpec {
  protocol?: string;
  ts?: number;
  fn?: string;
  operation?: Operation;
  direction?: 'request' | 'response' | 'unknown';
  detail?: string;
  identity?: IdentityClaim[];
  facts?: Record<string, string>;
  /** Sent by the flow's responder (default: requests from the initiator, responses from the responder). */
  fromResponder?: boolean;
}

export function event(f: FlowRef, s: EventSpec = {}): ProtocolEvent<object> {
  const direction = s.direction ?? 'request';
  const fromResponder = s.fromResponder ?? direction === 'response';
  return {
    protocol: s.protocol ?? 'modbus',
    ts: s.ts ?? 1000,
    flow: f,
    src: fromResponder ? f.responder : f.initiator,
    dst: fromResponder ? f.initiator : f.responder,
    direction,
    fn: s.fn ?? 'read_holding_registers',
    operation: s.operation ?? 'read',
    detail: s.detail,
    fields: {},
    identity: s.identity,
    facts: s.facts,
  };
}

export function summary(f: FlowRef, protocol: string, first: number, last: number, packets = [1, 1], bytes = [60, 60]): FlowSummary {
  return {
    flow: f,
    protocol,
    decoded: true,
    firstSeen: first,
    lastSeen: last,
    packetsFromInitiator: packets[0],
    packetsFromResponder: packets[1],
    bytesFromInitiator: bytes[0],
    bytesFromResponder: bytes[1],
  };
}

export function binding(mac: string, ip: string, ts: number, source: 'arp' | 'ip' = 'ip', vlan?: number): AddressBinding {
  return { mac, ip, ts, source, vlan };
}

/** A request/response exchange on a new flow, with bindings for both sides as the pipeline reports them. */
export interface Exchange {
  client: Endpoint;
  server: Endpoint;
  protocol?: string;
  ts?: number;
  requests?: EventSpec[];
  responses?: EventSpec[];
  transport?: Transport;
  packets?: [number, number];
}

export function feedExchange(
  sink: { onEvent(e: ProtocolEvent<object>): void; onFlowEnd(s: FlowSummary): void; onBinding(b: AddressBinding): void },
  x: Exchange,
): FlowRef {
  const f = flow(x.client, x.server, x.transport ?? 'tcp');
  const ts = x.ts ?? 1000;
  const protocol = x.protocol ?? 'modbus';
  if (x.client.mac) sink.onBinding(binding(x.client.mac, x.client.ip, ts));
  if (x.server.mac) sink.onBinding(binding(x.server.mac, x.server.ip, ts));
  const reqs = x.requests ?? [{}];
  reqs.forEach((r, i) => sink.onEvent(event(f, { protocol, ts: ts + i, ...r })));
  for (const [i, r] of (x.responses ?? []).entries()) sink.onEvent(event(f, { protocol, ts: ts + i + 0.5, direction: 'response', ...r }));
  const n = Math.max(reqs.length, 1);
  sink.onFlowEnd(summary(f, protocol, ts, ts + n, x.packets ?? [n, n], [n * 66, n * 70]));
  return f;
}
