/**
 * IPv4 fragment reassembly (RFC 791), bounded: at most MAX_DATAGRAMS in progress, each at most 64 KiB,
 * dropped after TIMEOUT seconds of capture time. Overlapping fragments keep the first copy.
 */
const MAX_DATAGRAMS = 1024;
const TIMEOUT = 30;

interface Part {
  offset: number;
  bytes: Buffer;
}
interface Datagram {
  first: number; // ts of the first fragment
  parts: Part[];
  total: number; // payload length, known once the last fragment (MF=0) arrived; -1 before
  prefix?: Buffer; // frame bytes before the transport header, from the fragment at offset 0
}

export interface FragmentCounters {
  fragments: number;
  reassembled: number;
  expired: number;
  dropped: number;
}

export class Ipv4Reassembler {
  private table = new Map<string, Datagram>();
  readonly counters: FragmentCounters = { fragments: 0, reassembled: 0, expired: 0, dropped: 0 };

  /**
   * Add the fragment whose payload is data[l4:l4End], in the frame that starts at data[start]. Returns the
   * whole datagram as `prefix + transport payload` (the prefix is the first fragment's frame from its start
   * to its payload) with the transport header at prefix.length, or undefined while incomplete.
   */
  add(
    key: string,
    data: Buffer,
    start: number,
    l4: number,
    l4End: number,
    offset: number,
    more: boolean,
    ts: number,
  ): { bytes: Buffer; l4: number } | undefined {
    this.counters.fragments++;
    let d = this.table.get(key);
    if (!d) {
      if (this.table.size >= MAX_DATAGRAMS) this.expire(ts, true);
      d = { first: ts, parts: [], total: -1 };
      this.table.set(key, d);
    }
    const len = l4End - l4;
    if (offset + len > 65535) {
      this.table.delete(key);
      this.counters.dropped++;
      return undefined;
    }
    d.parts.push({ offset, bytes: Buffer.from(data.subarray(l4, l4End)) });
    if (offset === 0) d.prefix = Buffer.from(data.subarray(start, l4));
    if (!more) d.total = offset + len;
    if (d.total < 0 || !d.prefix) return undefined;
    d.parts.sort((a, b) => a.offset - b.offset);
    let covered = 0;
    for (const p of d.parts) {
      if (p.offset > covered) return undefined; // a hole remains
      covered = Math.max(covered, p.offset + p.bytes.length);
    }
    if (covered < d.total) return undefined;
    const out = Buffer.alloc(d.prefix.length + d.total);
    d.prefix.copy(out, 0);
    // copy in reverse so that earlier (first-arrived-at-that-offset) copies win on overlap
    for (let i = d.parts.length - 1; i >= 0; i--) {
      const p = d.parts[i];
      p.bytes.copy(out, d.prefix.length + p.offset, 0, Math.min(p.bytes.length, d.total - p.offset));
    }
    this.table.delete(key);
    this.counters.reassembled++;
    return { bytes: out, l4: d.prefix.length };
  }

  /** Drop datagrams older than TIMEOUT (or the oldest one when `force`). */
  expire(now: number, force = false): void {
    for (const [k, d] of this.table) {
      if (force || now - d.first > TIMEOUT) {
        this.table.delete(k);
        this.counters.expired++;
        if (force) return;
      }
    }
  }
}
