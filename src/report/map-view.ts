/**
 * The plant map at the size of a real plant (GET /api/v1/map, /map/zones/:id, /map/pairs/:key/paths): zones
 * with their assets counted by role, the traffic between zones aggregated per zone pair with its conduits and
 * a status (violated, expired, allowed, unused), the assets of a zone when it opens and the paths of a zone
 * pair a page at a time, violating first. Every answer is an aggregation over the map's rows in memory
 * (src/store/map-repository.ts), linear in the paths, under the page's filter (protocol, operation, severity,
 * time).
 *
 * A path is violating when a live boundary finding (VIOLATION_RULES) covers it: the paths its evidence names,
 * and those of the same zones (initiator's first), protocol and verdict the rule groups by; its severity is
 * that of the findings covering it, so the severity filter keeps the violations of that severity.
 */
import type { Policy } from '../audit/policy-types.js';
import { endLabel } from '../audit/policy-semantics.js';
import { RULES, type RuleId } from '../audit/constants.js';
import type { MapRows } from '../store/map-repository.js';
import { VIOLATION_RULES } from './constants.js';
import { declaredFlows, type GraphConduit } from './graph.js';

export const UNZONED_ID = 'unzoned';
/** A zone with more assets than this is drawn as its counts by role until it is opened. */
export const MAP_ZONE_THRESHOLD = 60;
export const MAP_PAGE_LIMIT = 200;

const SEVERITY_BIT: Record<string, number> = { critical: 1, high: 2, medium: 4, low: 8, info: 16 };
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];

export interface MapFilter {
  protocol?: string;
  operation?: string;
  severity?: string;
  /** Paths seen at or after / at or before (seconds). */
  from?: number;
  to?: number;
}

export interface MapZone {
  id: string;
  name: string;
  description: string | null;
  level: number | null;
  hasSlt: boolean;
  slt: Record<string, number | null>;
  assets: number;
  roles: Record<string, number>;
  /** Assets at an end of a violating path (under the filter). */
  violatingAssets: number;
  vulnerableAssets: number;
  /** Paths inside the zone (under the filter) and how many violate. */
  inside: number;
  insideViolations: number;
  /** Whether the first answer carries its assets (small zones); larger ones come with /map/zones/:id. */
  expanded: boolean;
}

export interface MapPair {
  key: string;
  a: string;
  b: string;
  paths: number;
  violations: number;
  /** Violating paths per severity of the findings covering them. */
  bySeverity: Record<string, number>;
  protocols: string[];
  conduits: string[];
  status: 'violated' | 'expired' | 'allowed' | 'unused';
  expired: boolean;
}

/** A conduit as the map draws it: the report's conduit (src/report/graph.ts). */
export type MapConduit = GraphConduit;

export interface MapAsset {
  id: string;
  label: string;
  ips: string[];
  role: string;
  zone: string;
  vendor: string | null;
  model: string | null;
  /** Violating paths of the asset under the filter. */
  violations: number;
  /** Whether any path under the filter touches it. */
  active: boolean;
  vulnerabilities?: number;
}

export interface MapFindingItem {
  id: string;
  rule: string;
  severity: string;
  status: string;
  label: string;
  zones: string[];
  conduit: string | null;
  violation: boolean;
}

export interface MapOverview {
  policyName: string | null;
  threshold: number;
  totals: { assets: number; paths: number; violatingPaths: number; zones: number; findings: number };
  zones: MapZone[];
  pairs: MapPair[];
  conduits: MapConduit[];
  /** Assets of the zones drawn one by one (small zones and those asked for). */
  assets: MapAsset[];
  findings: MapFindingItem[];
  protocols: string[];
  operations: string[];
  /** Every asset for "find asset" and for drawing a zone as it opens: [id, label, addresses separated by spaces, zone, role]. */
  index?: [string, string, string, string, string][];
}

export interface MapPathItem {
  id: string;
  initiator: string;
  responder: string;
  initiatorLabel: string;
  responderLabel: string;
  fromZone: string;
  toZone: string;
  protocol: string;
  transport: string;
  port: number;
  operations: string[];
  packets: number;
  firstSeen: number;
  lastSeen: number;
  status: string;
  violating: boolean;
  severities: string[];
}

export const pairKeyOf = (a: string, b: string): string => (a <= b ? `${a}|${b}` : `${b}|${a}`);

/** The map's aggregations over one read of the rows (build once per rows and policy). */
export class MapView {
  /** Severity bits of the live violation findings covering each path (0: not violating). */
  private readonly sev: Uint8Array;
  /** Unordered zone pair (or 'z|z' inside a zone) → path indexes. */
  private readonly byPair = new Map<string, number[]>();
  private readonly zoneAssets = new Map<string, number[]>();
  private readonly conduits: MapConduit[];

  constructor(
    private readonly rows: MapRows,
    private readonly policy: Policy | undefined,
  ) {
    const p = rows.paths;
    const n = p.ids.length;
    this.sev = new Uint8Array(n);
    const directed = new Map<string, number[]>();
    for (let i = 0; i < n; i++) {
      const fz = rows.zoneIds[p.fromZone[i]!]!;
      const tz = rows.zoneIds[p.toZone[i]!]!;
      const k = pairKeyOf(fz, tz);
      (this.byPair.get(k) ?? this.byPair.set(k, []).get(k)!).push(i);
      const d = `${fz}>${tz}`;
      (directed.get(d) ?? directed.set(d, []).get(d)!).push(i);
    }
    rows.assets.forEach((a, i) => (this.zoneAssets.get(a.zone) ?? this.zoneAssets.set(a.zone, []).get(a.zone)!).push(i));
    const protoIdx = new Map(rows.protocols.map((x, i) => [x, i]));
    const opIdx = new Map(rows.operations.map((x, i) => [x, i]));
    for (const f of rows.findings) {
      if (!VIOLATION_RULES.has(f.rule as RuleId)) continue;
      const bit = SEVERITY_BIT[f.severity] ?? 0;
      for (const id of f.evidencePaths) {
        const i = rows.pathIndex.get(id);
        if (i !== undefined) this.sev[i]! |= bit;
      }
      if (f.rule === RULES.conduitExpiredInUse) {
        const c = f.conduit ?? (f.subject.kind === 'conduit' ? f.subject.key : null);
        for (const i of (c && rows.conduitPaths.get(c)) || []) this.sev[i]! |= bit;
        continue;
      }
      if (f.zones.length !== 2) continue;
      const protos = new Set(f.protocols.map((x) => protoIdx.get(x)).filter((x) => x !== undefined));
      let opMask = 0;
      for (const o of f.operations) {
        const oi = opIdx.get(o);
        if (oi !== undefined && oi < 32) opMask |= 1 << oi;
      }
      const want =
        f.rule === RULES.flowWithoutConduit
          ? 'no_conduit'
          : f.rule === RULES.flowNotAllowed
            ? 'not_allowed'
            : f.rule === RULES.operationNotAllowed
              ? 'allowed'
              : null;
      for (const i of directed.get(`${f.zones[0]}>${f.zones[1]}`) ?? []) {
        if (protos.size && !protos.has(p.protocol[i]!)) continue;
        if (want && p.status[i] !== want) continue;
        if (f.rule === RULES.operationNotAllowed && opMask && !(p.ops[i]! & opMask)) continue;
        this.sev[i]! |= bit;
      }
    }
    this.conduits = this.buildConduits();
  }

  private buildConduits(): MapConduit[] {
    if (!this.policy) return [];
    const { rows } = this;
    const p = rows.paths;
    let nowish = 0;
    for (let i = 0; i < p.ids.length; i++) if (p.lastSeen[i]! > nowish) nowish = p.lastSeen[i]!;
    const zoneIds = new Set(this.policy.zones.map((z) => z.id));
    return this.policy.conduits.map((c) => {
      const on = rows.conduitPaths.get(c.id) ?? [];
      let packets = 0;
      let first: number | null = null;
      let last: number | null = null;
      const protocols = new Set<string>();
      let ops = 0;
      const seenZones = new Map<string, number>();
      for (const i of on) {
        packets += p.packets[i]!;
        first = first === null ? p.firstSeen[i]! : Math.min(first, p.firstSeen[i]!);
        last = last === null ? p.lastSeen[i]! : Math.max(last, p.lastSeen[i]!);
        protocols.add(rows.protocols[p.protocol[i]!]!);
        ops |= p.ops[i]!;
        for (const z of [rows.zoneIds[p.fromZone[i]!]!, rows.zoneIds[p.toZone[i]!]!]) seenZones.set(z, (seenZones.get(z) ?? 0) + 1);
      }
      const zoneEnd = (e: typeof c.a) => (e.kind === 'zone' && zoneIds.has(e.zone) ? e.zone : null);
      // an end named by address or asset is drawn from the zone its traffic comes from
      const common = (not: string | null) =>
        [...seenZones].filter(([z]) => z !== not && z !== UNZONED_ID).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0]?.[0] ??
        null;
      let aZone = zoneEnd(c.a);
      let bZone = zoneEnd(c.b);
      if (aZone === null) aZone = common(bZone);
      if (bZone === null) bZone = common(aZone);
      return {
        id: c.id,
        name: c.name,
        a: endLabel(c.a),
        b: endLabel(c.b),
        aZone,
        bZone,
        hasSlt: c.hasSlt,
        slt: { ...c.slt },
        enforcement: c.enforcement,
        owner: c.owner ?? null,
        expires: c.expiresText ?? null,
        // expired relative to the traffic, not the clock: the picture does not change with the day it is drawn
        expired: c.expires !== null && nowish > c.expires,
        declared: declaredFlows(c),
        observed: {
          paths: on.length,
          packets,
          protocols: [...protocols].sort(),
          operations: rows.operations.filter((_, k) => ops & (1 << k)).sort(),
          firstSeen: first,
          lastSeen: last,
        },
      };
    });
  }

  /** Paths passing the filter's protocol, operation and time (1) or not (0). */
  private shown(f: MapFilter): Uint8Array {
    const p = this.rows.paths;
    const n = p.ids.length;
    const out = new Uint8Array(n);
    const proto = f.protocol ? this.rows.protocols.indexOf(f.protocol) : -1;
    const opi = f.operation ? this.rows.operations.indexOf(f.operation) : -1;
    if ((f.protocol && proto < 0) || (f.operation && (opi < 0 || opi >= 32))) return out;
    const opBit = opi >= 0 ? 1 << opi : 0;
    for (let i = 0; i < n; i++) {
      if (proto >= 0 && p.protocol[i] !== proto) continue;
      if (opBit && !(p.ops[i]! & opBit)) continue;
      if (f.from !== undefined && p.lastSeen[i]! < f.from) continue;
      if (f.to !== undefined && p.firstSeen[i]! > f.to) continue;
      out[i] = 1;
    }
    return out;
  }

  private violatingMask(f: MapFilter): number {
    return f.severity ? (SEVERITY_BIT[f.severity] ?? 0) : 0xff;
  }

  private zoneList(): {
    id: string;
    name: string;
    description: string | null;
    level: number | null;
    hasSlt: boolean;
    slt: Record<string, number | null>;
  }[] {
    const zones = (this.policy?.zones ?? []).map((z) => ({
      id: z.id,
      name: z.name,
      description: z.description ?? null,
      level: z.level,
      hasSlt: z.hasSlt,
      slt: { ...z.slt } as Record<string, number | null>,
    }));
    const known = new Set(zones.map((z) => z.id));
    // assets placed in a zone the current policy no longer has, and the unzoned ones, are drawn apart
    for (const id of [...this.zoneAssets.keys()].sort())
      if (!known.has(id))
        zones.push({ id, name: id === UNZONED_ID ? 'Unzoned assets' : id, description: null, level: null, hasSlt: false, slt: {} });
    return zones;
  }

  overview(f: MapFilter, open: readonly string[] = [], withIndex = true): MapOverview {
    const { rows } = this;
    const p = rows.paths;
    const shown = this.shown(f);
    const vmask = this.violatingMask(f);
    const nA = rows.assets.length;
    const aViol = new Uint32Array(nA);
    const aActive = new Uint8Array(nA);
    let violatingPaths = 0;
    let shownPaths = 0;
    const pairs: MapPair[] = [];
    const inside = new Map<string, { n: number; v: number }>();
    const conduitsByPair = new Map<string, MapConduit[]>();
    for (const c of this.conduits)
      if (c.aZone && c.bZone && c.aZone !== c.bZone) {
        const k = pairKeyOf(c.aZone, c.bZone);
        (conduitsByPair.get(k) ?? conduitsByPair.set(k, []).get(k)!).push(c);
      }
    const keys = new Set([...this.byPair.keys(), ...conduitsByPair.keys()]);
    for (const key of [...keys].sort()) {
      const [a, b] = key.split('|') as [string, string];
      let n = 0;
      let v = 0;
      const bySeverity: Record<string, number> = {};
      const protos = new Set<number>();
      for (const i of this.byPair.get(key) ?? []) {
        if (!shown[i]) continue;
        n++;
        protos.add(p.protocol[i]!);
        const ini = p.initiator[i]!;
        const res = p.responder[i]!;
        if (ini >= 0) aActive[ini] = 1;
        if (res >= 0) aActive[res] = 1;
        if (this.sev[i]! & vmask) {
          v++;
          for (const s of SEVERITIES) if (this.sev[i]! & SEVERITY_BIT[s]! & vmask) bySeverity[s] = (bySeverity[s] ?? 0) + 1;
          if (ini >= 0) aViol[ini]!++;
          if (res >= 0) aViol[res]!++;
        }
      }
      shownPaths += n;
      violatingPaths += v;
      if (a === b) {
        inside.set(a, { n, v });
        continue;
      }
      const cs = conduitsByPair.get(key) ?? [];
      const expired = cs.some((c) => c.expired && c.observed.paths > 0);
      pairs.push({
        key,
        a,
        b,
        paths: n,
        violations: v,
        bySeverity,
        protocols: [...protos].map((x) => rows.protocols[x]!).sort(),
        conduits: cs.map((c) => c.id).sort(),
        status: v > 0 ? 'violated' : expired && n > 0 ? 'expired' : n > 0 ? 'allowed' : 'unused',
        expired,
      });
    }
    const openSet = new Set(open);
    const zones: MapZone[] = this.zoneList().map((z) => {
      const members = this.zoneAssets.get(z.id) ?? [];
      const roles: Record<string, number> = {};
      let va = 0;
      let vu = 0;
      for (const i of members) {
        const a = rows.assets[i]!;
        roles[a.role] = (roles[a.role] ?? 0) + 1;
        if (aViol[i]) va++;
        if ((a.vulnerabilities ?? 0) > 0) vu++;
      }
      const ins = inside.get(z.id) ?? { n: 0, v: 0 };
      return {
        ...z,
        assets: members.length,
        roles,
        violatingAssets: va,
        vulnerableAssets: vu,
        inside: ins.n,
        insideViolations: ins.v,
        expanded: members.length <= MAP_ZONE_THRESHOLD || openSet.has(z.id),
      };
    });
    const assets: MapAsset[] = [];
    for (const z of zones) if (z.expanded) for (const i of this.zoneAssets.get(z.id) ?? []) assets.push(this.asset(i, aViol, aActive));
    const live = rows.findings.filter((x) => !f.severity || x.severity === f.severity);
    return {
      policyName: this.policy?.name ?? null,
      threshold: MAP_ZONE_THRESHOLD,
      totals: { assets: nA, paths: shownPaths, violatingPaths, zones: this.policy?.zones.length ?? 0, findings: rows.findings.length },
      zones,
      pairs,
      conduits: this.conduits,
      assets,
      findings: live.map((x) => ({
        id: x.id,
        rule: x.rule,
        severity: x.severity,
        status: x.status,
        label: x.label,
        zones: x.zones,
        conduit: x.conduit,
        violation: VIOLATION_RULES.has(x.rule as RuleId),
      })),
      protocols: [...rows.protocols].sort(),
      operations: [...rows.operations].sort(),
      ...(withIndex
        ? { index: rows.assets.map((a) => [a.id, a.label, a.ips.join(' '), a.zone, a.role] as [string, string, string, string, string]) }
        : {}),
    };
  }

  private asset(i: number, aViol: Uint32Array, aActive: Uint8Array): MapAsset {
    const a = this.rows.assets[i]!;
    return {
      id: a.id,
      label: a.label,
      ips: a.ips.slice(0, 4),
      role: a.role,
      zone: a.zone,
      vendor: a.vendor,
      model: a.model,
      violations: aViol[i]!,
      active: aActive[i] === 1,
      ...(a.vulnerabilities !== undefined ? { vulnerabilities: a.vulnerabilities } : {}),
    };
  }

  /** The assets of one zone with their marks under the filter (undefined: no such zone). */
  zone(id: string, f: MapFilter): MapAsset[] | undefined {
    const members = this.zoneAssets.get(id);
    if (!members) return this.policy?.zones.some((z) => z.id === id) ? [] : undefined;
    const p = this.rows.paths;
    const shown = this.shown(f);
    const vmask = this.violatingMask(f);
    const nA = this.rows.assets.length;
    const aViol = new Uint32Array(nA);
    const aActive = new Uint8Array(nA);
    for (let i = 0; i < p.ids.length; i++) {
      if (!shown[i]) continue;
      const ends = [p.initiator[i]!, p.responder[i]!];
      for (const e of ends) {
        if (e < 0 || this.rows.assets[e]!.zone !== id) continue;
        aActive[e] = 1;
        if (this.sev[i]! & vmask) aViol[e]!++;
      }
    }
    return members.map((i) => this.asset(i, aViol, aActive));
  }

  /** One page of the paths between two zones (or inside one: 'z|z'), violating first, then by id. */
  pairPaths(
    key: string,
    f: MapFilter,
    offset: number,
    limit: number,
  ): { total: number; violating: number; items: MapPathItem[] } | undefined {
    const list = this.byPair.get(key);
    if (!list) {
      const [a, b] = key.split('|');
      const known = (z: string | undefined) => z !== undefined && (this.zoneAssets.has(z) || !!this.policy?.zones.some((x) => x.id === z));
      return known(a) && known(b) ? { total: 0, violating: 0, items: [] } : undefined;
    }
    const p = this.rows.paths;
    const shown = this.shown(f);
    const vmask = this.violatingMask(f);
    const bad: number[] = [];
    const good: number[] = [];
    for (const i of list) if (shown[i]) (this.sev[i]! & vmask ? bad : good).push(i);
    // the paths were read in id order, so each list is already sorted by id
    const page = [...bad, ...good].slice(offset, offset + limit);
    const label = (x: number, id: string) => (x >= 0 ? this.rows.assets[x]!.label : id);
    return {
      total: bad.length + good.length,
      violating: bad.length,
      items: page.map((i) => {
        const id = p.ids[i]!;
        const [ini, res] = p.orphanEnds.get(i) ?? ['', ''];
        return {
          id,
          initiator: p.initiator[i]! >= 0 ? this.rows.assets[p.initiator[i]!]!.id : ini,
          responder: p.responder[i]! >= 0 ? this.rows.assets[p.responder[i]!]!.id : res,
          initiatorLabel: label(p.initiator[i]!, ini),
          responderLabel: label(p.responder[i]!, res),
          fromZone: this.rows.zoneIds[p.fromZone[i]!]!,
          toZone: this.rows.zoneIds[p.toZone[i]!]!,
          protocol: this.rows.protocols[p.protocol[i]!]!,
          transport: p.transport[i]!,
          port: p.port[i]!,
          operations: this.rows.operations.filter((_, k) => p.ops[i]! & (1 << k)).sort(),
          packets: p.packets[i]!,
          firstSeen: p.firstSeen[i]!,
          lastSeen: p.lastSeen[i]!,
          status: p.status[i]!,
          violating: (this.sev[i]! & vmask) !== 0,
          severities: SEVERITIES.filter((s) => this.sev[i]! & SEVERITY_BIT[s]!),
        };
      }),
    };
  }
}

const views = new WeakMap<MapRows, { policy: Policy | undefined; view: MapView }>();

/** The view of these rows under this policy, built once. */
export function mapView(rows: MapRows, policy: Policy | undefined): MapView {
  const v = views.get(rows);
  if (v && v.policy === policy) return v.view;
  const view = new MapView(rows, policy);
  views.set(rows, { policy, view });
  return view;
}
