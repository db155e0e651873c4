/** Small pure facts about addresses: which ones name a device, and which subnet an address is in. */
import ipaddr from 'ipaddr.js';
import { IPV4_SUBNET_BITS, IPV6_SUBNET_BITS } from './constants.js';

/** Broadcast and multicast MACs (group bit set) and the all-zero MAC never identify a device. */
export function isDeviceMac(mac: string | undefined): mac is string {
  if (!mac || mac.length < 17) return false;
  if (mac === '00:00:00:00:00:00') return false;
  // the group bit is the low bit of the first octet, the low bit of its second hex digit ('0'-'9' and 'a'-'f' /
  // 'A'-'F' alternate odd and even with their character codes, the letters from an odd code: 'a' is 10)
  const c = mac.charCodeAt(1);
  const digit = c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x57;
  return (digit & 0x01) === 0;
}

/**
 * Whether an IP can be a device's own unicast address. Broadcast, multicast and unspecified addresses
 * cannot; an IPv4 address ending in .255 is taken as a /24 directed broadcast, the usual plant netmask
 * (the passive view does not know the mask, and a host numbered .255 is rare enough to accept the miss).
 */
export function isDeviceIp(ip: string): boolean {
  let known = deviceIpCache.get(ip);
  if (known === undefined) {
    // a scan names many addresses once each: the cache starts afresh rather than grow without bound
    if (deviceIpCache.size >= DEVICE_IP_CACHE_MAX) deviceIpCache.clear();
    deviceIpCache.set(ip, (known = parseDeviceIp(ip)));
  }
  return known;
}

/**
 * isDeviceIp per address string: the inventory asks several times per event (about 5 per routed BACnet
 * message), and parsing with ipaddr.js each time was a third of a BACnet capture's analysis.
 */
const deviceIpCache = new Map<string, boolean>();
const DEVICE_IP_CACHE_MAX = 1 << 16;

function parseDeviceIp(ip: string): boolean {
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    addr = ipaddr.parse(ip);
  } catch {
    return false;
  }
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) return parseDeviceIp(v6.toIPv4Address().toString());
    const range = v6.range();
    return range !== 'multicast' && range !== 'unspecified';
  }
  const v4 = addr as ipaddr.IPv4;
  const range = v4.range();
  if (range === 'broadcast' || range === 'multicast' || range === 'unspecified') return false;
  return v4.octets[3] !== 255;
}

/** The subnet an address is guessed to be in ('10.1.2.0/24', 'fd00::/64'); link-local addresses return undefined. */
export function subnetOf(ip: string): string | undefined {
  try {
    const addr = ipaddr.parse(ip);
    if (addr.range() === 'linkLocal' || addr.range() === 'loopback') return undefined;
    const bits = addr.kind() === 'ipv4' ? IPV4_SUBNET_BITS : IPV6_SUBNET_BITS;
    const bytes = addr.toByteArray();
    const kept = bytes.map((b, i) => {
      const from = i * 8;
      if (from >= bits) return 0;
      if (from + 8 <= bits) return b;
      return b & (0xff << (8 - (bits - from)));
    });
    return `${ipaddr.fromByteArray(kept).toString()}/${bits}`;
  } catch {
    return undefined;
  }
}

export function isIpv4(ip: string): boolean {
  return ip.includes('.') && !ip.includes(':');
}
