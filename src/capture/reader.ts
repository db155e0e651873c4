/** What CaptureParser needs from a format reader (pcap.ts, pcapng.ts). */
import type { CaptureError } from './types.js';

export interface RecordReader {
  /**
   * Reads every complete record of buf[off, end) and returns the offset after the last one; stops at
   * an incomplete record (setting `want`) or at corruption (setting `error`). `abs` is the offset of
   * buf[off] in the whole capture, for error messages.
   */
  parse(buf: Buffer, off: number, end: number, abs: number): number;
  /** Bytes the next unit (header, record, block) needs in all, counted from its first byte. */
  want: number;
  error?: CaptureError;
  packets: number;
  linkTypes: number[];
  interfaces: number;
  skippedBlocks: number;
  /** 1-based number of the record being read (0: the pcap file header). */
  nextRecord(): number;
  /** Offset where the unit being read started, given the offset of the first unconsumed byte. */
  unitStart(pos: number): number;
  /** At end of input with `have` unconsumed bytes at `pos`: the truncation error, if any. */
  finish(have: number, pos: number): CaptureError | undefined;
}
