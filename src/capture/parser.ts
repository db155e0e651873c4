/**
 * Push-based capture parser: feed it chunks of any size in order, it calls the handler per packet.
 * Between chunks it keeps only the bytes of one incomplete record or block (bounded by the block
 * limits in constants.ts), so memory stays flat whatever the capture size.
 */
import { hexHead } from './bytes.js';
import { detectFormat } from './magic.js';
import { PcapReader } from './pcap.js';
import { PcapngReader } from './pcapng.js';
import type { RecordReader } from './reader.js';
import type { CaptureError, CaptureResult, PacketHandler } from './types.js';

const MAGIC_LEN = 4;

export class CaptureParser {
  private reader?: RecordReader;
  private format: CaptureResult['format'] = 'unknown';
  /** Copy of the incomplete unit's bytes received so far (pending[0, pendingLen)). */
  private pending: Buffer = Buffer.alloc(0);
  private pendingLen = 0;
  /** Offset in the capture of the first byte not yet consumed (pending[0] when pendingLen > 0). */
  private pos = 0;
  private bytes = 0;
  private error?: CaptureError;
  private result?: CaptureResult;

  constructor(private readonly onPacket: PacketHandler) {}

  /** True once reading stopped (error or end()): later bytes would be ignored. */
  get stopped(): boolean {
    return this.error !== undefined || this.result !== undefined;
  }

  /** Feeds the next bytes. After an error (or end()) further bytes are counted and ignored. */
  push(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.error !== undefined || this.result !== undefined || chunk.length === 0) return;
    if (this.reader === undefined && !this.start(chunk)) return;
    const reader = this.reader!;
    let off = 0;
    const end = chunk.length;
    // First complete the unit left over from the previous chunk, copying only the bytes it needs.
    while (this.pendingLen > 0) {
      const take = Math.min(reader.want - this.pendingLen, end - off);
      if (take > 0) {
        this.reserve(this.pendingLen + take);
        chunk.copy(this.pending, this.pendingLen, off, off + take);
        this.pendingLen += take;
        off += take;
      }
      if (this.pendingLen < reader.want) return; // chunk used up, still incomplete
      const used = reader.parse(this.pending, 0, this.pendingLen, this.pos);
      this.pos += used;
      if (reader.error !== undefined) return this.stop(reader.error);
      if (used === this.pendingLen) this.pendingLen = 0;
      else {
        this.pending.copyWithin(0, used, this.pendingLen);
        this.pendingLen -= used;
        // A reader that consumed nothing although it had what it asked for would loop forever.
        if (used === 0 && reader.want <= this.pendingLen) {
          return this.stop({ message: 'internal error: reader made no progress', offset: this.pos, record: reader.nextRecord() });
        }
      }
    }
    const next = reader.parse(chunk, off, end, this.pos);
    this.pos += next - off;
    if (reader.error !== undefined) return this.stop(reader.error);
    if (next < end) {
      // Copied: the caller may reuse its chunk.
      this.reserve(Math.max(reader.want, end - next));
      chunk.copy(this.pending, 0, next, end);
      this.pendingLen = end - next;
    }
  }

  /**
   * Stops reading because the source failed (read error, corrupt gzip): the result's error says so
   * with the position reached.
   */
  fail(message: string): void {
    if (this.error !== undefined || this.result !== undefined) return;
    const r = this.reader;
    this.stop({ message, offset: r ? r.unitStart(this.pos) : this.pos, record: r ? r.nextRecord() : 0 });
  }

  /** No more input: reports what was read and, if the capture was cut or corrupt, where. */
  end(): CaptureResult {
    if (this.result !== undefined) return this.result;
    if (this.error === undefined) {
      if (this.reader === undefined) {
        this.error = {
          message:
            this.bytes === 0
              ? 'empty file: no capture header'
              : `too short for a capture: ${this.bytes} bytes, a magic number needs ${MAGIC_LEN}`,
          offset: 0,
          record: 0,
        };
      } else {
        this.error = this.reader.finish(this.pendingLen, this.pos);
      }
    }
    const r = this.reader;
    this.result = {
      format: this.format,
      compressed: false,
      packets: r ? r.packets : 0,
      bytesRead: this.bytes,
      linkTypes: r ? r.linkTypes.slice() : [],
      interfaces: r ? r.interfaces : 0,
      skippedBlocks: r ? r.skippedBlocks : 0,
    };
    if (this.error !== undefined) this.result.error = this.error;
    this.pending = Buffer.alloc(0);
    this.pendingLen = 0;
    return this.result;
  }

  /** Recognises the format once 4 bytes are in; false while waiting for them or on a non-capture. */
  private start(chunk: Buffer): boolean {
    const have = this.pendingLen + chunk.length;
    if (have < MAGIC_LEN) {
      this.reserve(have);
      chunk.copy(this.pending, this.pendingLen);
      this.pendingLen = have;
      return false;
    }
    const head = this.pendingLen === 0 ? chunk : Buffer.concat([this.pending.subarray(0, this.pendingLen), chunk.subarray(0, MAGIC_LEN)]);
    const d = detectFormat(head);
    if (d === undefined) {
      this.stop({
        message:
          `not a capture file: starts with 0x${hexHead(head, MAGIC_LEN)}, expected a pcap magic ` +
          '(a1b2c3d4, a1b23c4d, a1b2cd34 in either byte order) or a pcapng section header (0a0d0d0a)',
        offset: 0,
        record: 0,
      });
      return false;
    }
    if (d.format === 'gzip') {
      this.stop({
        message: 'gzip-compressed data: CaptureParser takes decompressed bytes (readCapture and readCaptureStream decompress)',
        offset: 0,
        record: 0,
      });
      return false;
    }
    this.format = d.format;
    this.reader = d.format === 'pcap' ? new PcapReader(this.onPacket, d) : new PcapngReader(this.onPacket);
    return true;
  }

  private reserve(n: number): void {
    if (this.pending.length >= n) return;
    const grown = Buffer.allocUnsafe(Math.max(n, this.pending.length * 2, 4096));
    this.pending.copy(grown, 0, 0, this.pendingLen);
    this.pending = grown;
  }

  private stop(error: CaptureError): void {
    this.error = error;
    this.pendingLen = 0;
  }
}
