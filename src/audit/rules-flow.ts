/**
 * Rules on where traffic goes: flows with no conduit, flows or operations a conduit does not
 * allow, Purdue bypasses, expired temporary conduits still in use, conduits nobody uses.
 * Paths are grouped per rule subject (zone pair, protocol and port; conduit; asset pair) so that
 * one problem is one finding however many connections show it.
 */
import type { Operation } from '../core/events.js';
import type { Assessment, PathAssessment } from './assess.js';
import { CONTROL_OPERATIONS, CRITICAL_OPERATIONS, RULES, type Severity } from './constants.js';
import type { PathEnd } from './conduit-match.js';
import { evidenceFor, emptyEvidence, makeFinding, type Finding } from './finding.js';
import { conduitSet, groupBy, isoDate } from './group.js';
import { UNZONED } from './placement.js';
import { endLabel } from './policy-semantics.js';
import type { Conduit, Policy } from './policy-types.js';

function flowText(a: PathAssessment): string {
  return `${a.path.protocol} (${a.path.transport}/${a.path.responderPort})`;
}

function zoneText(zone: string): string {
  return zone === UNZONED ? 'outside every zone' : `zone '${zone}'`;
}

function opsIn(list: readonly PathAssessment[]): Set<Operation> {
  const s = new Set<Operation>();
  for (const a of list) for (const [op, v] of Object.entries(a.path.operations)) if ((v?.count ?? 0) > 0) s.add(op as Operation);
  return s;
}

function worstBy(ops: Set<Operation>, critical: Severity, control: Severity, other: Severity): Severity {
  if (CRITICAL_OPERATIONS.some((o) => ops.has(o))) return critical;
  if (CONTROL_OPERATIONS.some((o) => ops.has(o))) return control;
  return other;
}

function noConduit(assessed: readonly PathAssessment[]): Finding[] {
  const groups = groupBy(assessed, (a) =>
    a.status === 'no_conduit' ? `${a.from.zone}>${a.to.zone} ${a.path.protocol}/${a.path.transport}/${a.path.responderPort}` : undefined,
  );
  return [...groups].map(([key, list]) => {
    const a = list[0]!;
    return makeFinding({
      rule: RULES.flowWithoutConduit,
      severity: worstBy(opsIn(list), 'critical', 'high', 'high'),
      subject: { kind: 'flow', key, label: `${a.from.zone} → ${a.to.zone} ${flowText(a)}` },
      explanation: `${flowText(a)} from ${zoneText(a.from.zone)} to ${zoneText(a.to.zone)} on ${list.length} path(s), but no conduit joins them`,
      remediation: `Block this flow at the boundary of ${zoneText(a.to.zone)}; if it is needed, declare a conduit ${a.from.zone} ↔ ${a.to.zone} that allows ${a.path.protocol} opened by ${a.from.zone}, and enforce it`,
      zones: [a.from.zone, a.to.zone],
      evidence: evidenceFor(list.map((x) => x.path)),
    });
  });
}

function conduitKey(a: PathAssessment, which: 'uses' | 'allowing'): string {
  return conduitSet(a[which]);
}

function notAllowed(assessed: readonly PathAssessment[]): Finding[] {
  const groups = groupBy(assessed, (a) =>
    a.status === 'not_allowed'
      ? `${conduitKey(a, 'uses')} ${a.from.zone}>${a.to.zone} ${a.path.protocol}/${a.path.transport}/${a.path.responderPort}`
      : undefined,
  );
  return [...groups].map(([key, list]) => {
    const a = list[0]!;
    const conduits = conduitKey(a, 'uses');
    return makeFinding({
      rule: RULES.flowNotAllowed,
      severity: worstBy(opsIn(list), 'high', 'high', 'medium'),
      subject: { kind: 'flow', key, label: `${conduits}: ${a.from.zone} → ${a.to.zone} ${flowText(a)}` },
      explanation: `${flowText(a)} from ${zoneText(a.from.zone)} to ${zoneText(a.to.zone)} is not allowed on conduit ${conduits}: ${a.reasons[0] ?? ''}`,
      remediation: `Block it at the enforcement point of conduit ${conduits}; if it is needed, add the flow to the conduit after review`,
      zones: [a.from.zone, a.to.zone],
      conduit: a.uses[0]?.conduit.id,
      evidence: evidenceFor(
        list.map((x) => x.path),
        undefined,
        [...new Set(list.flatMap((x) => x.reasons))],
      ),
    });
  });
}

const OP_REMEDIATION: Partial<Record<Operation, string>> = {
  program: 'program transfers belong to an engineering workstation in the controller zone or to a temporary, owned conduit',
  control: 'run/stop commands belong to an engineering workstation in the controller zone',
  restart: 'restarts belong to an engineering workstation in the controller zone',
  write: 'writes must come only from the HMIs the conduit names',
};

function operationNotAllowed(assessed: readonly PathAssessment[]): Finding[] {
  const rows: { a: PathAssessment; op: Operation }[] = [];
  for (const a of assessed) for (const op of a.deniedOps) rows.push({ a, op });
  const groups = groupBy(rows, ({ a, op }) => `${conduitKey(a, 'allowing')} ${a.from.zone}>${a.to.zone} ${a.path.protocol} ${op}`);
  return [...groups].map(([key, list]) => {
    const { a, op } = list[0]!;
    const conduits = conduitKey(a, 'allowing');
    const paths = list.map((x) => x.a.path);
    const count = paths.reduce((n, p) => n + (p.operations[op]?.count ?? 0), 0);
    return makeFinding({
      rule: RULES.operationNotAllowed,
      severity: worstBy(new Set([op]), 'critical', 'high', 'medium'),
      subject: { kind: 'flow', key, label: `${conduits}: ${a.path.protocol} ${op} ${a.from.zone} → ${a.to.zone}` },
      explanation: `${count} ${op} operation(s) in ${a.path.protocol} from ${zoneText(a.from.zone)} to ${zoneText(a.to.zone)}, which conduit ${conduits} does not allow`,
      remediation: `Filter ${a.path.protocol} ${op} functions at the conduit (protocol-aware firewall or gateway)${OP_REMEDIATION[op] ? `: ${OP_REMEDIATION[op]}` : ''}`,
      zones: [a.from.zone, a.to.zone],
      conduit: a.allowing[0]?.conduit.id,
      evidence: evidenceFor(paths, [op]),
    });
  });
}

/** A zone's Purdue level, else the asset's guessed one (an unzoned device). */
function levelOf(zoneLevels: ReadonlyMap<string, number | null>, ep: PathEnd): number | null {
  return zoneLevels.get(ep.zone) ?? ep.asset?.purdueLevel ?? null;
}

/** Asset pairs a Purdue-bypass finding lists in its details; the rest are counted (all are in evidence.pathIds). */
const BYPASS_PAIRS_LISTED = 20;

/**
 * Enterprise (4/5) to basic control or process (0/1) with nothing in between: one finding per zone pair
 * and protocol, as ZC-FLOW-NO-CONDUIT, with the asset pairs as evidence. One per asset pair made 60 of
 * the 73 findings of a 2,000-asset plant, each repeating what one zone-pair finding says.
 */
function purdueBypass(policy: Policy, assessed: readonly PathAssessment[]): Finding[] {
  // zones by id in a map: one lookup per path end, whatever the number of zones
  const zoneLevels = new Map(policy.zones.map((z) => [z.id, z.level]));
  const rows: { a: PathAssessment; li: number; lr: number }[] = [];
  for (const a of assessed) {
    const li = levelOf(zoneLevels, a.from);
    const lr = levelOf(zoneLevels, a.to);
    if (li === null || lr === null) continue;
    if ((li >= 4 && lr <= 1) || (lr >= 4 && li <= 1)) rows.push({ a, li, lr });
  }
  // An unzoned end has its asset's level, not a zone's: its level is part of the key, so that one finding
  // never mixes directions or levels under one label.
  const end = (zone: string, level: number) => (zone === UNZONED ? `${zone}(L${level})` : zone);
  const groups = groupBy(rows, ({ a, li, lr }) => `${end(a.from.zone, li)}>${end(a.to.zone, lr)} ${a.path.protocol}`);
  return [...groups].map(([key, list]) => {
    const { a, li, lr } = list[0]!;
    const pairs = new Map<string, string>();
    for (const { a: x, li: i, lr: r } of list)
      pairs.set(`${x.path.initiator}>${x.path.responder}`, `${x.path.initiatorIp} (L${i}) → ${x.path.responderIp} (L${r})`);
    const listed = [...pairs.values()].sort();
    const more = listed.length - BYPASS_PAIRS_LISTED;
    const pairText = listed.length === 1 ? listed[0]! : `${listed.length} asset pairs`;
    return makeFinding({
      rule: RULES.purdueBypass,
      severity: 'high',
      subject: { kind: 'flow', key, label: `${a.from.zone} (L${li}) → ${a.to.zone} (L${lr}) ${a.path.protocol}` },
      explanation: `${pairText} in ${zoneText(a.from.zone)} at Purdue level ${li} talk${listed.length === 1 ? 's' : ''} ${a.path.protocol} directly with ${zoneText(a.to.zone)} at level ${lr}, bypassing the supervisory and operations levels`,
      remediation:
        'Route the exchange through a level 3/3.5 DMZ (historian replica, jump host) and block direct traffic between enterprise and control levels',
      zones: [...new Set([a.from.zone, a.to.zone])],
      evidence: evidenceFor(
        list.map((x) => x.a.path),
        undefined,
        [`levels ${li} → ${lr}`, ...listed.slice(0, BYPASS_PAIRS_LISTED), ...(more > 0 ? [`… and ${more} more asset pair(s)`] : [])],
      ),
    });
  });
}

function expiredInUse(assessed: readonly PathAssessment[]): Finding[] {
  const rows: { a: PathAssessment; c: Conduit }[] = [];
  for (const a of assessed) for (const c of a.expiredUsed) rows.push({ a, c });
  const groups = groupBy(rows, ({ c }) => c.id);
  return [...groups].map(([key, list]) => {
    const c = list[0]!.c;
    const paths = list.map((x) => x.a.path);
    const last = Math.max(...paths.map((p) => p.lastSeen));
    return makeFinding({
      rule: RULES.conduitExpiredInUse,
      severity: 'high',
      subject: { kind: 'conduit', key, label: c.id },
      explanation: `temporary conduit '${c.id}' expired ${c.expiresText}${c.owner ? ` (owner: ${c.owner})` : ''} but still carried traffic on ${paths.length} path(s), last at ${isoDate(last)}`,
      remediation: `Remove conduit '${c.id}' from its enforcement point (${c.enforcement.join(', ') || 'firewall'}), or renew it with a new expiry after review`,
      zones: [...new Set(list.flatMap(({ a }) => [a.from.zone, a.to.zone]))],
      conduit: c.id,
      evidence: evidenceFor(paths, undefined, [`expired after ${isoDate(c.expires!)}`]),
    });
  });
}

function conduitUnused(policy: Policy, assessed: readonly PathAssessment[]): Finding[] {
  // paths with one verdict share its list of allowing conduits: each list is read once
  const used = new Set<string>();
  const seen = new Set<readonly unknown[]>();
  for (const a of assessed) {
    if (seen.has(a.allowing)) continue;
    seen.add(a.allowing);
    for (const u of a.allowing) used.add(u.conduit.id);
  }
  return policy.conduits
    .filter((c) => !used.has(c.id))
    .map((c) =>
      makeFinding({
        rule: RULES.conduitUnused,
        severity: 'low',
        subject: { kind: 'conduit', key: c.id, label: c.id },
        explanation: `conduit '${c.id}' (${endLabel(c.a)} ↔ ${endLabel(c.b)}) carried no allowed traffic in the analysed data`,
        remediation: `If '${c.id}' is no longer needed, close it (remove its rules from ${c.enforcement.join(', ') || 'the enforcement point'}); otherwise keep it and record why`,
        zones: [c.a, c.b].flatMap((e) => (e.kind === 'zone' ? [e.zone] : [])),
        conduit: c.id,
        evidence: emptyEvidence(c.expires !== null ? [`expires ${c.expiresText}`] : []),
      }),
    );
}

export function flowRules(policy: Policy, assessment: Assessment): Finding[] {
  const a = assessment.paths;
  return [
    ...noConduit(a),
    ...notAllowed(a),
    ...operationNotAllowed(a),
    ...purdueBypass(policy, a),
    ...expiredInUse(a),
    ...conduitUnused(policy, a),
  ];
}
