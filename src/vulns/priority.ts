/**
 * Which known vulnerability to handle first. In order: whether the device is (or may be) affected at all;
 * whether attackers are known to exploit the CVE (CISA KEV); whether the device is exposed, that is
 * reached over an observed path from a zone of lower SL-T or higher Purdue level (the direction an
 * attacker comes from, IEC 62443-3-2 ZCR 5); the CVSS base score; affected before potentially affected;
 * and the confidence of the match. One integer, smallest first, so that lists sort and page on one column.
 */
import { CONFIDENCE_RANK, STATUS_RANK } from './matcher.js';
import type { VulnerabilityMatch } from './types.js';

/** One observed path into a vulnerable asset, with what the policy says of both ends (when it does). */
export interface InboundPath {
  initiator: string;
  protocol: string;
  responderPort: number;
  fromZone?: string;
  toZone?: string;
  /** The zones' SL-T (the highest of their seven FRs), when the policy gives one. */
  fromSlt?: number;
  toSlt?: number;
  /** Purdue levels: of the zones when the policy gives them, else of the assets' roles. */
  fromLevel?: number;
  toLevel?: number;
  conduit?: string;
}

export interface Exposure {
  exposed: boolean;
  /** "s7comm/102 from 10.0.4.7 in zone enterprise (SL-T 1, level 4) through conduit it-ot" */
  detail?: string;
}

/** Whether one inbound path comes from a less trusted place: lower SL-T, or higher Purdue level. */
function fromLessTrusted(p: InboundPath): string | undefined {
  if (p.fromZone !== undefined && p.toZone !== undefined && p.fromZone === p.toZone) return undefined;
  if (p.fromSlt !== undefined && p.toSlt !== undefined && p.fromSlt < p.toSlt) return `SL-T ${p.fromSlt} < ${p.toSlt}`;
  if (p.fromLevel !== undefined && p.toLevel !== undefined && p.fromLevel > p.toLevel) return `Purdue level ${p.fromLevel} > ${p.toLevel}`;
  return undefined;
}

/** The exposure of an asset from its inbound paths: the first path from a less trusted place, described. */
export function exposureOf(paths: readonly InboundPath[]): Exposure {
  for (const p of paths) {
    const why = fromLessTrusted(p);
    if (!why) continue;
    const zone = p.fromZone ? ` in zone ${p.fromZone}` : '';
    const conduit = p.conduit ? ` through conduit ${p.conduit}` : p.fromZone && p.toZone ? ' outside every conduit' : '';
    return { exposed: true, detail: `${p.protocol}/${p.responderPort} from ${p.initiator}${zone} (${why})${conduit}` };
  }
  return { exposed: false };
}

/** The sort key: smaller is more urgent. */
export function priorityOf(
  m: Pick<VulnerabilityMatch, 'status' | 'knownExploited' | 'cvssScore' | 'confidence'>,
  exposed: boolean,
): number {
  const irrelevant = m.status === 'not_affected' ? 1 : 0;
  const exploited = m.knownExploited ? 0 : 1;
  const reach = exposed ? 0 : 1;
  const score = 100 - Math.round((m.cvssScore ?? 0) * 10); // 0..100, higher score first
  return ((((irrelevant * 2 + exploited) * 2 + reach) * 101 + score) * 3 + STATUS_RANK[m.status]) * 3 + CONFIDENCE_RANK[m.confidence];
}
