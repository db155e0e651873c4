/** ARP (RFC 826) for Ethernet/IPv4: the sender's (and in replies the target's) MAC↔IP binding is inventory evidence. */
import { macToString, ipv4ToString } from './addr.js';

export interface ArpRecord {
  op: number; // 1 request, 2 reply
  senderMac: string;
  senderIp: string;
  targetMac: string;
  targetIp: string;
}

const ARP_HW_ETHERNET = 1;
const ARP_PROTO_IPV4 = 0x0800;

/** Decode the ARP packet at `off`; undefined when it is not Ethernet/IPv4 ARP or too short. */
export function decodeArp(data: Buffer, off: number): ArpRecord | undefined {
  if (data.length < off + 28) return undefined;
  // htype(2) ptype(2) hlen(1) plen(1) op(2) sha(6) spa(4) tha(6) tpa(4)
  if (data.readUInt16BE(off) !== ARP_HW_ETHERNET || data.readUInt16BE(off + 2) !== ARP_PROTO_IPV4) return undefined;
  if (data[off + 4] !== 6 || data[off + 5] !== 4) return undefined;
  return {
    op: data.readUInt16BE(off + 6),
    senderMac: macToString(data, off + 8),
    senderIp: ipv4ToString(data.readUInt32BE(off + 14)),
    targetMac: macToString(data, off + 18),
    targetIp: ipv4ToString(data.readUInt32BE(off + 24)),
  };
}
