/**
 * Named constants of the zone/conduit audit: rule ids, severities, the IEC 62443-3-3 system
 * requirements each rule evidences, protocol facts the audit relies on, and the SL-A caps of the
 * gap estimate. Everything a reviewer may want to argue about lives here, not in the logic.
 */
import type { Operation } from '../core/events.js';

export const POLICY_VERSION = 1;

/** Foundational requirements of IEC 62443-3-3 (FR1..FR7). */
export const FRS = ['FR1', 'FR2', 'FR3', 'FR4', 'FR5', 'FR6', 'FR7'] as const;
export type FR = (typeof FRS)[number];
export const FR_NAMES: Record<FR, string> = {
  FR1: 'identification and authentication control',
  FR2: 'use control',
  FR3: 'system integrity',
  FR4: 'data confidentiality',
  FR5: 'restricted data flow',
  FR6: 'timely response to events',
  FR7: 'resource availability',
};

/** Purdue levels a zone may declare (3.5 is the industrial DMZ). */
export const PURDUE_LEVELS = [0, 1, 2, 3, 3.5, 4, 5] as const;

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';
export const SEVERITY_ORDER: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

/** Stable rule ids: stored with findings, so never renamed. */
export const RULES = {
  flowWithoutConduit: 'ZC-FLOW-NO-CONDUIT',
  flowNotAllowed: 'ZC-FLOW-NOT-ALLOWED',
  operationNotAllowed: 'ZC-OPERATION-NOT-ALLOWED',
  purdueBypass: 'ZC-PURDUE-BYPASS',
  cleartextProtocol: 'ZC-CLEARTEXT-PROTOCOL',
  opcuaAnonymous: 'ZC-OPCUA-ANONYMOUS',
  assetUnzoned: 'ZC-ASSET-UNZONED',
  assetMultipleZones: 'ZC-ASSET-MULTIPLE-ZONES',
  zoneWithoutSlt: 'ZC-ZONE-NO-SLT',
  conduitUnused: 'ZC-CONDUIT-UNUSED',
  conduitExpiredInUse: 'ZC-CONDUIT-EXPIRED-IN-USE',
  operationsUnverifiable: 'ZC-OPERATIONS-UNVERIFIABLE',
} as const;
export type RuleId = (typeof RULES)[keyof typeof RULES];

/** The 62443-3-3 system requirements each rule gives evidence about. */
export const RULE_REQUIREMENTS: Record<RuleId, string[]> = {
  'ZC-FLOW-NO-CONDUIT': ['SR 5.1', 'SR 5.2'],
  'ZC-FLOW-NOT-ALLOWED': ['SR 5.2'],
  'ZC-OPERATION-NOT-ALLOWED': ['SR 5.2', 'SR 3.1', 'SR 2.1'],
  'ZC-PURDUE-BYPASS': ['SR 5.1'],
  'ZC-CLEARTEXT-PROTOCOL': ['SR 3.1', 'SR 4.1', 'SR 1.2'],
  'ZC-OPCUA-ANONYMOUS': ['SR 1.1', 'SR 1.2'],
  'ZC-ASSET-UNZONED': ['SR 5.1'],
  'ZC-ASSET-MULTIPLE-ZONES': ['SR 5.1'],
  'ZC-ZONE-NO-SLT': ['SR 5.1'],
  'ZC-CONDUIT-UNUSED': ['SR 5.2', 'SR 7.7'],
  'ZC-CONDUIT-EXPIRED-IN-USE': ['SR 5.2', 'SR 2.1'],
  // the conduit's operation filter cannot be checked from the network; the traffic itself meets SR 4.1 and SR 3.1
  'ZC-OPERATIONS-UNVERIFIABLE': ['SR 5.2'],
};

/** Operations that change what a controller does; used for severity and for the gap caps. */
export const CONTROL_OPERATIONS: readonly Operation[] = ['write', 'program', 'control', 'restart', 'call'];
/**
 * Operations the network cannot read (an encrypted body): a conduit's operation list neither allows nor denies
 * them, and a flow that carries them is reported as not verifiable rather than as a forbidden operation.
 */
export const UNREADABLE_OPERATIONS: readonly Operation[] = ['encrypted'];
/** Operations whose misuse stops or reprograms a process: critical when they cross a boundary unallowed. */
export const CRITICAL_OPERATIONS: readonly Operation[] = ['program', 'control', 'restart'];

/** Well-known responder ports, used when a conduit flow names a protocol but no port. */
export const PROTOCOL_DEFAULTS: Record<string, { transport: 'tcp' | 'udp'; ports: number[] }> = {
  modbus: { transport: 'tcp', ports: [502] },
  s7comm: { transport: 'tcp', ports: [102] },
  s7commplus: { transport: 'tcp', ports: [102] },
  opcua: { transport: 'tcp', ports: [4840] },
  bacnet: { transport: 'udp', ports: [47808] },
  dnp3: { transport: 'tcp', ports: [20000] },
  enip: { transport: 'tcp', ports: [44818] },
  iec104: { transport: 'tcp', ports: [2404] },
  http: { transport: 'tcp', ports: [80] },
  https: { transport: 'tcp', ports: [443] },
  ssh: { transport: 'tcp', ports: [22] },
  rdp: { transport: 'tcp', ports: [3389] },
};

/** Protocols carried directly over Ethernet (paths with transport 'l2', port 0): a flow of theirs names no port. */
export const L2_PROTOCOLS: readonly string[] = ['pn_dcp'];

/** Pseudo-protocols in a flow: any application protocol on the given transport and ports. */
export const TRANSPORT_PROTOCOLS = ['tcp', 'udp'] as const;

/** Minimum SL-T at which the cleartext and anonymous rules apply (the brief: SL-T >= 2). */
export const SECURE_TRANSPORT_MIN_SLT = 2;

/** Time a conduit's expiry date (YYYY-MM-DD) covers: the whole day, UTC. */
export const DAY_SECONDS = 86_400;

/** How many example operations / paths a finding keeps as evidence. */
export const EVIDENCE_EXAMPLES = 5;

/**
 * The SL-A cap each kind of evidence puts on the FRs of the zones it touches. Passive evidence can
 * only show that a zone falls short, never that it meets a level: the estimate is an upper bound.
 *  - Cleartext unauthenticated control protocols: commands can be forged or read on the wire, so
 *    communication integrity (SR 3.1 RE), confidentiality in transit (SR 4.1 RE) and device
 *    authentication (SR 1.2, an SL2 requirement) are not met above SL1.
 *  - Anonymous OPC UA sessions: no user identification (SR 1.1) and so no per-user use control.
 *  - A flow with no conduit: the zone boundary (SR 5.1, SR 5.2 at SL1) does not restrict flows.
 *  - A flow or operation a conduit does not allow, a Purdue bypass, an expired conduit in use:
 *    the boundary exists but does not enforce what the policy says.
 */
export const GAP_CAPS: Partial<Record<RuleId, Partial<Record<FR, number>>>> = {
  'ZC-CLEARTEXT-PROTOCOL': { FR1: 1, FR3: 1, FR4: 1 },
  'ZC-OPCUA-ANONYMOUS': { FR1: 1, FR2: 1 },
  'ZC-FLOW-NO-CONDUIT': { FR5: 0 },
  'ZC-FLOW-NOT-ALLOWED': { FR5: 1 },
  'ZC-OPERATION-NOT-ALLOWED': { FR2: 1, FR5: 1 },
  'ZC-PURDUE-BYPASS': { FR5: 1 },
  'ZC-CONDUIT-EXPIRED-IN-USE': { FR5: 1 },
};
