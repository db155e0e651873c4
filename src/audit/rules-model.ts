/**
 * Rules on the model itself: assets in no zone, assets that several zones claim, zones without a
 * target security level. They need no conduit, only the placement.
 */
import type { Asset, Path } from '../core/model.js';
import type { Assessment } from './assess.js';
import { RULES } from './constants.js';
import { evidenceFor, makeFinding, type Finding } from './finding.js';
import { UNZONED } from './placement.js';
import type { Policy } from './policy-types.js';

export function assetLabel(a: Asset): string {
  const name = a.names[0] ?? a.identity.name?.value;
  const ip = a.ips[0];
  return name && ip ? `${name} (${ip})` : (name ?? ip ?? a.macs[0] ?? a.id);
}

function pathsOf(paths: readonly Path[], assetId: string): Path[] {
  return paths.filter((p) => p.initiator === assetId || p.responder === assetId);
}

export function modelRules(policy: Policy, assets: readonly Asset[], assessment: Assessment): Finding[] {
  const paths = assessment.paths.map((a) => a.path);
  const out: Finding[] = [];
  for (const asset of assets) {
    const placed = assessment.placements.get(asset.id);
    if (!placed) continue;
    if (placed.zone === UNZONED) {
      out.push(
        makeFinding({
          rule: RULES.assetUnzoned,
          severity: 'medium',
          subject: { kind: 'asset', key: asset.id, label: assetLabel(asset) },
          explanation: `${asset.role} ${assetLabel(asset)} belongs to no zone, so no conduit can govern its traffic`,
          remediation: 'Add it to the zone it belongs to (by cidr, range, ip, mac or asset name), or remove it from the network',
          zones: [UNZONED],
          evidence: evidenceFor(pathsOf(paths, asset.id), undefined, [
            `ips: ${asset.ips.join(', ') || '-'}; macs: ${asset.macs.join(', ') || '-'}; vlans: ${asset.vlans.join(', ') || '-'}`,
          ]),
        }),
      );
    } else if (placed.matches.length > 1 && asset.role !== 'gateway') {
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
          evidence: evidenceFor(pathsOf(paths, asset.id), undefined, how),
        }),
      );
    }
  }
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
