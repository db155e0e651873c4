/**
 * DHCP/BOOTP: one event per message (operation 'discovery'), and identity claims about the client at the
 * address the message ties to it: the address an ACK hands out (yiaddr), or the one a REQUEST renews
 * (ciaddr) or asks for (option 50), with the client hardware address as the MAC that owns it.
 * A DISCOVER has no address yet: its names are remembered for the REQUEST that follows on the same flow.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, IdentityClaim, StreamDecoder } from '../../core/events.js';
import {
  MAX_REMEMBERED_CLIENTS,
  MESSAGE_TYPE_NAMES,
  MSG_ACK,
  MSG_DISCOVER,
  MSG_INFORM,
  MSG_REQUEST,
  OP_BOOTREPLY,
  OP_BOOTREQUEST,
} from './constants.js';
import { parseDhcp, type DhcpMessage } from './records.js';

export const PROTOCOL = 'dhcp';
const UNSPECIFIED = '0.0.0.0';

export type DhcpFields = Omit<DhcpMessage, 'op'> & { messageTypeName?: string };

interface ClientNames {
  hostName?: string;
  fqdn?: string;
  vendorClass?: string;
}

export class DhcpDecoder implements StreamDecoder {
  /** chaddr → names a client gave in DISCOVER, for a REQUEST that leaves them out. */
  private readonly clients = new Map<string, ClientNames>();

  constructor(private readonly ctx: DecoderContext) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    const msg = parseDhcp(data);
    if (!msg) {
      this.ctx.anomaly('not_dhcp', `${data.length} bytes without BOOTP header and magic cookie`);
      return;
    }
    if (msg.malformed) this.ctx.anomaly('malformed', msg.malformed);
    const names = this.namesFor(msg);
    const { src, dst } = this.ctx.endpoints(fromInitiator);
    const { op, ...rest } = msg;
    const fields: DhcpFields = rest;
    if (msg.messageType !== undefined) fields.messageTypeName = MESSAGE_TYPE_NAMES[msg.messageType];
    const direction = op === OP_BOOTREQUEST ? 'request' : op === OP_BOOTREPLY ? 'response' : 'unknown';
    const event = protocolEvent(
      PROTOCOL,
      ts,
      this.ctx.flow,
      src,
      dst,
      direction,
      functionName(msg),
      'discovery',
      detailOf(msg, names),
      fields,
    );
    const identity = claimsFor(msg, names);
    if (identity) event.identity = identity;
    this.ctx.emit(event);
  }

  /** The message's own names, completed from the same client's DISCOVER on this flow. */
  private namesFor(msg: DhcpMessage): ClientNames {
    const own: ClientNames = {};
    if (msg.hostName !== undefined) own.hostName = msg.hostName;
    if (msg.fqdn !== undefined) own.fqdn = msg.fqdn;
    if (msg.vendorClass !== undefined) own.vendorClass = msg.vendorClass;
    if (msg.chaddr === undefined || msg.op !== OP_BOOTREQUEST) return own;
    if (msg.messageType === MSG_DISCOVER) {
      if (this.clients.size >= MAX_REMEMBERED_CLIENTS) this.clients.clear(); // bounded: a DISCOVER flood must not grow it
      this.clients.set(msg.chaddr, own);
      return own;
    }
    const earlier = this.clients.get(msg.chaddr);
    return earlier ? { ...earlier, ...own } : own;
  }
}

/** 'discover', 'request', 'ack', ...; plain BOOTP: 'bootp_request' / 'bootp_reply'. */
export function functionName(msg: DhcpMessage): string {
  if (msg.messageType === undefined) return msg.op === OP_BOOTREPLY ? 'bootp_reply' : 'bootp_request';
  return MESSAGE_TYPE_NAMES[msg.messageType] ?? `message_type_${msg.messageType}`;
}

/**
 * The address the message proves the client holds: an ACK's yiaddr (or ciaddr, answering INFORM), a
 * REQUEST's ciaddr (renewing) or requested address, an INFORM's ciaddr, a BOOTP reply's yiaddr.
 * OFFER (may be declined), DECLINE, NAK, RELEASE and DISCOVER prove nothing.
 */
export function clientAddress(msg: DhcpMessage): string | undefined {
  const set = (ip: string | undefined): string | undefined => (ip !== undefined && ip !== UNSPECIFIED ? ip : undefined);
  switch (msg.messageType) {
    case MSG_ACK:
      return set(msg.yiaddr) ?? set(msg.ciaddr);
    case MSG_REQUEST:
      return set(msg.ciaddr) ?? set(msg.requestedIp);
    case MSG_INFORM:
      return set(msg.ciaddr);
    case undefined:
      return msg.op === OP_BOOTREPLY ? set(msg.yiaddr) : undefined;
    default:
      return undefined;
  }
}

export function claimsFor(msg: DhcpMessage, names: ClientNames): IdentityClaim[] | undefined {
  const ip = clientAddress(msg);
  if (ip === undefined) return undefined;
  const claims: IdentityClaim[] = [];
  const claim = (attribute: IdentityClaim['attribute'], value: string | undefined): void => {
    if (value === undefined) return;
    const c: IdentityClaim = { about: 'src', ip, attribute, value };
    if (msg.chaddr !== undefined) c.mac = msg.chaddr;
    claims.push(c);
  };
  claim('name', names.hostName);
  if (names.fqdn !== names.hostName) claim('name', names.fqdn);
  // A device's DHCP vendor class often names its maker or model ("MSFT 5.0", a PLC's product family).
  claim('description', names.vendorClass);
  return claims.length > 0 ? claims : undefined;
}

/** "request 10.20.1.10 for 00:0e:8c:11:22:33 (PLC-LINE3)". */
export function detailOf(msg: DhcpMessage, names: ClientNames): string {
  const ip = clientAddress(msg);
  const parts = [functionName(msg)];
  if (ip) parts.push(ip);
  if (msg.chaddr) parts.push(`for ${msg.chaddr}`);
  const name = names.hostName ?? names.fqdn;
  if (name) parts.push(`(${name})`);
  return parts.join(' ');
}
