/**
 * Streaming pcap / pcapng reader (gzip-compressed too), recognised by magic bytes.
 * Link-layer decoding is parsers/net's job: packets leave here with their link type only.
 */
export type { CaptureError, CaptureResult, PacketHandler } from './types.js';
export { CaptureParser } from './parser.js';
export { readCapture, readCaptureStream, GunzipBoundError, DEFAULT_GUNZIP_BOUND } from './read.js';
export type { CaptureReadLimits, GunzipBound, ReadOptions } from './read.js';
export { looksLikeCapture } from './magic.js';
