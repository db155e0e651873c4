/** Classic pcap (libpcap) records: both byte orders, µs/ns resolution, the "modified" variant. */
import { u32 } from './bytes.js';
import {
  MAX_PACKET_LEN,
  PCAP_FILE_HEADER_LEN,
  PCAP_MODIFIED_RECORD_HEADER_LEN,
  PCAP_RECORD_HEADER_LEN,
  SNAPLEN_SLACK_FLOOR,
} from './constants.js';
import type { PcapVariant } from './magic.js';
import type { RecordReader } from './reader.js';
import type { CaptureError, PacketHandler } from './types.js';

export class PcapReader implements RecordReader {
  packets = 0;
  want = PCAP_FILE_HEADER_LEN;
  error?: CaptureError;
  linkTypes: number[] = [];
  interfaces = 0;
  skippedBlocks = 0;
  private headerDone = false;
  private linkType = 0;
  private snaplen = 0;
  private limit = MAX_PACKET_LEN;
  private readonly le: boolean;
  private readonly hdrLen: number;
  private readonly fracDivisor: number;

  constructor(
    private readonly onPacket: PacketHandler,
    variant: PcapVariant,
  ) {
    this.le = variant.littleEndian;
    this.hdrLen = variant.modified ? PCAP_MODIFIED_RECORD_HEADER_LEN : PCAP_RECORD_HEADER_LEN;
    this.fracDivisor = variant.fracDivisor;
  }

  parse(buf: Buffer, off: number, end: number, abs: number): number {
    const start = off;
    if (!this.headerDone) {
      if (end - off < PCAP_FILE_HEADER_LEN) {
        this.want = PCAP_FILE_HEADER_LEN;
        return off;
      }
      this.readFileHeader(buf, off);
      off += PCAP_FILE_HEADER_LEN;
    }
    // Hoisted into locals: this loop runs once per packet.
    const le = this.le;
    const hl = this.hdrLen;
    const div = this.fracDivisor;
    const lt = this.linkType;
    const limit = this.limit;
    const onPacket = this.onPacket;
    while (end - off >= hl) {
      // Record header: ts_sec, ts_frac, incl_len, orig_len (+ 8 bytes in the modified variant).
      const incl = u32(buf, off + 8, le);
      if (incl > limit) {
        this.error = {
          message:
            `corrupt record header: record ${this.packets + 1} at offset ${abs + off - start} ` +
            `claims ${incl} captured bytes, more than the limit ${limit} (snaplen ${this.snaplen})`,
          offset: abs + off - start,
          record: this.packets + 1,
        };
        return off;
      }
      const next = off + hl + incl;
      if (next > end) {
        this.want = hl + incl;
        return off;
      }
      const ts = u32(buf, off, le) + u32(buf, off + 4, le) / div;
      // Counted before the call so that the state stays right if the handler throws.
      this.packets++;
      onPacket(buf, off + hl, next, ts, lt, u32(buf, off + 12, le));
      off = next;
    }
    this.want = hl;
    return off;
  }

  nextRecord(): number {
    return this.headerDone ? this.packets + 1 : 0;
  }

  unitStart(pos: number): number {
    return pos;
  }

  finish(have: number, pos: number): CaptureError | undefined {
    if (have === 0 && this.headerDone) return undefined;
    const record = this.nextRecord();
    if (!this.headerDone) {
      return { message: `truncated pcap file header: ${have} of ${PCAP_FILE_HEADER_LEN} bytes`, offset: pos, record };
    }
    const where = `record ${record} at offset ${pos}`;
    if (have < this.hdrLen) {
      return { message: `truncated record header: ${where} has ${have} of ${this.hdrLen} header bytes`, offset: pos, record };
    }
    return {
      message:
        `truncated record body: ${where} needs ${this.want} bytes (${this.hdrLen}-byte header + ` +
        `${this.want - this.hdrLen} captured), the file ends after ${have}`,
      offset: pos,
      record,
    };
  }

  private readFileHeader(buf: Buffer, off: number): void {
    // magic 4, version 2+2, thiszone 4, sigfigs 4, snaplen 4, network 4 (link type in the low 16 bits;
    // the high bits may carry FCS-length flags).
    this.snaplen = u32(buf, off + 16, this.le);
    this.linkType = u32(buf, off + 20, this.le) & 0xffff;
    this.limit = packetLimit(this.snaplen);
    this.linkTypes.push(this.linkType);
    this.interfaces = 1;
    this.headerDone = true;
  }
}

/**
 * Largest believable incl_len. Writers sometimes store more than snaplen (or snaplen 0), so only a
 * length far beyond a small snaplen, or beyond 256 KiB, counts as corruption.
 */
export function packetLimit(snaplen: number): number {
  if (snaplen === 0) return MAX_PACKET_LEN;
  return Math.min(MAX_PACKET_LEN, Math.max(snaplen * 2, SNAPLEN_SLACK_FLOOR));
}
