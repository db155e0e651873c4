import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { epb, idb, pcapFile, pcapHeader, shb } from '../../test/helpers/capture-build.js';
import { collector, parseInChunks } from '../../test/helpers/capture-collect.js';
import { GunzipBoundError, readCapture, readCaptureStream } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const pcapng = Buffer.concat([
  shb(),
  idb(1),
  idb(0, { tsresol: 9 }),
  ...Array.from({ length: 300 }, (_, i) =>
    epb(i % 2, BigInt(1_700_000_000 + i) * (i % 2 ? 1_000_000_000n : 1_000_000n), Buffer.alloc(60 + (i % 40), i)),
  ),
]);
const reference = parseInChunks(pcapng);

describe('readCapture', () => {
  it('reads a FIFO (or a pipe given as /dev/stdin) as it reads a file, plain or gzip-compressed, with read progress', async () => {
    // a FIFO cannot seek: every read must take the next bytes, the first ones included
    for (const [name, bytes] of [
      ['plain', pcapng],
      ['gzip', gzipSync(pcapng)],
    ] as const) {
      const fifo = join(dir, `capture-${name}.fifo`);
      expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
      const writer = spawn('sh', ['-c', `cat > '${fifo}'`], { stdio: ['pipe', 'ignore', 'inherit'] });
      writer.stdin.end(bytes);
      const { seen, onPacket } = collector();
      let read = 0;
      const result = await readCapture(fifo, onPacket, { highWaterMark: 333, onRead: (n) => (read += n) });
      expect(result.error).toBeUndefined();
      expect(result.compressed).toBe(name === 'gzip');
      expect(seen).toEqual(reference.seen);
      expect(read).toBe(bytes.length);
    }
  });

  it('reads a file in chunks smaller than a record, recognising the format by magic not by name', async () => {
    const { seen, onPacket } = collector();
    const result = await readCapture(file('really-pcapng.pcap', pcapng), onPacket, { highWaterMark: 50 });
    expect(result).toEqual(reference.result);
    expect(seen).toEqual(reference.seen);
  });

  it('decompresses gzip transparently', async () => {
    const { seen, onPacket } = collector();
    const result = await readCapture(file('x.pcapng.gz', gzipSync(pcapng)), onPacket);
    expect(result).toEqual({ ...reference.result, compressed: true });
    expect(seen).toEqual(reference.seen);
  });

  it('a cut gzip gives the packets decompressed so far and a gzip error', async () => {
    const gz = gzipSync(pcapng, { level: 1 });
    const { seen, onPacket } = collector();
    const result = await readCapture(file('cut.pcapng.gz', gz.subarray(0, Math.floor(gz.length / 2))), onPacket);
    expect(result.compressed).toBe(true);
    expect(result.error!.message).toBe('gzip error: unexpected end of file');
    expect(result.packets).toBeGreaterThan(10);
    expect(result.packets).toBeLessThan(300);
    expect(seen).toEqual(reference.seen.slice(0, result.packets));
    expect(result.error!.record).toBe(result.packets + 4); // SHB, 2 IDBs, then the EPBs read
  });

  it('stops decompressing at a corrupt capture inside gzip, and says why', async () => {
    const big = Buffer.concat([Buffer.from('this is a text file\n'), Buffer.alloc(4 << 20, 0x41)]);
    const result = await readCapture(file('text.gz', gzipSync(big)), () => {});
    expect(result.compressed).toBe(true);
    expect(result.error!.message).toMatch(/^not a capture file: starts with 0x74686973/);
    // Stopped early: far less than the 4 MiB inside was decompressed.
    expect(result.bytesRead).toBeLessThan(1 << 20);
  });

  it('a truncated plain file gives the readable packets and the break', async () => {
    const bytes = pcapFile([
      { data: Buffer.alloc(10), sec: 1, frac: 0 },
      { data: Buffer.alloc(10), sec: 2, frac: 0 },
    ]);
    const result = await readCapture(file('t.pcap', bytes.subarray(0, bytes.length - 3)), () => {});
    expect(result.packets).toBe(1);
    expect(result.error).toMatchObject({ offset: 50, record: 2 });
  });

  it('an empty or non-capture file resolves with an error; a missing file rejects with ENOENT', async () => {
    expect((await readCapture(file('empty.pcap', Buffer.alloc(0)), () => {})).error!.message).toBe('empty file: no capture header');
    const text = await readCapture(file('notes.pcap', Buffer.from('hello world\n')), () => {});
    expect(text.format).toBe('unknown');
    expect(text.error!.message).toMatch(/^not a capture file: starts with 0x68656c6c/);
    await expect(readCapture(join(dir, 'missing.pcap'), () => {})).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a read error (a directory) resolves with an error', async () => {
    const r = await readCapture(dir, () => {});
    expect(r.error!.message).toMatch(/^read error: .*EISDIR/);
  });
});

describe('readCaptureStream', () => {
  it('reads an upload-like stream of odd chunks, plain and gzip', async () => {
    const chunks = (b: Buffer, n: number) => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));
    for (const [bytes, compressed] of [
      [pcapng, false],
      [gzipSync(pcapng), true],
    ] as const) {
      const { seen, onPacket } = collector();
      // 1-byte first chunks exercise the gzip sniffing across chunk borders.
      const result = await readCaptureStream(Readable.from([bytes.subarray(0, 1), ...chunks(bytes.subarray(1), 777)]), onPacket);
      expect(result).toEqual({ ...reference.result, compressed });
      expect(seen).toEqual(reference.seen);
    }
  });

  it('a stream that fails midway resolves with what was read and the error', async () => {
    async function* failing() {
      yield pcapng.subarray(0, 5000);
      throw new Error('connection reset');
    }
    const result = await readCaptureStream(Readable.from(failing()), () => {});
    expect(result.error!.message).toBe('read error: connection reset');
    expect(result.packets).toBeGreaterThan(0);
    expect(result.packets).toBe(parseInChunks(pcapng.subarray(0, 5000)).result.packets);
  });
});

/**
 * A gzip bomb as in the field: a pcap header, then zeros (each 16 zero bytes a valid record of no bytes), as
 * `members` concatenated gzip members of `memberMiB` MiB each (gunzip reads concatenated members as one stream).
 * One member is compressed once and repeated, so a bomb of any size costs one member's compression.
 */
function gzipBomb(name: string, memberMiB: number, members: number): string {
  const header = pcapHeader();
  const zeros = Buffer.alloc(memberMiB << 20);
  const first = gzipSync(Buffer.concat([header, zeros]));
  const next = gzipSync(zeros);
  return file(name, Buffer.concat([first, ...Array.from({ length: members - 1 }, () => next)]));
}

describe('the decompression bound', () => {
  it('a gzip bomb (~1,000x) is refused by its ratio after a few MiB of output: seconds, not the minutes it would run', async () => {
    const bomb = gzipBomb('bomb.pcap.gz', 64, 16); // 1 GiB of empty records from ~1 MB
    let packets = 0;
    const t0 = performance.now();
    const err = await readCapture(bomb, () => packets++).catch((e: unknown) => e);
    const seconds = (performance.now() - t0) / 1000;
    expect(err).toBeInstanceOf(GunzipBoundError);
    expect((err as GunzipBoundError).message).toMatch(/^gzip expands more than 100x \(.* compressed\): a decompression bomb, refused$/);
    // refused just past the floor of 16 MiB, long before the 1 GiB: ~1M of its 67M empty records were parsed
    expect((err as GunzipBoundError).output).toBeLessThan(64 << 20);
    expect(packets).toBeLessThan(4 << 20);
    expect(seconds).toBeLessThan(10);
  });

  it('the absolute bound and the ratio are the caller’s: a higher ratio lets it run until the size bound', async () => {
    const bomb = gzipBomb('bomb-small.pcap.gz', 16, 4); // 64 MiB
    const err = await readCapture(bomb, () => {}, { gunzipBound: { ratio: 10_000, bytes: 40 << 20 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GunzipBoundError);
    expect((err as Error).message).toMatch(/^gzip expands past the bound of 40\.0 MiB/);
    // within both bounds, the whole bomb is read as what it is: 64 MiB of empty records
    const r = await readCapture(bomb, () => {}, { gunzipBound: { ratio: 10_000, bytes: 1 << 30 } });
    expect(r).toMatchObject({ format: 'pcap', compressed: true, bytesRead: (64 << 20) + 24 });
    expect(r.error).toBeUndefined();
  });

  it('an ordinary gzip capture is far from the bound; a stream read applies it too', async () => {
    const gz = file('ok.pcapng.gz', gzipSync(pcapng));
    const r = await readCapture(gz, collector().onPacket);
    expect(r.error).toBeUndefined();
    const bomb = gzipBomb('bomb-stream.pcap.gz', 64, 2);
    const { createReadStream } = await import('node:fs');
    await expect(readCaptureStream(createReadStream(bomb), () => {})).rejects.toBeInstanceOf(GunzipBoundError);
  });

  it('a read is stopped by its signal, plain or gzip, with the signal’s reason', async () => {
    const big = gzipBomb('abort.pcap.gz', 8, 1);
    const ac = new AbortController();
    const reason = new Error('cancelled by the test');
    let n = 0;
    const p = readCapture(
      big,
      () => {
        if (++n === 1000) ac.abort(reason);
      },
      { signal: ac.signal, gunzipBound: { ratio: 1e9, bytes: 1 << 30 } },
    );
    await expect(p).rejects.toBe(reason);
    const plain = file('abort.pcap', pcapFile(Array.from({ length: 50_000 }, (_, i) => ({ data: Buffer.alloc(60), sec: i, frac: 0 }))));
    const ac2 = new AbortController();
    ac2.abort(reason);
    await expect(readCapture(plain, () => {}, { signal: ac2.signal, highWaterMark: 4096 })).rejects.toBe(reason);
  });
});
