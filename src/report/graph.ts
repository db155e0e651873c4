/**
 * The plant as a graph of zones, assets, paths and conduits, for the map (src/api/routes/web.ts) and the
 * assessment report: the same placement, the same verdict per path and the same findings on both, so
 * that the drawing in the report is the picture the map shows. Pure: inventory + policy + findings in.
 */
import type { Asset, Path } from '../core/model.js';
import { assess, type PathStatus } from '../audit/assess.js';
import { SEVERITY_ORDER, type RuleId, type Severity } from '../audit/constants.js';
import { pathPackets, type Finding } from '../audit/finding.js';
import { UNZONED } from '../audit/placement.js';
import { endLabel } from '../audit/policy-semantics.js';
import type { Policy, SecurityLevels } from '../audit/policy-types.js';
import { VIOLATION_RULES } from './constants.js';

export interface GraphZone {
  id: string;
  name: string;
  description: string | null;
  level: number | null;
  hasSlt: boolean;
  slt: SecurityLevels;
}

export interface GraphAsset {
  id: string;
  /** A name when one was reported, else the first IP, else the id. */
  label: string;
  ips: string[];
  macs: string[];
  role: Asset['role'];
  vendor: string | null;
  model: string | null;
  firmware: string | null;
  zone: string;
  level: number | null;
  firstSeen: number;
  lastSeen: number;
}

export interface GraphPath {
  id: string;
  initiator: string;
  responder: string;
  protocol: string;
  transport: string;
  port: number;
  operations: string[];
  packets: number;
  firstSeen: number;
  lastSeen: number;
  fromZone: string;
  toZone: string;
  status: PathStatus | 'no_policy';
  /** Conduits the path travels (those allowing it, else those it was judged against). */
  conduits: string[];
  /** Boundary-violation rules of the findings on this path (VIOLATION_RULES), sorted. */
  violations: RuleId[];
  /** Ids of every finding whose evidence names this path. */
  findings: string[];
}

export interface GraphConduit {
  id: string;
  name: string;
  /** The ends as written ('scada', '10.20.1.50') and the zone each is drawn from (null: not placed). */
  a: string;
  b: string;
  aZone: string | null;
  bZone: string | null;
  hasSlt: boolean;
  slt: SecurityLevels;
  enforcement: string[];
  owner: string | null;
  expires: string | null;
  expired: boolean;
  /** Declared flows in words: "s7comm tcp/102 opened by scada (only session,read,identify)". */
  declared: string[];
  observed: {
    paths: number;
    packets: number;
    protocols: string[];
    operations: string[];
    firstSeen: number | null;
    lastSeen: number | null;
  };
}

/** A finding as the picture needs it; `status` is the stored lifecycle state when there is one. */
export type GraphFindingInput = Finding & { status?: string };

export interface GraphFinding {
  id: string;
  rule: RuleId;
  severity: Severity;
  status: string;
  label: string;
  explanation: string;
  remediation: string;
  requirements: string[];
  zones: string[];
  conduit: string | null;
  paths: string[];
  assets: string[];
  violation: boolean;
}

export interface PlantGraph {
  policyName: string | null;
  zones: GraphZone[];
  assets: GraphAsset[];
  paths: GraphPath[];
  conduits: GraphConduit[];
  findings: GraphFinding[];
}

const identityText = (a: Asset, ...keys: string[]): string | null => {
  for (const k of keys) {
    const v = (a.identity as Record<string, { value: string } | undefined>)[k]?.value;
    if (v) return v;
  }
  return null;
};

export function assetLabel(a: Asset): string {
  return a.names[0] ?? identityText(a, 'name') ?? a.ips[0] ?? a.id;
}

function graphAsset(a: Asset, zone: string): GraphAsset {
  return {
    id: a.id,
    label: assetLabel(a),
    ips: a.ips,
    macs: a.macs,
    role: a.role,
    vendor: identityText(a, 'vendor') ?? a.macVendor ?? null,
    model: identityText(a, 'model', 'product', 'module_type', 'order_number'),
    firmware: identityText(a, 'firmware'),
    zone,
    level: a.purdueLevel,
    firstSeen: a.firstSeen,
    lastSeen: a.lastSeen,
  };
}

export function declaredFlows(c: Policy['conduits'][number]): string[] {
  return c.flows.map((f) => {
    const who = f.initiator === 'either' ? 'either end' : endLabel(f.initiator === 'a' ? c.a : c.b);
    const ops = [f.allow ? `only ${f.allow.join(', ')}` : '', f.deny.length ? `not ${f.deny.join(', ')}` : ''].filter(Boolean).join('; ');
    return `${f.protocol}${f.ports.length ? ` ${f.transport ?? 'tcp/udp'}/${f.ports.join(',')}` : ''} opened by ${who}${ops ? ` (${ops})` : ''}`;
  });
}

function findingAssets(f: Finding): string[] {
  const ids = new Set<string>();
  if (f.subject.kind === 'asset') ids.add(f.subject.key);
  for (const p of f.evidence.paths) ids.add(p.initiator).add(p.responder);
  return [...ids].sort();
}

/** Findings most severe first, then by rule and id: the order of the report and of the map's list. */
export function findingOrder(
  a: { severity: Severity; rule: string; id: string },
  b: { severity: Severity; rule: string; id: string },
): number {
  return SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.rule.localeCompare(b.rule) || a.id.localeCompare(b.id);
}

export function plantGraph(
  policy: Policy | undefined,
  assets: readonly Asset[],
  paths: readonly Path[],
  findings: readonly GraphFindingInput[],
): PlantGraph {
  const byPath = new Map<string, GraphFindingInput[]>();
  for (const f of findings) for (const p of f.evidence.paths) (byPath.get(p.pathId) ?? byPath.set(p.pathId, []).get(p.pathId)!).push(f);
  const onPath = (id: string) => byPath.get(id) ?? [];
  const live = (f: GraphFindingInput) => f.status !== 'resolved';
  const sortedAssets = [...assets].sort((a, b) => a.id.localeCompare(b.id));
  const sortedPaths = [...paths].sort((a, b) => a.id.localeCompare(b.id));
  const gFindings: GraphFinding[] = findings
    .map((f) => ({
      id: f.id,
      rule: f.rule,
      severity: f.severity,
      status: f.status ?? 'open',
      label: f.subject.label,
      explanation: f.explanation,
      remediation: f.remediation,
      requirements: f.requirements,
      zones: f.zones,
      conduit: f.conduit ?? null,
      paths: f.evidence.paths.map((p) => p.pathId),
      assets: findingAssets(f),
      violation: VIOLATION_RULES.has(f.rule),
    }))
    .sort(findingOrder);

  const pathFindings = (id: string) => {
    const list = onPath(id).filter(live);
    return {
      findings: [...new Set(list.map((f) => f.id))].sort(),
      violations: [...new Set(list.map((f) => f.rule).filter((r) => VIOLATION_RULES.has(r)))].sort(),
    };
  };
  const basePath = (p: Path) => ({
    id: p.id,
    initiator: p.initiator,
    responder: p.responder,
    protocol: p.protocol,
    transport: p.transport,
    port: p.responderPort,
    operations: Object.keys(p.operations).sort(),
    packets: pathPackets(p),
    firstSeen: p.firstSeen,
    lastSeen: p.lastSeen,
  });

  if (!policy) {
    return {
      policyName: null,
      zones: [],
      conduits: [],
      findings: gFindings,
      assets: sortedAssets.map((a) => graphAsset(a, UNZONED)),
      paths: sortedPaths.map((p) => ({
        ...basePath(p),
        fromZone: UNZONED,
        toZone: UNZONED,
        status: 'no_policy' as const,
        conduits: [],
        ...pathFindings(p.id),
      })),
    };
  }

  const assessment = assess(policy, sortedAssets, sortedPaths);
  const zoneOf = (id: string) => assessment.placements.get(id)?.zone ?? UNZONED;
  const endZones = new Map<string, { a: Map<string, number>; b: Map<string, number> }>();
  const observed = new Map<
    string,
    { paths: number; packets: number; protocols: Set<string>; operations: Set<string>; first: number | null; last: number | null }
  >();
  const gPaths: GraphPath[] = assessment.paths.map((pa) => {
    const carried = pa.allowing.length ? pa.allowing : pa.uses;
    for (const u of pa.uses) {
      // which zone each end of the conduit sits in, from the paths that travel it
      const ends = endZones.get(u.conduit.id) ?? endZones.set(u.conduit.id, { a: new Map(), b: new Map() }).get(u.conduit.id)!;
      const [za, zb] = u.initiatorSide === 'a' ? [pa.from.zone, pa.to.zone] : [pa.to.zone, pa.from.zone];
      ends.a.set(za, (ends.a.get(za) ?? 0) + 1);
      ends.b.set(zb, (ends.b.get(zb) ?? 0) + 1);
    }
    for (const u of carried) {
      const o =
        observed.get(u.conduit.id) ??
        observed
          .set(u.conduit.id, { paths: 0, packets: 0, protocols: new Set(), operations: new Set(), first: null, last: null })
          .get(u.conduit.id)!;
      o.paths++;
      o.packets += pathPackets(pa.path);
      o.protocols.add(pa.path.protocol);
      for (const op of Object.keys(pa.path.operations)) o.operations.add(op);
      o.first = o.first === null ? pa.path.firstSeen : Math.min(o.first, pa.path.firstSeen);
      o.last = o.last === null ? pa.path.lastSeen : Math.max(o.last, pa.path.lastSeen);
    }
    return {
      ...basePath(pa.path),
      fromZone: pa.from.zone,
      toZone: pa.to.zone,
      status: pa.status,
      conduits: [...new Set(carried.map((u) => u.conduit.id))].sort(),
      ...pathFindings(pa.path.id),
    };
  });

  const zoneIds = new Set(policy.zones.map((z) => z.id));
  const mostCommon = (m: Map<string, number> | undefined) =>
    m ? ([...m].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0] ?? null) : null;
  const endZone = (end: Policy['conduits'][number]['a'], seen: Map<string, number> | undefined): string | null => {
    if (end.kind === 'zone') return zoneIds.has(end.zone) ? end.zone : null;
    return mostCommon(seen);
  };
  let nowish = 0;
  for (const p of sortedPaths) if (p.lastSeen > nowish) nowish = p.lastSeen;
  return {
    policyName: policy.name ?? null,
    zones: policy.zones.map((z) => ({
      id: z.id,
      name: z.name,
      description: z.description ?? null,
      level: z.level,
      hasSlt: z.hasSlt,
      slt: z.slt,
    })),
    assets: sortedAssets.map((a) => graphAsset(a, zoneOf(a.id))),
    paths: gPaths,
    conduits: policy.conduits.map((c) => {
      const o = observed.get(c.id);
      return {
        id: c.id,
        name: c.name,
        a: endLabel(c.a),
        b: endLabel(c.b),
        aZone: endZone(c.a, endZones.get(c.id)?.a),
        bZone: endZone(c.b, endZones.get(c.id)?.b),
        hasSlt: c.hasSlt,
        slt: c.slt,
        enforcement: c.enforcement,
        owner: c.owner ?? null,
        expires: c.expiresText ?? null,
        // expired relative to the traffic, not the clock: the picture does not change with the day it is drawn
        expired: c.expires !== null && nowish > c.expires,
        declared: declaredFlows(c),
        observed: {
          paths: o?.paths ?? 0,
          packets: o?.packets ?? 0,
          protocols: [...(o?.protocols ?? [])].sort(),
          operations: [...(o?.operations ?? [])].sort(),
          firstSeen: o?.first ?? null,
          lastSeen: o?.last ?? null,
        },
      };
    }),
    findings: gFindings,
  };
}

/** Paths aggregated per (unordered) zone pair: what the map draws before an edge is expanded. */
export interface ZoneEdge {
  key: string;
  a: string;
  b: string;
  paths: number;
  packets: number;
  protocols: string[];
  /** Paths on the edge with a boundary violation. */
  violations: number;
}

export function zoneEdges(paths: readonly GraphPath[]): ZoneEdge[] {
  const m = new Map<string, ZoneEdge & { protoSet: Set<string> }>();
  for (const p of paths) {
    if (p.fromZone === p.toZone) continue;
    const [a, b] = [p.fromZone, p.toZone].sort() as [string, string];
    const key = `${a}|${b}`;
    const e = m.get(key) ?? m.set(key, { key, a, b, paths: 0, packets: 0, protocols: [], violations: 0, protoSet: new Set() }).get(key)!;
    e.paths++;
    e.packets += p.packets;
    e.protoSet.add(p.protocol);
    if (p.violations.length) e.violations++;
  }
  return [...m.values()]
    .sort((x, y) => x.key.localeCompare(y.key))
    .map(({ protoSet, ...e }) => ({ ...e, protocols: [...protoSet].sort() }));
}
