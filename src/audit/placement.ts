/**
 * Which zone each asset belongs to. Static overlaps are rejected when the policy loads; what only
 * the traffic can show (an asset whose VLAN says one zone and whose IP says another) is reported
 * here as several matches, and the most specific member decides: asset name, then MAC, then the
 * narrowest address block, then VLAN.
 */
import type { Asset } from '../core/model.js';
import { contains, numericAddress } from './ip-intervals.js';
import type { Member, Policy, Zone } from './policy-types.js';

export const UNZONED = 'unzoned';

export interface ZoneMatch {
  zone: string;
  member: Member;
}

export interface Placement {
  /** The zone id, or UNZONED. */
  zone: string;
  matches: ZoneMatch[];
}

/** Specificity of a member: higher wins when an asset matches several zones. */
function rank(m: Member): number {
  switch (m.kind) {
    case 'asset':
      return 4e40;
    case 'mac':
      return 3e40;
    case 'vlan':
      return 0;
    default: {
      // Narrower block → higher rank; /32 of IPv4 ranks above /24, IPv6 below every IPv4 host.
      const size = m.interval ? Number(m.interval.end - m.interval.start + 1n) : Infinity;
      return 1e40 / size;
    }
  }
}

function norm(s: string): string {
  return s.trim().toLowerCase();
}

/** Whether one member matches the asset (ips, macs, vlans, names or its id). */
export function memberMatches(m: Member, asset: Asset, addrs: { family: 4 | 6; value: bigint }[]): boolean {
  switch (m.kind) {
    case 'vlan':
      return asset.vlans.includes(Number(m.value));
    case 'mac':
      return asset.macs.some((x) => norm(x) === m.value);
    case 'asset':
      return assetHasName(asset, String(m.value));
    default:
      return !!m.interval && addrs.some((a) => contains(m.interval!, a.family, a.value));
  }
}

export function assetHasName(asset: Asset, name: string): boolean {
  const n = norm(name);
  return (
    asset.id.toLowerCase() === n ||
    asset.names.some((x) => norm(x) === n) ||
    (asset.identity.name !== undefined && norm(asset.identity.name.value) === n)
  );
}

function zoneMatch(zone: Zone, asset: Asset, addrs: { family: 4 | 6; value: bigint }[]): Member | undefined {
  if (zone.exclude.some((m) => memberMatches(m, asset, addrs))) return undefined;
  let best: Member | undefined;
  for (const m of zone.members) if (memberMatches(m, asset, addrs) && (!best || rank(m) > rank(best))) best = m;
  return best;
}

export function placeAsset(policy: Policy, asset: Asset): Placement {
  const addrs = asset.ips.map(numericAddress).filter((a): a is { family: 4 | 6; value: bigint } => !!a);
  const matches: ZoneMatch[] = [];
  for (const zone of policy.zones) {
    const member = zoneMatch(zone, asset, addrs);
    if (member) matches.push({ zone: zone.id, member });
  }
  if (!matches.length) return { zone: UNZONED, matches };
  const best = matches.reduce((a, b) => (rank(b.member) > rank(a.member) ? b : a));
  return { zone: best.zone, matches };
}

export function placeAssets(policy: Policy, assets: readonly Asset[]): Map<string, Placement> {
  return new Map(assets.map((a) => [a.id, placeAsset(policy, a)]));
}

/**
 * The zone of one end of a path. A device seen with several addresses across zones (a gateway)
 * is placed by the address this path used; an asset the inventory does not list, by that address.
 */
export function placeEndpoint(
  policy: Policy,
  placements: Map<string, Placement>,
  assetsById: Map<string, Asset>,
  assetId: string,
  ip: string,
): string {
  const placed = placements.get(assetId);
  if (placed && placed.matches.length <= 1) return placed.zone;
  const asset = assetsById.get(assetId);
  const byIp = placeAsset(policy, {
    ...(asset ?? {
      id: assetId,
      macs: [],
      vlans: [],
      names: [],
      identity: {},
      role: 'unknown',
      roleEvidence: [],
      purdueLevel: null,
      protocolsServer: [],
      protocolsClient: [],
      firstSeen: 0,
      lastSeen: 0,
    }),
    ips: [ip],
  } as Asset);
  return byIp.zone !== UNZONED ? byIp.zone : (placed?.zone ?? UNZONED);
}
