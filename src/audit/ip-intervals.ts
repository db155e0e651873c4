/**
 * Addresses as inclusive numeric intervals, so that CIDRs, ranges and single addresses can be
 * compared, subtracted (exclusions) and intersected (zone overlaps) the same way.
 * Pure functions; parse errors come back as strings, never as throws.
 */
import ipaddr from 'ipaddr.js';
import type { IpInterval } from './policy-types.js';

type Parsed = { ok: true; interval: IpInterval } | { ok: false; error: string };

function toBig(bytes: number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): 4 | 6 {
  return addr.kind() === 'ipv4' ? 4 : 6;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) counts as the IPv4 address: a zone written in v4 covers it. */
function parseAddr(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  try {
    return ipaddr.process(text);
  } catch {
    return undefined;
  }
}

/** Only the dotted-quad form for IPv4: ipaddr.isValid also accepts '10' or '0xa.1', which nobody means in a policy. */
function strictText(text: string): boolean {
  return text.includes(':') || /^\d{1,3}(\.\d{1,3}){3}$/.test(text);
}

export function addressToInterval(text: string): Parsed {
  const t = text.trim();
  const a = strictText(t) ? parseAddr(t) : undefined;
  if (!a) return { ok: false, error: `'${text}' is not an IP address` };
  const v = toBig(a.toByteArray());
  return { ok: true, interval: { family: familyOf(a), start: v, end: v } };
}

export function cidrToInterval(text: string): Parsed {
  const t = text.trim();
  const slash = t.indexOf('/');
  if (slash < 0 || !strictText(t.slice(0, slash)) || !ipaddr.isValidCIDR(t)) {
    return { ok: false, error: `'${text}' is not a network in CIDR notation (address/prefix)` };
  }
  const [addr, prefix] = ipaddr.parseCIDR(t);
  const family = familyOf(addr);
  const bits = family === 4 ? 32 : 128;
  const base = toBig(addr.toByteArray());
  const hostBits = BigInt(bits - prefix);
  const start = (base >> hostBits) << hostBits;
  const end = start + (1n << hostBits) - 1n;
  // Host bits set (10.20.1.5/24) usually means a typo: say so instead of silently widening.
  if (start !== base)
    return {
      ok: false,
      error: `'${text}' has host bits set: the network is ${intervalToText({ family, start, end }).split('-')[0]}/${prefix}`,
    };
  return { ok: true, interval: { family, start, end } };
}

export function rangeToInterval(text: string): Parsed {
  const parts = text.split('-').map((s) => s.trim());
  if (parts.length !== 2) return { ok: false, error: `'${text}' is not a range 'first-last'` };
  const a = addressToInterval(parts[0]!);
  const b = addressToInterval(parts[1]!);
  if (!a.ok) return a;
  if (!b.ok) return b;
  if (a.interval.family !== b.interval.family) return { ok: false, error: `'${text}' mixes IPv4 and IPv6` };
  if (a.interval.start > b.interval.start) return { ok: false, error: `'${text}' ends before it starts` };
  return { ok: true, interval: { family: a.interval.family, start: a.interval.start, end: b.interval.start } };
}

/** Any of the three textual forms: 'a.b.c.d', 'a.b.c.d/n', 'a.b.c.d-e.f.g.h'. */
export function anyToInterval(text: string): Parsed {
  if (text.includes('/')) return cidrToInterval(text);
  if (text.includes('-')) return rangeToInterval(text);
  return addressToInterval(text);
}

export function overlaps(a: IpInterval, b: IpInterval): boolean {
  return a.family === b.family && a.start <= b.end && b.start <= a.end;
}

export function intersection(a: IpInterval, b: IpInterval): IpInterval | undefined {
  if (!overlaps(a, b)) return undefined;
  return { family: a.family, start: a.start > b.start ? a.start : b.start, end: a.end < b.end ? a.end : b.end };
}

export function contains(i: IpInterval, family: 4 | 6, v: bigint): boolean {
  return i.family === family && i.start <= v && v <= i.end;
}

/** `from` minus every interval of `cut` (the exclusions of a zone). */
export function subtract(from: IpInterval, cut: readonly IpInterval[]): IpInterval[] {
  let pieces: IpInterval[] = [from];
  for (const c of cut) {
    const next: IpInterval[] = [];
    for (const p of pieces) {
      if (!overlaps(p, c)) {
        next.push(p);
        continue;
      }
      if (p.start < c.start) next.push({ family: p.family, start: p.start, end: c.start - 1n });
      if (p.end > c.end) next.push({ family: p.family, start: c.end + 1n, end: p.end });
    }
    pieces = next;
  }
  return pieces;
}

/** Order by family, then start, then end: the order the overlap sweep and `subtractSorted` need. */
export function compareIntervals(a: IpInterval, b: IpInterval): number {
  if (a.family !== b.family) return a.family - b.family;
  if (a.start !== b.start) return a.start < b.start ? -1 : 1;
  return a.end < b.end ? -1 : a.end > b.end ? 1 : 0;
}

/** Sorted, with overlapping and adjacent intervals joined: what `subtractSorted` takes as its cuts. */
export function normaliseIntervals(list: readonly IpInterval[]): IpInterval[] {
  const sorted = [...list].sort(compareIntervals);
  const out: IpInterval[] = [];
  for (const i of sorted) {
    const last = out[out.length - 1];
    if (last && last.family === i.family && i.start <= last.end + 1n) {
      if (i.end > last.end) out[out.length - 1] = { family: last.family, start: last.start, end: i.end };
    } else out.push(i);
  }
  return out;
}

/**
 * `from` minus `cuts` (from normaliseIntervals): the same pieces as `subtract`, but a binary search finds the
 * first cut that can touch `from`, so a zone with many members and many exclusions costs (m + c) log c, not m × c.
 */
export function subtractSorted(from: IpInterval, cuts: readonly IpInterval[]): IpInterval[] {
  let lo = 0;
  let hi = cuts.length;
  // the first cut not wholly before `from` (same family and end >= from.start, or a later family)
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = cuts[mid]!;
    if (c.family < from.family || (c.family === from.family && c.end < from.start)) lo = mid + 1;
    else hi = mid;
  }
  const out: IpInterval[] = [];
  let start = from.start;
  for (let k = lo; k < cuts.length; k++) {
    const c = cuts[k]!;
    if (c.family !== from.family || c.start > from.end) break;
    if (c.start > start) out.push({ family: from.family, start, end: c.start - 1n });
    start = c.end + 1n;
    if (start > from.end) return out;
  }
  out.push({ family: from.family, start, end: from.end });
  return out;
}

/** A dotted quad without leading zeros (which ipaddr.js would read as octal): the form packets give. */
const PLAIN_IPV4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

export function numericAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  // the audit asks for every asset and path end: parsed here, an IPv4 address skips ipaddr.js and its byte array
  const m = PLAIN_IPV4.exec(text);
  if (m) {
    const [a, b, c, d] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4])];
    if (a <= 255 && b <= 255 && c <= 255 && d <= 255) return { family: 4, value: BigInt(a * 0x1000000 + b * 0x10000 + c * 0x100 + d) };
  }
  const r = addressToInterval(text);
  return r.ok ? { family: r.interval.family, value: r.interval.start } : undefined;
}

function bigToText(family: 4 | 6, v: bigint): string {
  const n = family === 4 ? 4 : 16;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((v >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** '10.0.0.5' for one address, '10.0.0.0-10.0.0.255' otherwise. */
export function intervalToText(i: IpInterval): string {
  return i.start === i.end ? bigToText(i.family, i.start) : `${bigToText(i.family, i.start)}-${bigToText(i.family, i.end)}`;
}

/** The interval as the fewest CIDR blocks (for firewall rules that do not take ranges). */
export function intervalToCidrs(i: IpInterval): string[] {
  const bits = i.family === 4 ? 32 : 128;
  const out: string[] = [];
  let start = i.start;
  while (start <= i.end) {
    let size = 0;
    // Grow the block while it stays aligned on start and inside the interval.
    while (size < bits) {
      const next = size + 1;
      const mask = (1n << BigInt(next)) - 1n;
      if ((start & mask) !== 0n || start + mask > i.end) break;
      size = next;
    }
    out.push(`${bigToText(i.family, start)}/${bits - size}`);
    start += 1n << BigInt(size);
  }
  return out;
}
