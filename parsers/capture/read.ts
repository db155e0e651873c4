/** Capture files and streams through CaptureParser, gzip-compressed ones decompressed on the way. */
import { open } from 'node:fs/promises';
import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DEFAULT_HIGH_WATER_MARK, GUNZIP_CHUNK_SIZE, GZIP_ID1, GZIP_ID2 } from './constants.js';
import { CaptureParser } from './parser.js';
import type { CaptureResult, PacketHandler } from './types.js';

/**
 * Reads a capture file chunk by chunk (1 MiB by default), yielding to the event loop between chunks.
 * A file that cannot be opened (missing, no permission) rejects with Node's error (its `code`, e.g.
 * ENOENT, says why); everything that goes wrong after that (read error, bad gzip, truncated or corrupt
 * capture, not a capture) resolves with `error` set and the packets read up to there.
 */
export async function readCapture(
  path: string,
  onPacket: PacketHandler,
  opts?: { highWaterMark?: number },
): Promise<CaptureResult> {
  const fh = await open(path, 'r');
  const stream = fh.createReadStream({ highWaterMark: opts?.highWaterMark ?? DEFAULT_HIGH_WATER_MARK });
  return readCaptureStream(stream, onPacket);
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
