/** Public types of the capture reader (re-exported by index.ts). */

/**
 * Called once per packet, in file order.
 * buf[start, end): the captured bytes, in an internal chunk: valid only during the call (copy what you keep).
 * They are passed as offsets rather than as a Buffer view: a view costs an object per packet, which is
 * a tenth of what decoding a frame costs.
 * ts: seconds since the epoch (fractional). linkType: DLT/LINKTYPE number of the packet's interface.
 * origLen: the original length on the wire (may exceed end - start when the capture was cut at snaplen).
 */
export type PacketHandler = (buf: Buffer, start: number, end: number, ts: number, linkType: number, origLen: number) => void;

export interface CaptureError {
  /** What was wrong and what was expected, e.g. "truncated record body: ... needs 76 bytes, has 40". */
  message: string;
  /** Byte offset (in the decompressed capture) of the record or block where reading stopped. */
  offset: number;
  /** 1-based index of that record (pcap) or block (pcapng, every block counts); 0 = the file header. */
  record: number;
}

export interface CaptureResult {
  /** 'unknown' when the first bytes are no capture magic (or the file is empty). */
  format: 'pcap' | 'pcapng' | 'unknown';
  /** gzip-compressed file (set by readCapture / readCaptureStream, which decompress it). */
  compressed: boolean;
  packets: number;
  /** Capture bytes received (after decompression). */
  bytesRead: number;
  /** Distinct link types declared by the pcap header or by the pcapng IDBs, in order of appearance. */
  linkTypes: number[];
  /** pcapng IDBs over all sections (1 for pcap, 0 before a header was read). */
  interfaces: number;
  /** pcapng blocks other than SHB/IDB/EPB/SPB/PB. */
  skippedBlocks: number;
  /** Where reading stopped (truncated/corrupt/not a capture); absent when the whole file was read. */
  error?: CaptureError;
}
