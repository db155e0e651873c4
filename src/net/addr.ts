/** Address formatting: only called when an address is kept (flow creation, bindings), never per packet. */

export function ipv4ToString(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** RFC 5952 text form of the 16 bytes at `off` (lower case, longest zero run compressed). */
export function ipv6ToString(buf: Buffer, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push(buf.readUInt16BE(off + i * 2));
  // IPv4-mapped ::ffff:a.b.c.d keeps its dotted tail, as Wireshark and ipaddr.js print it
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${buf[off + 12]}.${buf[off + 13]}.${buf[off + 14]}.${buf[off + 15]}`;
  }
  let bestStart = -1;
  let bestLen = 1; // a single zero word is not compressed
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart < 0) return hex.join(':');
  const head = hex.slice(0, bestStart).join(':');
  const tail = hex.slice(bestStart + bestLen).join(':');
  return `${head}::${tail}`;
}

/** Two lower-case hex digits per byte value. */
const HEX2 = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function macToString(buf: Buffer, off: number): string {
  const h = HEX2;
  return `${h[buf[off]]}:${h[buf[off + 1]]}:${h[buf[off + 2]]}:${h[buf[off + 3]]}:${h[buf[off + 4]]}:${h[buf[off + 5]]}`;
}

/** `ip:port` as the oracle writes endpoints: IPv6 in brackets. */
export function endpointKey(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}
