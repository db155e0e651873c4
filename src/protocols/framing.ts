/**
 * Length-prefixed PDU framing over one direction of a reassembled TCP stream, shared by the decoders
 * whose PDUs announce their own length in a fixed-size header (Modbus MBAP, EtherNet/IP encapsulation,
 * RFC 1006 TPKT). What differs per protocol is only how a header is judged and measured (`measure`)
 * and what is done with garbage; the rest is the same machinery:
 *
 *  - whole PDUs are delivered in place from the caller's buffer (the common case: no copy);
 *  - a PDU split across chunks is carried over in a buffer of our own, bounded by the largest total
 *    `measure` can return, and completed from the next chunks;
 *  - bytes that cannot start a PDU are garbage: by default the rest of the chunk is dropped (senders
 *    start PDUs at segment boundaries, so the next chunk is the next chance); with `resync` the
 *    framer skips to the next offset that function names;
 *  - a gap drops the carried-over bytes (the stream is resynchronised by the garbage rule);
 *  - after `maxGarbageChunks` garbage chunks without one valid PDU the direction is given up on
 *    (a scanner or another protocol on the port: do not look for PDUs in random bytes forever).
 */

/** `measure` result: the bytes in hand are the start of a PDU whose length is not visible yet. */
export const NEED_MORE = -1;
/** `measure` result: no PDU starts here. */
export const GARBAGE = -2;

/**
 * Judges the bytes at buf[off, off + avail) (avail >= 1): the total length of the PDU starting there
 * (at least `headerLen`, and bounded: it sizes the carry-over buffer), NEED_MORE or GARBAGE. Pure.
 */
export type Measure = (buf: Buffer, off: number, avail: number) => number;

export interface PduSink {
  /** One whole PDU at buf[start, end); `atChunkStart`: its first byte was the first byte of an onData chunk. */
  pdu(buf: Buffer, start: number, end: number, atChunkStart: boolean): void;
  /** Bytes buf[from, to) were skipped as garbage (one call per garbage run). */
  garbage(buf: Buffer, from: number, to: number): void;
  /** The framer stopped looking: `chunks` garbage runs and no valid PDU. */
  gaveUp?(chunks: number): void;
}

export interface FramerOptions {
  /** Bytes from which `measure` never answers NEED_MORE. */
  headerLen: number;
  measure: Measure;
  /** First offset in [from, end) where a PDU may start (end when none); without it, garbage runs to the chunk's end. */
  resync?: (buf: Buffer, from: number, end: number) => number;
  /**
   * Judge a carried-over header again each time bytes are added to it while it is still shorter than
   * `headerLen` (TPKT, which judges whatever it sees); otherwise it is judged once it is whole (MBAP, ENIP).
   */
  judgeShortHeader?: boolean;
  /** Garbage runs tolerated before the first valid PDU (default: never give up). */
  maxGarbageChunks?: number;
  /** Initial size of the carry-over buffer (it grows to the PDU's total when needed). */
  initialCapacity?: number;
}

/**
 * A protocol's FramerOptions with their defaults, made once per protocol: each of its framers (two per
 * connection) refers to it rather than holding a copy of every option.
 */
export class Framing {
  readonly headerLen: number;
  readonly measure: Measure;
  readonly resync: ((buf: Buffer, from: number, end: number) => number) | undefined;
  readonly judgeShort: boolean;
  readonly maxGarbage: number;
  readonly capacity: number;

  constructor(o: FramerOptions) {
    this.headerLen = o.headerLen;
    this.measure = o.measure;
    this.resync = o.resync;
    this.judgeShort = o.judgeShortHeader ?? false;
    this.maxGarbage = o.maxGarbageChunks ?? Infinity;
    this.capacity = o.initialCapacity ?? o.headerLen;
  }
}

export class PduFramer {
  private readonly framing: Framing;
  private pend: Buffer | undefined;
  private pendLen = 0;
  /** Total of the carried-over PDU once its header has been measured; 0 before. */
  private pendTotal = 0;
  private pendAtStart = false;
  /** After a gap the next chunk's first byte is not where the sender started a PDU. */
  private startLost = false;
  /** Garbage runs seen. */
  garbageChunks = 0;
  /** A valid PDU (or, for callers framing datagrams themselves, a valid message) has been seen. */
  validSeen = false;
  givenUp = false;

  /** `o`: the protocol's Framing, or options to make one of (tests, one-off framers). */
  constructor(
    private readonly sink: PduSink,
    o: Framing | FramerOptions,
  ) {
    this.framing = o instanceof Framing ? o : new Framing(o);
  }

  /** Bytes carried over to the next chunk. */
  get pending(): number {
    return this.pendLen;
  }

  /** The next in-order bytes of this direction: data[start, end) (the whole of data by default). */
  push(data: Buffer, start = 0, end = data.length): void {
    if (this.givenUp || end <= start) return;
    const lost = this.startLost;
    this.startLost = false;
    let off = start;
    if (this.pendLen > 0) {
      off = this.completePending(data, start, end);
      if (off < 0) return;
    }
    this.run(data, off, end, lost ? -1 : start);
  }

  /** Bytes were lost before the next chunk: reset(), and that chunk does not start a PDU as sent. Returns reset()'s count. */
  gap(): number {
    this.startLost = true;
    return this.reset();
  }

  /** Drops carried-over bytes (a gap, an error, the end of the flow); returns how many. */
  reset(): number {
    const n = this.pendLen;
    this.pendLen = 0;
    this.pendTotal = 0;
    return n;
  }

  /** reset(), and frees the carry-over buffer (end of flow). */
  release(): number {
    const n = this.reset();
    this.pend = undefined;
    return n;
  }

  /** Counts a garbage run found by the caller itself (a datagram), with the same give-up rule. */
  skip(buf: Buffer, from: number, to: number): void {
    this.garbageChunks++;
    this.sink.garbage(buf, from, to);
    if (!this.validSeen && this.garbageChunks >= this.framing.maxGarbage) {
      this.givenUp = true;
      this.sink.gaveUp?.(this.garbageChunks);
    }
  }

  /**
   * Whole PDUs from data[off, n); the tail that is a PDU's start is carried over. `chunkStart`: where the
   * chunk as sent starts (for atChunkStart), -1 when that is not known (after a gap, in re-scanned bytes).
   */
  private run(data: Buffer, off: number, n: number, chunkStart: number): void {
    const { measure, resync } = this.framing;
    while (off < n) {
      const rem = n - off;
      const m = measure(data, off, rem);
      if (m === GARBAGE) {
        if (!resync) {
          this.skip(data, off, n);
          return;
        }
        const next = resync(data, off + 1, n);
        this.skip(data, off, next);
        if (this.givenUp) return;
        off = next;
        continue;
      }
      if (m === NEED_MORE || m > rem) {
        this.keep(data, off, n, m === NEED_MORE ? this.framing.headerLen : m, off === chunkStart);
        return;
      }
      this.validSeen = true;
      this.sink.pdu(data, off, off + m, off === chunkStart);
      off += m;
    }
  }

  /** Adds the first bytes of data[start, n) to the carried-over PDU; returns where the rest starts, or -1 when they are used up. */
  private completePending(data: Buffer, start: number, n: number): number {
    const { headerLen, measure } = this.framing;
    let pend = this.pend!;
    let off = start;
    if (this.pendTotal === 0) {
      const take = Math.min(headerLen - this.pendLen, n - off);
      data.copy(pend, this.pendLen, off, off + take);
      this.pendLen += take;
      off += take;
      if (this.pendLen < headerLen) {
        // data is used up and the header is still short: judge what there is only if asked to
        if (this.framing.judgeShort && measure(pend, 0, this.pendLen) === GARBAGE) return this.garbageInPending(data, off, n);
        return -1;
      }
      const m = measure(pend, 0, this.pendLen);
      if (m === GARBAGE) return this.garbageInPending(data, off, n);
      this.pendTotal = m;
      if (pend.length < m) {
        const bigger = Buffer.allocUnsafe(m);
        pend.copy(bigger, 0, 0, this.pendLen);
        this.pend = pend = bigger;
      }
    }
    const total = this.pendTotal;
    const take = Math.min(total - this.pendLen, n - off);
    data.copy(pend, this.pendLen, off, off + take);
    this.pendLen += take;
    off += take;
    if (this.pendLen < total) return -1;
    this.pendLen = 0;
    this.pendTotal = 0;
    this.validSeen = true;
    this.sink.pdu(pend, 0, total, this.pendAtStart);
    return off;
  }

  /**
   * The carried-over header turned out to be garbage. Without resync the rest of this chunk goes with
   * it; with resync the search goes on through the held bytes and the chunk (rare: one copy).
   */
  private garbageInPending(data: Buffer, off: number, n: number): number {
    const held = this.pendLen;
    this.pendLen = 0;
    if (!this.framing.resync) {
      this.skip(this.pend!, 0, held);
      return -1;
    }
    const work = Buffer.allocUnsafe(held + n - off);
    this.pend!.copy(work, 0, 0, held);
    data.copy(work, held, off, n);
    this.run(work, 0, work.length, -1);
    return -1;
  }

  private keep(data: Buffer, from: number, to: number, need: number, atStart: boolean): void {
    if (!this.pend || this.pend.length < need) this.pend = Buffer.allocUnsafe(Math.max(need, this.framing.capacity));
    data.copy(this.pend, 0, from, to);
    this.pendLen = to - from;
    // Measured already when the header is whole; a short header is measured when completed.
    this.pendTotal = this.pendLen >= this.framing.headerLen ? need : 0;
    this.pendAtStart = atStart;
  }
}
