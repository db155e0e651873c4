/**
 * Progress of a long analysis on the terminal (`analyze`, `stats`): bytes read of the total, packets per second
 * and the time left, one line on stderr rewritten in place a few times a second. Nothing when stderr is not a
 * terminal (a pipe, a log file, a CI job) or with --quiet, so that scripted output never changes.
 */
import { statSync } from 'node:fs';

export interface Progress {
  /** The pipeline's ProgressHandler: bytes of the captures read so far, packets read so far. */
  update(bytes: number, packets: number): void;
  /** Start counting a further capture after `bytes` already done (stats analyses one file at a time). */
  offset(bytes: number, packets: number): void;
  /** Clear the line. */
  done(): void;
}

const EVERY_MS = 250;
const MiB = 2 ** 20;

/** Total size of the captures, in file bytes (what the reader reports). */
export function totalBytes(files: readonly string[]): number {
  let n = 0;
  for (const f of files) {
    try {
      n += statSync(f).size;
    } catch {
      // the analysis reports a missing file itself
    }
  }
  return n;
}

export function progressLine(bytes: number, total: number, packets: number, seconds: number): string {
  const rate = seconds > 0 ? packets / seconds : 0;
  const share = total > 0 ? Math.min(1, bytes / total) : 0;
  const left = share > 0.01 && seconds > 0.5 ? (seconds * (1 - share)) / share : undefined;
  const clock = (s: number) => `${Math.floor(s / 60)}:${String(Math.round(s % 60)).padStart(2, '0')}`;
  return (
    `${(bytes / MiB).toFixed(0)} of ${(total / MiB).toFixed(0)} MiB (${Math.floor(share * 100)}%), ` +
    `${Math.round(rate).toLocaleString('en')} packets/s` +
    (left === undefined ? '' : `, ${clock(left)} left`)
  );
}

/** A Progress for these captures, or undefined when nothing is to be shown (not a terminal, or quiet). */
export function terminalProgress(files: readonly string[], quiet = false, out: NodeJS.WriteStream = process.stderr): Progress | undefined {
  if (quiet || !out.isTTY) return undefined;
  const total = totalBytes(files);
  const start = performance.now();
  let base = { bytes: 0, packets: 0 };
  let last = -Infinity; // the first update always shows, however young the process
  let shown = false;
  return {
    update(bytes, packets) {
      const now = performance.now();
      if (now - last < EVERY_MS) return;
      last = now;
      shown = true;
      out.write(`\r${progressLine(base.bytes + bytes, total, base.packets + packets, (now - start) / 1000)}\x1b[K`);
    },
    offset(bytes, packets) {
      base = { bytes: base.bytes + bytes, packets: base.packets + packets };
    },
    done() {
      if (shown) out.write('\r\x1b[K');
    },
  };
}
