/**
 * What the hub's plant map of one site reads (GET /api/v1/map?site= on the hub, issue 17): the site's assets with
 * the zone its sensor placed each in, its paths with their zones, verdict, operations and conduits, and its live
 * findings, from PostgreSQL, as the same MapRows the sensor's map reads from SQLite (src/store/map-repository.ts),
 * so that src/report/map-view.ts aggregates both alike. A sensor that sends no placement (no policy, or an older
 * otwatch) leaves its assets in the map's 'unzoned' group.
 *
 * Three statements per site, each one index range of (site, id); the rows are kept per site until the site's
 * cursor moves (every applied batch moves it), so a filter change or an opened zone costs an aggregation in
 * memory. What a sensor sent is checked, not trusted: a value of the wrong type is taken as absent.
 *
 * The site's policy zones and conduits, as its sensor's heartbeat last carried them (sites.policy), become the
 * map's policy: zones with their names, levels and SL-T, empty ones included, and conduit boxes, as the sensor's
 * own map draws them. A site whose sensor never sent them (an older otwatch) is drawn by the zone ids its assets
 * were placed in, as before.
 */
import type pg from 'pg';
import { FRS } from '../../audit/constants.js';
import type { Conduit, ConduitEnd, Policy, SecurityLevels, Zone } from '../../audit/policy-types.js';
import type { SitePolicySummary } from '../site-policy.js';
import type { StoredFinding } from '../findings-repository.js';
import { newMapPathRows, type MapAssetRow, type MapFindingRow, type MapRows } from '../map-repository.js';

/** Sites whose rows are kept (the most recently drawn). */
const CACHED_SITES = 8;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};
const strs = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const identityValue = (a: Record<string, unknown>, ...keys: string[]): string | null => {
  const identity = obj(a.identity);
  for (const k of keys) {
    const v = str(obj(identity[k]).value);
    if (v) return v;
  }
  return null;
};
const byId = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);

/** One site's map: its rows, and its policy when its sensor sent one. */
export interface SiteMap {
  rows: MapRows;
  policy: Policy | undefined;
  /** The sensor's policy version the zones come from (null: none sent). */
  policyVersion: number | null;
}

export class HubMapRepository {
  private readonly cache = new Map<string, { cursor: string; rows: MapRows }>();
  /** Each site's policy as last read, by its hash: one Policy object per hash, so that the map's view is built once. */
  private readonly policies = new Map<string, { hash: string; policy: Policy | undefined; version: number | null }>();
  /** Reads under way, by site and cursor: requests arriving together (the page's first answers) share one. */
  private readonly reading = new Map<string, Promise<MapRows>>();

  constructor(private readonly pool: pg.Pool) {}

  /** The site's map rows and policy, or undefined when the hub has never heard of the site. */
  async site(site: string): Promise<SiteMap | undefined> {
    const s = await this.pool.query('SELECT cursor::text AS cursor, policy_hash FROM sites WHERE id = $1', [site]);
    if (!s.rows[0]) return undefined;
    const [rows, p] = await Promise.all([
      this.rowsAt(site, s.rows[0].cursor as string),
      this.policyOf(site, s.rows[0].policy_hash as string | null),
    ]);
    return { rows, policy: p.policy, policyVersion: p.version };
  }

  /** The site's map rows, or undefined when the hub has never heard of the site. */
  async rows(site: string): Promise<MapRows | undefined> {
    return (await this.site(site))?.rows;
  }

  private async policyOf(site: string, hash: string | null): Promise<{ policy: Policy | undefined; version: number | null }> {
    if (hash === null) return { policy: undefined, version: null };
    const hit = this.policies.get(site);
    if (hit && hit.hash === hash) return hit;
    const { rows } = await this.pool.query('SELECT policy, policy_hash FROM sites WHERE id = $1', [site]);
    const stored = rows[0]?.policy as SitePolicySummary | null | undefined;
    const read = {
      hash: (rows[0]?.policy_hash as string | null) ?? hash,
      policy: stored ? policyFromSummary(stored) : undefined,
      version: stored && typeof stored.version === 'number' ? stored.version : null,
    };
    this.policies.set(site, read);
    if (this.policies.size > CACHED_SITES * 4) this.policies.delete(this.policies.keys().next().value!);
    return read;
  }

  private async rowsAt(site: string, cursor: string): Promise<MapRows> {
    const hit = this.cache.get(site);
    if (hit && hit.cursor === cursor) {
      // most recently used last: the first key is the one to drop
      this.cache.delete(site);
      this.cache.set(site, hit);
      return hit.rows;
    }
    const key = `${site}\u0000${cursor}`;
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.read(site).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    const rows = await pending;
    this.cache.delete(site);
    this.cache.set(site, { cursor, rows });
    while (this.cache.size > CACHED_SITES) this.cache.delete(this.cache.keys().next().value!);
    return rows;
  }

  /** One finding of one site as its sensor last sent it (the map's details panel), or undefined. */
  async finding(site: string, id: string): Promise<(StoredFinding & { site: string }) | undefined> {
    const { rows } = await this.pool.query('SELECT data FROM findings WHERE site = $1 AND id = $2 AND data IS NOT NULL', [site, id]);
    return rows[0] ? { ...(rows[0].data as StoredFinding), site } : undefined;
  }

  private async read(site: string): Promise<MapRows> {
    // one snapshot of the three tables: a batch applied between the statements would otherwise pair new paths with old assets
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [assetRes, pathRes, findingRes] = [
        await c.query({
          text: 'SELECT id, role, data FROM assets WHERE site = $1 AND data IS NOT NULL ORDER BY id',
          values: [site],
          rowMode: 'array',
        }),
        // the path's placement and packets read from its JSON in the server, once per row, as text: a field of
        // another type than expected is then a value to check, never a failed cast
        await c.query({
          text: `SELECT p.id, p.initiator, p.responder, p.protocol, p.transport, p.responder_port, p.first_seen, p.last_seen,
                        p.operations, d."packetsToResponder", d."packetsToInitiator", d."fromZone", d."toZone", d."zoneStatus", d.conduits
                 FROM paths p, json_to_record(CASE WHEN json_typeof(p.data) = 'object' THEN p.data ELSE '{}'::json END)
                   AS d("packetsToResponder" text, "packetsToInitiator" text, "fromZone" text, "toZone" text, "zoneStatus" text, conduits json)
                 WHERE p.site = $1 AND p.data IS NOT NULL`,
          values: [site],
          rowMode: 'array',
        }),
        await c.query({
          text: `SELECT id, rule, severity, status, data FROM findings
                 WHERE site = $1 AND data IS NOT NULL AND status IS DISTINCT FROM 'resolved'`,
          values: [site],
          rowMode: 'array',
        }),
      ];
      await c.query('COMMIT');
      return buildRows(
        assetRes.rows as [string, string | null, unknown][],
        pathRes.rows as PathRowArray[],
        findingRes.rows as [string, string | null, string | null, string | null, unknown][],
      );
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }
}

type PathRowArray = [
  string,
  string | null,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  number | null,
  string[] | null,
  string | null,
  string | null,
  string | null,
  string | null,
  string | null,
  unknown,
];

const UNZONED = 'unzoned';

function buildRows(
  assetRows: [string, string | null, unknown][],
  pathRows: PathRowArray[],
  findingRows: [string, string | null, string | null, string | null, unknown][],
): MapRows {
  const zoneIds: string[] = [];
  const zoneIdx = new Map<string, number>();
  const zoneOf = (z: string | null) => {
    const id = z || UNZONED;
    let i = zoneIdx.get(id);
    if (i === undefined) {
      i = zoneIds.push(id) - 1;
      zoneIdx.set(id, i);
    }
    return i;
  };

  const assets: MapAssetRow[] = [];
  const assetIndex = new Map<string, number>();
  for (const [id, role, data] of assetRows) {
    const a = obj(data);
    const ips = strs(a.ips);
    const zone = str(a.zone) || UNZONED;
    zoneOf(zone);
    assetIndex.set(id, assets.length);
    const vulns = a.vulnerabilities;
    assets.push({
      id,
      label: strs(a.names)[0] ?? identityValue(a, 'name') ?? ips[0] ?? id,
      ips,
      role: role ?? 'unknown',
      zone,
      vendor: identityValue(a, 'vendor') ?? str(a.macVendor),
      model: identityValue(a, 'model', 'product', 'module_type', 'order_number'),
      firmware: identityValue(a, 'firmware'),
      vulnerabilities: typeof vulns === 'number' && Number.isFinite(vulns) ? vulns : Array.isArray(vulns) ? vulns.length : undefined,
      firstSeen: num(a.firstSeen),
      lastSeen: num(a.lastSeen),
    });
  }

  // in id order, as the sensor's rows: a zone pair's page of paths is then in id order without a sort
  pathRows.sort((x, y) => byId(x[0], y[0]));
  const n = pathRows.length;
  const paths = newMapPathRows(n);
  const protocols: string[] = [];
  const protoIdx = new Map<string, number>();
  const operations: string[] = [];
  const opIdx = new Map<string, number>();
  const pathIndex = new Map<string, number>();
  const conduitPaths = new Map<string, number[]>();
  let i = 0;
  for (const [id, ini, res, proto, transport, port, first, last, ops, toRes, toIni, fz, tz, status, conduits] of pathRows) {
    const protocol = proto ?? '';
    let pi = protoIdx.get(protocol);
    if (pi === undefined) {
      pi = protocols.push(protocol) - 1;
      protoIdx.set(protocol, pi);
    }
    pathIndex.set(id, i);
    paths.ids.push(id);
    paths.initiator[i] = assetIndex.get(ini ?? '') ?? -1;
    paths.responder[i] = assetIndex.get(res ?? '') ?? -1;
    if (paths.initiator[i]! < 0 || paths.responder[i]! < 0) paths.orphanEnds.set(i, [ini ?? '', res ?? '']);
    paths.protocol[i] = pi;
    paths.transport.push(transport ?? '');
    paths.port[i] = num(port);
    paths.packets[i] = num(toRes) + num(toIni);
    paths.firstSeen[i] = num(first);
    paths.lastSeen[i] = num(last);
    // a path with no placement is unzoned, as on the sensor's map
    paths.fromZone[i] = zoneOf(fz);
    paths.toZone[i] = zoneOf(tz);
    paths.status.push(status ?? '');
    for (const op of ops ?? []) {
      let oi = opIdx.get(op);
      if (oi === undefined) {
        oi = operations.push(op) - 1;
        opIdx.set(op, oi);
      }
      if (oi < 32) paths.ops[i]! |= 1 << oi;
    }
    for (const conduit of strs(conduits)) (conduitPaths.get(conduit) ?? conduitPaths.set(conduit, []).get(conduit)!).push(i);
    i++;
  }

  // fix first at the top, as the sensor's map lists them (src/audit/priority.ts rank, else by severity)
  const SEVERITY_RANK: Record<string, number> = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
  const ranked = findingRows.map(([id, rule, severity, status, data]) => {
    const f = obj(data);
    const rank = obj(f.priority).rank;
    return {
      row: [id, rule, severity, status, f] as const,
      rank: typeof rank === 'number' && Number.isFinite(rank) ? rank : (SEVERITY_RANK[severity ?? ''] ?? 5) * 4 + 3,
      // the sensor's findings.first_seen: the evidence's first traffic, else when first detected
      first: typeof obj(f.evidence).firstSeen === 'number' ? num(obj(f.evidence).firstSeen) : num(f.firstDetected),
    };
  });
  ranked.sort((x, y) => x.rank - y.rank || x.first - y.first || byId(x.row[0], y.row[0]));
  const findings: MapFindingRow[] = ranked.map(({ row: [id, rule, severity, status, f] }) => {
    const subject = obj(f.subject);
    const evidence = obj(f.evidence);
    const ev = (Array.isArray(evidence.paths) ? evidence.paths : []).map(obj);
    return {
      id,
      rule: rule ?? '',
      severity: severity ?? 'info',
      status: status ?? 'open',
      label: str(f.title) ?? str(subject.label) ?? id,
      conduit: str(f.conduit),
      zones: strs(f.zones),
      subject: { kind: str(subject.kind) ?? '', key: str(subject.key) ?? '' },
      evidencePaths: ev.map((p) => str(p.pathId)).filter((x): x is string => x !== null),
      protocols: [...new Set(ev.map((p) => str(p.protocol)).filter((x): x is string => x !== null))].sort(),
      operations: (Array.isArray(evidence.operations) ? evidence.operations : []).map((o) => str(obj(o).operation) ?? '').filter(Boolean),
    };
  });
  return { assets, assetIndex, zoneIds, protocols, operations, paths, pathIndex, conduitPaths, findings };
}

const NOWHERE = { line: 0, col: 0 };
const noLevels = (): SecurityLevels => Object.fromEntries(FRS.map((fr) => [fr, null])) as SecurityLevels;

/**
 * The map's policy from a site's heartbeat summary: zones with their name, level and SL-T and no members (the
 * sensor placed every asset already), conduits with their ends and no flows (the sensor judged every path
 * already). An end that names a zone is that zone; any other is an asset or address range, which the map draws
 * from the zone its traffic comes from, as the sensor's map does.
 */
export function policyFromSummary(s: SitePolicySummary): Policy {
  const zones: Zone[] = (Array.isArray(s.zones) ? s.zones : []).map((z) => {
    const slt = noLevels();
    if (Array.isArray(z.slt)) FRS.forEach((fr, i) => (slt[fr] = typeof z.slt![i] === 'number' ? z.slt![i]! : null));
    return {
      id: String(z.id),
      name: typeof z.name === 'string' ? z.name : String(z.id),
      ...(typeof z.description === 'string' ? { description: z.description } : {}),
      level: typeof z.level === 'number' ? z.level : null,
      hasSlt: Array.isArray(z.slt),
      slt,
      members: [],
      exclude: [],
      pos: NOWHERE,
    };
  });
  const zoneIds = new Set(zones.map((z) => z.id));
  const end = (label: string): ConduitEnd =>
    zoneIds.has(label) ? { kind: 'zone', zone: label, pos: NOWHERE } : { kind: 'asset', asset: label, pos: NOWHERE };
  const conduits: Conduit[] = (Array.isArray(s.conduits) ? s.conduits : [])
    .filter((c) => Array.isArray(c.between) && c.between.length === 2)
    .map((c) => ({
      id: String(c.id),
      name: typeof c.name === 'string' ? c.name : String(c.id),
      a: end(String(c.between[0])),
      b: end(String(c.between[1])),
      flows: [],
      hasSlt: false,
      slt: noLevels(),
      confidentiality: null,
      enforcement: [],
      expires: typeof c.expires === 'number' ? c.expires : null,
      ...(typeof c.expiresText === 'string' ? { expiresText: c.expiresText } : {}),
      pos: NOWHERE,
    }));
  return { file: '<site policy>', version: 1, ...(typeof s.name === 'string' ? { name: s.name } : {}), zones, conduits };
}
