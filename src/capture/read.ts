/** Capture files and streams through CaptureParser, gzip-compressed ones decompressed on the way. */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  DEFAULT_GUNZIP_MAX_BYTES,
  DEFAULT_GUNZIP_MAX_RATIO,
  DEFAULT_HIGH_WATER_MARK,
  GUNZIP_CHUNK_SIZE,
  GUNZIP_RATIO_FLOOR,
  GZIP_ID1,
  GZIP_ID2,
} from './constants.js';
import { CaptureParser } from './parser.js';
import type { CaptureResult, PacketHandler } from './types.js';

/** How far a gzip-compressed capture may expand (DEFAULT_GUNZIP_MAX_RATIO and _BYTES by default). */
export interface GunzipBound {
  /** Decompressed bytes per compressed byte consumed, judged past GUNZIP_RATIO_FLOOR bytes of output. */
  ratio: number;
  /** Decompressed bytes in all. */
  bytes: number;
}

export const DEFAULT_GUNZIP_BOUND: Readonly<GunzipBound> = { ratio: DEFAULT_GUNZIP_MAX_RATIO, bytes: DEFAULT_GUNZIP_MAX_BYTES };

/** What a caller may bound or stop in a read: the decompression and, through the signal, the read itself. */
export interface CaptureReadLimits {
  gunzipBound?: GunzipBound;
  /** Aborting it rejects the read with the signal's reason, between two chunks. */
  signal?: AbortSignal;
}

export interface ReadOptions extends CaptureReadLimits {
  /** Bytes per read (1 MiB by default). */
  highWaterMark?: number;
  /** Called with each read's size, in file bytes (before any gunzip): progress against the file size. */
  onRead?: (bytes: number) => void;
}

/**
 * A gzip capture that expands past its GunzipBound: the read rejects with it (the input is refused, not read
 * as a cut capture: what was read of a bomb is no evidence).
 */
export class GunzipBoundError extends Error {
  readonly code = 'ERR_GUNZIP_BOUND';
  constructor(
    message: string,
    readonly output: number,
    readonly input: number,
  ) {
    super(message);
    this.name = 'GunzipBoundError';
  }
}

/** Errors that end a read as a rejection rather than as a CaptureResult with `error`. */
function isFatal(err: unknown, signal: AbortSignal | undefined): boolean {
  return err instanceof GunzipBoundError || signal?.aborted === true;
}

const GiB = 1024 ** 3;
const sizeText = (n: number): string =>
  n >= GiB ? `${(n / GiB).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`;

/**
 * Reads a capture file chunk by chunk (1 MiB by default), yielding to the event loop between chunks.
 * A file that cannot be opened (missing, no permission) rejects with Node's error (its `code`, e.g.
 * ENOENT, says why); so does a gzip capture past its bound (GunzipBoundError) and a read whose signal was
 * aborted (the signal's reason). Everything else that goes wrong (read error, bad gzip, truncated or corrupt
 * capture, not a capture) resolves with `error` set and the packets read up to there.
 *
 * An uncompressed file is read into two buffers in turn, the next read running while the last one is parsed
 * (the parser copies the incomplete record it keeps): a stream would allocate a new chunk per read, and a
 * gigabyte of chunks is garbage the collector has to sweep. A gzip-compressed one goes through a stream
 * and gunzip.
 */
export async function readCapture(path: string, onPacket: PacketHandler, opts: ReadOptions = {}): Promise<CaptureResult> {
  const fh = await open(path, 'r');
  const size = opts.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const onRead = opts.onRead;
  const signal = opts.signal;
  let buf = Buffer.allocUnsafe(size);
  let spare = Buffer.allocUnsafe(size);
  const parser = new CaptureParser(onPacket);
  let streamed = false; // then the stream closes the file
  let next: Promise<{ bytesRead: number }> | undefined; // the read in flight while a chunk is parsed
  try {
    // position null everywhere: the file's own position, so that a pipe or a FIFO reads as well as a file
    let n = (await fh.read(buf, 0, size, null)).bytesRead;
    if (n >= 2 && buf[0] === GZIP_ID1 && buf[1] === GZIP_ID2) {
      streamed = true;
      return await readCaptureStream(gzipSource(fh, Buffer.from(buf.subarray(0, n)), size, onRead), onPacket, opts);
    }
    while (n > 0 && !parser.stopped) {
      signal?.throwIfAborted();
      onRead?.(n);
      next = fh.read(spare, 0, size, null);
      parser.push(n === size ? buf : buf.subarray(0, n));
      n = (await next).bytesRead;
      next = undefined;
      [buf, spare] = [spare, buf];
    }
  } catch (err) {
    if (isFatal(err, signal)) throw err;
    parser.fail(`read error: ${(err as Error).message}`);
  } finally {
    // a handler that threw left a read in flight: it settles before the file closes under it
    await next?.catch(() => undefined);
    if (!streamed) await fh.close();
  }
  return parser.end();
}

/** The bytes of a gzip-compressed file, `head` (read already) first, counted by `onRead`; closes the file when done. */
function gzipSource(fh: FileHandle, head: Buffer, size: number, onRead?: (bytes: number) => void): NodeJS.ReadableStream {
  const rest = fh.createReadStream({ highWaterMark: size });
  async function* bytes(): AsyncGenerator<Buffer> {
    onRead?.(head.length);
    yield head;
    for await (const chunk of rest) {
      onRead?.((chunk as Buffer).length);
      yield chunk as Buffer;
    }
  }
  // stopping early (a corrupt gzip) returns the generator, whose for-await destroys `rest`, which closes the file
  return Readable.from(bytes());
}

/** Reads a capture from any byte stream (an upload, stdin); rejects only past the gunzip bound or when aborted. */
export async function readCaptureStream(
  stream: NodeJS.ReadableStream,
  onPacket: PacketHandler,
  limits: CaptureReadLimits = {},
): Promise<CaptureResult> {
  const parser = new CaptureParser(onPacket);
  const source = stream[Symbol.asyncIterator]();
  let compressed = false;
  try {
    // Gather at least the two bytes that tell gzip apart (a stream may deliver single bytes).
    const head: Buffer[] = [];
    let headLen = 0;
    while (headLen < 2) {
      const r = await source.next();
      if (r.done) break;
      const b = asBuffer(r.value);
      head.push(b);
      headLen += b.length;
    }
    const first = head.length === 1 ? head[0]! : Buffer.concat(head);
    if (headLen >= 2 && first[0] === GZIP_ID1 && first[1] === GZIP_ID2) {
      compressed = true;
      await gunzipInto(first, source, parser, limits);
    } else if (headLen > 0) {
      parser.push(first);
      while (!parser.stopped) {
        limits.signal?.throwIfAborted();
        const r = await source.next();
        if (r.done) break;
        parser.push(asBuffer(r.value));
      }
    }
  } catch (err) {
    if (isFatal(err, limits.signal)) {
      await source.return?.();
      throw err;
    }
    parser.fail(`${compressed ? 'gzip' : 'read'} error: ${(err as Error).message}`);
  }
  // Releases the file when we stopped early (corrupt capture, error); a no-op after a full read.
  await source.return?.();
  const result = parser.end();
  result.compressed = compressed;
  return result;
}

/**
 * Decompresses `first` and the rest of `source` into the parser; rejects on a corrupt or cut gzip, past the
 * bound, or when aborted. The ratio is of output to the compressed bytes zlib consumed (its bytesWritten), not
 * to those read ahead into the stream's buffers: a bomb is refused after some MiB of input, not a file's worth.
 */
async function gunzipInto(first: Buffer, source: AsyncIterator<unknown>, parser: CaptureParser, limits: CaptureReadLimits): Promise<void> {
  const ratio = limits.gunzipBound?.ratio ?? DEFAULT_GUNZIP_MAX_RATIO;
  const max = limits.gunzipBound?.bytes ?? DEFAULT_GUNZIP_MAX_BYTES;
  const signal = limits.signal;
  async function* compressedChunks(): AsyncGenerator<Buffer> {
    yield first;
    for (;;) {
      const r = await source.next();
      if (r.done) return;
      yield asBuffer(r.value);
    }
  }
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_SIZE });
  // pipeline propagates errors both ways and destroys the source when gunzip fails.
  pipeline(Readable.from(compressedChunks()), gunzip, () => {});
  let output = 0;
  for await (const chunk of gunzip) {
    signal?.throwIfAborted();
    output += (chunk as Buffer).length;
    const input = gunzip.bytesWritten;
    if (output > max)
      throw new GunzipBoundError(
        `gzip expands past the bound of ${sizeText(max)} (from ${sizeText(input)} compressed); refused`,
        output,
        input,
      );
    if (output > GUNZIP_RATIO_FLOOR && output > ratio * input)
      throw new GunzipBoundError(
        `gzip expands more than ${ratio}x (${sizeText(output)} from ${sizeText(input)} compressed): a decompression bomb, refused`,
        output,
        input,
      );
    parser.push(chunk as Buffer);
    if (parser.stopped) break; // leaving the loop (or throwing) destroys gunzip, and pipeline the source
  }
}

function asBuffer(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v as Uint8Array);
}
