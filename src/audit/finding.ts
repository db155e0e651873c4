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
}

export interface Finding {
  id: string;
  rule: RuleId;
  severity: Severity;
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

/**
 * Evidence over a set of paths; `only` restricts the operations shown (e.g. the disallowed ones).
 * Paths are listed busiest first so that the examples are the ones worth looking at.
 */
export function evidenceFor(paths: readonly Path[], only?: readonly Operation[], details: string[] = []): Evidence {
  const ops = new Map<Operation, OperationEvidence>();
  const facts: Record<string, Set<string>> = {};
  let packets = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (const p of paths) {
    packets += pathPackets(p);
    first = first === null ? p.firstSeen : Math.min(first, p.firstSeen);
    last = last === null ? p.lastSeen : Math.max(last, p.lastSeen);
    for (const [op, s] of Object.entries(p.operations) as [Operation, NonNullable<Path['operations'][Operation]>][]) {
      if (only && !only.includes(op)) continue;
      const e = ops.get(op) ?? { operation: op, count: 0, examples: [] };
      e.count += s.count;
      for (const x of s.examples) if (e.examples.length < EVIDENCE_EXAMPLES && !e.examples.includes(x)) e.examples.push(x);
      ops.set(op, e);
    }
    for (const [k, vs] of Object.entries(p.facts)) for (const v of vs) (facts[k] ??= new Set()).add(v);
  }
  const busiest = [...paths].sort((a, b) => pathPackets(b) - pathPackets(a) || a.id.localeCompare(b.id));
  return {
    pathCount: paths.length,
    packets,
    firstSeen: first,
    lastSeen: last,
    paths: busiest.slice(0, EVIDENCE_EXAMPLES).map(pathEvidence),
    operations: [...ops.values()].sort((a, b) => b.count - a.count),
    facts: Object.fromEntries(Object.entries(facts).map(([k, s]) => [k, [...s].sort()])),
    details,
  };
}

export function emptyEvidence(details: string[] = []): Evidence {
  return { pathCount: 0, packets: 0, firstSeen: null, lastSeen: null, paths: [], operations: [], facts: {}, details };
}

export function makeFinding(f: Omit<Finding, 'id' | 'requirements'>): Finding {
  return { id: findingId(f.rule, f.subject.key), requirements: RULE_REQUIREMENTS[f.rule], ...f };
}
