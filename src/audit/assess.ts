/**
 * Places every path (both ends in a zone, or 'unzoned') and judges it against the conduits, once,
 * so that each rule reads the same verdict. A conduit that had expired before the path's last
 * packet still explains the path, but only when no valid conduit does (that is its own finding).
 *
 * Thousands of paths share a zone pair and a protocol: which conduits join two zones is worked out once per
 * zone pair, and a conduit's verdict once per (conduits, protocol, transport, port), not once per path. What is
 * the path's own (its expiry against each conduit, its operations) is still judged per path. Paths with the same
 * verdict share its arrays, which nobody modifies.
 */
import type { Asset, Path } from '../core/model.js';
import type { Operation } from '../core/events.js';
import { conduitsFor, judgeFlow, operationAllowed, type ConduitUse, type FlowVerdict, type PathEnd } from './conduit-match.js';
import { UNREADABLE_OPERATIONS } from './constants.js';
import { placeAssets, placeEndpoint, UNZONED, type Placement } from './placement.js';
import type { Conduit, ConduitEnd, ConduitFlow, Policy } from './policy-types.js';

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

export interface Assessment {
  placements: Map<string, Placement>;
  paths: PathAssessment[];
}

const GROUP_PREFIX = 'group:';

/** A verdict on some conduits for one protocol, transport and port, with the operations its flows allow. */
interface Verdict {
  v: FlowVerdict;
  opAllowed: Map<Operation, boolean>;
}

/** Operations seen on the path (count > 0) that the verdict's flows do not allow; encrypted ones cannot be judged. */
function deniedOps(verdict: Verdict, p: Path): Operation[] {
  const v = verdict.v;
  if (!v.allowed) return [];
  let out: Operation[] | undefined;
  for (const key in p.operations) {
    const op = key as Operation;
    if ((p.operations[op]?.count ?? 0) <= 0 || UNREADABLE_OPERATIONS.includes(op)) continue;
    let ok = verdict.opAllowed.get(op);
    if (ok === undefined) verdict.opAllowed.set(op, (ok = operationAllowed(v.flows, op)));
    if (!ok) (out ??= []).push(op);
  }
  return out ?? [];
}

/** The conduits two zones share: a conduit between zones is decided by the zone pair; one naming an asset or addresses, per path. */
interface ZonePlan {
  /** Every conduit's ends are zones: the uses, the same for each path of the pair. */
  uses?: ConduitUse[];
  /** Otherwise, in policy order: a zone conduit's use, or a conduit to check against each path's ends. */
  steps?: (ConduitUse | Conduit)[];
}

/** A signature of a list of uses (conduit position and initiator side), for the verdict memo. */
function signature(uses: readonly ConduitUse[], index: ReadonlyMap<Conduit, number>): string {
  let s = '';
  for (const u of uses) s += `${index.get(u.conduit)}${u.initiatorSide},`;
  return s;
}

export function assess(policy: Policy, assets: readonly Asset[], paths: readonly Path[]): Assessment {
  const placements = placeAssets(policy, assets);
  const byId = new Map<string, Asset>(assets.map((a) => [a.id, a]));
  // an asset with one zone (nearly all) is placed by its placement; a gateway or an unlisted asset by the address
  // the path used, once per asset and address
  const byAddress = new Map<string, string>();
  const zoneOf = (assetId: string, ip: string): string => {
    const placed = placements.get(assetId);
    if (placed && placed.matches.length <= 1) return placed.zone;
    const key = `${assetId}\u0000${ip}`;
    let zone = byAddress.get(key);
    if (zone === undefined) byAddress.set(key, (zone = placeEndpoint(policy, placements, byId, assetId, ip)));
    return zone;
  };

  const conduitIndex = new Map(policy.conduits.map((c, i) => [c, i]));
  const zonal = (c: Conduit) => c.a.kind === 'zone' && c.b.kind === 'zone';
  const plans = new Map<string, ZonePlan>();
  const planFor = (from: string, to: string): ZonePlan => {
    const key = `${from}\u0000${to}`;
    let plan = plans.get(key);
    if (!plan) {
      const ends = (zone: string): PathEnd => ({ assetId: '', ip: '', zone });
      // a conduit with one zone end can join only paths with an end in that zone
      const possible = (e: ConduitEnd) => e.kind !== 'zone' || e.zone === from || e.zone === to;
      const steps = policy.conduits.flatMap<ConduitUse | Conduit>((c) =>
        zonal(c) ? conduitsFor([c], ends(from), ends(to)) : possible(c.a) && possible(c.b) ? [c] : [],
      );
      plan = steps.every((s) => 'conduit' in s) ? { uses: steps as ConduitUse[] } : { steps };
      plans.set(key, plan);
    }
    return plan;
  };
  const usesOf = (plan: ZonePlan, from: PathEnd, to: PathEnd): ConduitUse[] => {
    if (plan.uses) return plan.uses;
    const uses: ConduitUse[] = [];
    for (const s of plan.steps!) {
      if ('conduit' in s) uses.push(s);
      else uses.push(...conduitsFor([s], from, to));
    }
    return uses;
  };

  const verdicts = new Map<string, Verdict>();
  const verdictOf = (uses: ConduitUse[], sig: string, expired: string, p: Path): Verdict => {
    const key = `${sig}\u0000${expired}\u0000${p.protocol}\u0000${p.transport}\u0000${p.responderPort}`;
    let verdict = verdicts.get(key);
    if (!verdict) {
      const judged = expired ? uses.filter((u) => !expiredFor(u.conduit, p)) : uses;
      verdict = { v: judgeFlow(judged, p), opAllowed: new Map() };
      verdicts.set(key, verdict);
    }
    return verdict;
  };

  const none: never[] = [];
  const judged = (p: Path): PathAssessment => {
    const from: PathEnd = {
      assetId: p.initiator,
      ip: p.initiatorIp,
      zone: zoneOf(p.initiator, p.initiatorIp),
      asset: byId.get(p.initiator),
    };
    const to: PathEnd = { assetId: p.responder, ip: p.responderIp, zone: zoneOf(p.responder, p.responderIp), asset: byId.get(p.responder) };
    // A layer-2 multicast or broadcast (DCP Identify) has no address to place and never leaves the sender's
    // broadcast domain: it counts in the sender's zone. The unicast answers show who is reached across zones.
    if (p.transport === 'l2' && p.responder.startsWith(GROUP_PREFIX)) to.zone = from.zone;
    const out: PathAssessment = {
      path: p,
      from,
      to,
      status: 'no_conduit',
      uses: none,
      allowing: none,
      flows: none,
      reasons: none,
      deniedOps: none,
      expiredUsed: none,
    };
    if (from.zone === to.zone) {
      out.status = from.zone === UNZONED ? 'unzoned' : 'intra_zone';
      return out;
    }
    const plan = planFor(from.zone, to.zone);
    const uses = usesOf(plan, from, to);
    if (!uses.length) return out;
    out.uses = uses;
    const sig = signature(uses, conduitIndex);
    // which of the conduits had expired by the path's last packet: the valid ones are judged first
    let expired = '';
    for (let i = 0; i < uses.length; i++) if (expiredFor(uses[i]!.conduit, p)) expired += `${i},`;
    const onLive = verdictOf(uses, sig, expired, p);
    const liveDenied = deniedOps(onLive, p);
    if (onLive.v.allowed && !liveDenied.length) {
      out.status = 'allowed';
      out.allowing = onLive.v.uses;
      out.flows = onLive.v.flows;
      return out;
    }
    const onAll = expired ? verdictOf(uses, sig, '', p) : onLive;
    if (!onAll.v.allowed) {
      out.status = 'not_allowed';
      out.reasons = onAll.v.reasons;
      return out;
    }
    // An expired conduit explains what the valid ones do not: the path (or its extra operations) relied on it.
    const allDenied = expired ? deniedOps(onAll, p) : liveDenied;
    const fixedByExpired = !onLive.v.allowed || allDenied.length < liveDenied.length;
    out.status = 'allowed';
    out.allowing = onAll.v.uses;
    out.flows = onAll.v.flows;
    out.deniedOps = allDenied;
    if (fixedByExpired) out.expiredUsed = onAll.v.uses.map((u) => u.conduit).filter((c) => expiredFor(c, p));
    return out;
  };
  return { placements, paths: paths.map(judged) };
}
