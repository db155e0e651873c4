/**
 * The zones' members indexed by what they match (asset name, MAC, VLAN, address), so that placing an asset
 * costs a few lookups whatever the number of zones: scanning every member of every zone for each asset was
 * assets x members (2,000 assets x 10,000 zones: 20 million comparisons). Built once per policy.
 *
 * Address members become elementary segments (the pieces between any two interval boundaries), each with
 * the members covering it, sorted by start for bisection. Zones cannot overlap statically (the loader
 * refuses it), so a segment is covered by few members.
 */
import type { Member, Policy } from './policy-types.js';

/** A member of a zone, with the zone's position in the policy (ties go to the earlier zone, as written). */
export interface IndexedMember {
  zoneIndex: number;
  memberIndex: number;
  member: Member;
}

interface Segments {
  starts: bigint[];
  ends: bigint[];
  covering: IndexedMember[][];
}

export interface MemberIndex {
  byName: Map<string, IndexedMember[]>;
  byMac: Map<string, IndexedMember[]>;
  byVlan: Map<number, IndexedMember[]>;
  addresses: { 4: Segments; 6: Segments };
}

export interface PlacementIndex {
  members: MemberIndex;
  exclusions: MemberIndex;
}

const norm = (s: string): string => s.trim().toLowerCase();

function push<K>(m: Map<K, IndexedMember[]>, k: K, v: IndexedMember): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

function segments(entries: IndexedMember[]): Segments {
  const bounds = new Set<bigint>();
  for (const e of entries) {
    bounds.add(e.member.interval!.start);
    bounds.add(e.member.interval!.end + 1n);
  }
  const sorted = [...bounds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: Segments = { starts: [], ends: [], covering: [] };
  // sweep: members sorted by start enter, members whose end is passed leave
  const byStart = [...entries].sort((a, b) => (a.member.interval!.start < b.member.interval!.start ? -1 : 1));
  let next = 0;
  let active: IndexedMember[] = [];
  for (let i = 0; i + 1 < sorted.length; i++) {
    const start = sorted[i]!;
    const end = sorted[i + 1]! - 1n;
    while (next < byStart.length && byStart[next]!.member.interval!.start <= start) active.push(byStart[next++]!);
    active = active.filter((e) => e.member.interval!.end >= start);
    if (active.length) {
      out.starts.push(start);
      out.ends.push(end);
      out.covering.push(active.slice());
    }
  }
  return out;
}

function indexMembers(lists: { zoneIndex: number; members: readonly Member[] }[]): MemberIndex {
  const idx: MemberIndex = { byName: new Map(), byMac: new Map(), byVlan: new Map(), addresses: { 4: segments([]), 6: segments([]) } };
  const ranged: { 4: IndexedMember[]; 6: IndexedMember[] } = { 4: [], 6: [] };
  for (const { zoneIndex, members } of lists) {
    members.forEach((member, memberIndex) => {
      const e = { zoneIndex, memberIndex, member };
      if (member.kind === 'vlan') push(idx.byVlan, Number(member.value), e);
      else if (member.kind === 'mac') push(idx.byMac, String(member.value), e);
      else if (member.kind === 'asset') push(idx.byName, norm(String(member.value)), e);
      else if (member.interval) ranged[member.interval.family].push(e);
    });
  }
  idx.addresses = { 4: segments(ranged[4]), 6: segments(ranged[6]) };
  return idx;
}

const cache = new WeakMap<Policy, PlacementIndex>();

export function placementIndex(policy: Policy): PlacementIndex {
  let idx = cache.get(policy);
  if (!idx) {
    idx = {
      members: indexMembers(policy.zones.map((z, zoneIndex) => ({ zoneIndex, members: z.members }))),
      exclusions: indexMembers(policy.zones.map((z, zoneIndex) => ({ zoneIndex, members: z.exclude }))),
    };
    cache.set(policy, idx);
  }
  return idx;
}

/** The members covering one address (bisection over the segments). */
export function membersAt(s: Segments, value: bigint): readonly IndexedMember[] {
  let lo = 0;
  let hi = s.starts.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (s.starts[mid]! > value) hi = mid - 1;
    else if (s.ends[mid]! < value) lo = mid + 1;
    else return s.covering[mid]!;
  }
  return [];
}
