/**
 * Which conduits a path between two zones travels, and whether one of their flows allows it:
 * protocol, transport, responder port and the side that opened the conversation. The verdict says
 * why not, so that a finding can name the nearest allowed flow.
 */
import type { Asset, Path } from '../core/model.js';
import type { Operation } from '../core/events.js';
import { contains, numericAddress } from './ip-intervals.js';
import { assetHasName } from './placement.js';
import type { Conduit, ConduitEnd, ConduitFlow } from './policy-types.js';
import { endLabel } from './policy-semantics.js';

export interface PathEnd {
  assetId: string;
  ip: string;
  zone: string;
  asset?: Asset;
}

/** A conduit the path travels, and whether its initiator sits on end a or end b. */
export interface ConduitUse {
  conduit: Conduit;
  initiatorSide: 'a' | 'b';
}

export type FlowVerdict =
  { allowed: true; uses: ConduitUse[]; flows: ConduitFlow[] } | { allowed: false; uses: ConduitUse[]; reasons: string[] };

export function endMatches(end: ConduitEnd, ep: PathEnd): boolean {
  switch (end.kind) {
    case 'zone':
      return end.zone === ep.zone;
    case 'asset':
      return ep.asset ? assetHasName(ep.asset, end.asset) : ep.assetId === end.asset || ep.ip === end.asset;
    case 'addresses': {
      const a = numericAddress(ep.ip);
      return !!a && contains(end.interval, a.family, a.value);
    }
  }
}

export function conduitsFor(conduits: readonly Conduit[], initiator: PathEnd, responder: PathEnd): ConduitUse[] {
  const uses: ConduitUse[] = [];
  for (const c of conduits) {
    if (endMatches(c.a, initiator) && endMatches(c.b, responder)) uses.push({ conduit: c, initiatorSide: 'a' });
    else if (endMatches(c.b, initiator) && endMatches(c.a, responder)) uses.push({ conduit: c, initiatorSide: 'b' });
  }
  return uses;
}

function protocolMatches(f: ConduitFlow, p: Path): boolean {
  if (f.protocol === 'tcp' || f.protocol === 'udp') return p.transport === f.protocol;
  return f.protocol === p.protocol.toLowerCase() && (f.transport === null || f.transport === p.transport);
}

function portMatches(f: ConduitFlow, p: Path): boolean {
  return f.ports.length === 0 || f.ports.includes(p.responderPort);
}

function sideMatches(f: ConduitFlow, side: 'a' | 'b'): boolean {
  return f.initiator === 'either' || f.initiator === side;
}

function flowText(f: ConduitFlow, c: Conduit): string {
  const who = f.initiator === 'either' ? 'either end' : endLabel(f.initiator === 'a' ? c.a : c.b);
  return `${f.protocol}${f.ports.length ? '/' + f.ports.join(',') : ''} opened by ${who}`;
}

/** Why no flow of this conduit allows the path, nearest miss first. */
function missReason(use: ConduitUse, p: Path): string {
  const c = use.conduit;
  const proto = c.flows.filter((f) => protocolMatches(f, p));
  const opener = endLabel(use.initiatorSide === 'a' ? c.a : c.b);
  if (!proto.length) return `conduit '${c.id}' does not allow ${p.protocol} (it allows ${c.flows.map((f) => flowText(f, c)).join('; ')})`;
  const port = proto.filter((f) => portMatches(f, p));
  if (!port.length)
    return `conduit '${c.id}' allows ${p.protocol} only on port ${[...new Set(proto.flatMap((f) => f.ports))].join(', ')}, not ${p.responderPort}`;
  return `conduit '${c.id}' allows ${p.protocol} only when opened by ${port.map((f) => (f.initiator === 'a' ? endLabel(c.a) : endLabel(c.b))).join(', ')}, but ${opener} opened it`;
}

/** Every conduit whose flows allow the path (several may: a zone conduit and a narrower one to one asset). */
export function judgeFlow(uses: readonly ConduitUse[], p: Path): FlowVerdict {
  const allowing: ConduitUse[] = [];
  const flows: ConduitFlow[] = [];
  for (const use of uses) {
    const fs = use.conduit.flows.filter((f) => protocolMatches(f, p) && portMatches(f, p) && sideMatches(f, use.initiatorSide));
    if (fs.length) {
      allowing.push(use);
      flows.push(...fs);
    }
  }
  if (allowing.length) return { allowed: true, uses: allowing, flows };
  return { allowed: false, uses: [...uses], reasons: uses.map((u) => missReason(u, p)) };
}

export function operationAllowed(flows: readonly ConduitFlow[], op: Operation): boolean {
  return flows.some((f) => (f.allow === null || f.allow.includes(op)) && !f.deny.includes(op));
}
