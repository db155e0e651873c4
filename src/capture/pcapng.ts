/**
 * pcapng blocks: SHB (either byte order; a new SHB starts a new section and forgets the interfaces),
 * IDB (link type, snaplen, if_tsresol, if_tsoffset), EPB, SPB, the obsolete PB; every other block is
 * stepped over without being buffered, and counted.
 */
import { i64, u16, u32 } from './bytes.js';
import {
  BLOCK_EPB,
  BLOCK_IDB,
  BLOCK_MIN_LEN,
  BLOCK_PB,
  BLOCK_SHB,
  BLOCK_SPB,
  BYTE_ORDER_MAGIC,
  BYTE_ORDER_MAGIC_SWAPPED,
  DEFAULT_TS_DIVISOR,
  EPB_DATA_OFFSET,
  EPB_MIN_LEN,
  IDB_MIN_LEN,
  MAX_HEADER_BLOCK_LEN,
  MAX_PACKET_BLOCK_LEN,
  MAX_SKIPPED_BLOCK_LEN,
  OPT_ENDOFOPT,
  OPT_IF_TSOFFSET,
  OPT_IF_TSRESOL,
  SHB_MIN_LEN,
  SPB_DATA_OFFSET,
  SPB_MIN_LEN,
} from './constants.js';
import type { RecordReader } from './reader.js';
import type { CaptureError, PacketHandler } from './types.js';

export class PcapngReader implements RecordReader {
  packets = 0;
  want = BLOCK_MIN_LEN;
  error?: CaptureError;
  linkTypes: number[] = [];
  interfaces = 0;
  skippedBlocks = 0;
  /** Blocks read completely (every type). */
  private blocks = 0;
  private le = true;
  private inSection = false;
  // Interfaces of the current section, by IDB order (parallel arrays: no object per packet lookup).
  private ifLinkType: number[] = [];
  private ifSnaplen: number[] = [];
  private ifDivisor: number[] = [];
  private ifOffset: number[] = [];
  /** SPBs carry no time stamp: they get the previous packet's. */
  private lastTs = 0;
  /** Bytes of a skipped block's body still to step over, then its trailer to check. */
  private skip = 0;
  private skipTrailer = 0;
  private skipStart = 0;

  constructor(private readonly onPacket: PacketHandler) {}

  parse(buf: Buffer, off: number, end: number, abs: number): number {
    const start = off;
    for (;;) {
      if (this.skipTrailer !== 0) {
        const n = Math.min(this.skip, end - off);
        off += n;
        this.skip -= n;
        if (this.skip > 0) return off;
        if (end - off < 4) {
          this.want = 4;
          return off;
        }
        const trailer = u32(buf, off, this.le);
        if (trailer !== this.skipTrailer) {
          this.fail(
            `block trailer mismatch: block ${this.blocks + 1} at offset ${this.skipStart} ends with ` +
              `length ${trailer}, its header says ${this.skipTrailer}`,
            this.skipStart,
          );
          return off;
        }
        off += 4;
        this.skipTrailer = 0;
        this.blocks++;
      }
      if (end - off < BLOCK_MIN_LEN) {
        this.want = BLOCK_MIN_LEN;
        return off;
      }
      const at = abs + off - start;
      const type = u32(buf, off, this.le);
      if (type === BLOCK_SHB) {
        // The byte-order magic decides how this section (this block's length included) is read.
        const bom = buf.readUInt32BE(off + 8);
        if (bom === BYTE_ORDER_MAGIC) this.le = false;
        else if (bom === BYTE_ORDER_MAGIC_SWAPPED) this.le = true;
        else {
          this.fail(
            `corrupt section header: block ${this.blocks + 1} at offset ${at} has byte-order magic ` +
              `0x${bom.toString(16).padStart(8, '0')}, expected 0x1a2b3c4d in either byte order`,
            at,
          );
          return off;
        }
      } else if (!this.inSection) {
        this.fail(`pcapng block ${this.blocks + 1} at offset ${at} (type ${type}) comes before any section header`, at);
        return off;
      }
      const le = this.le;
      const len = u32(buf, off + 4, le);
      const bad = blockLengthProblem(type, len);
      if (bad !== undefined) {
        this.fail(
          `corrupt block header: block ${this.blocks + 1} at offset ${at} (${blockName(type)}) ` + `has total length ${len}: ${bad}`,
          at,
        );
        return off;
      }
      if (!isKnownBlock(type)) {
        this.skippedBlocks++;
        this.skip = len - BLOCK_MIN_LEN;
        this.skipTrailer = len;
        this.skipStart = at;
        off += 8;
        continue;
      }
      if (end - off < len) {
        this.want = len;
        return off;
      }
      const trailer = u32(buf, off + len - 4, le);
      if (trailer !== len) {
        this.fail(
          `block trailer mismatch: block ${this.blocks + 1} at offset ${at} (${blockName(type)}) ` +
            `ends with length ${trailer}, its header says ${len}`,
          at,
        );
        return off;
      }
      if (type === BLOCK_EPB || type === BLOCK_PB) {
        // EPB: interface u32; PB: interface u16 + drops u16. Then ts high, ts low, caplen, origlen.
        const iface = type === BLOCK_EPB ? u32(buf, off + 8, le) : u16(buf, off + 8, le);
        if (iface >= this.ifLinkType.length) {
          this.fail(
            `${blockName(type)} block ${this.blocks + 1} at offset ${at} refers to interface ${iface}, ` +
              `the section has ${this.ifLinkType.length}`,
            at,
          );
          return off;
        }
        const caplen = u32(buf, off + 20, le);
        if (caplen > len - EPB_MIN_LEN) {
          this.fail(
            `corrupt packet block: block ${this.blocks + 1} at offset ${at} claims ${caplen} captured ` + `bytes in a ${len}-byte block`,
            at,
          );
          return off;
        }
        // hi * 2^32 + lo is exact below 2^53 (µs until year 2255); ns loses < 1 µs, below a double's
        // resolution of an epoch time anyway.
        const ts = (u32(buf, off + 12, le) * 4294967296 + u32(buf, off + 16, le)) / this.ifDivisor[iface]! + this.ifOffset[iface]!;
        this.lastTs = ts;
        this.blocks++;
        this.packets++;
        const data = off + EPB_DATA_OFFSET;
        this.onPacket(buf, data, data + caplen, ts, this.ifLinkType[iface]!, u32(buf, off + 24, le));
      } else if (type === BLOCK_SPB) {
        if (this.ifLinkType.length === 0) {
          this.fail(`simple packet block ${this.blocks + 1} at offset ${at} comes before any interface description`, at);
          return off;
        }
        // No caplen field: the packet is the smaller of the original length, interface 0's snaplen
        // and the space in the block (which is padded to 4 bytes).
        const orig = u32(buf, off + 8, le);
        let caplen = Math.min(orig, len - SPB_MIN_LEN);
        const snap = this.ifSnaplen[0]!;
        if (snap !== 0 && caplen > snap) caplen = snap;
        this.blocks++;
        this.packets++;
        const data = off + SPB_DATA_OFFSET;
        this.onPacket(buf, data, data + caplen, this.lastTs, this.ifLinkType[0]!, orig);
      } else if (type === BLOCK_IDB) {
        this.readInterface(buf, off, len, le);
        this.blocks++;
      } else {
        // SHB: version 1.x only (2.x would change the block layouts).
        const major = u16(buf, off + 12, le);
        if (major !== 1) {
          this.fail(`unsupported pcapng version ${major}.${u16(buf, off + 14, le)} in block ${this.blocks + 1} ` + `at offset ${at}`, at);
          return off;
        }
        this.inSection = true;
        this.ifLinkType.length = 0;
        this.ifSnaplen.length = 0;
        this.ifDivisor.length = 0;
        this.ifOffset.length = 0;
        this.blocks++;
      }
      off += len;
    }
  }

  nextRecord(): number {
    return this.blocks + 1;
  }

  unitStart(pos: number): number {
    return this.skipTrailer !== 0 ? this.skipStart : pos;
  }

  finish(have: number, pos: number): CaptureError | undefined {
    const record = this.blocks + 1;
    if (this.skipTrailer !== 0) {
      // Header (8) + the part of the body stepped over + trailer bytes waiting.
      const got = 8 + (this.skipTrailer - BLOCK_MIN_LEN - this.skip) + have;
      return {
        message:
          `truncated block: block ${record} at offset ${this.skipStart} (skipped block) has ${got} of ` +
          `${this.skipTrailer} bytes${this.skip === 0 ? ' (block trailer missing)' : ''}`,
        offset: this.skipStart,
        record,
      };
    }
    if (have === 0) return undefined;
    if (have < BLOCK_MIN_LEN) {
      return {
        message: `truncated block header: block ${record} at offset ${pos} has ${have} of ${BLOCK_MIN_LEN} bytes`,
        offset: pos,
        record,
      };
    }
    return {
      message:
        `truncated block: block ${record} at offset ${pos} has ${have} of ${this.want} bytes` +
        (have >= this.want - 4 ? ' (block trailer missing)' : ''),
      offset: pos,
      record,
    };
  }

  private readInterface(buf: Buffer, off: number, len: number, le: boolean): void {
    const linkType = u16(buf, off + 8, le);
    const timing = interfaceTiming(buf, off + 16, off + len - 4, le);
    this.ifLinkType.push(linkType);
    this.ifSnaplen.push(u32(buf, off + 12, le));
    this.ifDivisor.push(timing.divisor);
    this.ifOffset.push(timing.offset);
    this.interfaces++;
    if (!this.linkTypes.includes(linkType)) this.linkTypes.push(linkType);
  }

  private fail(message: string, offset: number): void {
    this.error = { message, offset, record: this.blocks + 1 };
  }
}

function isKnownBlock(type: number): boolean {
  return type === BLOCK_EPB || type === BLOCK_SPB || type === BLOCK_IDB || type === BLOCK_SHB || type === BLOCK_PB;
}

/** Why a block's total length cannot be right for its type, or undefined when it can. */
export function blockLengthProblem(type: number, len: number): string | undefined {
  if (len % 4 !== 0) return 'not a multiple of 4';
  let min = BLOCK_MIN_LEN;
  let max = MAX_SKIPPED_BLOCK_LEN;
  switch (type) {
    case BLOCK_SHB:
      min = SHB_MIN_LEN;
      max = MAX_HEADER_BLOCK_LEN;
      break;
    case BLOCK_IDB:
      min = IDB_MIN_LEN;
      max = MAX_HEADER_BLOCK_LEN;
      break;
    case BLOCK_EPB:
    case BLOCK_PB:
      min = EPB_MIN_LEN;
      max = MAX_PACKET_BLOCK_LEN;
      break;
    case BLOCK_SPB:
      min = SPB_MIN_LEN;
      max = MAX_PACKET_BLOCK_LEN;
      break;
  }
  if (len < min) return `shorter than the minimum ${min}`;
  if (len > max) return `longer than the limit ${max}`;
  return undefined;
}

export function blockName(type: number): string {
  switch (type) {
    case BLOCK_SHB:
      return 'SHB';
    case BLOCK_IDB:
      return 'IDB';
    case BLOCK_EPB:
      return 'EPB';
    case BLOCK_SPB:
      return 'SPB';
    case BLOCK_PB:
      return 'PB';
    default:
      return `type 0x${type.toString(16)}`;
  }
}

/**
 * if_tsresol and if_tsoffset from an IDB's options in buf[start, end). Malformed options end the
 * walk and leave the defaults (µs, no offset): a bad option must not cost the interface's packets.
 */
export function interfaceTiming(buf: Buffer, start: number, end: number, le: boolean): { divisor: number; offset: number } {
  let divisor = DEFAULT_TS_DIVISOR;
  let offset = 0;
  let o = start;
  while (end - o >= 4) {
    const code = u16(buf, o, le);
    const olen = u16(buf, o + 2, le);
    if (code === OPT_ENDOFOPT || o + 4 + olen > end) break;
    if (code === OPT_IF_TSRESOL && olen >= 1) divisor = tsresolDivisor(buf[o + 4]!);
    else if (code === OPT_IF_TSOFFSET && olen >= 8) offset = i64(buf, o + 4, le);
    o += 4 + ((olen + 3) & ~3);
  }
  return { divisor, offset };
}

/** if_tsresol: high bit clear, units of 10^-v s; set, units of 2^-(v & 0x7f) s. */
export function tsresolDivisor(v: number): number {
  return v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
}
