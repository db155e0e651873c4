/**
 * Which zone each asset belongs to. Static overlaps are rejected when the policy loads; what only
 * the traffic can show (an asset whose VLAN says one zone and whose IP says another) is reported
 * here as several matches, and the most specific member decides: asset name, then MAC, then the
 * narrowest address block, then VLAN.
 */
import type { Asset } from '../core/model.js';
import { numericAddress } from './ip-intervals.js';
import type { Member, Policy } from './policy-types.js';
import { membersAt, placementIndex, type IndexedMember, type MemberIndex } from './placement-index.js';

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

export function assetHasName(asset: Asset, name: string): boolean {
  const n = norm(name);
  return (
    asset.id.toLowerCase() === n ||
    asset.names.some((x) => norm(x) === n) ||
    (asset.identity.name !== undefined && norm(asset.identity.name.value) === n)
  );
}

/** Every member the asset matches, from the index (each once). */
function matchedMembers(mi: MemberIndex, asset: Asset, addrs: { family: 4 | 6; value: bigint }[]): Set<IndexedMember> {
  const out = new Set<IndexedMember>();
  const add = (list: readonly IndexedMember[] | undefined) => {
    if (list) for (const e of list) out.add(e);
  };
  // as assetHasName: the id lower-cased, names and the identity's name also trimmed
  add(mi.byName.get(asset.id.toLowerCase()));
  for (const n of asset.names) add(mi.byName.get(norm(n)));
  if (asset.identity.name !== undefined) add(mi.byName.get(norm(asset.identity.name.value)));
  for (const mac of asset.macs) add(mi.byMac.get(norm(mac)));
  for (const v of asset.vlans) add(mi.byVlan.get(v));
  for (const a of addrs) add(membersAt(mi.addresses[a.family], a.value));
  return out;
}

export function placeAsset(policy: Policy, asset: Asset): Placement {
  const addrs = asset.ips.map(numericAddress).filter((a): a is { family: 4 | 6; value: bigint } => !!a);
  const idx = placementIndex(policy);
  const excluded = new Set([...matchedMembers(idx.exclusions, asset, addrs)].map((e) => e.zoneIndex));
  // per zone, its most specific member (the first written among equals)
  const best = new Map<number, IndexedMember>();
  for (const e of matchedMembers(idx.members, asset, addrs)) {
    if (excluded.has(e.zoneIndex)) continue;
    const b = best.get(e.zoneIndex);
    if (!b || rank(e.member) > rank(b.member) || (rank(e.member) === rank(b.member) && e.memberIndex < b.memberIndex))
      best.set(e.zoneIndex, e);
  }
  const matches: ZoneMatch[] = [...best.values()]
    .sort((a, b) => a.zoneIndex - b.zoneIndex)
    .map((e) => ({ zone: policy.zones[e.zoneIndex]!.id, member: e.member }));
  if (!matches.length) return { zone: UNZONED, matches };
  // across zones, the most specific member; among equals the zone written first
  const winner = matches.reduce((a, b) => (rank(b.member) > rank(a.member) ? b : a));
  return { zone: winner.zone, matches };
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
