/**
 * Rules on the model itself: assets in no zone, assets that several zones claim, zones without a
 * target security level. They need no conduit, only the placement.
 */
import type { Asset, Path } from '../core/model.js';
import { subnetOf } from '../inventory/addresses.js';
import type { Assessment } from './assess.js';
import { RULES } from './constants.js';
import { evidenceFor, makeFinding, SCOPE_MAX, type Finding } from './finding.js';
import { groupBy } from './group.js';
import { UNZONED } from './placement.js';
import type { Policy } from './policy-types.js';

export function assetLabel(a: Asset): string {
  const name = a.names[0] ?? a.identity.name?.value;
  const ip = a.ips[0];
  return name && ip ? `${name} (${ip})` : (name ?? ip ?? a.macs[0] ?? a.id);
}

/** The paths of each of the given assets (each path once per asset), in one pass over the paths. */
function pathsOf(paths: readonly Path[], assetIds: ReadonlySet<string>): Map<string, Path[]> {
  const out = new Map<string, Path[]>();
  const add = (id: string, p: Path) => {
    if (assetIds.has(id)) (out.get(id) ?? out.set(id, []).get(id)!).push(p);
  };
  for (const p of paths) {
    add(p.initiator, p);
    if (p.responder !== p.initiator) add(p.responder, p);
  }
  return out;
}

/** Assets an unzoned-subnet finding names in its details; the rest are counted (all are in evidence.assetIds). */
const UNZONED_LISTED = 20;

/**
 * Unzoned assets of one subnet from which they make one finding. A handful of stray devices are each a
 * decision (zone it, or remove it) and keep a finding of their own, named by the device; ten or more
 * hosts of one subnet are a network nobody zoned, one decision (a zone member for the subnet): 50 stray
 * hosts of one subnet were 50 findings saying the same.
 */
export const UNZONED_GROUP_MIN = 10;

function unzonedAsset(asset: Asset, own: readonly Path[]): Finding {
  return makeFinding({
    rule: RULES.assetUnzoned,
    severity: 'medium',
    subject: { kind: 'asset', key: asset.id, label: assetLabel(asset) },
    explanation: `${asset.role} ${assetLabel(asset)} belongs to no zone, so no conduit can govern its traffic`,
    remediation: 'Add it to the zone it belongs to (by cidr, range, ip, mac or asset name), or remove it from the network',
    zones: [UNZONED],
    evidence: evidenceFor(own, undefined, [
      `ips: ${asset.ips.join(', ') || '-'}; macs: ${asset.macs.join(', ') || '-'}; vlans: ${asset.vlans.join(', ') || '-'}`,
    ]),
  });
}

/**
 * Assets in no zone: one finding per asset, or per subnet (/24, /64) once UNZONED_GROUP_MIN of its assets
 * are unzoned, with every asset as evidence. The grouped finding's subject is the subnet, so that it keeps
 * its id as hosts of that subnet come and go.
 */
function unzoned(assets: readonly Asset[], paths: readonly Path[]): Finding[] {
  if (!assets.length) return [];
  const groups = groupBy(assets, (a) => {
    const net = a.ips.map(subnetOf).find((n) => n !== undefined);
    return net ? `subnet:${net}` : `asset:${a.id}`;
  });
  // the unzoned assets' paths in one pass over the paths, not one pass per asset (a path from an asset to
  // itself is listed twice, as it always was)
  const ids = new Set(assets.map((a) => a.id));
  const mine = new Map<string, Path[]>();
  for (const p of paths) for (const id of [p.initiator, p.responder]) if (ids.has(id)) (mine.get(id) ?? mine.set(id, []).get(id)!).push(p);
  return [...groups].flatMap(([key, list]) => {
    if (!key.startsWith('subnet:') || list.length < UNZONED_GROUP_MIN) return list.map((a) => unzonedAsset(a, mine.get(a.id) ?? []));
    const net = key.slice('subnet:'.length);
    const own = [...new Set(list.flatMap((a) => mine.get(a.id) ?? []))];
    const roles = [...groupBy(list, (a) => a.role)].map(([r, xs]) => `${xs.length} ${r}`).join(', ');
    const sorted = [...list].sort((a, b) => a.id.localeCompare(b.id));
    const evidence = evidenceFor(own, undefined, [
      ...sorted
        .slice(0, UNZONED_LISTED)
        .map(
          (a) =>
            `${a.role} ${assetLabel(a)}: ips ${a.ips.join(', ') || '-'}; macs ${a.macs.join(', ') || '-'}; vlans ${a.vlans.join(', ') || '-'}`,
        ),
      ...(list.length > UNZONED_LISTED ? [`… and ${list.length - UNZONED_LISTED} more asset(s)`] : []),
    ]);
    // the unzoned assets themselves first, so that the map highlights them even past the cap
    evidence.assetIds = [...new Set([...sorted.map((a) => a.id), ...evidence.assetIds])].slice(0, SCOPE_MAX).sort();
    return [
      makeFinding({
        rule: RULES.assetUnzoned,
        severity: 'medium',
        subject: { kind: 'zone', key, label: `${list.length} assets in ${net}` },
        explanation: `${list.length} assets of ${net} (${roles}) belong to no zone, so no conduit can govern their traffic`,
        remediation: `Add ${net} (or each device, by ip, range, mac or asset name) to the zone it belongs to, or remove the devices from the network`,
        zones: [UNZONED],
        evidence,
      }),
    ];
  });
}

export function modelRules(policy: Policy, assets: readonly Asset[], assessment: Assessment): Finding[] {
  let all: Path[] | undefined;
  // every path, only when some asset is unzoned or in several zones
  const paths = () => (all ??= assessment.paths.map((a) => a.path));
  const out: Finding[] = [];
  const stray: Asset[] = [];
  const several = assets.filter((asset) => {
    const placed = assessment.placements.get(asset.id);
    return placed && placed.zone !== UNZONED && placed.matches.length > 1 && asset.role !== 'gateway';
  });
  const severalPaths = several.length ? pathsOf(paths(), new Set(several.map((a) => a.id))) : new Map<string, Path[]>();
  for (const asset of assets) {
    const placed = assessment.placements.get(asset.id);
    if (!placed) continue;
    if (placed.zone === UNZONED) stray.push(asset);
    else if (placed.matches.length > 1 && asset.role !== 'gateway') {
      // A router legitimately has an address in several zones; any other device must have one zone.
      const how = placed.matches.map((m) => `'${m.zone}' by ${m.member.kind} ${m.member.value} (line ${m.member.pos.line})`);
      out.push(
        makeFinding({
          rule: RULES.assetMultipleZones,
          severity: 'medium',
          subject: { kind: 'asset', key: asset.id, label: assetLabel(asset) },
          explanation: `${assetLabel(asset)} matches ${placed.matches.length} zones (${how.join(', ')}); it was placed in '${placed.zone}', the most specific match`,
          remediation: 'Make the zone members disjoint (exclude the device from all but one zone)',
          zones: placed.matches.map((m) => m.zone),
          evidence: evidenceFor(severalPaths.get(asset.id) ?? [], undefined, how),
        }),
      );
    }
  }
  out.push(...unzoned(stray, stray.length ? paths() : []));
  for (const zone of policy.zones) {
    if (zone.hasSlt) continue;
    out.push(
      makeFinding({
        rule: RULES.zoneWithoutSlt,
        severity: 'low',
        subject: { kind: 'zone', key: zone.id, label: zone.id },
        explanation: `zone '${zone.id}' (line ${zone.pos.line}) has no target security level, so its conduits cannot be checked against one`,
        remediation: 'Set sl_t for the zone from the risk assessment (IEC 62443-3-2 ZCR 5), as one level or per FR',
        zones: [zone.id],
        evidence: evidenceFor([]),
      }),
    );
  }
  return out;
}
