/**
 * The DNP3 transport function (IEEE 1815-2012 clause 8): application fragments cut into segments of at
 * most 249 octets, each behind a transport header with FIR (first), FIN (final) and a 6-bit sequence
 * number that counts up by one per segment. One reassembly per link source/destination pair and
 * direction: a FIR segment starts one (abandoning any unfinished one), each next segment must carry
 * the next sequence number, FIN completes it. Segments that fit no reassembly (no FIR seen, a sequence
 * jump, a fragment grown past MAX_FRAGMENT_BYTES) form a broken run that is reported once, with the
 * link frames it took, so that no frame goes uncounted.
 */
import { MAX_FRAGMENT_BYTES, MAX_REASSEMBLIES, TR_FIN, TR_FIR, TR_SEQ, TR_SEQ_MODULO } from './constants.js';

/** A reassembly in progress, or a broken run of segments that will never make a fragment. */
export interface Run {
  key: number;
  /** A FIR segment started it (false: a broken run collecting orphan segments). */
  fir: boolean;
  chunks: Buffer[];
  bytes: number;
  nextSeq: number;
  /** Link control octet of every frame in it. */
  controls: number[];
  /** Application function of the fragment (from the FIR segment), -1 if unknown. */
  function: number;
  firstTs: number;
}

export interface Completed {
  data: Buffer;
  controls: number[];
}

/** Receives runs that will never complete, with the reason. */
export type AbandonHandler = (run: Run, reason: string) => void;

export class Reassembler {
  private readonly runs = new Map<number, Run>();

  constructor(private readonly abandon: AbandonHandler) {}

  get size(): number {
    return this.runs.size;
  }

  /**
   * Adds the segment whose transport header is `tr` and whose application bytes are buf[start, end),
   * from the link frame with control octet `control`. Returns the fragment it completes, if any. `buf` is
   * only valid during the call.
   */
  add(key: number, tr: number, buf: Buffer, start: number, end: number, control: number, ts: number): Completed | undefined {
    const fir = (tr & TR_FIR) !== 0;
    const fin = (tr & TR_FIN) !== 0;
    const seq = tr & TR_SEQ;
    let run = this.runs.get(key);
    if (fir) {
      if (run) this.drop(run, run.fir ? 'a new first segment came before the final one' : 'segments without a first one');
      if (fin) return { data: buf.subarray(start, end), controls: [control] };
      this.open(key, true, seq, control, ts, buf, start, end);
      return undefined;
    }
    if (run && run.fir && seq !== run.nextSeq) {
      this.drop(run, `segment ${seq} where ${run.nextSeq} was due`);
      run = undefined;
    }
    if (!run) {
      // An orphan: no reassembly it could belong to. It starts (or, if final, is) a broken run.
      const orphan = this.open(key, false, seq, control, ts, buf, start, start);
      if (fin) this.drop(orphan, 'a final segment without a first one');
      return undefined;
    }
    run.controls.push(control);
    run.nextSeq = (seq + 1) % TR_SEQ_MODULO;
    if (!run.fir) {
      if (fin) this.drop(run, 'segments without a first one');
      return undefined;
    }
    if (run.bytes + (end - start) > MAX_FRAGMENT_BYTES) {
      this.drop(run, `fragment longer than ${MAX_FRAGMENT_BYTES} octets`);
      return undefined;
    }
    run.chunks.push(Buffer.from(buf.subarray(start, end)));
    run.bytes += end - start;
    if (!fin) return undefined;
    this.runs.delete(key);
    return { data: Buffer.concat(run.chunks, run.bytes), controls: run.controls };
  }

  /** Reports every run still open (end of flow). */
  flush(reason: string): void {
    for (const run of [...this.runs.values()]) this.drop(run, reason);
  }

  private open(key: number, fir: boolean, seq: number, control: number, ts: number, buf: Buffer, start: number, end: number): Run {
    if (this.runs.size >= MAX_REASSEMBLIES) {
      const oldest = this.runs.values().next().value;
      if (oldest) this.drop(oldest, `more than ${MAX_REASSEMBLIES} reassemblies at once`);
    }
    const run: Run = {
      key,
      fir,
      chunks: end > start ? [Buffer.from(buf.subarray(start, end))] : [],
      bytes: end - start,
      nextSeq: (seq + 1) % TR_SEQ_MODULO,
      controls: [control],
      function: fir && end - start >= 2 ? buf[start + 1]! : -1,
      firstTs: ts,
    };
    this.runs.set(key, run);
    return run;
  }

  private drop(run: Run, reason: string): void {
    this.runs.delete(run.key);
    this.abandon(run, reason);
  }
}
