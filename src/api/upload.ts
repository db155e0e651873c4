/**
 * Streams an upload to a server-chosen file: the first bytes are checked for a capture magic before
 * anything is written (a non-capture never touches the disk), the size limit is enforced while
 * streaming (never trusting Content-Length alone), and the file appears under its final name only
 * when complete (a `.part` file until then), so a crash never leaves a half upload that looks whole.
 */
import { open, rename, rm } from 'node:fs/promises';
import { looksLikeCapture } from '../capture/index.js';
import { UPLOAD_SNIFF_BYTES } from './constants.js';

export type UploadOutcome = { ok: true; size: number } | { ok: false; reason: 'not_capture' | 'too_large' | 'empty' };

export async function storeUpload(
  source: AsyncIterable<Buffer | string>,
  file: string,
  limit: number,
  sniff = UPLOAD_SNIFF_BYTES,
): Promise<UploadOutcome> {
  const part = `${file}.part`;
  const head: Buffer[] = [];
  let headLen = 0;
  let size = 0;
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  const startWriting = async (): Promise<boolean> => {
    const first = Buffer.concat(head);
    if (!looksLikeCapture(first)) return false;
    fh = await open(part, 'wx', 0o600);
    await fh.write(first);
    return true;
  };
  try {
    for await (const c of source) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : c;
      size += chunk.length;
      if (size > limit) return await abandon(fh, part, 'too_large');
      if (fh) {
        await fh.write(chunk);
        continue;
      }
      head.push(chunk);
      headLen += chunk.length;
      if (headLen >= sniff && !(await startWriting())) return { ok: false, reason: 'not_capture' };
    }
    if (!fh) {
      if (size === 0) return { ok: false, reason: 'empty' };
      if (!(await startWriting())) return { ok: false, reason: 'not_capture' };
    }
    await fh!.close();
    fh = undefined;
    await rename(part, file);
    return { ok: true, size };
  } catch (err) {
    await abandon(fh, part, 'empty');
    throw err;
  }
}

async function abandon(
  fh: Awaited<ReturnType<typeof open>> | undefined,
  part: string,
  reason: 'too_large' | 'empty',
): Promise<UploadOutcome> {
  await fh?.close().catch(() => undefined);
  await rm(part, { force: true });
  return { ok: false, reason };
}
