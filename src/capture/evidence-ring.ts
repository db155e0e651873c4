/**
 * A rolling evidence capture: the packets otwatch saw, in pcap files of bounded size and count, so that an
 * auditor can pull the packets behind a finding (by its time) while the disk use stays bounded.
 */
import { closeSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export interface EvidenceRingOptions {
  dir: string;
  /** Total bytes kept over all files. */
  maxBytes: number;
  /** Bytes per file before rotating. */
  fileBytes?: number;
  snaplen?: number;
}

const PREFIX = 'evidence-';

export class EvidenceRing {
  private fd = -1;
  private size = 0;
  private linkType = -1;
  private buf = Buffer.alloc(1 << 20);
  private used = 0;
  private readonly fileBytes: number;
  private readonly maxFiles: number;
  files = 0;

  constructor(private readonly o: EvidenceRingOptions) {
    mkdirSync(o.dir, { recursive: true });
    this.fileBytes = Math.max(1 << 16, Math.min(o.fileBytes ?? 64 << 20, o.maxBytes));
    this.maxFiles = Math.max(1, Math.floor(o.maxBytes / this.fileBytes));
  }

  /** The PacketHandler signature: called with every captured packet. */
  readonly write = (data: Buffer, start: number, end: number, ts: number, linkType: number, origLen: number): void => {
    const n = end - start;
    if (this.fd < 0 || linkType !== this.linkType || this.size + this.used + 16 + n > this.fileBytes) this.rotate(ts, linkType);
    if (this.used + 16 + n > this.buf.length) this.flush();
    const sec = Math.floor(ts);
    const b = this.buf;
    b.writeUInt32LE(sec, this.used);
    b.writeUInt32LE(Math.min(999999, Math.round((ts - sec) * 1e6)), this.used + 4);
    b.writeUInt32LE(n, this.used + 8);
    b.writeUInt32LE(origLen, this.used + 12);
    data.copy(b, this.used + 16, start, end);
    this.used += 16 + n;
  };

  flush(): void {
    if (this.fd >= 0 && this.used > 0) {
      writeSync(this.fd, this.buf, 0, this.used);
      this.size += this.used;
    }
    this.used = 0;
  }

  close(): void {
    this.flush();
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Files of the ring, oldest first (names sort by start time). */
  list(): string[] {
    return readdirSync(this.o.dir)
      .filter((f) => f.startsWith(PREFIX) && f.endsWith('.pcap'))
      .sort();
  }

  private rotate(ts: number, linkType: number): void {
    this.close();
    const name = `${PREFIX}${new Date(ts * 1000).toISOString().replace(/[:.]/g, '-')}-${String(this.files++).padStart(6, '0')}.pcap`;
    this.fd = openSync(join(this.o.dir, name), 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(this.o.snaplen ?? 65535, 16);
    h.writeUInt32LE(linkType, 20);
    writeSync(this.fd, h);
    this.size = 24;
    this.linkType = linkType;
    const files = this.list();
    for (const old of files.slice(0, Math.max(0, files.length - this.maxFiles))) unlinkSync(join(this.o.dir, old));
  }
}
