import { describe, expect, it } from 'vitest';
import type { Asset } from '../core/model.js';
import { addressToInterval, contains, numericAddress } from './ip-intervals.js';
import { loadPolicyText } from './policy-load.js';
import type { Member, Policy, Zone } from './policy-types.js';
import { assetHasName, placeAsset, UNZONED, type Placement, type ZoneMatch } from './placement.js';

/** The scan the index replaced (every member of every zone per asset): the reference the index must equal. */
function rank(m: Member): number {
  if (m.kind === 'asset') return 4e40;
  if (m.kind === 'mac') return 3e40;
  if (m.kind === 'vlan') return 0;
  return 1e40 / (m.interval ? Number(m.interval.end - m.interval.start + 1n) : Infinity);
}
function scanMatches(m: Member, asset: Asset, addrs: { family: 4 | 6; value: bigint }[]): boolean {
  if (m.kind === 'vlan') return asset.vlans.includes(Number(m.value));
  if (m.kind === 'mac') return asset.macs.some((x) => x.trim().toLowerCase() === m.value);
  if (m.kind === 'asset') return assetHasName(asset, String(m.value));
  return !!m.interval && addrs.some((a) => contains(m.interval!, a.family, a.value));
}
function scanPlace(policy: Policy, asset: Asset): Placement {
  const addrs = asset.ips.map(numericAddress).filter((a): a is { family: 4 | 6; value: bigint } => !!a);
  const matches: ZoneMatch[] = [];
  for (const zone of policy.zones as Zone[]) {
    if (zone.exclude.some((m) => scanMatches(m, asset, addrs))) continue;
    let best: Member | undefined;
    for (const m of zone.members) if (scanMatches(m, asset, addrs) && (!best || rank(m) > rank(best))) best = m;
    if (best) matches.push({ zone: zone.id, member: best });
  }
  if (!matches.length) return { zone: UNZONED, matches };
  return { zone: matches.reduce((a, b) => (rank(b.member) > rank(a.member) ? b : a)).zone, matches };
}

function rng(seed: number): (n: number) => number {
  return (n) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
}

/** A valid policy of `n` zones: each its /16, some carved out for a small zone, host members, VLANs, MACs, names. */
function randomPolicy(n: number, r: (n: number) => number): string {
  const lines = ['version: 1', 'name: random', 'zones:'];
  for (let z = 0; z < n; z++) {
    lines.push(`  - id: z${z}`, `    name: Zone ${z}`, `    level: ${1 + (z % 4)}`, '    members:', `      - cidr: 10.${z}.0.0/16`);
    if (r(2)) lines.push(`      - ip: 10.${z}.${r(8)}.${1 + r(250)}`); // nested in its own block
    if (r(2)) lines.push(`      - range: 10.${z}.20.10-10.${z}.20.${20 + r(100)}`);
    if (r(3) === 0) lines.push(`      - vlan: ${100 + z}`);
    if (r(3) === 0)
      lines.push(`      - mac: "00:0e:8c:00:${(z >> 8).toString(16).padStart(2, '0')}:${(z & 255).toString(16).padStart(2, '0')}"`);
    if (r(3) === 0) lines.push(`      - asset: Host-${z}`);
    if (z % 5 === 0) lines.push(`      - cidr: fd00:${z.toString(16)}::/64`);
    if (z + 1 < n && r(3) === 0) {
      // 10.z.7.0/24 belongs to the next zone
      lines.push('    exclude:', `      - cidr: 10.${z}.7.0/24`);
      lines.push(`  - id: carve${z}`, `    name: Carved ${z}`, '    members:', `      - cidr: 10.${z}.7.0/24`);
    }
  }
  return lines.join('\n') + '\n';
}

function randomAsset(i: number, n: number, r: (n: number) => number): Asset {
  const ips = Array.from({ length: r(3) }, () =>
    r(6) === 0 ? `fd00:${r(n + 2).toString(16)}::${r(99)}` : `10.${r(n + 2)}.${r(24)}.${r(256)}`,
  );
  return {
    id: `mac:00:0e:8c:00:${i
      .toString(16)
      .padStart(4, '0')
      .replace(/(..)(..)/, '$1:$2')}`,
    ips,
    macs: r(4) === 0 ? [`00:0E:8C:00:00:${r(n).toString(16).padStart(2, '0')}`] : [],
    vlans: r(3) === 0 ? [100 + r(n)] : [],
    names: r(4) === 0 ? [` host-${r(n)} `] : [],
    identity: {},
    role: 'unknown',
    roleEvidence: [],
    purdueLevel: null,
    protocolsServer: [],
    protocolsClient: [],
    firstSeen: 0,
    lastSeen: 0,
  } as unknown as Asset;
}

describe('placement by index', () => {
  it('places every asset as the scan over every member of every zone did, on random valid policies', () => {
    const r = rng(42);
    for (const zones of [1, 7, 40, 150]) {
      const loaded = loadPolicyText(randomPolicy(zones, r), 'random.yaml');
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors.slice(0, 3)));
      let placed = 0;
      for (let i = 0; i < 1500; i++) {
        const asset = randomAsset(i, zones, r);
        const got = placeAsset(loaded.policy, asset);
        expect(got).toEqual(scanPlace(loaded.policy, asset));
        if (got.zone !== UNZONED) placed++;
      }
      expect(placed).toBeGreaterThan(300); // the assets do land in zones: the comparison is not of empty answers
    }
  });

  it('reads a plain dotted quad as ipaddr.js does, and leaves other forms to it', () => {
    const r = rng(7);
    for (let i = 0; i < 20_000; i++) {
      const text = [r(300), r(300), r(300), r(300)].join('.');
      const slow = addressToInterval(text);
      expect(numericAddress(text)).toEqual(slow.ok ? { family: 4, value: slow.interval.start } : undefined);
    }
    expect(numericAddress('010.0.0.1')).toEqual({ family: 4, value: BigInt(8 * 0x1000000 + 1) }); // octal, as ipaddr.js reads it
    expect(numericAddress('::ffff:10.1.2.3')).toEqual({ family: 4, value: BigInt(0x0a010203) });
    expect(numericAddress('10.1.2')).toBeUndefined();
  });
});
