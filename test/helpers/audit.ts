/** Synthetic inventory for the zoning tests: assets and paths shaped like agent/inventory's output. */
import type { Asset, AssetRole, OperationSummary, Path } from '../../src/core/model.js';
import type { Operation } from '../../src/core/events.js';
import { asPathId, ipAssetId } from '../../src/core/ids.js';

export const T0 = Date.UTC(2024, 5, 1) / 1000; // 2024-06-01, after the test conduit's expiry

export function asset(ip: string, role: AssetRole = 'unknown', extra: Partial<Asset> = {}): Asset {
  return {
    id: ipAssetId(ip),
    ips: [ip],
    macs: [],
    vlans: [],
    names: [],
    identity: {},
    role,
    roleEvidence: [],
    purdueLevel: null,
    protocolsServer: [],
    protocolsClient: [],
    firstSeen: T0,
    lastSeen: T0 + 3600,
    ...extra,
  };
}

export interface PathSpec {
  from: string;
  to: string;
  protocol: string;
  port: number;
  transport?: 'tcp' | 'udp';
  ops?: Partial<Record<Operation, number>>;
  facts?: Record<string, string[]>;
  firstSeen?: number;
  lastSeen?: number;
}

export function path(s: PathSpec): Path {
  const operations: Partial<Record<Operation, OperationSummary>> = {};
  for (const [op, count] of Object.entries(s.ops ?? {})) {
    operations[op as Operation] = { count: count!, examples: [`${op} example`], functions: { [`${op}_fn`]: count! } };
  }
  return {
    id: asPathId(`${s.from}>${s.to}/${s.protocol}/${s.port}`),
    initiator: ipAssetId(s.from),
    responder: ipAssetId(s.to),
    initiatorIp: s.from,
    responderIp: s.to,
    protocol: s.protocol,
    transport: s.transport ?? 'tcp',
    responderPort: s.port,
    packetsToResponder: 10,
    packetsToInitiator: 10,
    bytesToResponder: 1000,
    bytesToInitiator: 1000,
    firstSeen: s.firstSeen ?? T0,
    lastSeen: s.lastSeen ?? T0 + 3600,
    operations,
    facts: s.facts ?? {},
  };
}
