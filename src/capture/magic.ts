/** Capture format recognition by magic bytes (never by file name: extensions lie). */
import { gunzipSync, constants as zc } from 'node:zlib';
import {
  BLOCK_SHB,
  BYTE_ORDER_MAGIC,
  BYTE_ORDER_MAGIC_SWAPPED,
  GZIP_ID1,
  GZIP_ID2,
  GZIP_SNIFF_INPUT,
  PCAP_MAGIC_MODIFIED,
  PCAP_MAGIC_MODIFIED_SWAPPED,
  PCAP_MAGIC_NSEC,
  PCAP_MAGIC_NSEC_SWAPPED,
  PCAP_MAGIC_USEC,
  PCAP_MAGIC_USEC_SWAPPED,
} from './constants.js';

export interface PcapVariant {
  format: 'pcap';
  littleEndian: boolean;
  /** Divisor of the fractional timestamp field: 1e6 (µs) or 1e9 (ns). */
  fracDivisor: number;
  modified: boolean;
}

export type Detected = PcapVariant | { format: 'pcapng' } | { format: 'gzip' } | undefined;

/** What the first 4 bytes say (undefined: not a capture we know). Needs buf.length >= 4. */
export function detectFormat(buf: Buffer): Detected {
  if (buf.length < 4) return undefined;
  if (buf[0] === GZIP_ID1 && buf[1] === GZIP_ID2) return { format: 'gzip' };
  const m = buf.readUInt32BE(0);
  switch (m) {
    case PCAP_MAGIC_USEC:
      return { format: 'pcap', littleEndian: false, fracDivisor: 1e6, modified: false };
    case PCAP_MAGIC_USEC_SWAPPED:
      return { format: 'pcap', littleEndian: true, fracDivisor: 1e6, modified: false };
    case PCAP_MAGIC_NSEC:
      return { format: 'pcap', littleEndian: false, fracDivisor: 1e9, modified: false };
    case PCAP_MAGIC_NSEC_SWAPPED:
      return { format: 'pcap', littleEndian: true, fracDivisor: 1e9, modified: false };
    case PCAP_MAGIC_MODIFIED:
      return { format: 'pcap', littleEndian: false, fracDivisor: 1e6, modified: true };
    case PCAP_MAGIC_MODIFIED_SWAPPED:
      return { format: 'pcap', littleEndian: true, fracDivisor: 1e6, modified: true };
    case BLOCK_SHB:
      return { format: 'pcapng' };
    default:
      return undefined;
  }
}

/**
 * Cheap check of an upload's first bytes before storing it: a pcap magic, a pcapng SHB (with its
 * byte-order magic when 12 bytes are given), or a gzip member whose decompressed head is one of those.
 * A true answer is no promise that the whole file reads cleanly: readCapture reports that.
 */
export function looksLikeCapture(firstBytes: Buffer): boolean {
  const d = detectFormat(firstBytes);
  if (d === undefined) return false;
  if (d.format === 'pcap') return true;
  if (d.format === 'pcapng') return firstBytes.length < 12 || isByteOrderMagic(firstBytes.readUInt32BE(8));
  // gzip: inflate only a bounded head (Z_SYNC_FLUSH accepts a cut stream) and look inside once.
  let inner: Buffer;
  try {
    inner = gunzipSync(firstBytes.subarray(0, GZIP_SNIFF_INPUT), { finishFlush: zc.Z_SYNC_FLUSH });
  } catch {
    return false;
  }
  const di = detectFormat(inner);
  if (di === undefined || di.format === 'gzip') return false;
  return di.format === 'pcap' || inner.length < 12 || isByteOrderMagic(inner.readUInt32BE(8));
}

function isByteOrderMagic(v: number): boolean {
  return v === BYTE_ORDER_MAGIC || v === BYTE_ORDER_MAGIC_SWAPPED;
}
