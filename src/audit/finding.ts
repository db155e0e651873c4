/**
 * A finding of the zone/conduit audit and the evidence behind it. The id is a hash of the rule and
 * the subject only, so the same problem seen in the next analysis is the same finding.
 */
import { createHash } from 'node:crypto';
import type { Path } from '../core/model.js';
import type { Operation } from '../core/events.js';
import { EVIDENCE_EXAMPLES, RULE_REQUIREMENTS, type RuleId, type Severity } from './constants.js';

export type SubjectKind = 'path' | 'flow' | 'asset' | 'zone' | 'conduit';

export interface PathEvidence {
  pathId: string;
  initiator: string;
  responder: string;
  initiatorIp: string;
  responderIp: string;
  protocol: string;
  transport: Path['transport'];
  responderPort: number;
  packets: number;
  firstSeen: number;
  lastSeen: number;
}

export interface OperationEvidence {
  operation: Operation;
  count: number;
  examples: string[];
}

export interface Evidence {
  /** Total over every path behind the finding (examples below are capped). */
  pathCount: number;
  packets: number;
  firstSeen: number | null;
  lastSeen: number | null;
  paths: PathEvidence[];
  operations: OperationEvidence[];
  /** Security facts of the paths (security_mode, auth, ...), every value seen. */
  facts: Record<string, string[]>;
  /** Rule-specific lines: "port 503 is not among 502", "asset matches scada by cidr and bms by vlan". */
  details: string[];
  /**
   * Every path and asset behind the finding (ids, sorted, at most SCOPE_MAX each; `pathCount` says how
   * many there were), so that the map can highlight all of them, not only the busiest examples above.
   */
  pathIds: string[];
  assetIds: string[];
}

/** What to fix first: severity, then the worst operation class that reaches level 0-1, then age (src/audit/priority.ts). */
export interface Priority {
  /** Lower is more urgent: severity rank × 4 + operation class rank. */
  rank: number;
  opClass: OpClass;
  /** One line: why this rank ("critical; program/control reaching level 1 (10.30.1.21)"). */
  reason: string;
}

/** Operations grouped by what their misuse does to the process, most dangerous first. */
export const OP_CLASSES = ['program/control', 'write', 'read', 'none'] as const;
export type OpClass = (typeof OP_CLASSES)[number];

/** Ids kept in Evidence.pathIds / assetIds: enough to highlight a zone pair, bounded so a finding's JSON stays small. */
export const SCOPE_MAX = 2000;

export interface Finding {
  id: string;
  rule: RuleId;
  severity: Severity;
  /** One line that tells this finding apart from every other of the same audit (findingTitle). */
  title: string;
  /** Set by the audit after every rule ran (prioritise); absent on findings stored before it existed. */
  priority?: Priority;
  /** IEC 62443-3-3 system requirements the finding evidences. */
  requirements: string[];
  subject: { kind: SubjectKind; key: string; label: string };
  /** One line: what was seen and why it matters. */
  explanation: string;
  /** One line: what to do. */
  remediation: string;
  /** Zones the finding is about (for the gap table and filtering); 'unzoned' for no zone. */
  zones: string[];
  conduit?: string;
  evidence: Evidence;
}

export function findingId(rule: RuleId, subjectKey: string): string {
  return `${rule}:${createHash('sha256').update(`${rule}\u0000${subjectKey}`).digest('hex').slice(0, 16)}`;
}

export function pathKey(p: Path): string {
  return `${p.initiator}>${p.responder} ${p.protocol}/${p.transport}/${p.responderPort}`;
}

export function pathPackets(p: Path): number {
  return p.packetsToResponder + p.packetsToInitiator;
}

function pathEvidence(p: Path): PathEvidence {
  return {
    pathId: p.id,
    initiator: p.initiator,
    responder: p.responder,
    initiatorIp: p.initiatorIp,
    responderIp: p.responderIp,
    protocol: p.protocol,
    transport: p.transport,
    responderPort: p.responderPort,
    packets: pathPackets(p),
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
  };
}

/** Busiest first, then by id: the order of a finding's example paths. */
function busier(a: Path, b: Path): number {
  return pathPackets(b) - pathPackets(a) || a.id.localeCompare(b.id);
}

/**
 * The first `k` paths in `busier` order, as a stable sort would give them, in one pass: a finding over thousands
 * of paths keeps five examples, and sorting them all compared ids (localeCompare) thousands of times.
 */
export function busiest(paths: readonly Path[], k: number): Path[] {
  const top: Path[] = [];
  for (const p of paths) {
    if (top.length === k && busier(p, top[k - 1]!) >= 0) continue;
    // after every path that is not less busy: equal ones keep the order they came in
    let i = top.length;
    while (i > 0 && busier(p, top[i - 1]!) < 0) i--;
    top.splice(i, 0, p);
    if (top.length > k) top.pop();
  }
  return top;
}

/**
 * Evidence over a set of paths; `only` restricts the operations shown (e.g. the disallowed ones).
 * Paths are listed busiest first so that the examples are the ones worth looking at.
 */
export function evidenceFor(paths: readonly Path[], only?: readonly Operation[], details: string[] = []): Evidence {
  const ops = new Map<Operation, OperationEvidence>();
  const facts: Record<string, Set<string>> = {};
  const assetIds = new Set<string>();
  let packets = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const p of paths) {
    packets += pathPackets(p);
    first = first === null ? p.firstSeen : Math.min(first, p.firstSeen);
    last = last === null ? p.lastSeen : Math.max(last, p.lastSeen);
    assetIds.add(p.initiator).add(p.responder);
    for (const key in p.operations) {
      const op = key as Operation;
      const s = p.operations[op]!;
      if (only && !only.includes(op)) continue;
      let e = ops.get(op);
      if (!e) ops.set(op, (e = { operation: op, count: 0, examples: [] }));
      e.count += s.count;
      for (const x of s.examples) if (e.examples.length < EVIDENCE_EXAMPLES && !e.examples.includes(x)) e.examples.push(x);
    }
    for (const k in p.facts) {
      const set = (facts[k] ??= new Set());
      for (const v of p.facts[k]!) set.add(v);
    }
  }
  const factList: Record<string, string[]> = {};
  for (const k in facts) factList[k] = [...facts[k]!].sort();
  return {
    pathCount: paths.length,
    packets,
    firstSeen: first,
    lastSeen: last,
    paths: busiest(paths, EVIDENCE_EXAMPLES).map(pathEvidence),
    operations: [...ops.values()].sort((a, b) => b.count - a.count),
    facts: factList,
    details,
    pathIds: paths
      .map((p) => p.id)
      .sort()
      .slice(0, SCOPE_MAX),
    assetIds: [...assetIds].sort().slice(0, SCOPE_MAX),
  };
}

export function emptyEvidence(details: string[] = []): Evidence {
  return {
    pathCount: 0,
    packets: 0,
    firstSeen: null,
    lastSeen: null,
    paths: [],
    operations: [],
    facts: {},
    details,
    pathIds: [],
    assetIds: [],
  };
}

/**
 * A title per rule that names what differs between two findings of that rule. The rules' labels are
 * short and may repeat: the cleartext rule groups by the set of conduits a path travels but labels
 * with the first one only, so the s7comm of the integrator's temporary conduit (which also matches
 * scada-control) read exactly like the s7comm of scada-control alone. The subject key is what makes
 * the finding's id, so a title built from it differs whenever the findings differ.
 */
export function findingTitle(f: Pick<Finding, 'rule' | 'subject' | 'zones' | 'conduit'>): string {
  const { key, label } = f.subject;
  switch (f.rule) {
    case 'ZC-FLOW-NO-CONDUIT':
      return `No conduit for ${label}`;
    case 'ZC-FLOW-NOT-ALLOWED':
      return `Flow not allowed on ${label}`;
    case 'ZC-OPERATION-NOT-ALLOWED':
      return `Operation not allowed on ${label}`;
    case 'ZC-PURDUE-BYPASS':
      return `Purdue bypass ${label}`;
    case 'ZC-CLEARTEXT-PROTOCOL': {
      // key: '<conduit>[+<conduit>...] <protocol>' (rules-security.ts groups by every conduit the paths travel)
      const cut = key.lastIndexOf(' ');
      const conduits = cut > 0 ? key.slice(0, cut).split('+') : [];
      const protocol = cut > 0 ? key.slice(cut + 1) : label;
      const on = conduits.length > 1 ? `conduits ${conduits.join(' + ')}` : `conduit ${conduits[0] ?? f.conduit ?? '?'}`;
      return `Unprotected ${protocol} on ${on}${f.zones.length ? ` (${f.zones.join(' → ')})` : ''}`;
    }
    case 'ZC-OPCUA-ANONYMOUS':
      return `Anonymous sessions on ${label}`;
    case 'ZC-ASSET-UNZONED':
      return `In no zone: ${label}`;
    case 'ZC-ASSET-MULTIPLE-ZONES':
      return `Asset in ${f.zones.length} zones (${f.zones.join(', ')}): ${label}`;
    case 'ZC-ZONE-NO-SLT':
      return `Zone '${label}' has no SL-T`;
    case 'ZC-CONDUIT-UNUSED':
      return `Conduit '${label}' unused`;
    case 'ZC-CONDUIT-EXPIRED-IN-USE':
      return `Expired conduit '${label}' still in use`;
    default:
      return `${f.rule} ${label}`;
  }
}

export function makeFinding(f: Omit<Finding, 'id' | 'requirements' | 'title'>): Finding {
  // An asset finding highlights its asset even when it has no traffic.
  if (f.subject.kind === 'asset' && !f.evidence.assetIds.includes(f.subject.key))
    f.evidence.assetIds = [...f.evidence.assetIds, f.subject.key].sort();
  return { id: findingId(f.rule, f.subject.key), requirements: RULE_REQUIREMENTS[f.rule], title: findingTitle(f), ...f };
}
