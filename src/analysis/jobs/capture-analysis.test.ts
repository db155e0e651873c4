import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { analyzeCaptures } from '../analyze-captures.js';
import { Store } from '../../store/store.js';
import { analyzeStoredCapture, type CaptureProgress } from './capture-analysis.js';

const PLANT = fileURLToPath(new URL('../../../fixtures/plant/plant.pcap', import.meta.url));

describe('a capture job is analyzeCaptures with progress, into the open store', () => {
  it('reports growing byte and packet progress up to the file size, merges like analyze, and skips a capture seen before', async () => {
    const store = new Store(':memory:');
    try {
      const seen: CaptureProgress[] = [];
      const a = await analyzeStoredCapture(store, PLANT, (p) => seen.push(p));
      expect(a.skipped).toBe(false);
      expect(seen.length).toBeGreaterThan(1);
      for (let i = 1; i < seen.length; i++) {
        expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
        expect(seen[i]!.packets).toBeGreaterThanOrEqual(seen[i - 1]!.packets);
      }
      expect(seen.at(-1)).toEqual({ bytes: statSync(PLANT).size, packets: a.packets });
      expect(a.counters?.packets).toBe(a.packets);
      // the same as `otwatch analyze` into its own database
      const file = await analyzeCaptures([PLANT], { db: ':memory:' });
      expect(a.packets).toBe(file.stats!.packets);
      expect({ assets: a.assets, paths: a.paths, newAssets: a.newAssets }).toEqual({
        assets: file.store.assets,
        paths: file.store.paths,
        newAssets: file.store.newAssets,
      });
      expect(
        store
          .assets()
          .map((x) => x.id)
          .sort(),
      ).toEqual(file.assets.map((x) => x.id).sort());
      // the store was the caller's: still open, and the capture is known now
      const again = await analyzeStoredCapture(store, PLANT, () => {});
      expect(again).toMatchObject({ skipped: true, packets: 0, newAssets: 0 });
    } finally {
      store.close();
    }
  });

  it('counts the compressed bytes of a gzip capture (progress against the upload size)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-job-'));
    try {
      const gz = join(dir, 'plant.pcap.gz');
      writeFileSync(gz, gzipSync(readFileSync(PLANT)));
      const progress: CaptureProgress[] = [];
      const r = await analyzeCaptures([gz], { db: ':memory:', onProgress: (bytes, packets) => progress.push({ bytes, packets }) });
      expect(progress.at(-1)).toEqual({ bytes: statSync(gz).size, packets: r.stats!.packets });
      expect(r.stats!.otwatch.files[0]!.compressed).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a truncated capture: what was read is merged and the job says where reading stopped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-job-'));
    const store = new Store(':memory:');
    try {
      const cut = join(dir, 'cut.pcap');
      const bytes = readFileSync(PLANT);
      writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2) + 7));
      const a = await analyzeStoredCapture(store, cut, () => {});
      expect(a.captureError?.message).toBeTruthy();
      expect(a.packets).toBeGreaterThan(0);
      expect(a.newAssets).toBeGreaterThan(0);
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
