/**
 * Rules on how traffic is protected: cleartext, unauthenticated industrial protocols (or OPC UA
 * without adequate security) on a conduit whose SL-T asks for more, and anonymous OPC UA sessions
 * into a zone whose SL-T asks for user identification.
 */
import type { PathAssessment, Assessment } from './assess.js';
import {
  AUTH_ANONYMOUS,
  AUTH_SECURE,
  CLEARTEXT_PROTOCOLS,
  CONTROL_OPERATIONS,
  DEPRECATED_OPCUA_POLICIES,
  FACT_AUTH,
  FACT_SECURITY_MODE,
  FACT_SECURITY_POLICY,
  RULES,
  SECURE_TRANSPORT_MIN_SLT,
  type FR,
} from './constants.js';
import { evidenceFor, makeFinding, type Finding } from './finding.js';
import type { Conduit, Policy, SecurityLevels } from './policy-types.js';
import { groupBy } from './group.js';

function zoneSlt(policy: Policy, zone: string): SecurityLevels | undefined {
  return policy.zones.find((z) => z.id === zone)?.slt;
}

/** A conduit without its own SL-T takes the higher SL-T of the zones it joins, per FR. */
export function conduitLevel(policy: Policy, c: Conduit, zones: readonly string[], fr: FR): number | null {
  if (c.hasSlt) return c.slt[fr];
  const levels = zones.map((z) => zoneSlt(policy, z)?.[fr] ?? null).filter((l): l is number => l !== null);
  return levels.length ? Math.max(...levels) : null;
}

function maxLevel(policy: Policy, a: PathAssessment, frs: readonly FR[]): number | null {
  const zones = [a.from.zone, a.to.zone];
  const levels = a.allowing
    .flatMap((u) => frs.map((fr) => conduitLevel(policy, u.conduit, zones, fr)))
    .filter((l): l is number => l !== null);
  return levels.length ? Math.max(...levels) : null;
}

function confidentialityRequired(policy: Policy, a: PathAssessment): boolean {
  const zones = [a.from.zone, a.to.zone];
  return a.allowing.some(
    (u) => u.conduit.confidentiality ?? (conduitLevel(policy, u.conduit, zones, 'FR4') ?? 0) >= SECURE_TRANSPORT_MIN_SLT,
  );
}

/** OPC UA MessageSecurityMode as name: decoders may report the enum number or its name. */
export function securityModeName(v: string): string {
  const s = v
    .trim()
    .toLowerCase()
    .replace(/^messagesecuritymode\./, '');
  if (s === '1' || s === 'none') return 'None';
  if (s === '2' || s === 'sign') return 'Sign';
  if (s === '3' || s === 'signandencrypt') return 'SignAndEncrypt';
  return v;
}

/** 'http://opcfoundation.org/UA/SecurityPolicy#Basic256' → 'Basic256'. */
export function securityPolicyName(v: string): string {
  const hash = v.lastIndexOf('#');
  return hash >= 0 ? v.slice(hash + 1) : v;
}

/** Why the path is not adequately protected for its conduit, one reason per weakness; empty if it is. */
export function cleartextReasons(policy: Policy, a: PathAssessment): string[] {
  const p = a.path;
  const proto = p.protocol.toLowerCase();
  const level = maxLevel(policy, a, ['FR1', 'FR3', 'FR4']);
  const reasons: string[] = [];
  if (level === null || level < SECURE_TRANSPORT_MIN_SLT) return reasons;
  if (CLEARTEXT_PROTOCOLS.includes(proto)) {
    // DNP3 secure authentication / IEC 62351-5: every message seen on the path was authenticated
    const auth = (p.facts[FACT_AUTH] ?? []).map((v) => v.toLowerCase());
    const authenticated = auth.length > 0 && auth.every((v) => v === AUTH_SECURE);
    if (!authenticated) reasons.push(`${proto} carries no authentication and no integrity protection (conduit SL-T ${level})`);
    else if (confidentialityRequired(policy, a))
      reasons.push(`${proto} with secure authentication is authenticated but not encrypted, on a conduit that requires confidentiality`);
  }
  if (proto === 'opcua') {
    const modes = (p.facts[FACT_SECURITY_MODE] ?? []).map(securityModeName);
    const policies = (p.facts[FACT_SECURITY_POLICY] ?? []).map(securityPolicyName);
    if (modes.includes('None') || policies.includes('None'))
      reasons.push(`OPC UA secure channel with security mode None (conduit SL-T ${level})`);
    if (modes.includes('Sign') && confidentialityRequired(policy, a))
      reasons.push('OPC UA security mode Sign only: no encryption on a conduit that requires confidentiality');
    for (const d of DEPRECATED_OPCUA_POLICIES) if (policies.includes(d)) reasons.push(`OPC UA deprecated security policy ${d}`);
  }
  return reasons;
}

function cleartext(policy: Policy, assessed: readonly PathAssessment[]): Finding[] {
  const rows = assessed
    .filter((a) => a.status === 'allowed')
    .map((a) => ({ a, reasons: cleartextReasons(policy, a) }))
    .filter((r) => r.reasons.length);
  const groups = groupBy(
    rows,
    ({ a }) => `${[...new Set(a.allowing.map((u) => u.conduit.id))].sort().join('+')} ${a.path.protocol.toLowerCase()}`,
  );
  return [...groups].map(([key, list]) => {
    const { a } = list[0]!;
    const conduit = a.allowing[0]!.conduit.id;
    const reasons = [...new Set(list.flatMap((r) => r.reasons))];
    const paths = list.map((r) => r.a.path);
    const controls = paths.some((p) => CONTROL_OPERATIONS.some((op) => (p.operations[op]?.count ?? 0) > 0));
    const opcua = a.path.protocol.toLowerCase() === 'opcua';
    return makeFinding({
      rule: RULES.cleartextProtocol,
      severity: controls ? 'high' : 'medium',
      subject: { kind: 'flow', key, label: `${conduit}: ${a.path.protocol}` },
      explanation: `${reasons[0]} on conduit '${conduit}' (${paths.length} path(s))${reasons.length > 1 ? `, and ${reasons.length - 1} more weakness(es)` : ''}`,
      remediation: opcua
        ? 'Configure the OPC UA server and clients for SignAndEncrypt with Basic256Sha256 or newer, and disable the None endpoint'
        : `Carry ${a.path.protocol} across the conduit inside an authenticated, integrity-protected tunnel (IPsec/TLS) or move to its secure variant, or lower the conduit's SL-T with a documented risk acceptance`,
      zones: [...new Set([a.from.zone, a.to.zone])],
      conduit,
      evidence: evidenceFor(paths, undefined, reasons),
    });
  });
}

function anonymous(policy: Policy, assessed: readonly PathAssessment[]): Finding[] {
  const rows = assessed.filter(
    (a) =>
      (a.path.facts[FACT_AUTH] ?? []).some((v) => v.toLowerCase() === AUTH_ANONYMOUS) &&
      (zoneSlt(policy, a.to.zone)?.FR1 ?? 0) >= SECURE_TRANSPORT_MIN_SLT,
  );
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

export function securityRules(policy: Policy, assessment: Assessment): Finding[] {
  return [...cleartext(policy, assessment.paths), ...anonymous(policy, assessment.paths)];
}
