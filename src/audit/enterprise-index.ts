/**
 * Which zone of the enterprise policy (a site, or the enterprise zone) an address belongs to: every range
 * of every zone sorted once, then one binary search per address (the zones do not overlap: the loader
 * refuses that), and a cache of the answers, since a plant's paths repeat the same few thousand addresses.
 * IPv4 in plain numbers, parsed by hand (the common case: no bigint, no parser object, and cheaper than a cache,
 * measured: 400,000 distinct addresses thrashed one); IPv6 through ip-intervals, with a bounded cache.
 */
import type { EnterprisePolicy } from './enterprise-policy.js';
import { numericAddress } from './ip-intervals.js';

/** Answers remembered at most (then forgotten all at once: bounded memory whatever the traffic). */
const CACHE_MAX = 50_000;

interface Ranges<T> {
  starts: T[];
  ends: T[];
  zones: string[];
}

function find<T>(r: Ranges<T>, v: T): string | undefined {
  let lo = 0;
  let hi = r.starts.length - 1;
  // the last range starting at or before v
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (r.starts[mid]! <= v) lo = mid + 1;
    else hi = mid - 1;
  }
  return hi >= 0 && v <= r.ends[hi]! ? r.zones[hi] : undefined;
}

/** a.b.c.d as a number, or -1 when the text is anything else. */
function ipv4(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? value * 256 + part : -1;
}

export class ZoneIndex {
  private readonly v4: Ranges<number> = { starts: [], ends: [], zones: [] };
  private readonly v6: Ranges<bigint> = { starts: [], ends: [], zones: [] };
  private cache = new Map<string, string | null>();

  constructor(policy: EnterprisePolicy) {
    const all = policy.zones.flatMap((z) => z.intervals.map((i) => ({ i, zone: z.id })));
    all.sort((a, b) => (a.i.start < b.i.start ? -1 : a.i.start > b.i.start ? 1 : 0));
    for (const { i, zone } of all) {
      if (i.family === 4) {
        this.v4.starts.push(Number(i.start));
        this.v4.ends.push(Number(i.end));
        this.v4.zones.push(zone);
      } else {
        this.v6.starts.push(i.start);
        this.v6.ends.push(i.end);
        this.v6.zones.push(zone);
      }
    }
  }

  /** The zone id of the address, or undefined when no zone's ranges hold it (or it is no address). */
  zoneOf(ip: string): string | undefined {
    const v = ipv4(ip);
    if (v >= 0) return find(this.v4, v);
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit ?? undefined;
    const a = numericAddress(ip);
    const zone = a ? (a.family === 4 ? find(this.v4, Number(a.value)) : find(this.v6, a.value)) : undefined;
    if (this.cache.size >= CACHE_MAX) this.cache = new Map();
    this.cache.set(ip, zone ?? null);
    return zone;
  }
}
