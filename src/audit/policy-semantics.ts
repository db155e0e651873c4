/**
 * What the schema cannot say: unique ids, conduit ends that name existing zones, addresses that
 * parse, zones that do not overlap (a device belongs to exactly one zone), valid dates, initiators
 * that name an end. Builds the normalised Policy from schema-valid data, or returns every error.
 */
import type { Document, LineCounter } from 'yaml';
import type { Operation } from '../core/events.js';
import { DAY_SECONDS, FRS, L2_PROTOCOLS, PROTOCOL_DEFAULTS, TRANSPORT_PROTOCOLS, type FR } from './constants.js';
import { addressToInterval, cidrToInterval, intersection, intervalToText, rangeToInterval, subtract } from './ip-intervals.js';
import type {
  Conduit,
  ConduitEnd,
  Flow,
  InitiatorSide,
  IpInterval,
  Member,
  MemberKind,
  Policy,
  PolicyError,
  SecurityLevels,
  SourcePos,
  Zone,
} from './policy-types.js';
import { pathToPointer, positionOf, type PathSegment } from './yaml-positions.js';

/* The raw shapes after schema validation (the schema guarantees these types). */
type RawSlt = number | Partial<Record<FR, number>>;
type RawMember = Partial<Record<MemberKind, string | number>>;
interface RawZone {
  id: string;
  name: string;
  description?: string;
  level?: number;
  sl_t?: RawSlt;
  members: RawMember[];
  exclude?: RawMember[];
}
type RawEnd = string | { zone?: string; asset?: string; ip?: string; range?: string; cidr?: string };
interface RawFlow {
  protocol: string;
  transport?: 'tcp' | 'udp';
  ports?: number[];
  initiator?: string;
  operations?: { allow?: Operation[]; deny?: Operation[] };
  description?: string;
}
interface RawConduit {
  id: string;
  name?: string;
  description?: string;
  between: [RawEnd, RawEnd];
  flows: RawFlow[];
  sl_t?: RawSlt;
  confidentiality?: boolean;
  enforcement?: string[];
  notes?: string;
  owner?: string;
  expires?: string;
}
export interface RawPolicy {
  version: number;
  name?: string;
  zones: RawZone[];
  conduits?: RawConduit[];
}

class Collector {
  readonly errors: PolicyError[] = [];
  constructor(
    private doc: Document,
    private lc: LineCounter,
    readonly file: string,
  ) {}
  pos(path: readonly PathSegment[], atKey = false): SourcePos {
    return positionOf(this.doc, this.lc, path, atKey);
  }
  error(path: readonly PathSegment[], message: string, atKey = false): void {
    const p = this.pos(path, atKey);
    this.errors.push({ file: this.file, line: p.line, col: p.col, path: pathToPointer(path), message });
  }
}

export function normaliseSlt(raw: RawSlt | undefined): { hasSlt: boolean; slt: SecurityLevels } {
  const slt = Object.fromEntries(FRS.map((fr) => [fr, null])) as SecurityLevels;
  if (raw === undefined) return { hasSlt: false, slt };
  for (const fr of FRS) slt[fr] = typeof raw === 'number' ? raw : (raw[fr] ?? null);
  return { hasSlt: true, slt };
}

function normaliseMac(text: string): string {
  return text.toLowerCase().replace(/-/g, ':');
}

function parseMember(c: Collector, raw: RawMember, path: PathSegment[]): Member | undefined {
  const kind = Object.keys(raw)[0] as MemberKind;
  const value = raw[kind]!;
  const pos = c.pos(path);
  const parsed =
    kind === 'cidr'
      ? cidrToInterval(String(value))
      : kind === 'range'
        ? rangeToInterval(String(value))
        : kind === 'ip'
          ? addressToInterval(String(value))
          : undefined;
  if (parsed && !parsed.ok) {
    c.error([...path, kind], `${parsed.error}`);
    return undefined;
  }
  return { kind, value: kind === 'mac' ? normaliseMac(String(value)) : value, interval: parsed?.interval, pos };
}

/** A zone's addresses after its own exclusions, each piece remembering the member it came from. */
function effectiveIntervals(zone: Zone): { interval: IpInterval; member: Member }[] {
  const cuts = zone.exclude.flatMap((m) => (m.interval ? [m.interval] : []));
  return zone.members.flatMap((m) => (m.interval ? subtract(m.interval, cuts).map((interval) => ({ interval, member: m })) : []));
}

function memberText(m: Member): string {
  return `${m.kind} ${m.value} (line ${m.pos.line})`;
}

function checkOverlaps(c: Collector, zones: Zone[]): void {
  const eff = zones.map(effectiveIntervals);
  for (let i = 0; i < zones.length; i++) {
    for (let j = i + 1; j < zones.length; j++) {
      const reported = new Set<string>();
      for (const a of eff[i]!) {
        for (const b of eff[j]!) {
          const shared = intersection(a.interval, b.interval);
          const key = `${a.member.pos.line}|${b.member.pos.line}`;
          if (!shared || reported.has(key)) continue;
          reported.add(key);
          overlapError(c, zones[i]!, zones[j]!, a.member, b.member, `share ${intervalToText(shared)}`);
        }
      }
      // VLAN, MAC and asset-name members are exact keys: the same one in two zones is an overlap too.
      for (const a of zones[i]!.members) {
        if (a.interval) continue;
        const b = zones[j]!.members.find((m) => m.kind === a.kind && String(m.value) === String(a.value));
        if (b && !zones[j]!.exclude.some((x) => x.kind === a.kind && String(x.value) === String(a.value))) {
          overlapError(c, zones[i]!, zones[j]!, a, b, `both claim ${a.kind} ${a.value}`);
        }
      }
    }
  }
}

function overlapError(c: Collector, z1: Zone, z2: Zone, m1: Member, m2: Member, what: string): void {
  const p = m2.pos;
  c.errors.push({
    file: c.file,
    line: p.line,
    col: p.col,
    path: '',
    message: `zones '${z1.id}' (line ${z1.pos.line}) and '${z2.id}' (line ${z2.pos.line}) overlap: ${memberText(m1)} and ${memberText(m2)} ${what}; a device belongs to exactly one zone (use exclude to carve out)`,
  });
}

function buildZones(c: Collector, raw: RawZone[]): Zone[] {
  const zones: Zone[] = [];
  const firstLine = new Map<string, number>();
  raw.forEach((z, i) => {
    const path: PathSegment[] = ['zones', i];
    if (firstLine.has(z.id)) c.error([...path, 'id'], `duplicate zone id '${z.id}' (first defined at line ${firstLine.get(z.id)})`);
    else firstLine.set(z.id, c.pos(path).line);
    const members = z.members.map((m, j) => parseMember(c, m, [...path, 'members', j])).filter((m): m is Member => !!m);
    const exclude = (z.exclude ?? []).map((m, j) => parseMember(c, m, [...path, 'exclude', j])).filter((m): m is Member => !!m);
    zones.push({
      id: z.id,
      name: z.name,
      description: z.description,
      level: z.level ?? null,
      ...normaliseSlt(z.sl_t),
      members,
      exclude,
      pos: c.pos(path),
    });
  });
  return zones;
}

function buildEnd(c: Collector, raw: RawEnd, path: PathSegment[], zoneIds: Set<string>): ConduitEnd | undefined {
  const pos = c.pos(path);
  const known = () => [...zoneIds].join(', ');
  if (typeof raw === 'string' || raw.zone !== undefined) {
    const zone = typeof raw === 'string' ? raw : raw.zone!;
    if (!zoneIds.has(zone)) {
      c.error(
        typeof raw === 'string' ? path : [...path, 'zone'],
        `conduit end refers to unknown zone '${zone}': expected one of ${known()}`,
      );
      return undefined;
    }
    return { kind: 'zone', zone, pos };
  }
  if (raw.asset !== undefined) return { kind: 'asset', asset: raw.asset, pos };
  const key = raw.ip !== undefined ? 'ip' : raw.range !== undefined ? 'range' : 'cidr';
  const text = String(raw[key]);
  const parsed = key === 'ip' ? addressToInterval(text) : key === 'range' ? rangeToInterval(text) : cidrToInterval(text);
  if (!parsed.ok) {
    c.error([...path, key], parsed.error);
    return undefined;
  }
  return { kind: 'addresses', text, interval: parsed.interval, pos };
}

export function endLabel(e: ConduitEnd): string {
  return e.kind === 'zone' ? e.zone : e.kind === 'asset' ? e.asset : e.text;
}

function resolveInitiator(raw: string | undefined, a: ConduitEnd | undefined, b: ConduitEnd | undefined): InitiatorSide | undefined {
  if (raw === undefined || raw === 'a') return 'a';
  if (raw === 'b') return 'b';
  if (raw === 'either' || raw === 'both') return 'either';
  const la = a ? endLabel(a) : undefined;
  const lb = b ? endLabel(b) : undefined;
  if (raw === la && raw === lb) return 'either';
  if (raw === la) return 'a';
  if (raw === lb) return 'b';
  return undefined;
}

function buildFlow(
  c: Collector,
  raw: RawFlow,
  path: PathSegment[],
  a: ConduitEnd | undefined,
  b: ConduitEnd | undefined,
): Flow | undefined {
  const protocol = raw.protocol.toLowerCase();
  const isTransport = (TRANSPORT_PROTOCOLS as readonly string[]).includes(protocol);
  const defaults = PROTOCOL_DEFAULTS[protocol];
  let ok = true;
  if (isTransport && !raw.ports) {
    c.error(path, `flow with protocol '${protocol}' allows any application protocol: expected 'ports' to restrict it`);
    ok = false;
  }
  if (isTransport && raw.transport && raw.transport !== protocol) {
    c.error([...path, 'transport'], `transport '${raw.transport}' contradicts protocol '${protocol}'`);
    ok = false;
  }
  if (!isTransport && !defaults && !raw.ports && !L2_PROTOCOLS.includes(protocol)) {
    c.error(path, `protocol '${protocol}' has no well-known port: expected 'ports'`);
    ok = false;
  }
  const initiator = resolveInitiator(raw.initiator, a, b);
  if (!initiator) {
    const names = [a, b].filter((e): e is ConduitEnd => !!e).map(endLabel);
    c.error(
      [...path, 'initiator'],
      `initiator '${raw.initiator}' is not an end of the conduit: expected ${[...names, 'a', 'b', 'either'].join(', ')}`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  const transport = isTransport ? (protocol as 'tcp' | 'udp') : (raw.transport ?? defaults?.transport ?? null);
  return {
    protocol,
    transport,
    ports: raw.ports ?? defaults?.ports ?? [],
    initiator: initiator!,
    allow: raw.operations?.allow ?? null,
    deny: raw.operations?.deny ?? [],
    description: raw.description,
    pos: c.pos(path),
  };
}

/** 'YYYY-MM-DD' is valid through that day (UTC); a date-time is taken as written. */
export function parseExpiry(text: string): number | undefined {
  const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (dateOnly) {
    const [y, m, d] = dateOnly.slice(1).map(Number) as [number, number, number];
    const t = Date.UTC(y, m - 1, d);
    const back = new Date(t);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return undefined;
    return t / 1000 + DAY_SECONDS;
  }
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t / 1000;
}

function buildConduits(c: Collector, raw: RawConduit[], zoneIds: Set<string>): Conduit[] {
  const out: Conduit[] = [];
  const firstLine = new Map<string, number>();
  raw.forEach((r, i) => {
    const path: PathSegment[] = ['conduits', i];
    if (firstLine.has(r.id)) c.error([...path, 'id'], `duplicate conduit id '${r.id}' (first defined at line ${firstLine.get(r.id)})`);
    else firstLine.set(r.id, c.pos(path).line);
    const a = buildEnd(c, r.between[0], [...path, 'between', 0], zoneIds);
    const b = buildEnd(c, r.between[1], [...path, 'between', 1], zoneIds);
    if (a && b && a.kind === 'zone' && b.kind === 'zone' && a.zone === b.zone) {
      c.error([...path, 'between'], `conduit '${r.id}' joins zone '${a.zone}' to itself: a conduit connects two different zones`);
    }
    const flows = r.flows.map((f, j) => buildFlow(c, f, [...path, 'flows', j], a, b));
    let expires: number | null = null;
    if (r.expires !== undefined) {
      const t = parseExpiry(r.expires);
      if (t === undefined) c.error([...path, 'expires'], `'${r.expires}' is not a valid date: expected YYYY-MM-DD`);
      else expires = t;
    }
    if (!a || !b || flows.some((f) => !f)) return;
    const { hasSlt, slt } = normaliseSlt(r.sl_t);
    out.push({
      id: r.id,
      name: r.name ?? r.id,
      description: r.description,
      a,
      b,
      flows: flows as Flow[],
      hasSlt,
      slt,
      confidentiality: r.confidentiality ?? null,
      enforcement: r.enforcement ?? [],
      notes: r.notes,
      owner: r.owner,
      expires,
      expiresText: r.expires,
      pos: c.pos(path),
    });
  });
  return out;
}

export function buildPolicy(raw: RawPolicy, doc: Document, lc: LineCounter, file: string): { policy?: Policy; errors: PolicyError[] } {
  const c = new Collector(doc, lc, file);
  const zones = buildZones(c, raw.zones);
  checkOverlaps(c, zones);
  const conduits = buildConduits(c, raw.conduits ?? [], new Set(zones.map((z) => z.id)));
  if (c.errors.length) return { errors: c.errors.sort((x, y) => x.line - y.line || x.col - y.col) };
  return { policy: { file, version: raw.version, name: raw.name, zones, conduits }, errors: [] };
}
