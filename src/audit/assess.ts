/**
 * Places every path (both ends in a zone, or 'unzoned') and judges it against the conduits, once,
 * so that each rule reads the same verdict. A conduit that had expired before the path's last
 * packet still explains the path, but only when no valid conduit does (that is its own finding).
 */
import type { Asset, Path } from '../core/model.js';
import type { Operation } from '../core/events.js';
import { conduitsFor, judgeFlow, operationAllowed, type ConduitUse, type PathEnd } from './conduit-match.js';
import { UNREADABLE_OPERATIONS } from './constants.js';
import { placeAssets, placeEndpoint, UNZONED, type Placement } from './placement.js';
import type { Conduit, ConduitFlow, Policy } from './policy-types.js';

export type PathStatus =
  | 'intra_zone' // both ends in the same zone: no conduit needed
  | 'unzoned' // both ends outside every zone: reported as unzoned assets only
  | 'no_conduit'
  | 'not_allowed' // a conduit joins the zones but none of its flows allows this one
  | 'allowed';

export interface PathAssessment {
  path: Path;
  from: PathEnd;
  to: PathEnd;
  status: PathStatus;
  /** Conduits the zones share (for not_allowed: the reasons below say why each refused). */
  uses: ConduitUse[];
  /** For allowed paths: the conduits that allow it and their matching flows. */
  allowing: ConduitUse[];
  flows: ConduitFlow[];
  reasons: string[];
  /** Operations seen that no allowing flow permits. */
  deniedOps: Operation[];
  /** Expired conduits this path relied on after their expiry. */
  expiredUsed: Conduit[];
}

export function expiredFor(c: Conduit, p: Path): boolean {
  return c.expires !== null && p.lastSeen > c.expires;
}

function seenOps(p: Path): Operation[] {
  return (Object.entries(p.operations) as [Operation, { count: number } | undefined][])
    .filter(([, s]) => (s?.count ?? 0) > 0)
    .map(([op]) => op);
}

function judge(uses: ConduitUse[], p: Path) {
  const v = judgeFlow(uses, p);
  if (!v.allowed) return { v, denied: [] as Operation[] };
  return { v, denied: seenOps(p).filter((op) => !UNREADABLE_OPERATIONS.includes(op) && !operationAllowed(v.flows, op)) };
}

function assessPath(policy: Policy, p: Path, from: PathEnd, to: PathEnd): PathAssessment {
  const base = {
    path: p,
    from,
    to,
    uses: [] as ConduitUse[],
    allowing: [] as ConduitUse[],
    flows: [] as ConduitFlow[],
    reasons: [] as string[],
    deniedOps: [] as Operation[],
    expiredUsed: [] as Conduit[],
  };
  if (from.zone === to.zone) return { ...base, status: from.zone === UNZONED ? 'unzoned' : 'intra_zone' };
  const uses = conduitsFor(policy.conduits, from, to);
  if (!uses.length) return { ...base, status: 'no_conduit' };
  const live = uses.filter((u) => !expiredFor(u.conduit, p));
  const onLive = judge(live, p);
  if (onLive.v.allowed && !onLive.denied.length)
    return { ...base, uses, status: 'allowed', allowing: onLive.v.uses, flows: onLive.v.flows };
  const onAll = judge(uses, p);
  if (!onAll.v.allowed) return { ...base, uses, status: 'not_allowed', reasons: onAll.v.reasons };
  // An expired conduit explains what the valid ones do not: the path (or its extra operations) relied on it.
  const fixedByExpired = !onLive.v.allowed || onAll.denied.length < onLive.denied.length;
  const expiredUsed = fixedByExpired ? onAll.v.uses.map((u) => u.conduit).filter((c) => expiredFor(c, p)) : [];
  return { ...base, uses, status: 'allowed', allowing: onAll.v.uses, flows: onAll.v.flows, deniedOps: onAll.denied, expiredUsed };
}

export interface Assessment {
  placements: Map<string, Placement>;
  paths: PathAssessment[];
}

const GROUP_PREFIX = 'group:';

export function assess(policy: Policy, assets: readonly Asset[], paths: readonly Path[]): Assessment {
  const placements = placeAssets(policy, assets);
  const byId = new Map<string, Asset>(assets.map((a) => [a.id, a]));
  const endpoint = (assetId: string, ip: string): PathEnd => ({
    assetId,
    ip,
    zone: placeEndpoint(policy, placements, byId, assetId, ip),
    asset: byId.get(assetId),
  });
  const judged = (p: Path): PathAssessment => {
    const from = endpoint(p.initiator, p.initiatorIp);
    const to = endpoint(p.responder, p.responderIp);
    // A layer-2 multicast or broadcast (DCP Identify) has no address to place and never leaves the sender's
    // broadcast domain: it counts in the sender's zone. The unicast answers show who is reached across zones.
    if (p.transport === 'l2' && p.responder.startsWith(GROUP_PREFIX)) to.zone = from.zone;
    return assessPath(policy, p, from, to);
  };
  return { placements, paths: paths.map(judged) };
}
