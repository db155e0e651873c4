/**
 * The hash that keys an IPv4 flow in the flow table and decides its shard in a sharded analysis, from the
 * decoded frame (flow-table.ts) or, for a sharded analysis passing over another shard's packets, straight from
 * the bytes of a plain Ethernet/IPv4 frame (peekIpv4FlowHash): both must give the same number for a packet.
 */

/** 30-bit hash of an IPv4 5-tuple in canonical order (a small integer, which V8's Map handles without allocation). */
export function tupleHash(lo: number, hi: number, ports: number, proto: number): number {
  let h = Math.imul(lo ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ hi, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ ports, 0x27d4eb2f);
  h ^= (h >>> 15) ^ proto;
  return h & 0x3fffffff;
}

/** Whether the source endpoint sorts first ("lo"): both directions of a flow find the same key. */
export function sourceIsLo(src: number, dst: number, srcPort: number, dstPort: number): boolean {
  return src < dst || (src === dst && srcPort <= dstPort);
}

const ETHERNET_HEADER = 14;
const IPV4_MIN_HEADER = 20;
const PROTO_TCP = 6;
const PROTO_UDP = 17;

/**
 * tupleHash of the flow of the Ethernet frame data[start, end) when it is plain IPv4 (no VLAN tag, not a
 * fragment) carrying TCP or UDP with its ports in the capture; -1 for anything else, which is decoded in
 * full. It reads the fields decodeFrame would (src/net/frame.ts) and no more: a packet another shard
 * keeps costs this, not a decode.
 */
export function peekIpv4FlowHash(data: Buffer, start: number, end: number): number {
  const l3 = start + ETHERNET_HEADER;
  if (end < l3 + IPV4_MIN_HEADER || data[start + 12] !== 0x08 || data[start + 13] !== 0x00) return -1;
  const vihl = data[l3];
  const ihl = (vihl & 15) * 4;
  if (vihl >> 4 !== 4 || ihl < IPV4_MIN_HEADER) return -1;
  if ((data[l3 + 6] & 0x3f) !== 0 || data[l3 + 7] !== 0) return -1; // more fragments, or an offset: a fragment
  const proto = data[l3 + 9];
  if (proto !== PROTO_TCP && proto !== PROTO_UDP) return -1;
  const l4 = l3 + ihl;
  if (l4 + 4 > end) return -1;
  const src = ((data[l3 + 12] << 24) | (data[l3 + 13] << 16) | (data[l3 + 14] << 8) | data[l3 + 15]) >>> 0;
  const dst = ((data[l3 + 16] << 24) | (data[l3 + 17] << 16) | (data[l3 + 18] << 8) | data[l3 + 19]) >>> 0;
  const sp = (data[l4] << 8) | data[l4 + 1];
  const dp = (data[l4 + 2] << 8) | data[l4 + 3];
  return sourceIsLo(src, dst, sp, dp)
    ? tupleHash(src | 0, dst | 0, (sp << 16) | dp, proto)
    : tupleHash(dst | 0, src | 0, (dp << 16) | sp, proto);
}
