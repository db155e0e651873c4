/**
 * Protocols carried directly in 802.2 LLC frames (BACnet/Ethernet, SAP 0x82): one decoder per pair of
 * MAC addresses, fed each frame's LLC payload. Their endpoints have a MAC and no IP address.
 */
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent, ProtocolModule, StreamDecoder } from '../../parsers/types.js';
import type { Frame } from '../../parsers/net/frame.js';
import { macToString } from '../../parsers/net/addr.js';
import type { FlowOwner } from './flow.js';

class LlcConversation implements DecoderContext {
  readonly flow: FlowRef;
  decoder: StreamDecoder | undefined;
  private readonly fromInitiatorPair: { src: Endpoint; dst: Endpoint };
  private readonly fromResponderPair: { src: Endpoint; dst: Endpoint };

  constructor(id: string, initiatorMac: string, responderMac: string, private readonly module: ProtocolModule, private readonly owner: FlowOwner) {
    const initiator = { ip: '', port: 0, mac: initiatorMac };
    const responder = { ip: '', port: 0, mac: responderMac };
    this.flow = { id, transport: 'llc', initiator, responder };
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

export class LlcFlows {
  private readonly bySap = new Map<number, ProtocolModule>();
  private readonly conversations = new Map<string, LlcConversation>();
  private seq = 0;

  constructor(modules: readonly ProtocolModule[], private readonly owner: FlowOwner) {
    for (const m of modules) if (m.llc) this.bySap.set(m.llc.sap, m);
  }

  /** An 802.3/LLC frame (f.l3 at the DSAP). Returns whether a module took it. */
  frame(f: Frame): boolean {
    const d = f.data;
    const dsap = d[f.l3];
    const module = this.bySap.get(dsap);
    if (!module || d[f.l3 + 1] !== dsap || f.ethOff < 0) return false;
    const dst = macToString(d, f.ethOff);
    const src = macToString(d, f.ethOff + 6);
    const key = `${module.name}|${src < dst ? src + dst : dst + src}`;
    let c = this.conversations.get(key);
    if (!c) {
      c = new LlcConversation(`llc ${src} > ${dst} #${++this.seq}`, src, dst, module, this.owner);
      c.decoder = module.llc!.createDecoder(c);
      this.conversations.set(key, c);
    }
    if (!c.decoder) return true;
    try {
      c.decoder.onData(c.flow.initiator.mac === src, d.subarray(f.l3, f.l4End), f.ts);
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
