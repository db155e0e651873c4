/**
 * Link, network and transport decoding of one captured frame into a reusable `Frame` (no allocation per
 * packet: the pipeline owns one Frame and decodes every packet into it). The frame is data[start, end) of
 * the capture reader's buffer (no Buffer view is made per packet); every offset points into `data`.
 */
import {
  AF_INET,
  AF_INET6,
  ETHERTYPE_ARP,
  ETHERTYPE_IPV4,
  ETHERTYPE_IPV6,
  ETHERTYPE_QINQ,
  ETHERTYPE_QINQ_OLD,
  ETHERTYPE_VLAN,
  IPPROTO_TCP,
  IPPROTO_UDP,
  LINKTYPE_ETHERNET,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_LINUX_SLL2,
  LINKTYPE_LOOP,
  LINKTYPE_NULL,
  LINKTYPE_RAW,
  LINKTYPE_RAW_OLD,
  LINKTYPE_RAW_OPENBSD,
} from './constants.js';

/** Why a frame carried nothing for the flow table (counted by the pipeline). */
export const enum FrameKind {
  Transport = 0, // TCP or UDP: srcPort.. payload fields are valid
  Arp = 1,
  Llc = 2, // 802.3 frame with an LLC header at l3 (dsap at l3)
  OtherL3 = 3, // a network protocol otwatch does not decode (PROFINET, GOOSE, LLDP, ICMP, ...)
  Fragment = 4, // an IPv4 fragment: the pipeline reassembles it
  UnknownLink = 5,
  Malformed = 6, // too short / inconsistent headers
}

export class Frame {
  data: Buffer = Buffer.alloc(0);
  /** The frame ends at data[end] (it starts where decodeFrame was told). */
  end = 0;
  ts = 0;
  kind: FrameKind = FrameKind.Malformed;
  /** Offset of the Ethernet destination MAC (source at +6); -1 without Ethernet. */
  ethOff = -1;
  /** Offset of a source MAC when the link has one without a destination (SLL/SLL2); else ethOff + 6 or -1. */
  srcMacOff = -1;
  /** Innermost VLAN id (the customer tag in QinQ), -1 when untagged. */
  vlan = -1;
  vlanDepth = 0;
  etherType = 0;
  l3 = 0; // offset of the network header
  ipVersion = 0; // 4 or 6, 0 otherwise
  src4 = 0; // IPv4 addresses as unsigned 32-bit numbers
  dst4 = 0;
  addrOff = 0; // IPv6: offset of the source address (destination at +16)
  ipId = 0; // IPv4 identification (fragments)
  fragOffset = 0; // bytes
  moreFragments = false;
  l4proto = 0;
  l4 = 0; // offset of the transport header
  l4End = 0; // end of the IP payload (Ethernet padding excluded)
  /** True when the capture cut the packet short of what its IP header says (snaplen). */
  truncated = false;
  srcPort = 0;
  dstPort = 0;
  tcpFlags = 0;
  /** TCP sequence and acknowledgement numbers, as int32. */
  seq = 0;
  ack = 0;
  payload = 0; // offset of the transport payload
  payloadEnd = 0;
}

/** Decode the frame data[start, end) of the given link type into `f`. Never throws. */
export function decodeFrame(linkType: number, data: Buffer, start: number, end: number, ts: number, f: Frame): FrameKind {
  f.data = data;
  f.end = end;
  f.ts = ts;
  f.ethOff = -1;
  f.srcMacOff = -1;
  f.vlan = -1;
  f.vlanDepth = 0;
  f.ipVersion = 0;
  f.truncated = false;
  f.etherType = 0;
  const len = end - start;
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      return (f.kind = decodeEthernet(data, start, f));
    case LINKTYPE_LINUX_SLL: {
      // 16 bytes: packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2)
      if (len < 16) return (f.kind = FrameKind.Malformed);
      if (u16(data, start + 4) === 6 && u16(data, start + 2) === 1) f.srcMacOff = start + 6;
      return (f.kind = decodeEtherTypeChain(data, u16(data, start + 14), start + 16, f));
    }
    case LINKTYPE_LINUX_SLL2: {
      // 20 bytes: protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8)
      if (len < 20) return (f.kind = FrameKind.Malformed);
      if (data[start + 11] === 6 && u16(data, start + 8) === 1) f.srcMacOff = start + 12;
      return (f.kind = decodeEtherTypeChain(data, u16(data, start), start + 20, f));
    }
    case LINKTYPE_NULL:
    case LINKTYPE_LOOP: {
      if (len < 4) return (f.kind = FrameKind.Malformed);
      // NULL stores the family in the capturing host's byte order: take whichever reading is small
      let fam = linkType === LINKTYPE_LOOP ? u32(data, start) : data.readUInt32LE(start);
      if (fam > 0xffff) fam = u32(data, start);
      if (fam === AF_INET) return (f.kind = decodeIp(data, start + 4, f, 4));
      if (AF_INET6.has(fam)) return (f.kind = decodeIp(data, start + 4, f, 6));
      return (f.kind = FrameKind.OtherL3);
    }
    case LINKTYPE_RAW:
    case LINKTYPE_RAW_OLD:
    case LINKTYPE_RAW_OPENBSD:
      if (len < 1) return (f.kind = FrameKind.Malformed);
      return (f.kind = decodeIp(data, start, f, data[start] >> 4));
    case LINKTYPE_IPV4:
      return (f.kind = decodeIp(data, start, f, 4));
    case LINKTYPE_IPV6:
      return (f.kind = decodeIp(data, start, f, 6));
    default:
      return (f.kind = FrameKind.UnknownLink);
  }
}

function decodeEthernet(data: Buffer, off: number, f: Frame): FrameKind {
  if (f.end < off + 14) return FrameKind.Malformed;
  f.ethOff = off;
  f.srcMacOff = off + 6;
  const type = u16(data, off + 12);
  if (type < 0x0600) {
    // 802.3 length field: an LLC header follows (BACnet/Ethernet, STP, ...)
    f.l3 = off + 14;
    f.l4End = Math.min(f.end, off + 14 + type);
    return f.end >= off + 17 ? FrameKind.Llc : FrameKind.Malformed;
  }
  return decodeEtherTypeChain(data, type, off + 14, f);
}

/** Follow VLAN tags of any depth, then dispatch on the EtherType. */
function decodeEtherTypeChain(data: Buffer, type: number, off: number, f: Frame): FrameKind {
  while (type === ETHERTYPE_VLAN || type === ETHERTYPE_QINQ || type === ETHERTYPE_QINQ_OLD) {
    if (f.end < off + 4) return FrameKind.Malformed;
    f.vlan = u16(data, off) & 0x0fff;
    f.vlanDepth++;
    type = u16(data, off + 2);
    off += 4;
  }
  f.etherType = type;
  f.l3 = off;
  if (type === ETHERTYPE_IPV4) return decodeIp(data, off, f, 4);
  if (type === ETHERTYPE_IPV6) return decodeIp(data, off, f, 6);
  if (type === ETHERTYPE_ARP) return f.end >= off + 28 ? FrameKind.Arp : FrameKind.Malformed;
  if (type < 0x0600) {
    f.l4End = Math.min(f.end, off + type);
    return f.end >= off + 3 ? FrameKind.Llc : FrameKind.Malformed;
  }
  return FrameKind.OtherL3;
}

function decodeIp(data: Buffer, off: number, f: Frame, version: number): FrameKind {
  f.l3 = off;
  if (version === 4) return decodeIpv4(data, off, f);
  if (version === 6) return decodeIpv6(data, off, f);
  return FrameKind.Malformed;
}

function decodeIpv4(data: Buffer, off: number, f: Frame): FrameKind {
  if (f.end < off + 20) return FrameKind.Malformed;
  const vihl = data[off];
  const ihl = (vihl & 15) * 4;
  if (vihl >> 4 !== 4 || ihl < 20) return FrameKind.Malformed;
  const total = u16(data, off + 2);
  if (total < ihl) return FrameKind.Malformed;
  f.ipVersion = 4;
  f.src4 = u32(data, off + 12);
  f.dst4 = u32(data, off + 16);
  f.l4proto = data[off + 9];
  f.ipId = u16(data, off + 4);
  const frag = u16(data, off + 6);
  f.moreFragments = (frag & 0x2000) !== 0;
  f.fragOffset = (frag & 0x1fff) * 8;
  f.l4 = off + ihl;
  // total length excludes Ethernet padding; a shorter capture means snaplen truncation
  let end = off + total;
  if (end > f.end) {
    f.truncated = true;
    end = f.end;
  }
  f.l4End = end;
  if (f.l4 > end) return FrameKind.Malformed;
  if (f.moreFragments || f.fragOffset > 0) return FrameKind.Fragment;
  return decodeTransport(data, f);
}

/** IPv6 extension headers walked to the transport header. */
const IPV6_HOP_BY_HOP = 0;
const IPV6_ROUTING = 43;
const IPV6_FRAGMENT = 44;
const IPV6_DEST_OPTS = 60;
const IPV6_AH = 51;

function decodeIpv6(data: Buffer, off: number, f: Frame): FrameKind {
  if (f.end < off + 40) return FrameKind.Malformed;
  if (data[off] >> 4 !== 6) return FrameKind.Malformed;
  f.ipVersion = 6;
  f.addrOff = off + 8;
  let end = off + 40 + u16(data, off + 4);
  if (end > f.end) {
    f.truncated = true;
    end = f.end;
  }
  f.l4End = end;
  let next = data[off + 6];
  let p = off + 40;
  for (let guard = 0; guard < 8; guard++) {
    if (next === IPV6_HOP_BY_HOP || next === IPV6_ROUTING || next === IPV6_DEST_OPTS) {
      if (p + 2 > end) return FrameKind.Malformed;
      next = data[p];
      p += (data[p + 1] + 1) * 8;
    } else if (next === IPV6_AH) {
      if (p + 2 > end) return FrameKind.Malformed;
      next = data[p];
      p += (data[p + 1] + 2) * 4;
    } else if (next === IPV6_FRAGMENT) {
      if (p + 8 > end) return FrameKind.Malformed;
      const fo = u16(data, p + 2);
      f.fragOffset = fo & 0xfff8;
      f.moreFragments = (fo & 1) !== 0;
      next = data[p];
      p += 8;
      // IPv6 fragments are rare on plant networks: an atomic fragment is decoded, others counted
      if (f.fragOffset !== 0 || f.moreFragments) {
        f.l4proto = next;
        f.l4 = p;
        return FrameKind.OtherL3;
      }
    } else break;
  }
  if (p > end) return FrameKind.Malformed;
  f.l4proto = next;
  f.l4 = p;
  f.moreFragments = false;
  f.fragOffset = 0;
  return decodeTransport(data, f);
}

/** TCP/UDP header at f.l4 (also used on reassembled IPv4 fragments). */
export function decodeTransport(data: Buffer, f: Frame): FrameKind {
  const p = f.l4;
  const end = f.l4End;
  if (f.l4proto === IPPROTO_TCP) {
    if (end - p < 20) return FrameKind.Malformed;
    const hl = (data[p + 12] >> 4) * 4;
    if (hl < 20 || p + hl > end) return FrameKind.Malformed;
    f.srcPort = u16(data, p);
    f.dstPort = u16(data, p + 2);
    // as int32 (the same 32 bits): small integers in V8, where half of all uint32 values would be boxed
    // doubles on every call that passes them; sequence arithmetic is modulo 2^32 either way (seqDiff)
    f.seq = u32(data, p + 4) | 0;
    f.ack = u32(data, p + 8) | 0;
    f.tcpFlags = data[p + 13];
    f.payload = p + hl;
    f.payloadEnd = end;
    return FrameKind.Transport;
  }
  if (f.l4proto === IPPROTO_UDP) {
    if (end - p < 8) return FrameKind.Malformed;
    f.srcPort = u16(data, p);
    f.dstPort = u16(data, p + 2);
    const ulen = u16(data, p + 4);
    f.tcpFlags = 0;
    f.payload = p + 8;
    // trust the UDP length when it is consistent; a truncated capture keeps what it has
    f.payloadEnd = ulen >= 8 && p + ulen <= end ? p + ulen : end;
    return FrameKind.Transport;
  }
  return FrameKind.OtherL3;
}

/**
 * Big-endian reads at offsets the caller has bounds-checked. Plain byte arithmetic is inlined by the
 * compiler, where Buffer#readUInt16BE/readUInt32BE validate their offset on every call (per packet).
 */
function u16(b: Buffer, o: number): number {
  return (b[o]! << 8) | b[o + 1]!;
}

function u32(b: Buffer, o: number): number {
  return b[o]! * 0x1000000 + ((b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!);
}
