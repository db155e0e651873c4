/**
 * A first zone/conduit model from the observed inventory, as YAML in the policy schema, with the
 * reason for every grouping as comments. Assets are grouped by subnet and Purdue band (from their
 * role); assets whose level is unknown join the band they talk to most; every observed flow between
 * two proposed zones becomes a conduit flow with the operations seen. A starting point for people to
 * edit, not a policy to apply: SL-T is left for the risk assessment.
 */
import type { Asset, Path } from '../core/model.js';
import type { Operation } from '../core/events.js';
import { pathPackets } from './finding.js';
import { groupBy } from './group.js';
import { cidrToInterval, intervalToCidrs } from './ip-intervals.js';

type Band = 'enterprise' | 'operations' | 'supervisory' | 'control' | 'unknown';

const BAND_LEVEL: Record<Exclude<Band, 'unknown'>, number> = { enterprise: 4, operations: 3, supervisory: 2, control: 1 };
const BAND_NAME: Record<Exclude<Band, 'unknown'>, string> = {
  enterprise: 'Enterprise',
  operations: 'Operations',
  supervisory: 'Supervisory',
  control: 'Control',
};

function band(level: number | null): Band {
  if (level === null) return 'unknown';
  if (level >= 4) return 'enterprise';
  if (level >= 3) return 'operations';
  if (level >= 2) return 'supervisory';
  return 'control';
}

/** The /24 (IPv4) or /64 (IPv6) an address belongs to, as CIDR text. */
export function subnetOf(ip: string): string | undefined {
  const v6 = ip.includes(':');
  const bits = v6 ? 64 : 24;
  const host = cidrToInterval(`${ip}/${v6 ? 128 : 32}`);
  if (!host.ok) return undefined;
  const size = BigInt((v6 ? 128 : 32) - bits);
  const start = (host.interval.start >> size) << size;
  return intervalToCidrs({ family: host.interval.family, start, end: start + (1n << size) - 1n })[0];
}

interface Proposed {
  id: string;
  band: Exclude<Band, 'unknown'>;
  subnet: string;
  assets: Asset[];
  reasons: string[];
  /** True when the zone is the whole subnet (one band in it); else its members are listed one by one. */
  wholeSubnet: boolean;
}

function countBy<T>(items: readonly T[], key: (t: T) => string): [string, number][] {
  const m = new Map<string, number>();
  for (const t of items) m.set(key(t), (m.get(key(t)) ?? 0) + 1);
  return [...m].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

function slug(s: string): string {
  return s
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 64); // the schema's id length
}

function proposeZones(assets: readonly Asset[], paths: readonly Path[]): Proposed[] {
  const withSubnet = assets.flatMap((a) => {
    const s = a.ips.map(subnetOf).find((x) => x);
    return s && a.role !== 'gateway' ? [{ a, subnet: s }] : [];
  });
  const zones: Proposed[] = [];
  for (const [subnet, list] of groupBy(withSubnet, (x) => x.subnet)) {
    const known = list.filter((x) => band(x.a.purdueLevel) !== 'unknown');
    const bands = countBy(known, (x) => band(x.a.purdueLevel));
    if (!bands.length) bands.push(['supervisory', 0]); // nothing known: one zone for the subnet, level to be reviewed
    const byBand = new Map<string, Proposed>();
    for (const [b] of bands) {
      const bb = b as Exclude<Band, 'unknown'>;
      const p: Proposed = {
        id: slug(`${bb}-${subnet.split('/')[0]}`),
        band: bb,
        subnet,
        assets: [],
        reasons: [],
        wholeSubnet: bands.length === 1,
      };
      byBand.set(b, p);
      zones.push(p);
    }
    for (const { a } of list) {
      const b = band(a.purdueLevel);
      if (b !== 'unknown') {
        byBand.get(b)!.assets.push(a);
        continue;
      }
      // Unknown level: join the band of the subnet peers it exchanges the most packets with.
      const peers = new Map<string, number>();
      for (const p of paths) {
        const other = p.initiator === a.id ? p.responder : p.responder === a.id ? p.initiator : undefined;
        const peer = other && list.find((x) => x.a.id === other);
        const pb = peer ? band(peer.a.purdueLevel) : 'unknown';
        if (pb !== 'unknown') peers.set(pb, (peers.get(pb) ?? 0) + pathPackets(p));
      }
      const best = [...peers].sort((x, y) => y[1] - x[1])[0];
      const target = byBand.get(best?.[0] ?? bands[0]![0])!;
      target.assets.push(a);
      target.reasons.push(
        `${a.ips[0]} (${a.role}, level unknown) placed here: ${best ? `most of its traffic is with ${best[0]} assets` : 'the main band of its subnet'}`,
      );
    }
  }
  for (const z of zones) {
    const roles = countBy(z.assets, (a) => a.role)
      .map(([r, n]) => `${r} x${n}`)
      .join(', ');
    z.reasons.unshift(
      `${z.assets.length} asset(s) in ${z.subnet}: ${roles}; Purdue level ${BAND_LEVEL[z.band]} from their roles${z.wholeSubnet ? '' : ' (the subnet mixes levels, so members are listed one by one)'}`,
    );
  }
  return zones.filter((z) => z.assets.length);
}

function q(s: string): string {
  return JSON.stringify(s);
}

interface FlowKey {
  protocol: string;
  transport: string;
  port: number;
  initiatorZone: string;
}

export function suggestPolicy(assets: readonly Asset[], paths: readonly Path[], title = 'Suggested from observed traffic'): string {
  const zones = proposeZones(assets, paths);
  const zoneOf = new Map<string, Proposed>();
  for (const z of zones) for (const a of z.assets) zoneOf.set(a.id, z);
  const out: string[] = [
    '# yaml-language-server: $schema=policy.schema.json',
    `# Zone and conduit model proposed by 'otwatch zones suggest' from ${assets.length} assets and ${paths.length} paths.`,
    '# Review every zone and conduit; set sl_t from the risk assessment (IEC 62443-3-2 ZCR 5) before use.',
    'version: 1',
    `name: ${q(title)}`,
    '',
    'zones:',
  ];
  for (const z of zones) {
    out.push(...z.reasons.map((r) => `  # ${r}`));
    out.push(
      `  - id: ${z.id}`,
      `    name: ${q(`${BAND_NAME[z.band]} ${z.subnet}`)}`,
      `    level: ${BAND_LEVEL[z.band]}`,
      '    # sl_t: 2   # decide from the risk assessment',
      '    members:',
    );
    if (z.wholeSubnet) out.push(`      - cidr: ${z.subnet}`);
    else
      for (const a of [...z.assets].sort((x, y) => x.id.localeCompare(y.id)))
        for (const ip of a.ips.filter((i) => subnetOf(i) === z.subnet)) out.push(`      - ip: ${ip}   # ${a.role}`);
  }
  const crossing = paths.filter((p) => {
    const a = zoneOf.get(p.initiator);
    const b = zoneOf.get(p.responder);
    return a && b && a !== b;
  });
  const pairs = groupBy(crossing, (p) => [zoneOf.get(p.initiator)!.id, zoneOf.get(p.responder)!.id].sort().join(' '));
  if (pairs.size) out.push('', 'conduits:');
  for (const [pair, list] of pairs) {
    const [za, zb] = pair.split(' ') as [string, string];
    const levels = [za, zb].map((id) => BAND_LEVEL[zones.find((z) => z.id === id)!.band]);
    out.push(`  # ${list.length} path(s) observed between ${za} and ${zb}`);
    if (Math.max(...levels) >= 4 && Math.min(...levels) <= 1)
      out.push('  # WARNING: enterprise to control directly (Purdue bypass): route through a DMZ rather than keeping this conduit');
    out.push(
      `  - id: ${slug(`${za}-to-${zb}`)}`,
      `    between: [${za}, ${zb}]`,
      '    # sl_t: 2   # decide from the risk assessment',
      '    flows:',
    );
    const flows = groupBy(list, (p) =>
      JSON.stringify({
        protocol: p.protocol,
        transport: p.transport,
        port: p.responderPort,
        initiatorZone: zoneOf.get(p.initiator)!.id,
      } satisfies FlowKey),
    );
    for (const [key, fl] of flows) {
      const k = JSON.parse(key) as FlowKey;
      const ops = [
        ...new Set(fl.flatMap((p) => (Object.keys(p.operations) as Operation[]).filter((o) => (p.operations[o]?.count ?? 0) > 0))),
      ].sort();
      const busiest = [...fl].sort((x, y) => pathPackets(y) - pathPackets(x))[0]!;
      const packets = fl.reduce((n, p) => n + pathPackets(p), 0);
      out.push(`      # seen: ${fl.length} path(s), ${packets} packets, e.g. ${busiest.initiatorIp} -> ${busiest.responderIp}`);
      const named = /^[a-z][a-z0-9]*$/.test(k.protocol) && !['tcp', 'udp'].includes(k.protocol);
      out.push(
        `      - protocol: ${named ? k.protocol : k.transport}`,
        `        transport: ${k.transport}`,
        `        ports: [${k.port}]`,
        `        initiator: ${k.initiatorZone}`,
      );
      if (ops.length) out.push(`        operations:`, `          allow: [${ops.join(', ')}]`);
    }
  }
  return out.join('\n') + '\n';
}
