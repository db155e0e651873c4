/**
 * The enterprise audit (issue 17): paths that cross from one site to another (or to the enterprise zone),
 * judged against the enterprise policy's conduits. A path is seen at a site; each end lies in the zone whose
 * ranges hold its address, and an address in no zone's ranges is taken as the observing site's own (the
 * sensor saw it on its network, and a plan that leaves a local subnet out must not turn local traffic into
 * WAN traffic). A path whose ends lie in two zones is inter-site traffic:
 *  - no conduit joins the two zones: EZ-INTER-SITE-NO-CONDUIT (high; critical when it writes, programs,
 *    stops or restarts);
 *  - a conduit, but none of its flows allows the protocol, port or initiator, or a flow allows the path but
 *    not an operation it carries: EZ-INTER-SITE-NOT-ALLOWED (critical for writes, program transfers,
 *    run/stop and restarts; high for a protocol not allowed; medium for another operation);
 *  - allowed, but the protocol protects neither integrity nor confidentiality across the WAN (what the
 *    protocol declares through the registry, as the site audit reads it): EZ-INTER-SITE-CLEARTEXT (medium).
 * One finding per site pair and protocol (and conduit, and operation), whichever sites saw the paths: a
 * path between two sites is usually seen by both sensors. Pure functions; linear in the paths.
 */
import { createHash } from 'node:crypto';
import type { Operation } from '../core/events.js';
import type { Path } from '../core/model.js';
import { protocolSecurity } from '../protocols/registry.js';
import { judgeFlow, operationAllowed, type ConduitUse } from './conduit-match.js';
import { CRITICAL_OPERATIONS, SEVERITY_ORDER, UNREADABLE_OPERATIONS, type Severity } from './constants.js';
import { ENTERPRISE_ZONE, type EnterprisePolicy } from './enterprise-policy.js';
import { ZoneIndex } from './enterprise-index.js';
import { evidenceFor, pathPackets, SCOPE_MAX, type Evidence } from './finding.js';
import { groupBy } from './group.js';

/** Stable rule ids: stored with the enterprise findings, so never renamed. */
export const ENTERPRISE_RULES = {
  noConduit: 'EZ-INTER-SITE-NO-CONDUIT',
  notAllowed: 'EZ-INTER-SITE-NOT-ALLOWED',
  cleartext: 'EZ-INTER-SITE-CLEARTEXT',
} as const;
export type EnterpriseRuleId = (typeof ENTERPRISE_RULES)[keyof typeof ENTERPRISE_RULES];

/** The IEC 62443-3-3 system requirements each rule evidences (as the site rules they mirror). */
export const ENTERPRISE_RULE_REQUIREMENTS: Record<EnterpriseRuleId, string[]> = {
  'EZ-INTER-SITE-NO-CONDUIT': ['SR 5.1', 'SR 5.2'],
  'EZ-INTER-SITE-NOT-ALLOWED': ['SR 5.2', 'SR 2.1'],
  'EZ-INTER-SITE-CLEARTEXT': ['SR 3.1', 'SR 4.1', 'SR 1.2'],
};

/** Operations that change what a controller does across the WAN: critical when no conduit allows them. */
export const WAN_CRITICAL_OPERATIONS: readonly Operation[] = ['write', ...CRITICAL_OPERATIONS];

/** A path as a site's sensor published it. */
export interface ObservedPath {
  site: string;
  path: Path;
}

/** An observed path whose ends lie in two zones: `from` the initiator's, `to` the responder's. */
export interface InterSitePath extends ObservedPath {
  from: string;
  to: string;
}

export interface EnterpriseEvidence extends Evidence {
  /** Every path behind the finding with the site whose sensor saw it (capped at SCOPE_MAX; pathCount says how many). */
  sitePaths: { site: string; pathId: string }[];
}

export interface EnterpriseFinding {
  id: string;
  rule: EnterpriseRuleId;
  severity: Severity;
  title: string;
  requirements: string[];
  subject: { kind: 'flow'; key: string; label: string };
  explanation: string;
  remediation: string;
  /** The zones the traffic crosses: [initiator's, responder's]. */
  sites: [string, string];
  conduit?: string;
  /** The sites whose sensors saw the paths. */
  observedAt: string[];
  evidence: EnterpriseEvidence;
}

/** The policy ready to judge paths: its address index and its conduits per directed zone pair. */
export class EnterpriseJudge {
  readonly index: ZoneIndex;
  private readonly uses = new Map<string, ConduitUse[]>();

  constructor(readonly policy: EnterprisePolicy) {
    this.index = new ZoneIndex(policy);
    const add = (from: string, to: string, use: ConduitUse) => {
      const key = `${from}\u0000${to}`;
      const list = this.uses.get(key);
      if (list) list.push(use);
      else this.uses.set(key, [use]);
    };
    for (const c of policy.conduits) {
      if (c.a.kind !== 'zone' || c.b.kind !== 'zone') continue;
      add(c.a.zone, c.b.zone, { conduit: c, initiatorSide: 'a' });
      add(c.b.zone, c.a.zone, { conduit: c, initiatorSide: 'b' });
    }
  }

  /** Whether a path of `site` between these two addresses crosses from one zone into another. */
  crosses(site: string, initiatorIp: string, responderIp: string): boolean {
    return (this.index.zoneOf(initiatorIp) ?? site) !== (this.index.zoneOf(responderIp) ?? site);
  }

  /** The path's zones when it crosses between two, else undefined. */
  classify(site: string, path: Path): InterSitePath | undefined {
    if (typeof path.initiatorIp !== 'string' || typeof path.responderIp !== 'string') return undefined;
    const from = this.index.zoneOf(path.initiatorIp) ?? site;
    const to = this.index.zoneOf(path.responderIp) ?? site;
    if (from === to) return undefined;
    const p = wellFormed(path);
    return p ? { site, path: p, from, to } : undefined;
  }

  conduitsBetween(from: string, to: string): ConduitUse[] {
    return this.uses.get(`${from}\u0000${to}`) ?? [];
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/**
 * A sensor's path as the rules can read it, or undefined. The hub stores what a site sends (NATS checks its
 * subject, not its body): a path whose operations or facts are not of their shape would make every evaluation
 * throw, and so hide every other finding. Such parts are dropped; a path with no protocol or id is ignored.
 */
export function wellFormed(p: Path): Path | undefined {
  if (typeof p.id !== 'string' || typeof p.protocol !== 'string') return undefined;
  const opsOk =
    isRecord(p.operations) && Object.values(p.operations).every((o) => isRecord(o) && typeof o.count === 'number' && isStrings(o.examples));
  const factsOk = isRecord(p.facts) && Object.values(p.facts).every(isStrings);
  const portOk = typeof p.responderPort === 'number';
  if (opsOk && factsOk && portOk) return p;
  const operations: Path['operations'] = {};
  if (isRecord(p.operations))
    for (const [op, o] of Object.entries(p.operations))
      if (isRecord(o) && typeof o.count === 'number' && isStrings(o.examples)) operations[op as Operation] = o;
  const facts: Path['facts'] = {};
  if (isRecord(p.facts)) for (const [k, v] of Object.entries(p.facts)) if (isStrings(v)) facts[k] = v;
  return { ...p, operations, facts, responderPort: portOk ? p.responderPort : 0 };
}

function zoneText(zone: string): string {
  return zone === ENTERPRISE_ZONE ? 'the enterprise zone' : `site '${zone}'`;
}

function opsOf(p: Path): Operation[] {
  const out: Operation[] = [];
  for (const [op, v] of Object.entries(p.operations ?? {})) if ((v?.count ?? 0) > 0) out.push(op as Operation);
  return out;
}

function hasAny(list: readonly InterSitePath[], ops: readonly Operation[]): boolean {
  return list.some((x) => ops.some((op) => (x.path.operations?.[op]?.count ?? 0) > 0));
}

/** Why the protocol is not protected across the WAN, from what it declares in the registry; empty if it is. */
export function wanCleartextReasons(p: Path): string[] {
  const sec = protocolSecurity(p.protocol);
  if (!sec) return [];
  const name = sec.displayName ?? p.protocol;
  const reasons: string[] = [];
  if (sec.authentication !== 'always') {
    const fact = sec.authenticatedFact;
    const values = fact ? (p.facts?.[fact.key] ?? []).map((v) => v.toLowerCase()) : [];
    const authenticated = fact !== undefined && values.length > 0 && values.every((v) => v === fact.value);
    if (!authenticated) reasons.push(`${name} carries no authentication and no integrity protection`);
  }
  if (sec.encryption === 'never') reasons.push(`${name} is not encrypted`);
  const channel = sec.secureChannel;
  if (channel) {
    const modes = (p.facts?.[channel.modeFact] ?? []).map(channel.modeName);
    if (modes.includes('None')) reasons.push(`${name} secure channel with security mode None`);
    else if (modes.includes('Sign')) reasons.push(`${name} security mode Sign only: no encryption across the WAN`);
  }
  return reasons;
}

function sitePaths(list: readonly InterSitePath[]): { site: string; pathId: string }[] {
  return list
    .map((x) => ({ site: x.site, pathId: x.path.id }))
    .sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : a.pathId < b.pathId ? -1 : a.pathId > b.pathId ? 1 : 0))
    .slice(0, SCOPE_MAX);
}

function finding(
  rule: EnterpriseRuleId,
  f: Omit<EnterpriseFinding, 'id' | 'rule' | 'requirements' | 'title' | 'observedAt' | 'evidence'>,
  list: readonly InterSitePath[],
  title: string,
  only?: Operation[],
  details: string[] = [],
): EnterpriseFinding {
  // a path between two sites is usually seen by both sensors under one id: counted once (the busier copy),
  // each sighting listed in sitePaths
  const distinct = new Map<string, Path>();
  for (const x of list) {
    const had = distinct.get(x.path.id);
    if (!had || pathPackets(x.path) > pathPackets(had)) distinct.set(x.path.id, x.path);
  }
  const evidence = evidenceFor([...distinct.values()], only, details);
  return {
    id: `${rule}:${createHash('sha256').update(`${rule}\u0000${f.subject.key}`).digest('hex').slice(0, 16)}`,
    rule,
    requirements: ENTERPRISE_RULE_REQUIREMENTS[rule],
    title,
    ...f,
    observedAt: [...new Set(list.map((x) => x.site))].sort(),
    evidence: { ...evidence, sitePaths: sitePaths(list) },
  };
}

const flowText = (p: Path) => `${p.protocol} (${p.transport}/${p.responderPort})`;
const portsOf = (list: readonly InterSitePath[]) => [...new Set(list.map((x) => x.path.responderPort))].sort((a, b) => a - b);

interface Judged {
  x: InterSitePath;
  uses: ConduitUse[];
  status: 'no_conduit' | 'not_allowed' | 'allowed';
  reasons: string[];
  conduits: string;
  deniedOps: Operation[];
}

function judge(j: EnterpriseJudge, x: InterSitePath): Judged {
  const uses = j.conduitsBetween(x.from, x.to);
  if (!uses.length) return { x, uses, status: 'no_conduit', reasons: [], conduits: '', deniedOps: [] };
  const v = judgeFlow(uses, x.path);
  const ids = (u: readonly ConduitUse[]) => [...new Set(u.map((c) => c.conduit.id))].sort().join('+');
  if (!v.allowed) return { x, uses, status: 'not_allowed', reasons: v.reasons, conduits: ids(uses), deniedOps: [] };
  const deniedOps = opsOf(x.path).filter((op) => !UNREADABLE_OPERATIONS.includes(op) && !operationAllowed(v.flows, op));
  return { x, uses: v.uses, status: 'allowed', reasons: [], conduits: ids(v.uses), deniedOps };
}

/** Every enterprise finding over the inter-site paths (from EnterpriseJudge.classify), most severe first. */
export function enterpriseAudit(j: EnterpriseJudge, paths: Iterable<InterSitePath>): EnterpriseFinding[] {
  const judged: Judged[] = [];
  for (const x of paths) judged.push(judge(j, x));
  const out: EnterpriseFinding[] = [];
  const pair = (x: InterSitePath) => `${x.from}>${x.to}`;

  for (const [key, list] of groupBy(judged, (r) =>
    r.status === 'no_conduit' ? `${pair(r.x)} ${r.x.path.protocol}/${r.x.path.transport}` : undefined,
  )) {
    const xs = list.map((r) => r.x);
    const { from, to, path } = xs[0]!;
    out.push(
      finding(
        ENTERPRISE_RULES.noConduit,
        {
          severity: hasAny(xs, WAN_CRITICAL_OPERATIONS) ? 'critical' : 'high',
          subject: { kind: 'flow', key, label: `${from} → ${to} ${path.protocol}/${path.transport}` },
          explanation: `${path.protocol} from ${zoneText(from)} to ${zoneText(to)} on ${xs.length} path(s) (port ${portsOf(xs).join(', ')}), but no enterprise conduit joins them`,
          remediation: `Block it on the WAN between ${from} and ${to}; if it is needed, declare a conduit ${from} ↔ ${to} in the enterprise policy that allows ${path.protocol} opened by ${from}, and enforce it (VPN, firewall)`,
          sites: [from, to],
        },
        xs,
        `No inter-site conduit for ${from} → ${to} ${path.protocol}`,
        undefined,
        [`ports ${portsOf(xs).join(', ')}`],
      ),
    );
  }

  for (const [key, list] of groupBy(judged, (r) =>
    r.status === 'not_allowed' ? `${r.conduits} ${pair(r.x)} ${r.x.path.protocol}/${r.x.path.transport}` : undefined,
  )) {
    const xs = list.map((r) => r.x);
    const { from, to, path } = xs[0]!;
    const conduits = list[0]!.conduits;
    out.push(
      finding(
        ENTERPRISE_RULES.notAllowed,
        {
          severity: hasAny(xs, WAN_CRITICAL_OPERATIONS) ? 'critical' : 'high',
          subject: { kind: 'flow', key, label: `${conduits}: ${from} → ${to} ${path.protocol}/${path.transport}` },
          explanation: `${flowText(path)} from ${zoneText(from)} to ${zoneText(to)} is not allowed on conduit ${conduits}: ${list[0]!.reasons[0] ?? ''}`,
          remediation: `Block it at the enforcement point of conduit ${conduits}; if it is needed, add the flow to the conduit after review`,
          sites: [from, to],
          conduit: list[0]!.uses[0]?.conduit.id,
        },
        xs,
        `Not allowed on ${conduits}: ${from} → ${to} ${path.protocol}`,
        undefined,
        [...new Set(list.flatMap((r) => r.reasons))],
      ),
    );
  }

  const opRows = judged.flatMap((r) => r.deniedOps.map((op) => ({ r, op })));
  for (const [key, list] of groupBy(opRows, ({ r, op }) => `${r.conduits} ${pair(r.x)} ${r.x.path.protocol} ${op}`)) {
    const { r, op } = list[0]!;
    const { from, to, path } = r.x;
    const xs = list.map((e) => e.r.x);
    const count = xs.reduce((n, x) => n + (x.path.operations[op]?.count ?? 0), 0);
    out.push(
      finding(
        ENTERPRISE_RULES.notAllowed,
        {
          severity: WAN_CRITICAL_OPERATIONS.includes(op) ? 'critical' : 'medium',
          subject: { kind: 'flow', key, label: `${r.conduits}: ${path.protocol} ${op} ${from} → ${to}` },
          explanation: `${count} ${op} operation(s) in ${path.protocol} from ${zoneText(from)} to ${zoneText(to)}, which conduit ${r.conduits} does not allow`,
          remediation: `Filter ${path.protocol} ${op} functions on conduit ${r.conduits} (protocol-aware firewall or gateway at the site's WAN edge); ${op} across sites belongs to a reviewed, owned conduit`,
          sites: [from, to],
          conduit: r.uses[0]?.conduit.id,
        },
        xs,
        `Operation ${op} not allowed on ${r.conduits}: ${from} → ${to} ${path.protocol}`,
        [op],
      ),
    );
  }

  const clear = judged.filter((r) => r.status === 'allowed').map((r) => ({ r, reasons: wanCleartextReasons(r.x.path) }));
  for (const [key, list] of groupBy(clear, ({ r, reasons }) =>
    reasons.length ? `${r.conduits} ${pair(r.x)} ${r.x.path.protocol.toLowerCase()}` : undefined,
  )) {
    const { r } = list[0]!;
    const { from, to, path } = r.x;
    const declared = protocolSecurity(path.protocol)?.remediation;
    out.push(
      finding(
        ENTERPRISE_RULES.cleartext,
        {
          severity: 'medium',
          subject: { kind: 'flow', key, label: `${r.conduits}: ${path.protocol} ${from} → ${to}` },
          explanation: `${path.protocol} crosses the WAN from ${zoneText(from)} to ${zoneText(to)} on conduit ${r.conduits} without protection: ${list[0]!.reasons.join('; ')}`,
          remediation: `Carry it in an authenticated, encrypted tunnel between the sites (IPsec, TLS)${declared ? `, or: ${declared}` : ''}`,
          sites: [from, to],
          conduit: r.uses[0]?.conduit.id,
        },
        list.map((e) => e.r.x),
        `Unprotected ${path.protocol} across the WAN on ${r.conduits} (${from} → ${to})`,
        undefined,
        [...new Set(list.flatMap((e) => e.reasons))],
      ),
    );
  }
  return out.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
