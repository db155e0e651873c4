/** Conversions between the output model and table rows. */
import type { Operation } from '../core/events.js';
import type { Asset, OperationSummary, Path } from '../core/model.js';
import { asAssetId, asPathId } from '../core/ids.js';

export interface PathRow {
  id: string;
  initiator: string;
  responder: string;
  initiator_ip: string;
  responder_ip: string;
  protocol: string;
  transport: 'tcp' | 'udp';
  responder_port: number;
  packets_to_responder: number;
  packets_to_initiator: number;
  bytes_to_responder: number;
  bytes_to_initiator: number;
  first_seen: number;
  last_seen: number;
  facts: string;
}

export interface OperationRow {
  path_id: string;
  operation: Operation;
  count: number;
  functions: string;
  examples: string;
}

export function pathFromRow(r: PathRow, ops: OperationRow[]): Path {
  const operations: Partial<Record<Operation, OperationSummary>> = {};
  for (const o of [...ops].sort((a, b) => (a.operation < b.operation ? -1 : 1))) {
    operations[o.operation] = { count: o.count, examples: JSON.parse(o.examples), functions: JSON.parse(o.functions) };
  }
  return {
    id: asPathId(r.id),
    initiator: asAssetId(r.initiator),
    responder: asAssetId(r.responder),
    initiatorIp: r.initiator_ip,
    responderIp: r.responder_ip,
    protocol: r.protocol,
    transport: r.transport,
    responderPort: r.responder_port,
    packetsToResponder: r.packets_to_responder,
    packetsToInitiator: r.packets_to_initiator,
    bytesToResponder: r.bytes_to_responder,
    bytesToInitiator: r.bytes_to_initiator,
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    operations,
    facts: JSON.parse(r.facts),
  };
}

/** A path as pathFromRow reads it back from its rows (same key order, operations by name), without the round trip. */
export function pathAsStored(p: Path): Path {
  const operations: Partial<Record<Operation, OperationSummary>> = {};
  for (const op of (Object.keys(p.operations) as Operation[]).sort()) {
    const o = p.operations[op]!;
    operations[op] = { count: o.count, examples: o.examples, functions: o.functions };
  }
  return {
    id: p.id,
    initiator: p.initiator,
    responder: p.responder,
    initiatorIp: p.initiatorIp,
    responderIp: p.responderIp,
    protocol: p.protocol,
    transport: p.transport,
    responderPort: p.responderPort,
    packetsToResponder: p.packetsToResponder,
    packetsToInitiator: p.packetsToInitiator,
    bytesToResponder: p.bytesToResponder,
    bytesToInitiator: p.bytesToInitiator,
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
    operations,
    facts: p.facts,
  };
}

/** The indexed columns of an asset row (the whole asset goes into `data`). */
export function assetColumns(a: Asset, gatewayEvidence: string | null): Record<string, unknown> {
  return {
    id: a.id,
    role: a.role,
    purdue_level: a.purdueLevel,
    vendor: a.identity.vendor?.value ?? a.macVendor ?? null,
    mac_vendor: a.macVendor ?? null,
    name: a.names[0] ?? null,
    first_seen: a.firstSeen,
    last_seen: a.lastSeen,
    gateway_evidence: gatewayEvidence,
    data: JSON.stringify(a),
  };
}
