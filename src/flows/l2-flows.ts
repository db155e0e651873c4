/**
 * Protocols carried directly over Ethernet: in 802.2 LLC frames (BACnet/Ethernet, SAP 0x82) or under an
 * EtherType of their own (PROFINET DCP, 0x8892). One decoder per module and pair of MAC addresses, fed
 * each frame's payload. Their endpoints have a MAC and no IP address.
 */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent, ProtocolModule, StreamDecoder } from '../core/events.js';
import type { Frame } from '../net/frame.js';
import { macToString } from '../net/addr.js';
import type { FlowOwner } from './flow.js';

class L2Conversation implements DecoderContext {
  readonly flow: FlowRef;
  decoder: StreamDecoder | undefined;
  private readonly fromInitiatorPair: { src: Endpoint; dst: Endpoint };
  private readonly fromResponderPair: { src: Endpoint; dst: Endpoint };

  constructor(
    id: string,
    initiatorMac: string,
    responderMac: string,
    private readonly module: ProtocolModule,
    private readonly owner: FlowOwner,
  ) {
    const initiator: Endpoint = { ip: '', port: 0, mac: initiatorMac, vlan: undefined };
    const responder: Endpoint = { ip: '', port: 0, mac: responderMac, vlan: undefined };
    this.flow = { id, transport: 'l2', initiator, responder };
    this.fromInitiatorPair = { src: initiator, dst: responder };
    this.fromResponderPair = { src: responder, dst: initiator };
  }

  endpoints(fromInitiator: boolean): { src: Endpoint; dst: Endpoint } {
    return fromInitiator ? this.fromInitiatorPair : this.fromResponderPair;
  }

  emit(event: ProtocolEvent<object>): void {
    this.owner.emit(event);
  }

  anomaly(kind: string, detail?: string): void {
    this.owner.anomaly(this.module.name, kind, detail, this.flow);
  }
}

export class L2Flows {
  private readonly bySap = new Map<number, ProtocolModule>();
  private readonly byEtherType = new Map<number, ProtocolModule>();
  private readonly conversations = new Map<string, L2Conversation>();
  private seq = 0;

  constructor(
    modules: readonly ProtocolModule[],
    private readonly owner: FlowOwner,
  ) {
    for (const m of modules) {
      if (m.llc) this.bySap.set(m.llc.sap, m);
      if (m.ethertype) this.byEtherType.set(m.ethertype.type, m);
    }
  }

  get empty(): boolean {
    return this.bySap.size === 0 && this.byEtherType.size === 0;
  }

  /** An 802.3/LLC frame (f.l3 at the DSAP). Returns whether a module took it. */
  llcFrame(f: Frame): boolean {
    const d = f.data;
    const dsap = d[f.l3];
    const module = this.bySap.get(dsap);
    if (!module || d[f.l3 + 1] !== dsap) return false;
    return this.deliver(f, module, module.llc!.createDecoder, f.l4End); // 802.3 length: padding excluded
  }

  /** A frame of an EtherType no IP decoder handles (f.l3 at its payload). Returns whether a module took it. */
  etherTypeFrame(f: Frame): boolean {
    const module = this.byEtherType.get(f.etherType);
    return module ? this.deliver(f, module, module.ethertype!.createDecoder, f.end) : false;
  }

  private deliver(f: Frame, module: ProtocolModule, create: (ctx: DecoderContext) => StreamDecoder, end: number): boolean {
    if (f.ethOff < 0 && f.srcMacOff < 0) return false;
    const d = f.data;
    const src = macToString(d, f.srcMacOff >= 0 ? f.srcMacOff : f.ethOff + 6);
    const dst = f.ethOff >= 0 ? macToString(d, f.ethOff) : 'ff:ff:ff:ff:ff:ff';
    const key = `${module.name}|${src < dst ? src + dst : dst + src}`;
    let c = this.conversations.get(key);
    if (!c) {
      c = new L2Conversation(`l2 ${src} > ${dst} #${++this.seq}`, src, dst, module, this.owner);
      c.decoder = create(c);
      this.conversations.set(key, c);
    }
    const fromInitiator = c.flow.initiator.mac === src;
    // like IP endpoints: a side's VLAN is that of the frames it sends
    const sender = fromInitiator ? c.flow.initiator : c.flow.responder;
    if (sender.vlan === undefined && f.vlan >= 0) sender.vlan = f.vlan;
    if (!c.decoder) return true;
    try {
      c.decoder.onData(fromInitiator, d.subarray(f.l3, end), f.ts);
    } catch (err) {
      c.anomaly('decoder_exception', (err as Error)?.message);
      c.decoder = undefined;
    }
    return true;
  }

  endAll(ts: number): void {
    for (const c of this.conversations.values()) {
      try {
        c.decoder?.onEnd?.(ts);
      } catch (err) {
        c.anomaly('decoder_exception', (err as Error)?.message);
      }
    }
    this.conversations.clear();
  }
}
