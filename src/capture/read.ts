/** Capture files and streams through CaptureParser, gzip-compressed ones decompressed on the way. */
import { open, type FileHandle } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DEFAULT_HIGH_WATER_MARK, GUNZIP_CHUNK_SIZE, GZIP_ID1, GZIP_ID2 } from './constants.js';
import { CaptureParser } from './parser.js';
import type { CaptureResult, PacketHandler } from './types.js';

export interface ReadOptions {
  /** Bytes per read (1 MiB by default). */
  highWaterMark?: number;
  /** Called with each read's size, in file bytes (before any gunzip): progress against the file size. */
  onRead?: (bytes: number) => void;
}

/**
 * Reads a capture file chunk by chunk (1 MiB by default), yielding to the event loop between chunks.
 * A file that cannot be opened (missing, no permission) rejects with Node's error (its `code`, e.g.
 * ENOENT, says why); everything that goes wrong after that (read error, bad gzip, truncated or corrupt
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
      return await readCaptureStream(gzipSource(fh, Buffer.from(buf.subarray(0, n)), size, onRead), onPacket);
    }
    while (n > 0 && !parser.stopped) {
      onRead?.(n);
      next = fh.read(spare, 0, size, null);
      parser.push(n === size ? buf : buf.subarray(0, n));
      n = (await next).bytesRead;
      next = undefined;
      [buf, spare] = [spare, buf];
    }
  } catch (err) {
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

/** Reads a capture from any byte stream (an upload, stdin); never rejects. */
export async function readCaptureStream(stream: NodeJS.ReadableStream, onPacket: PacketHandler): Promise<CaptureResult> {
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
      await gunzipInto(first, source, parser);
    } else if (headLen > 0) {
      parser.push(first);
      while (!parser.stopped) {
        const r = await source.next();
        if (r.done) break;
        parser.push(asBuffer(r.value));
      }
    }
  } catch (err) {
    parser.fail(`${compressed ? 'gzip' : 'read'} error: ${(err as Error).message}`);
  }
  // Releases the file when we stopped early (corrupt capture, error); a no-op after a full read.
  await source.return?.();
  const result = parser.end();
  result.compressed = compressed;
  return result;
}

/** Decompresses `first` and the rest of `source` into the parser; rejects on a corrupt or cut gzip. */
async function gunzipInto(first: Buffer, source: AsyncIterator<unknown>, parser: CaptureParser): Promise<void> {
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
  for await (const chunk of gunzip) {
    parser.push(chunk as Buffer);
    if (parser.stopped) break; // leaving the loop destroys gunzip, and pipeline the source
  }
}

function asBuffer(v: unknown): Buffer {
  return Buffer.isBuffer(v) ? v : typeof v === 'string' ? Buffer.from(v, 'latin1') : Buffer.from(v as Uint8Array);
}
