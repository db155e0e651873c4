/**
 * The inventory: a PipelineSink that turns events, flow summaries and MAC↔IP bindings into assets
 * (devices, not addresses) and communication paths.
 *
 * While the capture runs it keeps evidence per IP address (bindings, identity claims, time) and paths
 * keyed by addresses; `result()` then decides which addresses belong to which device: one MAC with its
 * IPs is one device, except a MAC fronting many IPs or several subnets, which is a router: the router is
 * an asset of its own and the IPs behind it become IP-keyed assets. A station seen on layer 2 only
 * (PROFINET DCP, BACnet over LLC: endpoints with a MAC and no IP) is an asset keyed by its MAC, with the
 * identity it claims there, on paths between MAC assets.
 */
import type {
  AddressBinding,
  Endpoint,
  FlowSummary,
  IdentityAttribute,
  IdentityClaim,
  Operation,
  PipelineSink,
  ProtocolEvent,
  Transport,
} from '../core/events.js';
import { isDeviceIp, isDeviceMac, isIpv4, subnetOf } from './addresses.js';
import { DEFAULT_SILENT_AFTER_S, MAX_EXAMPLES, MAX_FACT_VALUES, MAX_NAMES, ROUTER_MIN_IPS } from './constants.js';
import { asAssetId, groupId, ipAssetId, isRoutedDeviceId, macAssetId, pathId, routedNetworkOf } from '../core/ids.js';
import { addCapped, mergeAsset, mergePath, newerIdentity, unionSorted } from './merge.js';
import type { Asset, IdentityValue, InventoryChange, OperationSummary, Path } from '../core/model.js';
import { macVendor } from './oui.js';
import { GATEWAY_EVIDENCE_PREFIX, inferRole, type RoleInput } from './roles.js';
import { routedDeviceIp, routedEnds } from './routed.js';

export interface InventoryOptions {
  /** The registry's serverRole per protocol name (from src/protocols/registry.ts). */
  serverRoleOf(protocol: string): string | undefined;
  /** Time without traffic after which an asset is reported silent (seconds). */
  silentAfter?: number;
}

/** One identity value of one asset over the analysis (the store keeps these as the identity history). */
export interface IdentityRecord {
  assetId: string;
  attribute: IdentityAttribute;
  value: string;
  protocol: string;
  firstTs: number;
  lastTs: number;
}

export interface InventoryResult {
  assets: Asset[];
  paths: Path[];
  changes: InventoryChange[];
  identityHistory: IdentityRecord[];
}

interface Seen {
  first: number;
  last: number;
}

interface BindingState extends Seen {
  /** Flows that ended with the MAC on this IP, and DHCP leases: the binding's weight with `announced`. */
  count: number;
  /**
   * The bindings the flow table announced (it announces each VLAN and source once per table, so a sharded
   * analysis announces one in each shard): keys (vlan + 1) * 2 + (ARP ? 1 : 0), counted once each.
   */
  announced: Set<number>;
  arp: boolean; // the MAC claimed this IP in ARP (a router's own address), not only carried its frames
  vlans: Set<number>;
}

interface IdentityValueState {
  /** The protocol of the earliest report (the smaller name on a tie): the same whatever the order of events. */
  protocol: string;
  first: number;
  last: number;
  /** The live agent's window in which the value was first reported: its change belongs to that window. */
  window: number;
}

interface IdentityState {
  current: IdentityValue;
  /** Every value reported, so that flapping reports one change per new value, and the history. */
  values: Map<string, IdentityValueState>;
}

interface IpState extends Seen {
  vlans: Set<number>;
  identity: Map<IdentityAttribute, IdentityState>;
  names: Set<string>;
  /** Names from DNS/NetBIOS answers about the address: the MAX_NAMES smallest (sorted), whatever the order. */
  aliases: string[];
}

/**
 * What an inventory has gathered, as a shard posts it to the main thread (structured clone keeps Maps and
 * Sets): merged into another inventory (Inventory.mergeState), it gives the result both would have given
 * had one seen every event. Flows still open are not part of it: a shard posts its state after its captures end.
 */
export interface InventoryState {
  ips: Map<string, IpState>;
  devices: Map<string, DeviceState>;
  macs: Map<string, IpState>;
  bindings: Map<string, Map<string, BindingState>>;
  paths: Map<string, PathAcc>;
  maxTs: number;
}

/** A device behind a router (IdentityClaim.device, or the NPDU of a routed message): no address of its own. */
interface DeviceState extends IpState {
  /** The router endpoints it was reached through ('ip 10.0.0.1' or, over LLC, 'mac aa:bb:..') → messages. */
  via: Map<string, number>;
}

/** A path while the capture runs, keyed by addresses (assets are not known yet). */
interface PathAcc {
  initiatorIp: string;
  responderIp: string;
  /** A device behind the router at initiatorIp / responderIp: the path's end is that device, not the router. */
  initiatorDevice?: string;
  responderDevice?: string;
  /** A layer-2 path (transport 'l2'): its ends are these MACs, and initiatorIp / responderIp are ''. */
  initiatorMac?: string;
  responderMac?: string;
  protocol: string;
  transport: Transport;
  responderPort: number;
  packetsToResponder: number;
  packetsToInitiator: number;
  bytesToResponder: number;
  bytesToInitiator: number;
  firstSeen: number;
  lastSeen: number;
  operations: Map<Operation, OperationSummary>;
  facts: Map<string, string[]>;
}

/** Per flow (every field set at creation, so that one object shape serves every flow). */
interface FlowBinding {
  /** The path between the flow's own endpoints, which receives the flow summary's counts (minus the routed share). */
  acc: PathAcc | undefined;
  /** acc's protocol, read here with the rest of the binding rather than from the path (cold in the cache). */
  protocol: string | undefined;
  reversed: boolean; // the flow's responder is the path's initiator (a UDP peer that spoke first)
  /** Paths to devices behind a router that this flow carried, with the datagrams each side sent on them. */
  routed: Map<PathAcc, RoutedShare> | undefined;
  /**
   * The operation of acc the flow's last request counted, and the last example offered to it: a flow repeats
   * the same request, which then costs no map lookup, and no sorted insert (a repeated example is already in,
   * or was refused for being larger than all kept, and stays refused: the kept ones only get smaller).
   */
  opName: Operation | undefined;
  op: OperationSummary | undefined;
  lastDetail: string | undefined;
  /**
   * Requests of the flow's own path not yet added to it: a run of the same operation and function is counted
   * here, in the one object the event touches anyway, and added to the path (its operation's count and
   * function counts, its first/last seen) when the run changes, the flow ends or a result is taken
   * (flushFlow): across thousands of interleaved flows the path and its operation are cold in the cache.
   */
  fnName: string | undefined;
  runCount: number;
  firstTs: number;
  lastTs: number;
}

interface RoutedShare {
  reversed: boolean;
  fromInitiator: number; // datagrams sent by the flow's initiator
  fromResponder: number;
}

export class Inventory implements PipelineSink {
  private readonly ips = new Map<string, IpState>();
  private readonly devices = new Map<string, DeviceState>();
  /** Stations seen on layer 2: an event endpoint with a MAC and no IP (mac → evidence). */
  private readonly macs = new Map<string, IpState>();
  private readonly bindings = new Map<string, Map<string, BindingState>>(); // mac → ip → evidence
  private readonly paths = new Map<string, PathAcc>();
  private readonly flows = new Map<string, FlowBinding>();
  /** The flow of the last event and its binding: events come in bursts per flow. */
  private lastFlowId: string | undefined;
  private lastFb: FlowBinding | undefined;
  /** The live agent's window (takeWindow): identity changes are reported in the window their new value came in. */
  private window = 0;
  private maxTs = -Infinity;
  private readonly silentAfter: number;

  constructor(private readonly opts: InventoryOptions) {
    this.silentAfter = opts.silentAfter ?? DEFAULT_SILENT_AFTER_S;
  }

  onBinding(b: AddressBinding): void {
    this.bind(b.mac, b.ip, b.ts, b.vlan, b.source === 'arp', true);
    this.touchIp(b.ip, b.ts, b.vlan);
  }

  onEvent(e: ProtocolEvent<object>): void {
    if (e.ts > this.maxTs) this.maxTs = e.ts;
    const flow = e.flow;
    const l2 = flow.transport === 'l2';
    // UDP and layer 2 have no connection: the flow's initiator is only who spoke first, so the path's
    // initiator is the requester (a request's sender, a response's receiver). A TCP path follows the
    // connection, even when the server sends jobs back over it (an S7 PLC pulling blocks during a download).
    // decoders pass the flow's own endpoint objects (DecoderContext.endpoints): the same object is the same side,
    // without reading two more objects per event
    const src = e.src;
    const fi = flow.initiator;
    const fromInitiator = src === fi || (l2 ? src.mac === fi.mac : src.ip === fi.ip && src.port === fi.port);
    const reversed =
      flow.transport !== 'tcp' && (e.direction === 'request' ? !fromInitiator : e.direction === 'response' ? fromInitiator : false);
    if (l2) {
      this.touchL2(e.src, e.ts);
      this.touchL2(e.dst, e.ts);
    }
    const routed = routedEnds(e);
    if (routed?.src) this.touchDevice(routed.src, e.src, e.ts, e.src.vlan);
    if (routed?.dst) this.touchDevice(routed.dst, e.dst, e.ts, e.dst.vlan);
    // A path ends at a routed device only when the router on that side is a device address: a broadcast
    // (an I-Am re-broadcast by the router) or an LLC station known by its MAC keeps the plain path.
    const ends = routed && { src: isDeviceIp(e.src.ip) ? routed.src : undefined, dst: isDeviceIp(e.dst.ip) ? routed.dst : undefined };
    let acc: PathAcc;
    // No flow summary ever ends a layer-2 conversation: its path is counted per event, outside this.flows.
    let fb: FlowBinding | undefined;
    if (!l2) {
      if (flow.id === this.lastFlowId) fb = this.lastFb;
      else {
        fb = this.flows.get(flow.id);
        if (!fb)
          this.flows.set(
            flow.id,
            (fb = {
              acc: undefined,
              protocol: undefined,
              reversed,
              routed: undefined,
              opName: undefined,
              op: undefined,
              lastDetail: undefined,
              fnName: undefined,
              runCount: 0,
              firstTs: Infinity,
              lastTs: -Infinity,
            }),
          );
        this.lastFlowId = flow.id;
        this.lastFb = fb;
      }
    }
    if (!fb) acc = this.l2PathAcc(e, fromInitiator, reversed);
    else if (ends && (ends.src || ends.dst)) acc = this.routedPathAcc(e, fb, ends, fromInitiator, reversed);
    else if (fb.acc && fb.reversed === reversed && fb.protocol === e.protocol) acc = fb.acc;
    else {
      const init = reversed ? flow.responder : flow.initiator;
      const resp = reversed ? flow.initiator : flow.responder;
      acc = this.pathAcc(init.ip, resp.ip, e.protocol, flow.transport, resp.port, e.ts);
      if (!fb.acc) {
        fb.acc = acc;
        fb.protocol = acc.protocol;
        fb.reversed = reversed;
      }
    }
    const own = fb !== undefined && acc === fb.acc;
    if (own) {
      if (e.ts < fb!.firstTs) fb!.firstTs = e.ts;
      if (e.ts > fb!.lastTs) fb!.lastTs = e.ts;
    } else {
      if (e.ts < acc.firstSeen) acc.firstSeen = e.ts;
      if (e.ts > acc.lastSeen) acc.lastSeen = e.ts;
    }
    // A response repeats its request's operation: count what the initiator asked for, once.
    if (e.direction !== 'response') {
      let op: OperationSummary | undefined;
      if (own && fb!.opName === e.operation && fb!.fnName === e.fn) {
        fb!.runCount++;
        op = fb!.op!;
      } else {
        if (own) flushRun(fb!);
        op = own && fb!.opName === e.operation ? fb!.op : acc.operations.get(e.operation);
        if (!op) {
          op = { count: 0, examples: [], functions: {} };
          acc.operations.set(e.operation, op);
        }
        if (own) {
          if (fb!.op !== op) {
            fb!.opName = e.operation;
            fb!.op = op;
            fb!.lastDetail = undefined;
          }
          fb!.fnName = e.fn;
          fb!.runCount = 1;
        } else {
          op.count++;
          op.functions[e.fn] = (op.functions[e.fn] ?? 0) + 1;
        }
      }
      const detail = e.detail;
      if (detail && !(own && detail === fb!.lastDetail)) {
        addCapped(op.examples, detail, MAX_EXAMPLES);
        if (own) fb!.lastDetail = detail;
      }
    }
    if (e.facts) {
      for (const key in e.facts) {
        let values = acc.facts.get(key);
        if (!values) acc.facts.set(key, (values = []));
        addCapped(values, String(e.facts[key]), MAX_FACT_VALUES);
      }
    }
    if (e.identity) {
      for (const claim of e.identity) {
        if (claim.value === '') continue;
        if (claim.device !== undefined) {
          // Claims about a device behind the endpoint never land on the endpoint (the router). routedEnds()
          // touched the device already, unless the event names two on one side.
          const dev =
            this.devices.get(claim.device) ??
            (isRoutedDeviceId(claim.device)
              ? this.touchDevice(claim.device, claim.about === 'src' ? e.src : e.dst, e.ts, (claim.about === 'src' ? e.src : e.dst).vlan)
              : undefined);
          if (dev) this.claimOn(dev, claim.attribute, claim.value, e.protocol, e.ts);
          continue;
        }
        if (claim.ip !== undefined) {
          this.addressedClaim(claim, e.protocol, e.ts);
          continue;
        }
        const ep = claim.about === 'src' ? e.src : e.dst;
        if (isDeviceIp(ep.ip)) this.claim(ep.ip, claim.attribute, claim.value, e.protocol, e.ts);
        // A layer-2 station's claims are about its MAC (the pending change names its asset id).
        else if (ep.ip === '' && isDeviceMac(ep.mac))
          this.claimOn(this.touchMac(ep.mac, e.ts), claim.attribute, claim.value, e.protocol, e.ts);
      }
    }
  }

  /** The path of a layer-2 event, between the MACs of the requester and the responder (or the group it was sent to). */
  private l2PathAcc(e: ProtocolEvent<object>, fromInitiator: boolean, reversed: boolean): PathAcc {
    const flow = e.flow;
    const init = reversed ? flow.responder : flow.initiator;
    const resp = reversed ? flow.initiator : flow.responder;
    const acc = this.pathAcc(
      '',
      '',
      e.protocol,
      'l2',
      resp.port,
      e.ts,
      undefined,
      undefined,
      (init.mac ?? '').toLowerCase(),
      (resp.mac ?? '').toLowerCase(),
    );
    // One event is one frame; their sizes are not known here.
    if (reversed ? !fromInitiator : fromInitiator) acc.packetsToResponder++;
    else acc.packetsToInitiator++;
    return acc;
  }

  /**
   * The path of an event from or to a device behind a router: between the other side and that device,
   * reached at the router's address and port. One datagram is one event, so the datagrams are counted
   * here and taken off the flow's own path when the flow ends (TCP has no routed devices: not counted).
   */
  private routedPathAcc(
    e: ProtocolEvent<object>,
    fb: FlowBinding,
    routed: { src?: string; dst?: string },
    fromInitiator: boolean,
    reversed: boolean,
  ): PathAcc {
    const flow = e.flow;
    const init = reversed ? flow.responder : flow.initiator;
    const resp = reversed ? flow.initiator : flow.responder;
    const srcIsPathInitiator = reversed ? !fromInitiator : fromInitiator;
    const initDevice = srcIsPathInitiator ? routed.src : routed.dst;
    const respDevice = srcIsPathInitiator ? routed.dst : routed.src;
    const acc = this.pathAcc(init.ip, resp.ip, e.protocol, flow.transport, resp.port, e.ts, initDevice, respDevice);
    if (flow.transport !== 'tcp') {
      if (srcIsPathInitiator) acc.packetsToResponder++;
      else acc.packetsToInitiator++;
      let share = fb.routed?.get(acc);
      if (!share) (fb.routed ??= new Map()).set(acc, (share = { reversed, fromInitiator: 0, fromResponder: 0 }));
      if (fromInitiator) share.fromInitiator++;
      else share.fromResponder++;
    }
    return acc;
  }

  onFlowEnd(s: FlowSummary): void {
    const f = s.flow;
    if (s.lastSeen > this.maxTs) this.maxTs = s.lastSeen;
    const fb = this.flows.get(f.id);
    if (fb) flushFlow(fb);
    this.flows.delete(f.id);
    if (f.id === this.lastFlowId) this.lastFlowId = this.lastFb = undefined;
    // A connection attempt (FlowSummary.attempt; no event came of it) is no path: a scan's million SYNs made a million
    // paths, and a million assets of the addresses that never answered (5 GB for the analysis). A SYN that got
    // nothing back proves that its sender exists, not its target; a reset proves both (the flow table counts each).
    const attempt = fb === undefined ? s.attempt : undefined;
    if (attempt === undefined) this.addToPaths(s, fb);
    for (const ep of attempt === 'unanswered' ? [f.initiator] : [f.initiator, f.responder]) {
      this.touchIp(ep.ip, s.firstSeen, ep.vlan);
      this.touchIp(ep.ip, s.lastSeen, ep.vlan);
      if (ep.mac) this.bind(ep.mac, ep.ip, s.lastSeen, ep.vlan, false);
    }
  }

  /** A flow's counts on its own path, less the share of the routed paths its datagrams were counted on. */
  private addToPaths(s: FlowSummary, fb: FlowBinding | undefined): void {
    const f = s.flow;
    const reversed = fb?.reversed ?? false;
    let pI = s.packetsFromInitiator;
    let pR = s.packetsFromResponder;
    let bI = s.bytesFromInitiator;
    let bR = s.bytesFromResponder;
    if (fb?.routed) {
      // Datagrams to and from devices behind a router were counted per event on their own paths; their
      // bytes are not known per event: each such path gets the flow's bytes in proportion to its datagrams.
      for (const [racc, share] of fb.routed) {
        const i = Math.min(share.fromInitiator, pI);
        const r = Math.min(share.fromResponder, pR);
        const bi = pI > 0 ? Math.round((bI * i) / pI) : 0;
        const br = pR > 0 ? Math.round((bR * r) / pR) : 0;
        racc.bytesToResponder += share.reversed ? br : bi;
        racc.bytesToInitiator += share.reversed ? bi : br;
        pI -= i;
        pR -= r;
        bI -= bi;
        bR -= br;
      }
    }
    // A flow that only carried routed messages leaves no path between its own endpoints.
    if (fb?.acc || !fb?.routed || pI + pR > 0) {
      const acc =
        fb?.acc ??
        this.pathAcc(
          reversed ? f.responder.ip : f.initiator.ip,
          reversed ? f.initiator.ip : f.responder.ip,
          s.protocol,
          f.transport,
          reversed ? f.initiator.port : f.responder.port,
          s.firstSeen,
        );
      acc.packetsToResponder += reversed ? pR : pI;
      acc.packetsToInitiator += reversed ? pI : pR;
      acc.bytesToResponder += reversed ? bR : bI;
      acc.bytesToInitiator += reversed ? bI : bR;
      if (s.firstSeen < acc.firstSeen) acc.firstSeen = s.firstSeen;
      if (s.lastSeen > acc.lastSeen) acc.lastSeen = s.lastSeen;
    }
  }

  /**
   * The live agent's persistence window: the result so far, then the traffic (paths, their counts and
   * operations, pending changes) starts afresh while the address and identity evidence is kept, so that
   * the next window places its traffic on the same devices as a whole capture would.
   */
  takeWindow(): InventoryResult {
    const r = this.result();
    this.paths.clear();
    this.flows.clear();
    this.lastFlowId = this.lastFb = undefined;
    this.window++;
    return r;
  }

  /** Assets, paths and changes of everything seen so far. */
  result(): InventoryResult {
    for (const fb of this.flows.values()) flushFlow(fb);
    const { assetOf, deviceAsset, assets, gatewayEvidence } = this.resolveAssets();
    const paths = this.buildPaths(assetOf, deviceAsset);
    // Roles need the paths; protocols per side too.
    const asInit = new Map<string, Path[]>();
    const asResp = new Map<string, Path[]>();
    for (const p of paths) {
      (asInit.get(p.initiator) ?? asInit.set(p.initiator, []).get(p.initiator)!).push(p);
      (asResp.get(p.responder) ?? asResp.set(p.responder, []).get(p.responder)!).push(p);
    }
    for (const a of assets) {
      finishAsset(a, {
        asInitiator: asInit.get(a.id) ?? [],
        asResponder: asResp.get(a.id) ?? [],
        gatewayEvidence: gatewayEvidence.get(a.id),
        serverRoleOf: this.opts.serverRoleOf,
      });
    }
    const changes: InventoryChange[] = [];
    for (const a of assets) changes.push({ ts: a.firstSeen, kind: 'new_asset', assetId: a.id, detail: describeAsset(a) });
    // Subjects in a fixed order (addresses, devices behind routers, layer-2 stations, each sorted): the result
    // does not depend on the order evidence came in, nor on how many shards gathered it.
    const subjects: [string | undefined, IpState][] = [];
    for (const [ip, s] of sortedEntries(this.ips)) subjects.push([wasSeen(s) ? assetOf(ip) : undefined, s]);
    for (const [id, s] of sortedEntries(this.devices)) subjects.push([deviceAsset(id), s]);
    for (const [mac, s] of sortedEntries(this.macs)) subjects.push([deviceAsset(macAssetId(mac)), s]);
    for (const [id, s] of subjects) if (id) this.identityChanges(id, s, changes);
    for (const a of assets) {
      if (this.maxTs - a.lastSeen > this.silentAfter) {
        changes.push({ ts: a.lastSeen + this.silentAfter, kind: 'asset_silent', assetId: a.id, detail: silentDetail(a.lastSeen) });
      }
    }
    changes.sort((x, y) => x.ts - y.ts || x.assetId.localeCompare(y.assetId));
    const identityHistory: IdentityRecord[] = [];
    for (const [id, s] of subjects) {
      if (!id) continue;
      for (const attribute of [...s.identity.keys()].sort()) {
        for (const [value, v] of sortedEntries(s.identity.get(attribute)!.values))
          identityHistory.push({ assetId: id, attribute, value, protocol: v.protocol, firstTs: v.first, lastTs: v.last });
      }
    }
    return { assets, paths, changes, identityHistory };
  }

  /**
   * identity_changed of one subject: each value that followed another (by first report, then value) is one
   * change at its first report, as the store derives them from the history (src/store/store.ts), so that
   * neither depends on the order of events. The live agent reports a change in the window its value came in.
   */
  private identityChanges(assetId: string, s: IpState, out: InventoryChange[]): void {
    for (const attribute of [...s.identity.keys()].sort()) {
      const values = s.identity.get(attribute)!.values;
      if (values.size < 2) continue;
      const ordered = [...values].sort(([a, x], [b, y]) => x.first - y.first || (a < b ? -1 : a > b ? 1 : 0));
      for (let i = 1; i < ordered.length; i++) {
        const [value, v] = ordered[i];
        if (v.window !== this.window) continue;
        out.push({
          ts: v.first,
          kind: 'identity_changed',
          assetId: asAssetId(assetId),
          detail: identityChangeDetail(attribute, ordered[i - 1][0], value, v.protocol),
        });
      }
    }
  }

  /** This inventory's evidence and paths, to be merged into another (a shard's, posted once at its end). */
  exportState(): InventoryState {
    for (const fb of this.flows.values()) flushFlow(fb);
    return { ips: this.ips, devices: this.devices, macs: this.macs, bindings: this.bindings, paths: this.paths, maxTs: this.maxTs };
  }

  /**
   * Merge another inventory's state into this one (the main thread merging its shards): every merge is a
   * sum, a min/max, a union or a capped sorted union, so the result is the one a single inventory that saw
   * both sets of events would give, in any order.
   */
  mergeState(o: InventoryState): void {
    if (o.maxTs > this.maxTs) this.maxTs = o.maxTs;
    for (const [ip, s] of o.ips) {
      const mine = this.ips.get(ip);
      if (mine) mergeIpState(mine, s);
      else this.ips.set(ip, s);
    }
    for (const [id, s] of o.devices) {
      const mine = this.devices.get(id);
      if (!mine) {
        this.devices.set(id, s);
        continue;
      }
      mergeIpState(mine, s);
      for (const [k, n] of s.via) mine.via.set(k, (mine.via.get(k) ?? 0) + n);
    }
    for (const [mac, s] of o.macs) {
      const mine = this.macs.get(mac);
      if (mine) mergeIpState(mine, s);
      else this.macs.set(mac, s);
    }
    for (const [mac, byIp] of o.bindings) {
      const mine = this.bindings.get(mac);
      if (!mine) {
        this.bindings.set(mac, byIp);
        continue;
      }
      for (const [ip, b] of byIp) {
        const m = mine.get(ip);
        if (!m) {
          mine.set(ip, b);
          continue;
        }
        m.count += b.count;
        for (const k of b.announced) m.announced.add(k);
        if (b.first < m.first) m.first = b.first;
        if (b.last > m.last) m.last = b.last;
        if (b.arp) m.arp = true;
        for (const v of b.vlans) m.vlans.add(v);
      }
    }
    for (const [key, acc] of o.paths) {
      const mine = this.paths.get(key);
      if (mine) mergePathAcc(mine, acc);
      else this.paths.set(key, acc);
    }
  }

  // --- evidence collection -------------------------------------------------------------------------

  private bind(mac: string, ip: string, ts: number, vlan: number | undefined, arp: boolean, announced = false): void {
    if (!isDeviceMac(mac) || !isDeviceIp(ip)) return;
    mac = mac.toLowerCase();
    let byIp = this.bindings.get(mac);
    if (!byIp) this.bindings.set(mac, (byIp = new Map()));
    let b = byIp.get(ip);
    if (!b) {
      byIp.set(
        ip,
        (b = { first: ts, last: ts, count: 0, announced: new Set(), arp, vlans: vlan === undefined ? new Set() : new Set([vlan]) }),
      );
      if (announced) b.announced.add(((vlan ?? -1) + 1) * 2 + (arp ? 1 : 0));
      else b.count++;
      return;
    }
    if (announced) b.announced.add(((vlan ?? -1) + 1) * 2 + (arp ? 1 : 0));
    else b.count++;
    if (ts < b.first) b.first = ts;
    if (ts > b.last) b.last = ts;
    if (arp) b.arp = true;
    if (vlan !== undefined) b.vlans.add(vlan);
  }

  private touchIp(ip: string, ts: number, vlan?: number): IpState | undefined {
    if (!isDeviceIp(ip)) return undefined;
    let s = this.ips.get(ip);
    if (!s) this.ips.set(ip, (s = { first: ts, last: ts, vlans: new Set(), identity: new Map(), names: new Set(), aliases: [] }));
    if (ts < s.first) s.first = ts;
    if (ts > s.last) s.last = ts;
    if (vlan !== undefined) s.vlans.add(vlan);
    return s;
  }

  /** The state of a device behind a router, reached through `router` (the message's endpoint on its side). */
  private touchDevice(id: string, router: Endpoint, ts: number, vlan?: number): DeviceState {
    let s = this.devices.get(id);
    if (!s)
      this.devices.set(
        id,
        (s = { first: ts, last: ts, vlans: new Set(), identity: new Map(), names: new Set(), aliases: [], via: new Map() }),
      );
    if (ts < s.first) s.first = ts;
    if (ts > s.last) s.last = ts;
    if (vlan !== undefined) s.vlans.add(vlan);
    this.touchIp(router.ip, ts, vlan); // the router is seen too (ignored unless a device address)
    const key = isDeviceIp(router.ip) ? `ip ${router.ip}` : isDeviceMac(router.mac) ? `mac ${router.mac.toLowerCase()}` : undefined;
    if (key) s.via.set(key, (s.via.get(key) ?? 0) + 1);
    return s;
  }

  /**
   * A claim about an address that is neither endpoint: a DNS/mDNS/LLMNR or NetBIOS answer naming a host,
   * a DHCP lease. With a MAC (the DHCP client hardware address) the address is that MAC's own, as good as
   * ARP, and the device is on the wire. Without one it only names the address: the address becomes an
   * asset only if it shows up in traffic itself (a resolver answers for hosts on the internet, and mDNS
   * announces 127.0.0.1). Names from these protocols are aliases (a host has several, each protocol its
   * own), so they go to `names` only: the `name` identity and its change history stay what devices say.
   */
  private addressedClaim(claim: IdentityClaim, protocol: string, ts: number): void {
    const ip = claim.ip!;
    if (!isDeviceIp(ip)) return;
    if (isDeviceMac(claim.mac)) {
      this.bind(claim.mac, ip, ts, undefined, true);
      this.touchIp(ip, ts);
    }
    let s = this.ips.get(ip);
    if (!s)
      this.ips.set(ip, (s = { first: Infinity, last: -Infinity, vlans: new Set(), identity: new Map(), names: new Set(), aliases: [] }));
    if (claim.attribute === 'name') {
      addCapped(s.aliases, claim.value, MAX_NAMES);
      return;
    }
    this.claimOn(s, claim.attribute, claim.value, protocol, ts);
  }

  /** An endpoint known only by its MAC (ip '') is a layer-2 station. */
  private touchL2(ep: Endpoint, ts: number): void {
    if (ep.ip === '' && isDeviceMac(ep.mac)) this.touchMac(ep.mac, ts, ep.vlan);
  }

  private touchMac(mac: string, ts: number, vlan?: number): IpState {
    mac = mac.toLowerCase();
    let s = this.macs.get(mac);
    if (!s) this.macs.set(mac, (s = { first: ts, last: ts, vlans: new Set(), identity: new Map(), names: new Set(), aliases: [] }));
    if (ts < s.first) s.first = ts;
    if (ts > s.last) s.last = ts;
    if (vlan !== undefined) s.vlans.add(vlan);
    return s;
  }

  private claim(ip: string, attribute: IdentityAttribute, value: string, protocol: string, ts: number): void {
    this.claimOn(this.touchIp(ip, ts)!, attribute, value, protocol, ts);
  }

  private claimOn(s: IpState, attribute: IdentityAttribute, value: string, protocol: string, ts: number): void {
    if (attribute === 'name') s.names.add(value);
    const id = s.identity.get(attribute);
    if (!id) {
      s.identity.set(attribute, {
        current: { value, protocol, ts },
        values: new Map([[value, { protocol, first: ts, last: ts, window: this.window }]]),
      });
      return;
    }
    const seen = id.values.get(value);
    if (seen) {
      if (ts < seen.first || (ts === seen.first && protocol < seen.protocol)) {
        seen.first = ts;
        seen.protocol = protocol;
      }
      if (ts > seen.last) seen.last = ts;
    } else id.values.set(value, { protocol, first: ts, last: ts, window: this.window });
    const next = newerIdentity(id.current, { value, protocol, ts });
    if (next) id.current = next;
  }

  private pathAcc(
    initiatorIp: string,
    responderIp: string,
    protocol: string,
    transport: Transport,
    responderPort: number,
    ts: number,
    initiatorDevice?: string,
    responderDevice?: string,
    initiatorMac?: string,
    responderMac?: string,
  ): PathAcc {
    const key = `${initiatorIp}|${responderIp}|${protocol}|${transport}|${responderPort}|${initiatorDevice ?? ''}|${responderDevice ?? ''}|${initiatorMac ?? ''}|${responderMac ?? ''}`;
    let acc = this.paths.get(key);
    if (!acc) {
      acc = {
        initiatorIp,
        responderIp,
        protocol,
        transport,
        responderPort,
        packetsToResponder: 0,
        packetsToInitiator: 0,
        bytesToResponder: 0,
        bytesToInitiator: 0,
        firstSeen: ts,
        lastSeen: ts,
        operations: new Map(),
        facts: new Map(),
      };
      if (initiatorDevice !== undefined) acc.initiatorDevice = initiatorDevice;
      if (responderDevice !== undefined) acc.responderDevice = responderDevice;
      if (initiatorMac !== undefined) acc.initiatorMac = initiatorMac;
      if (responderMac !== undefined) acc.responderMac = responderMac;
      this.paths.set(key, acc);
    }
    return acc;
  }

  // --- resolution ----------------------------------------------------------------------------------

  private resolveAssets(): {
    assetOf: (ip: string) => string | undefined;
    deviceAsset: (id: string) => string;
    assets: Asset[];
    gatewayEvidence: Map<string, string>;
  } {
    const owner = new Map<string, { mac: string; count: number; last: number }>(); // ip → owning device MAC
    const assets = new Map<string, Asset>();
    const gatewayEvidence = new Map<string, string>();
    for (const mac of [...this.bindings.keys()].sort()) {
      const byIp = this.bindings.get(mac)!;
      const gateway = routerEvidence([...byIp.keys()]);
      const own = gateway ? [...byIp].filter(([, b]) => b.arp).map(([ip]) => ip) : [...byIp.keys()];
      const id = macAssetId(mac);
      const asset = emptyAsset(id);
      asset.macs = [mac];
      asset.macVendor = macVendor(mac);
      let first = Infinity;
      let last = -Infinity;
      const vlans = new Set<number>();
      for (const b of byIp.values()) {
        first = Math.min(first, b.first);
        last = Math.max(last, b.last);
        if (!gateway) for (const v of b.vlans) vlans.add(v);
      }
      asset.firstSeen = first;
      asset.lastSeen = last;
      asset.vlans = [...vlans].sort((a, b) => a - b);
      if (gateway) gatewayEvidence.set(id, GATEWAY_EVIDENCE_PREFIX + gateway);
      assets.set(id, asset);
      for (const ip of own) {
        const b = byIp.get(ip)!;
        const cur = owner.get(ip);
        // An IP seen on two devices (replaced device, address conflict): the device that used it most owns it.
        const count = b.count + b.announced.size;
        if (!cur || count > cur.count || (count === cur.count && b.last > cur.last)) owner.set(ip, { mac, count, last: b.last });
      }
    }
    // One id string per address, made once: the paths' ends and every map keyed by asset id downstream then
    // share the string (its hash is computed once) instead of concatenating a new one per path end.
    const ids = new Map<string, string | undefined>();
    const assetOf = (ip: string): string | undefined => {
      let id = ids.get(ip);
      if (id === undefined && !ids.has(ip)) {
        if (isDeviceIp(ip)) {
          const o = owner.get(ip);
          id = o ? macAssetId(o.mac) : ipAssetId(ip);
        }
        ids.set(ip, id);
      }
      return id;
    };
    for (const [ip, s] of [...this.ips].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!wasSeen(s)) continue; // named by an answer, never on the wire
      const id = assetOf(ip)!;
      let asset = assets.get(id);
      if (!asset) assets.set(id, (asset = emptyAsset(id)));
      const fromIp = emptyAsset(id);
      fromIp.ips = [ip];
      fromIp.vlans = [...s.vlans].sort((a, b) => a - b);
      fromIp.names = s.aliases.length ? [...s.names, ...s.aliases] : [...s.names];
      fromIp.firstSeen = s.first;
      fromIp.lastSeen = s.last;
      for (const [attr, v] of s.identity) fromIp.identity[attr] = v.current;
      assets.set(id, mergeAsset(asset, fromIp));
    }
    // Layer-2 stations: the MAC's asset, with or without an address (PROFINET devices known from DCP alone).
    for (const [mac, s] of [...this.macs].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const id = macAssetId(mac);
      const fromMac = emptyAsset(id);
      fromMac.macs = [mac];
      fromMac.macVendor = macVendor(mac);
      fromMac.vlans = [...s.vlans].sort((a, b) => a - b);
      fromMac.names = [...s.names].sort();
      fromMac.firstSeen = s.first;
      fromMac.lastSeen = s.last;
      for (const [attr, v] of s.identity) fromMac.identity[attr] = v.current;
      const prev = assets.get(id);
      assets.set(id, prev ? mergeAsset(prev, fromMac) : fromMac);
    }
    const aliases = this.resolveDevices(assets, assetOf);
    const deviceAsset = (id: string): string => aliases.get(id) ?? id;
    // A MAC that owns no address (its one IP went to the device that used it more) and is no gateway names
    // nothing, unless it spoke on layer 2; a router of devices behind it, and those devices, are assets without an address.
    const l2Station = (id: string): boolean => id.startsWith('mac:') && this.macs.has(id.slice(4));
    for (const [id, a] of assets)
      if (a.ips.length === 0 && !gatewayEvidence.has(id) && !a.routes && !isRoutedDeviceId(id) && !l2Station(id)) assets.delete(id);
    return { assetOf, deviceAsset, assets: [...assets.values()].sort((a, b) => (a.id < b.id ? -1 : 1)), gatewayEvidence };
  }

  /**
   * Devices behind routers become assets of their own (id = the device id), each reached through the router
   * asset it was seen through most; the router learns the networks it reaches. A router seen only by its MAC
   * (BACnet over LLC) becomes a MAC asset. A routed device named by a B/IP address whose IP talks on this
   * network is that IP's asset (returned as an alias: device id → asset id).
   */
  private resolveDevices(assets: Map<string, Asset>, assetOf: (ip: string) => string | undefined): Map<string, string> {
    const aliases = new Map<string, string>();
    // The first asset holding each MAC, built once when a router is named by a MAC that is no asset id: a scan
    // of every asset for each such router was devices x assets. The loop below adds no MAC to an existing
    // asset (devices have none; a new router is found by its id), so the index stays true throughout.
    let macOwner: Map<string, string> | undefined;
    const ownerOf = (mac: string): string | undefined => {
      if (!macOwner) {
        macOwner = new Map();
        for (const a of assets.values()) for (const m of a.macs) if (!macOwner.has(m)) macOwner.set(m, a.id);
      }
      return macOwner.get(mac);
    };
    for (const [id, s] of [...this.devices].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const votes = new Map<string, number>();
      for (const [key, n] of s.via) {
        const [kind, addr] = key.split(' ') as ['ip' | 'mac', string];
        let routerId = kind === 'ip' ? assetOf(addr)! : macAssetId(addr);
        if (kind === 'mac' && !assets.has(routerId)) {
          const owner = ownerOf(addr);
          if (owner !== undefined) routerId = owner;
          else {
            const router = emptyAsset(routerId);
            router.macs = [addr];
            router.macVendor = macVendor(addr);
            assets.set(routerId, router);
          }
        }
        votes.set(routerId, (votes.get(routerId) ?? 0) + n);
      }
      const device = emptyAsset(id);
      device.vlans = [...s.vlans].sort((a, b) => a - b);
      device.names = [...s.names].sort();
      device.firstSeen = s.first;
      device.lastSeen = s.last;
      for (const [attr, v] of s.identity) device.identity[attr] = v.current;
      // The router it was reached through most; a tie goes to the smaller id, for determinism.
      const via = [...votes].sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))[0]?.[0];
      if (via !== undefined) {
        device.via = via;
        const router = assets.get(via);
        if (router) {
          router.routes = unionSorted(router.routes ?? [], [routedNetworkOf(id)]);
          if (s.first < router.firstSeen) router.firstSeen = s.first;
          if (s.last > router.lastSeen) router.lastSeen = s.last;
        }
      }
      const ip = routedDeviceIp(id);
      const own = ip !== undefined && this.ips.has(ip) ? assetOf(ip) : undefined;
      if (own !== undefined && assets.has(own)) {
        aliases.set(id, own);
        const { via: _via, ...seen } = device;
        assets.set(own, mergeAsset(assets.get(own)!, { ...seen, id: asAssetId(own), firstSeen: Infinity, lastSeen: -Infinity }));
        continue;
      }
      const prev = assets.get(id);
      assets.set(id, prev ? mergeAsset(prev, device) : device);
    }
    return aliases;
  }

  private buildPaths(assetOf: (ip: string) => string | undefined, deviceAsset: (id: string) => string): Path[] {
    const out = new Map<string, Path>();
    for (const acc of this.paths.values()) {
      const initiator =
        acc.initiatorMac !== undefined
          ? isDeviceMac(acc.initiatorMac)
            ? macAssetId(acc.initiatorMac)
            : undefined
          : acc.initiatorDevice !== undefined
            ? deviceAsset(acc.initiatorDevice)
            : assetOf(acc.initiatorIp);
      if (!initiator) continue; // a broadcast never initiates
      // A layer-2 multicast or broadcast destination (DCP Identify to 01:0e:cf:00:00:00) is a group, as an IP broadcast is.
      const responder =
        acc.responderMac !== undefined
          ? isDeviceMac(acc.responderMac)
            ? macAssetId(acc.responderMac)
            : groupId(acc.responderMac)
          : acc.responderDevice !== undefined
            ? deviceAsset(acc.responderDevice)
            : (assetOf(acc.responderIp) ?? groupId(acc.responderIp));
      const key = {
        initiator: asAssetId(initiator),
        responder: asAssetId(responder),
        protocol: acc.protocol,
        transport: acc.transport,
        responderPort: acc.responderPort,
      };
      const operations: Path['operations'] = {};
      for (const op of [...acc.operations.keys()].sort()) {
        const s = acc.operations.get(op)!;
        operations[op] = { count: s.count, examples: s.examples, functions: sortRecord(s.functions) };
      }
      const facts: Record<string, string[]> = {};
      for (const k of [...acc.facts.keys()].sort()) facts[k] = acc.facts.get(k)!;
      const path: Path = {
        id: pathId(key),
        ...key,
        initiatorIp: acc.initiatorIp,
        responderIp: acc.responderIp,
        packetsToResponder: acc.packetsToResponder,
        packetsToInitiator: acc.packetsToInitiator,
        bytesToResponder: acc.bytesToResponder,
        bytesToInitiator: acc.bytesToInitiator,
        firstSeen: acc.firstSeen,
        lastSeen: acc.lastSeen,
        operations,
        facts,
      };
      const prev = out.get(path.id);
      out.set(path.id, prev ? mergePath(prev, path) : path);
    }
    return [...out.values()].sort((a, b) => (a.id < b.id ? -1 : 1));
  }
}

/** An address with traffic or bindings, not only named by a DNS/NetBIOS answer (addressedClaim). */
function wasSeen(s: Seen | undefined): boolean {
  return s !== undefined && s.last !== -Infinity;
}

/** Why a MAC is a router, or undefined when its addresses look like one device's. */
export function routerEvidence(ips: readonly string[]): string | undefined {
  if (ips.length < 2) return undefined; // one address is one device (and most MACs hold one)
  const v4 = ips.filter(isIpv4);
  const v4Subnets = new Set(v4.map(subnetOf).filter((s) => s !== undefined));
  const v6Subnets = new Set(
    ips
      .filter((ip) => !isIpv4(ip))
      .map(subnetOf)
      .filter((s) => s !== undefined),
  );
  if (v4.length < ROUTER_MIN_IPS && v4Subnets.size <= 1 && v6Subnets.size <= 1) return undefined;
  const subnets = v4Subnets.size + v6Subnets.size;
  return `one MAC fronts ${ips.length} IP addresses in ${subnets} subnet${subnets === 1 ? '' : 's'}`;
}

export function emptyAsset(id: string): Asset {
  return {
    id: asAssetId(id),
    ips: [],
    macs: [],
    vlans: [],
    names: [],
    identity: {},
    role: 'unknown',
    roleEvidence: [],
    purdueLevel: null,
    protocolsServer: [],
    protocolsClient: [],
    firstSeen: Infinity,
    lastSeen: -Infinity,
  };
}

/** Role, evidence, Purdue level and protocols of an asset from the paths it takes part in (in place). */
export function finishAsset(a: Asset, ctx: Omit<RoleInput, 'identity' | 'names' | 'id' | 'via' | 'routes'>): void {
  const verdict = inferRole({ ...ctx, identity: a.identity, names: a.names, id: a.id, via: a.via, routes: a.routes });
  a.role = verdict.role;
  a.roleEvidence = verdict.roleEvidence;
  a.purdueLevel = verdict.purdueLevel;
  a.protocolsServer = unionSorted(
    [],
    ctx.asResponder.filter((p) => p.packetsToInitiator > 0 || Object.keys(p.operations).length > 0).map((p) => p.protocol),
  );
  a.protocolsClient = unionSorted(
    [],
    ctx.asInitiator.map((p) => p.protocol),
  );
}

export function identityChangeDetail(attribute: string, from: string, to: string, protocol: string): string {
  return `${attribute} changed from '${from}' to '${to}' (${protocol})`;
}

export function silentDetail(lastSeen: number): string {
  return `no traffic since ${new Date(lastSeen * 1000).toISOString()}`;
}

function describeAsset(a: Asset): string {
  const what = [a.identity.vendor?.value ?? a.macVendor, a.identity.product?.value ?? a.identity.model?.value].filter(Boolean).join(' ');
  const where = a.ips.length + a.macs.length > 0 ? [...a.ips, ...a.macs].join(' ') : `${a.id}${a.via ? ` via ${a.via}` : ''}`;
  return `${a.role} ${where}${what ? ` (${what})` : ''}`;
}

function sortRecord<T>(o: Record<string, T>): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

function sortedEntries<V>(m: Map<string, V>): [string, V][] {
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** One address's (device's, station's) evidence from another inventory merged into this one's (in place). */
function mergeIpState(into: IpState, o: IpState): void {
  if (o.first < into.first) into.first = o.first;
  if (o.last > into.last) into.last = o.last;
  for (const v of o.vlans) into.vlans.add(v);
  for (const n of o.names) into.names.add(n);
  for (const n of o.aliases) addCapped(into.aliases, n, MAX_NAMES);
  for (const [attr, st] of o.identity) {
    const mine = into.identity.get(attr);
    if (!mine) {
      into.identity.set(attr, st);
      continue;
    }
    mine.current = newerIdentity(mine.current, st.current)!;
    for (const [value, v] of st.values) {
      const m = mine.values.get(value);
      if (!m) {
        mine.values.set(value, v);
        continue;
      }
      if (v.first < m.first || (v.first === m.first && v.protocol < m.protocol)) {
        m.first = v.first;
        m.protocol = v.protocol;
      }
      if (v.last > m.last) m.last = v.last;
      if (v.window < m.window) m.window = v.window;
    }
  }
}

/** One path's counts, operations and facts from another inventory added to this one's (in place). */
function mergePathAcc(into: PathAcc, o: PathAcc): void {
  into.packetsToResponder += o.packetsToResponder;
  into.packetsToInitiator += o.packetsToInitiator;
  into.bytesToResponder += o.bytesToResponder;
  into.bytesToInitiator += o.bytesToInitiator;
  if (o.firstSeen < into.firstSeen) into.firstSeen = o.firstSeen;
  if (o.lastSeen > into.lastSeen) into.lastSeen = o.lastSeen;
  for (const [op, x] of o.operations) {
    const mine = into.operations.get(op);
    if (!mine) {
      into.operations.set(op, x);
      continue;
    }
    mine.count += x.count;
    for (const fn in x.functions) mine.functions[fn] = (mine.functions[fn] ?? 0) + x.functions[fn];
    for (const e of x.examples) addCapped(mine.examples, e, MAX_EXAMPLES);
  }
  for (const [k, values] of o.facts) {
    const mine = into.facts.get(k);
    if (!mine) into.facts.set(k, values);
    else for (const v of values) addCapped(mine, v, MAX_FACT_VALUES);
  }
}

/** Add a flow's pending run of requests to its operation (FlowBinding.runCount). */
function flushRun(fb: FlowBinding): void {
  if (fb.runCount === 0) return;
  const op = fb.op!;
  op.count += fb.runCount;
  op.functions[fb.fnName!] = (op.functions[fb.fnName!] ?? 0) + fb.runCount;
  fb.runCount = 0;
}

/** Add everything a flow holds back to its path: the run of requests, first and last seen. */
function flushFlow(fb: FlowBinding): void {
  flushRun(fb);
  const acc = fb.acc;
  if (!acc) return;
  if (fb.firstTs < acc.firstSeen) acc.firstSeen = fb.firstTs;
  if (fb.lastTs > acc.lastSeen) acc.lastSeen = fb.lastTs;
  fb.firstTs = Infinity;
  fb.lastTs = -Infinity;
}
