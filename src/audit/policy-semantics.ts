/**
 * What the schema cannot say: unique ids, conduit ends that name existing zones, addresses that
 * parse, zones that do not overlap (a device belongs to exactly one zone), valid dates, initiators
 * that name an end. Builds the normalised Policy from schema-valid data, or returns every error.
 */
import type { Document, LineCounter } from 'yaml';
import type { Operation } from '../core/events.js';
import { DAY_SECONDS, FRS, L2_PROTOCOLS, PROTOCOL_DEFAULTS, TRANSPORT_PROTOCOLS, type FR } from './constants.js';
import {
  addressToInterval,
  cidrToInterval,
  compareIntervals,
  intersection,
  intervalToText,
  normaliseIntervals,
  rangeToInterval,
  subtractSorted,
} from './ip-intervals.js';
import type {
  Conduit,
  ConduitEnd,
  ConduitFlow,
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
export interface RawFlow {
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

/** Located errors of a policy document (the site policy's and the enterprise policy's). */
export class Collector {
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

/**
 * Overlaps reported at most. n zones that all claim one block are n² pairs: listing them would make the
 * check quadratic and the answer unreadable; the first ones say what to fix.
 */
export const MAX_OVERLAP_ERRORS = 100;
/** Overlapping pairs looked at, reported or not (the same two members meet again in pieces cut by exclusions). */
const MAX_OVERLAP_PAIRS = MAX_OVERLAP_ERRORS * 100;

interface Piece {
  interval: IpInterval;
  member: Member;
  zone: number;
}

/**
 * A zone's addresses after its own exclusions, as disjoint pieces in address order, each remembering a
 * member that covers it (members of one zone may overlap each other; an address counts once, for the member
 * that reaches it first in address order).
 */
function effectivePieces(zone: Zone, index: number): Piece[] {
  const cuts = normaliseIntervals(zone.exclude.flatMap((m) => (m.interval ? [m.interval] : [])));
  const raw: Piece[] = [];
  for (const m of zone.members) {
    if (!m.interval) continue;
    for (const interval of subtractSorted(m.interval, cuts)) raw.push({ interval, member: m, zone: index });
  }
  raw.sort((a, b) => compareIntervals(a.interval, b.interval));
  const out: Piece[] = [];
  let family = 0;
  let covered = -1n; // the highest address of `family` covered so far
  for (const p of raw) {
    const i = p.interval;
    if (i.family !== family) {
      family = i.family;
      covered = -1n;
    }
    if (i.end <= covered) continue;
    out.push(i.start > covered ? p : { ...p, interval: { family: i.family, start: covered + 1n, end: i.end } });
    covered = i.end;
  }
  return out;
}

function memberText(m: Member): string {
  return `${m.kind} ${m.value} (line ${m.pos.line})`;
}

/**
 * Zones that share an address, a VLAN, a MAC or an asset name. One sweep over every zone's pieces in address
 * order: a piece still open when the next one starts overlaps it, and since a zone's own pieces are disjoint
 * the open ones are all other zones' and all overlap the new one. The work is n log n plus the pairs reported,
 * and those stop at MAX_OVERLAP_ERRORS (comparing every pair of zones took 17 s for 8,000 zones).
 */
function checkOverlaps(c: Collector, zones: Zone[]): void {
  let left = MAX_OVERLAP_ERRORS;
  let looked = 0;
  let stoppedAt: Member | undefined;
  const reported = new Set<string>();
  const report = (i: number, m1: Member, j: number, m2: Member, what: string): boolean => {
    if (i > j) return report(j, m2, i, m1, what);
    const key = `${i}|${j}|${m1.pos.line}:${m1.pos.col}|${m2.pos.line}:${m2.pos.col}`;
    if (++looked > MAX_OVERLAP_PAIRS) stoppedAt ??= m2;
    if (stoppedAt) return false;
    if (reported.has(key)) return true;
    reported.add(key);
    if (left-- <= 0) {
      stoppedAt = m2;
      return false;
    }
    overlapError(c, zones[i]!, zones[j]!, m1, m2, what);
    return true;
  };

  const pieces = zones.flatMap(effectivePieces).sort((a, b) => compareIntervals(a.interval, b.interval));
  let open: Piece[] = [];
  let family = 0;
  sweep: for (const p of pieces) {
    if (p.interval.family !== family) {
      family = p.interval.family;
      open = [];
    }
    open = open.filter((o) => o.interval.end >= p.interval.start);
    for (const o of open) {
      const shared = intersection(o.interval, p.interval)!;
      if (!report(o.zone, o.member, p.zone, p.member, `share ${intervalToText(shared)}`)) break sweep;
    }
    open.push(p);
  }

  // VLAN, MAC and asset-name members are exact keys: the same one in two zones is an overlap too (unless the
  // later zone excludes it).
  const claims = new Map<string, { zone: number; member: Member }[]>();
  const excluded = new Set<string>();
  zones.forEach((z, zi) => {
    for (const m of z.members) {
      if (m.interval) continue;
      const key = `${m.kind}\0${String(m.value)}`;
      const list = claims.get(key);
      if (list) list.push({ zone: zi, member: m });
      else claims.set(key, [{ zone: zi, member: m }]);
    }
    for (const x of z.exclude) if (!x.interval) excluded.add(`${zi}\0${x.kind}\0${String(x.value)}`);
  });
  keys: for (const [key, list] of claims) {
    if (stoppedAt) break;
    const first = new Map<number, Member>(); // each zone's first member with this key
    for (const e of list) if (!first.has(e.zone)) first.set(e.zone, e.member);
    if (first.size < 2) continue;
    for (const a of list) {
      for (const [j, b] of first) {
        if (j <= a.zone || excluded.has(`${j}\0${key}`)) continue;
        if (!report(a.zone, a.member, j, b, `both claim ${a.member.kind} ${a.member.value}`)) break keys;
      }
    }
  }
  if (stoppedAt) {
    const p = stoppedAt.pos;
    c.errors.push({
      file: c.file,
      line: p.line,
      col: p.col,
      path: '',
      message: `more zones overlap than the ${MAX_OVERLAP_ERRORS} overlaps listed; fix those and check again`,
    });
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

/** Zone ids named at most in an "expected one of" message. */
const MAX_LISTED_ZONES = 20;

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) return;
  for (const x of items) {
    yield x;
    if (--n <= 0) return;
  }
}

function buildEnd(c: Collector, raw: RawEnd, path: PathSegment[], zoneIds: Set<string>): ConduitEnd | undefined {
  const pos = c.pos(path);
  // the list is for a typo: the first names say enough, and a list of every zone per bad end would be quadratic
  const known = () => {
    const ids = [...take(zoneIds, MAX_LISTED_ZONES + 1)];
    return ids.length > MAX_LISTED_ZONES ? `${ids.slice(0, MAX_LISTED_ZONES).join(', ')}, … (${zoneIds.size} zones)` : ids.join(', ');
  };
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

function resolveInitiator(raw: string | undefined, la: string | undefined, lb: string | undefined): InitiatorSide | undefined {
  if (raw === undefined || raw === 'a') return 'a';
  if (raw === 'b') return 'b';
  if (raw === 'either' || raw === 'both') return 'either';
  if (raw === la && raw === lb) return 'either';
  if (raw === la) return 'a';
  if (raw === lb) return 'b';
  return undefined;
}

/** One flow of a conduit whose ends are labelled `a` and `b` (zone ids, or the enterprise policy's sites). */
export function buildFlow(
  c: Collector,
  raw: RawFlow,
  path: PathSegment[],
  a: string | undefined,
  b: string | undefined,
): ConduitFlow | undefined {
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
    const names = [a, b].filter((e): e is string => e !== undefined);
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
    const flows = r.flows.map((f, j) => buildFlow(c, f, [...path, 'flows', j], a && endLabel(a), b && endLabel(b)));
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
      flows: flows as ConduitFlow[],
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
