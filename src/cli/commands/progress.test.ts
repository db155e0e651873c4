import { describe, expect, it } from 'vitest';
import { progressLine, terminalProgress } from './progress.js';

describe('progress on the terminal', () => {
  it('shows bytes of the total, packets per second and the time left', () => {
    expect(progressLine(25 * 2 ** 20, 100 * 2 ** 20, 500_000, 1)).toBe('25 of 100 MiB (25%), 500,000 packets/s, 0:03 left');
    expect(progressLine(0, 100, 0, 0)).toBe('0 of 0 MiB (0%), 0 packets/s');
  });

  it('shows nothing when stderr is not a terminal, or when asked to be quiet', () => {
    const written: string[] = [];
    const fake = (isTTY: boolean) => ({ isTTY, write: (s: string) => written.push(s) }) as unknown as NodeJS.WriteStream;
    expect(terminalProgress([], false, fake(false))).toBeUndefined();
    expect(terminalProgress([], true, fake(true))).toBeUndefined();
    const p = terminalProgress([], false, fake(true))!;
    p.update(10, 10);
    p.done();
    expect(written).toHaveLength(2);
    expect(written[1]).toBe('\r\x1b[K');
  });
});
