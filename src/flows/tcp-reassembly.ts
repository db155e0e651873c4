/**
 * TCP reassembly of one direction of a connection: delivers in-order bytes, trims retransmissions and
 * overlaps (first copy wins, as most stacks and Zeek do), holds out-of-order segments (bounded), and
 * reports gaps when bytes are provably lost (the peer acknowledged past them, the queue overflowed, or
 * the flow ended) so that the decoder can resynchronise.
 */

/** Signed difference of 32-bit sequence numbers: >0 when a is after b (RFC 1982 style). */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/**
 * Where a direction delivers: the flow itself (one object for both directions, told which one by the
 * flag), so that a segment touches no per-direction feed object on its way to the decoder.
 */
export interface StreamSink {
  /** Segments queued out of order in both directions of the flow (kept by its TcpDirections). */
  queuedSegments: number;
  /** In-order bytes data[start, end), valid only during the call. */
  streamData(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void;
  streamGap(fromInitiator: boolean, bytes: number, ts: number): void;
}

interface Pending {
  seq: number;
  bytes: Buffer; // a copy: the capture buffer is reused
}

/** Limits so that a hostile or broken stream cannot grow memory without bound. */
export const MAX_PENDING_SEGMENTS = 256;
export const MAX_PENDING_BYTES = 1 << 20;

/**
 * The out-of-order bytes held by every stream of a flow table together, and their bound: one direction may hold
 * MAX_PENDING_BYTES, but thousands of flows with holes (hostile traffic, a lossy mirror port) must not hold
 * that many times over. At the bound, a stream declares its hole lost at once instead of holding the segment.
 */
export class ReassemblyBudget {
  queued = 0;
  constructor(
    readonly max: number,
    /** Called each time a segment is delivered past a hole because the bound was reached. */
    readonly onRefused: () => void = () => {},
  ) {}
}

const UNBOUNDED = new ReassemblyBudget(Infinity);

export class TcpDirection {
  /**
   * Next expected sequence number, valid once `started` (the first segment or SYN of this direction).
   * Kept as an int32 (never undefined, never above 2^31) so that V8 stores it as a small integer in the
   * object rather than in a boxed number: seqDiff works modulo 2^32 whichever way it is written.
   */
  private next = 0;
  private isStarted = false;
  /**
   * Segments held out of order, oldest first; none until one comes (most streams never have any). The
   * per-packet checks read pendingBytes, in this object, rather than the array: every segment is at least
   * one byte, so pendingBytes > 0 exactly when the array holds one.
   */
  private pending: Pending[] | undefined;
  private pendingBytes = 0;
  gaps = 0;
  gapBytes = 0;
  retransmittedBytes = 0;

  constructor(
    private readonly sink: StreamSink,
    private readonly fromInitiator: boolean,
    private readonly budget: ReassemblyBudget = UNBOUNDED,
  ) {}

  /** SYN seen: data starts at isn + 1. */
  syn(isn: number): void {
    if (!this.isStarted) this.start(isn + 1);
  }

  get started(): boolean {
    return this.isStarted;
  }

  private start(seq: number): void {
    this.next = seq | 0;
    this.isStarted = true;
  }

  /** A segment carrying payload data[start:end] at sequence `seq`. */
  segment(seq: number, data: Buffer, start: number, end: number, ts: number): void {
    const len = end - start;
    if (len <= 0) return;
    if (!this.isStarted) this.start(seq); // mid-stream: the first segment seen starts the stream
    const d = seqDiff(seq, this.next);
    if (d <= 0) {
      // retransmission or overlap: deliver only the part beyond what was delivered (0 - d: -d of 0 is -0, a
      // double, which would make retransmittedBytes a boxed number in every direction)
      const skip = 0 - d;
      if (skip >= len) {
        this.retransmittedBytes += len;
        return;
      }
      this.retransmittedBytes += skip;
      this.deliver(data, start + skip, end, ts);
      this.drain(ts);
      return;
    }
    // in the future: keep a copy until the hole is filled or proven lost
    const budget = this.budget;
    if (
      (this.pending?.length ?? 0) >= MAX_PENDING_SEGMENTS ||
      this.pendingBytes + len > MAX_PENDING_BYTES ||
      budget.queued + len > budget.max
    ) {
      this.skipToPending(ts);
      // after skipping, this segment may now be in order
      if (seqDiff(seq, this.next) <= 0) return this.segment(seq, data, start, end, ts);
      if (budget.queued + len > budget.max) {
        // every stream's held bytes together are at the bound: what this one holds before the segment goes
        // out (its holes declared), then the hole before the segment, then the segment
        budget.onRefused();
        while (this.pendingBytes > 0 && seqDiff(this.pending![0].seq, seq) < 0) this.skipToPending(ts);
        this.gapTo(seq, ts); // nothing when the segment is in order by now
        return this.segment(seq, data, start, end, ts);
      }
    }
    const bytes = Buffer.from(data.subarray(start, end));
    const pending = (this.pending ??= []);
    let i = pending.length;
    while (i > 0 && seqDiff(pending[i - 1].seq, seq) > 0) i--;
    pending.splice(i, 0, { seq, bytes });
    this.sink.queuedSegments++;
    this.pendingBytes += len;
    budget.queued += len;
  }

  /** The peer acknowledged `ack`: bytes before it that we never saw are lost from the capture. */
  acked(ack: number, ts: number): void {
    if (!this.isStarted || this.pendingBytes === 0) return;
    const first = this.pending![0];
    if (seqDiff(ack, first.seq) >= 0 && seqDiff(first.seq, this.next) > 0) this.skipToPending(ts);
  }

  /** End of flow: whatever is queued behind a hole is delivered after a gap. */
  flush(ts: number): void {
    while (this.pendingBytes > 0) this.skipToPending(ts);
  }

  private deliver(data: Buffer, start: number, end: number, ts: number): void {
    this.next = (this.next + end - start) | 0;
    this.sink.streamData(this.fromInitiator, data, start, end, ts);
  }

  /** Deliver queued segments that have become in-order. */
  private drain(ts: number): void {
    while (this.pendingBytes > 0) {
      const pending = this.pending!;
      const p = pending[0];
      const d = seqDiff(p.seq, this.next);
      if (d > 0) return;
      pending.shift();
      this.sink.queuedSegments--;
      this.pendingBytes -= p.bytes.length;
      this.budget.queued -= p.bytes.length;
      const skip = 0 - d;
      if (skip < p.bytes.length) this.deliver(p.bytes, skip, p.bytes.length, ts);
      else this.retransmittedBytes += p.bytes.length;
    }
  }

  /** Declare the hole before the first queued segment lost, then drain. */
  private skipToPending(ts: number): void {
    if (this.pendingBytes === 0) return;
    this.gapTo(this.pending![0].seq, ts);
    this.drain(ts);
  }

  /** The bytes up to `seq` are lost: report the gap (if any) and go on from there. */
  private gapTo(seq: number, ts: number): void {
    const missing = seqDiff(seq, this.next);
    if (missing <= 0) return;
    this.gaps++;
    this.gapBytes += missing;
    this.sink.streamGap(this.fromInitiator, missing, ts);
    this.next = seq | 0;
  }
}
