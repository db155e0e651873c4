import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusAvailable, corpusCaptures, corpusDir, corpusPath, oracleFor } from '../helpers/corpus.js';
import { readCapture } from '../../src/capture/index.js';

/** MANIFEST.tsv columns: file, ..., magic ('pcap' | 'pcapng'), linktype ('1/EN10MB(Ethernet),0/NULL(...)'). */
function manifest(): Map<string, { magic: string; linkTypes: number[] }> {
  const rows = readFileSync(join(corpusDir, 'MANIFEST.tsv'), 'utf8').trim().split('\n');
  const head = rows[0]!.split('\t');
  const [fi, mi, li] = [head.indexOf('file'), head.indexOf('magic'), head.indexOf('linktype')];
  const out = new Map<string, { magic: string; linkTypes: number[] }>();
  for (const row of rows.slice(1)) {
    const c = row.split('\t');
    const linkTypes = [...new Set(c[li]!.split(',').map((t) => Number.parseInt(t, 10)))];
    out.set(c[fi]!, { magic: c[mi]!, linkTypes });
  }
  return out;
}

describe.skipIf(!corpusAvailable)("corpus: every capture reads whole, with Wireshark's packet count", () => {
  const captures = corpusCaptures();
  const facts = corpusAvailable ? manifest() : new Map();

  it('has the corpus', () => {
    expect(captures.length).toBeGreaterThan(200);
  });

  it.each(captures)('%s', async (rel) => {
    let bytes = 0;
    const result = await readCapture(corpusPath(rel), (_data, start, end, ts, _lt, origLen) => {
      bytes += end - start;
      // Nonsense time or lengths poison the sum (two plc4x files really have time stamp 0).
      if (!(ts >= 0 && Number.isFinite(ts)) || (origLen < end - start && origLen !== 0)) bytes = Number.NaN;
    });
    expect(result.error).toBeUndefined();
    expect(result.packets).toBe(oracleFor(rel).packets);
    expect(bytes).toBeGreaterThan(0);
    const f = facts.get(rel);
    expect(f, 'capture listed in MANIFEST.tsv').toBeDefined();
    expect(result.format).toBe(f!.magic);
    expect(result.linkTypes).toEqual(f!.linkTypes);
  });
});
