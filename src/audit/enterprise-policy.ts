/**
 * The enterprise policy (issue 17): the hub's zone/conduit policy for traffic between sites. Each site is a
 * zone with its address plan (the ranges its devices use) and an optional SL-T; an optional `enterprise`
 * zone holds the corporate network and data centre; conduits say which site may talk to which, with the
 * site policy's flows (protocol, ports, initiator, operations). Loaded like the site policy (YAML, then the
 * schema, then the semantic checks), every error with its line and column; the loader never throws.
 *
 * The conduits are the site policy's `Conduit` with zone ends naming sites, so that the site audit's
 * matching (conduit-match.ts: protocol, port, initiator, operations) judges a path across the WAN the same
 * way it judges one across a plant's firewall.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument } from 'yaml';
import { ENTERPRISE_SCHEMA } from './enterprise-policy-schema.js';
import { anyToInterval, compareIntervals, intervalToText } from './ip-intervals.js';
import { MAX_POLICY_ERRORS, yamlError } from './policy-load.js';
import { buildFlow, Collector, normaliseSlt, type RawFlow } from './policy-semantics.js';
import type { Conduit, ConduitFlow, IpInterval, PolicyError, SourcePos } from './policy-types.js';
import { compileSchema, validateAgainstSchema } from './schema-validate.js';
import type { PathSegment } from './yaml-positions.js';
import type { Operation } from '../core/events.js';

/** The zone of every address the policy places in no site but in its `enterprise:` block. */
export const ENTERPRISE_ZONE = 'enterprise';

export interface EnterpriseZone {
  /** The site id (as the sensor's --site), or ENTERPRISE_ZONE. */
  id: string;
  name: string;
  kind: 'site' | 'enterprise';
  /** As written, and as intervals. */
  ranges: string[];
  intervals: IpInterval[];
  /** One SL-T for every FR, when given. */
  slt: number | null;
  pos: SourcePos;
  /** Where each range is written (for errors). */
  rangePos: SourcePos[];
}

export interface EnterprisePolicy {
  file: string;
  version: number;
  name?: string;
  /** sha256 of the text: a stored finding remembers the policy that judged it. */
  hash: string;
  zones: EnterpriseZone[];
  /** Conduits whose ends are zones named by site id (or ENTERPRISE_ZONE). */
  conduits: Conduit[];
}

export type EnterpriseLoadResult = { ok: true; policy: EnterprisePolicy } | { ok: false; errors: PolicyError[] };

/* What the schema guarantees about the data. */
interface RawZone {
  id?: string;
  name?: string;
  ranges: string[];
  sl_t?: number;
}
interface RawConduit {
  id: string;
  name?: string;
  description?: string;
  between: [string, string];
  flows: RawFlow[];
  sl_t?: number;
  enforcement?: string[];
  owner?: string;
  notes?: string;
}
interface RawEnterprisePolicy {
  version: number;
  name?: string;
  sites: RawZone[];
  enterprise?: RawZone;
  conduits?: RawConduit[];
}

/** Zone overlaps reported at most (the rest are counted). */
const MAX_OVERLAPS = 50;

function buildZones(e: Collector, raw: RawEnterprisePolicy): EnterpriseZone[] {
  const zones: EnterpriseZone[] = [];
  const seen = new Map<string, number>();
  const one = (r: RawZone, path: PathSegment[], kind: EnterpriseZone['kind']) => {
    const id = kind === 'site' ? r.id! : ENTERPRISE_ZONE;
    if (kind === 'site') {
      if (seen.has(id)) e.error([...path, 'id'], `duplicate site id '${id}' (first defined at line ${seen.get(id)})`);
      else seen.set(id, e.pos(path).line);
      if (id === ENTERPRISE_ZONE && raw.enterprise)
        e.error([...path, 'id'], `site id '${ENTERPRISE_ZONE}' is the enterprise zone's: name the site otherwise`);
    }
    const intervals: IpInterval[] = [];
    const ranges: string[] = [];
    const rangePos: SourcePos[] = [];
    r.ranges.forEach((text, j) => {
      const parsed = anyToInterval(text);
      if (!parsed.ok) return e.error([...path, 'ranges', j], parsed.error);
      intervals.push(parsed.interval);
      ranges.push(text);
      rangePos.push(e.pos([...path, 'ranges', j]));
    });
    zones.push({ id, name: r.name ?? id, kind, ranges, intervals, slt: r.sl_t ?? null, pos: e.pos(path), rangePos });
  };
  raw.sites.forEach((s, i) => one(s, ['sites', i], 'site'));
  if (raw.enterprise) one(raw.enterprise, ['enterprise'], 'enterprise');
  return zones;
}

/**
 * An address belongs to one zone: a sweep over every range in address order finds the ranges of two
 * zones that overlap (n log n; the ranges of one zone may overlap each other).
 */
function checkOverlaps(e: Collector, zones: EnterpriseZone[]): void {
  const all = zones.flatMap((z, zi) => z.intervals.map((interval, k) => ({ interval, zi, k })));
  all.sort((a, b) => compareIntervals(a.interval, b.interval));
  let reported = 0;
  let widest: (typeof all)[number] | undefined; // the range reaching furthest so far, of this family
  for (const r of all) {
    if (widest && widest.interval.family === r.interval.family && r.interval.start <= widest.interval.end && widest.zi !== r.zi) {
      if (reported++ < MAX_OVERLAPS) {
        const a = zones[widest.zi]!;
        const b = zones[r.zi]!;
        const at = b.rangePos[r.k]!;
        e.errors.push({
          file: e.file,
          line: at.line,
          col: at.col,
          path: '',
          message: `'${b.id}' range ${b.ranges[r.k]} overlaps '${a.id}' (line ${a.pos.line}) range ${a.ranges[widest.k]} at ${intervalToText({ ...r.interval, end: r.interval.end < widest.interval.end ? r.interval.end : widest.interval.end })}: an address belongs to one site`,
        });
      }
    }
    if (!widest || widest.interval.family !== r.interval.family || r.interval.end > widest.interval.end) widest = r;
  }
  if (reported > MAX_OVERLAPS)
    e.errors.push({ file: e.file, line: 1, col: 1, path: '', message: `${reported - MAX_OVERLAPS} more overlap(s) not listed` });
}

function buildConduits(e: Collector, raw: RawConduit[], zones: EnterpriseZone[]): Conduit[] {
  const ids = new Set(zones.map((z) => z.id));
  const seen = new Map<string, number>();
  const out: Conduit[] = [];
  raw.forEach((r, i) => {
    const path: PathSegment[] = ['conduits', i];
    if (seen.has(r.id)) e.error([...path, 'id'], `duplicate conduit id '${r.id}' (first defined at line ${seen.get(r.id)})`);
    else seen.set(r.id, e.pos(path).line);
    let ok = true;
    r.between.forEach((end, j) => {
      if (!ids.has(end)) {
        const known = [...ids].slice(0, 20).join(', ');
        e.error([...path, 'between', j], `conduit end refers to unknown site '${end}': expected one of ${known}`);
        ok = false;
      }
    });
    const [a, b] = r.between;
    if (a === b) {
      e.error([...path, 'between'], `conduit '${r.id}' joins '${a}' to itself: a conduit connects two different sites`);
      ok = false;
    }
    const flows = r.flows.map((f, j) => buildFlow(e, f, [...path, 'flows', j], a, b));
    if (!ok || flows.some((f) => !f)) return;
    const slt = normaliseSlt(r.sl_t);
    out.push({
      id: r.id,
      name: r.name ?? r.id,
      description: r.description,
      a: { kind: 'zone', zone: a, pos: e.pos([...path, 'between', 0]) },
      b: { kind: 'zone', zone: b, pos: e.pos([...path, 'between', 1]) },
      flows: flows as ConduitFlow[],
      ...slt,
      confidentiality: null,
      enforcement: r.enforcement ?? [],
      notes: r.notes,
      owner: r.owner,
      expires: null,
      pos: e.pos(path),
    });
  });
  return out;
}

let validator: ReturnType<typeof compileSchema> | undefined;

function load(text: string, file: string): EnterpriseLoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  const syntax = [...doc.errors, ...doc.warnings].map((err) => yamlError(err, file));
  if (syntax.length) return { ok: false, errors: syntax.slice(0, MAX_POLICY_ERRORS) };
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  validator ??= compileSchema(ENTERPRISE_SCHEMA);
  const schemaErrors = validateAgainstSchema(data, doc, lc, file, validator);
  if (schemaErrors.length) return { ok: false, errors: schemaErrors.slice(0, MAX_POLICY_ERRORS) };
  const raw = data as RawEnterprisePolicy;
  const e = new Collector(doc, lc, file);
  const zones = buildZones(e, raw);
  checkOverlaps(e, zones);
  const conduits = buildConduits(e, raw.conduits ?? [], zones);
  if (e.errors.length) return { ok: false, errors: e.errors.sort((x, y) => x.line - y.line || x.col - y.col).slice(0, MAX_POLICY_ERRORS) };
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  return { ok: true, policy: { file, version: raw.version, name: raw.name, hash, zones, conduits } };
}

export function loadEnterprisePolicyText(text: string, file = '<enterprise policy>'): EnterpriseLoadResult {
  try {
    return load(text, file);
  } catch (err) {
    return {
      ok: false,
      errors: [{ file, line: 1, col: 1, path: '', message: `cannot load the enterprise policy: ${(err as Error).message}` }],
    };
  }
}

export async function loadEnterprisePolicyFile(path: string): Promise<EnterpriseLoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return {
      ok: false,
      errors: [{ file: path, line: 1, col: 1, path: '', message: `cannot read the enterprise policy: ${(err as Error).message}` }],
    };
  }
  return loadEnterprisePolicyText(text, path);
}

/** What GET /api/v1/enterprise/policy shows and the hub stores: JSON, no bigints. */
export interface EnterprisePolicySummary {
  name: string | null;
  file: string;
  hash: string;
  zones: { id: string; name: string; kind: 'site' | 'enterprise'; ranges: string[]; slt: number | null }[];
  conduits: {
    id: string;
    between: [string, string];
    flows: { protocol: string; ports: number[]; initiator: string; allow: Operation[] | null; deny: Operation[] }[];
    slt: number | null;
    enforcement: string[];
  }[];
}

export function summarisePolicy(p: EnterprisePolicy): EnterprisePolicySummary {
  const end = (c: Conduit, side: 'a' | 'b') => (c[side].kind === 'zone' ? (c[side] as { zone: string }).zone : '?');
  return {
    name: p.name ?? null,
    file: p.file,
    hash: p.hash,
    zones: p.zones.map((z) => ({ id: z.id, name: z.name, kind: z.kind, ranges: z.ranges, slt: z.slt })),
    conduits: p.conduits.map((c) => ({
      id: c.id,
      between: [end(c, 'a'), end(c, 'b')],
      flows: c.flows.map((f) => ({
        protocol: f.protocol,
        ports: f.ports,
        initiator: f.initiator === 'either' ? 'either' : end(c, f.initiator),
        allow: f.allow,
        deny: f.deny,
      })),
      slt: c.hasSlt ? c.slt.FR1 : null,
      enforcement: c.enforcement,
    })),
  };
}
