/**
 * Rules on how traffic is protected: cleartext, unauthenticated industrial protocols (or OPC UA
 * without adequate security) on a conduit whose SL-T asks for more, and anonymous OPC UA sessions
 * into a zone whose SL-T asks for user identification.
 */
import type { PathAssessment, Assessment } from './assess.js';
import { protocolSecurity } from '../protocols/registry.js';
import { CONTROL_OPERATIONS, RULES, SECURE_TRANSPORT_MIN_SLT, UNREADABLE_OPERATIONS, type FR } from './constants.js';
import { evidenceFor, makeFinding, type Finding } from './finding.js';
import type { Conduit, Policy, SecurityLevels } from './policy-types.js';
import { conduitSet, groupBy } from './group.js';

/** Each zone's SL-T by its id (the first zone of an id, as a search in policy order finds), once per policy. */
const zoneSlts = new WeakMap<Policy, Map<string, SecurityLevels>>();

function zoneSlt(policy: Policy, zone: string): SecurityLevels | undefined {
  let byId = zoneSlts.get(policy);
  if (!byId) {
    byId = new Map();
    for (const z of policy.zones) if (!byId.has(z.id)) byId.set(z.id, z.slt);
    zoneSlts.set(policy, byId);
  }
  return byId.get(zone);
}

/** A conduit without its own SL-T takes the higher SL-T of the zones it joins, per FR. */
export function conduitLevel(policy: Policy, c: Conduit, zones: readonly string[], fr: FR): number | null {
  if (c.hasSlt) return c.slt[fr];
  const levels = zones.map((z) => zoneSlt(policy, z)?.[fr] ?? null).filter((l): l is number => l !== null);
  return levels.length ? Math.max(...levels) : null;
}

/** What the conduits allowing a path ask of it: the highest SL-T of FR1, FR3 and FR4, and confidentiality. */
interface Demands {
  level: number | null;
  confidentiality: boolean;
}

function demandsOf(policy: Policy, a: PathAssessment): Demands {
  const zones = [a.from.zone, a.to.zone];
  const levels = a.allowing
    .flatMap((u) => (['FR1', 'FR3', 'FR4'] as const).map((fr) => conduitLevel(policy, u.conduit, zones, fr)))
    .filter((l): l is number => l !== null);
  return {
    level: levels.length ? Math.max(...levels) : null,
    confidentiality: a.allowing.some(
      (u) => u.conduit.confidentiality ?? (conduitLevel(policy, u.conduit, zones, 'FR4') ?? 0) >= SECURE_TRANSPORT_MIN_SLT,
    ),
  };
}

/**
 * The demands of a path's conduits, once per list of allowing conduits and zone pair: the paths of one verdict
 * share their list (assess.ts), and the demands read nothing else of the path.
 */
export class ConduitDemands {
  private readonly memo = new WeakMap<readonly unknown[], Map<string, Demands>>();

  constructor(private readonly policy: Policy) {}

  of(a: PathAssessment): Demands {
    let byZones = this.memo.get(a.allowing);
    if (!byZones) this.memo.set(a.allowing, (byZones = new Map()));
    const key = `${a.from.zone}\u0000${a.to.zone}`;
    let d = byZones.get(key);
    if (!d) byZones.set(key, (d = demandsOf(this.policy, a)));
    return d;
  }
}

/** Why the path is not adequately protected for its conduit, one reason per weakness; empty if it is. */
export function cleartextReasons(policy: Policy, a: PathAssessment, demands = new ConduitDemands(policy)): string[] {
  const p = a.path;
  const proto = p.protocol.toLowerCase();
  const reasons: string[] = [];
  const sec = protocolSecurity(proto);
  if (!sec) return reasons;
  const { level, confidentiality } = demands.of(a);
  if (level === null || level < SECURE_TRANSPORT_MIN_SLT) return reasons;
  if (sec.authentication !== 'always') {
    // optional authentication (DNP3 secure authentication, IEC 62351-5): every message seen on the path carried it
    const fact = sec.authenticatedFact;
    const values = fact ? (p.facts[fact.key] ?? []).map((v) => v.toLowerCase()) : [];
    const authenticated = fact !== undefined && values.length > 0 && values.every((v) => v === fact.value);
    if (!authenticated) reasons.push(`${proto} carries no authentication and no integrity protection (conduit SL-T ${level})`);
    else if (sec.encryption === 'never' && confidentiality)
      reasons.push(`${proto} with secure authentication is authenticated but not encrypted, on a conduit that requires confidentiality`);
  }
  const channel = sec.secureChannel;
  if (channel) {
    const name = sec.displayName ?? proto;
    const modes = (p.facts[channel.modeFact] ?? []).map(channel.modeName);
    const policies = (p.facts[channel.policyFact] ?? []).map(channel.policyName);
    if (modes.includes('None') || policies.includes('None'))
      reasons.push(`${name} secure channel with security mode None (conduit SL-T ${level})`);
    if (modes.includes('Sign') && confidentiality)
      reasons.push(`${name} security mode Sign only: no encryption on a conduit that requires confidentiality`);
    for (const d of channel.deprecatedPolicies) if (policies.includes(d)) reasons.push(`${name} deprecated security policy ${d}`);
  }
  return reasons;
}

function cleartext(policy: Policy, assessed: readonly PathAssessment[]): Finding[] {
  const demands = new ConduitDemands(policy);
  const rows: { a: PathAssessment; reasons: string[] }[] = [];
  for (const a of assessed) {
    if (a.status !== 'allowed') continue;
    const reasons = cleartextReasons(policy, a, demands);
    if (reasons.length) rows.push({ a, reasons });
  }
  const groups = groupBy(rows, ({ a }) => `${conduitSet(a.allowing)} ${a.path.protocol.toLowerCase()}`);
  return [...groups].map(([key, list]) => {
    const { a } = list[0]!;
    const conduit = a.allowing[0]!.conduit.id;
    const reasons = [...new Set(list.flatMap((r) => r.reasons))];
    const paths = list.map((r) => r.a.path);
    const controls = paths.some((p) => CONTROL_OPERATIONS.some((op) => (p.operations[op]?.count ?? 0) > 0));
    const declared = protocolSecurity(a.path.protocol)?.remediation;
    return makeFinding({
      rule: RULES.cleartextProtocol,
      severity: controls ? 'high' : 'medium',
      subject: { kind: 'flow', key, label: `${conduit}: ${a.path.protocol}` },
      explanation: `${reasons[0]} on conduit '${conduit}' (${paths.length} path(s))${reasons.length > 1 ? `, and ${reasons.length - 1} more weakness(es)` : ''}`,
      remediation:
        declared ??
        `Carry ${a.path.protocol} across the conduit inside an authenticated, integrity-protected tunnel (IPsec/TLS) or move to its secure variant, or lower the conduit's SL-T with a documented risk acceptance`,
      zones: [...new Set([a.from.zone, a.to.zone])],
      conduit,
      evidence: evidenceFor(paths, undefined, reasons),
    });
  });
}

function anonymous(policy: Policy, assessed: readonly PathAssessment[]): Finding[] {
  // the protocol's declaration once per protocol name, not once per path
  const declared = new Map<string, ReturnType<typeof protocolSecurity>>();
  const security = (protocol: string) => {
    if (!declared.has(protocol)) declared.set(protocol, protocolSecurity(protocol));
    return declared.get(protocol);
  };
  const anonymousSession = (a: PathAssessment): boolean => {
    const fact = security(a.path.protocol)?.anonymousFact;
    return fact !== undefined && (a.path.facts[fact.key] ?? []).some((v) => v.toLowerCase() === fact.value);
  };
  const rows = assessed.filter((a) => anonymousSession(a) && (zoneSlt(policy, a.to.zone)?.FR1 ?? 0) >= SECURE_TRANSPORT_MIN_SLT);
  const groups = groupBy(rows, (a) => a.path.responder);
  return [...groups].map(([key, list]) => {
    const a = list[0]!;
    const paths = list.map((x) => x.path);
    const writes = paths.some((p) => (p.operations.write?.count ?? 0) + (p.operations.call?.count ?? 0) > 0);
    const clients = [...new Set(paths.map((p) => p.initiatorIp))];
    return makeFinding({
      rule: RULES.opcuaAnonymous,
      severity: writes ? 'high' : 'medium',
      subject: { kind: 'asset', key, label: `${a.path.responderIp} (${a.path.protocol} server)` },
      explanation: `${a.path.protocol} server ${a.path.responderIp} in zone '${a.to.zone}' (FR1 SL-T ${zoneSlt(policy, a.to.zone)?.FR1}) accepts anonymous sessions from ${clients.length} client(s)${writes ? ', including writes or method calls' : ''}`,
      remediation:
        'Disable the anonymous user token on the server and require user name/password or X.509 user certificates, with roles for write access',
      zones: [a.to.zone],
      evidence: evidenceFor(paths, undefined, [`clients: ${clients.slice(0, 5).join(', ')}`]),
    });
  });
}

/**
 * Encrypted messages on a conduit that allows only some operations: the bodies are opaque, so the audit cannot say
 * which operations they carry. That is what 62443 asks of the traffic (SR 4.1, SR 3.1), not a violation: a low
 * finding says the conduit's operation filter cannot be verified from the network, once per conduit and protocol.
 */
function unverifiable(assessed: readonly PathAssessment[]): Finding[] {
  const opaque = (a: PathAssessment) => UNREADABLE_OPERATIONS.reduce((n, op) => n + (a.path.operations[op]?.count ?? 0), 0);
  const rows = assessed.filter(
    (a) => a.status === 'allowed' && opaque(a) > 0 && a.flows.some((f) => f.allow !== null || f.deny.length > 0),
  );
  const groups = groupBy(rows, (a) => `${conduitSet(a.allowing)} ${a.path.protocol.toLowerCase()}`);
  return [...groups].map(([key, list]) => {
    const a = list[0]!;
    const conduit = a.allowing[0]!.conduit.id;
    const messages = list.reduce((n, x) => n + opaque(x), 0);
    const allowed = [...new Set(list.flatMap((x) => x.flows.flatMap((f) => f.allow ?? [])))].sort();
    return makeFinding({
      rule: RULES.operationsUnverifiable,
      severity: 'low',
      subject: { kind: 'flow', key, label: `${conduit}: ${a.path.protocol} (encrypted)` },
      explanation: `${messages} encrypted ${a.path.protocol} message(s) on conduit '${conduit}' (${list.length} path(s)): their operations cannot be verified from the network${allowed.length ? ` against the conduit's allowed operations (${allowed.join(', ')})` : ''}`,
      remediation:
        "Keep the encryption; verify the allowed operations at the server (user roles and access rights) or with an inspecting gateway that holds the channel's keys, and document it in the conduit's evidence",
      zones: [...new Set([a.from.zone, a.to.zone])],
      conduit,
      evidence: evidenceFor(
        list.map((x) => x.path),
        [...UNREADABLE_OPERATIONS],
      ),
    });
  });
}

export function securityRules(policy: Policy, assessment: Assessment): Finding[] {
  return [...cleartext(policy, assessment.paths), ...anonymous(policy, assessment.paths), ...unverifiable(assessment.paths)];
}
