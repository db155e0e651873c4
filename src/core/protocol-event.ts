/**
 * Every decoder makes its events through `protocolEvent`, so that all events have one shape: the same members in
 * the same order, the optional ones present as undefined. The flow table, the statistics and the inventory read a
 * million events per capture, and with the shapes each decoder wrote (members in its own order, some only
 * sometimes: five shapes on the benchmark mix) every member read at those sites was a lookup through V8's
 * megamorphic cache instead of a fixed offset.
 */
import type { Direction, Endpoint, FlowRef, Operation, ProtocolEvent } from './events.js';

export function protocolEvent<F extends object>(
  protocol: string,
  ts: number,
  flow: FlowRef,
  src: Endpoint,
  dst: Endpoint,
  direction: Direction,
  fn: string,
  operation: Operation,
  detail: string | undefined,
  fields: F,
  facts?: Record<string, string>,
): ProtocolEvent<F> {
  return { protocol, ts, flow, src, dst, direction, fn, operation, detail, fields, identity: undefined, facts, routed: undefined };
}
