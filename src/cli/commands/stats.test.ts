import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statsForCaptures } from '../../pipeline/statistics.js';
import { runCli } from '../../../test/helpers/cli.js';

const plant = fileURLToPath(new URL('../../../fixtures/plant/plant.pcap', import.meta.url));
const repo = fileURLToPath(new URL('../../../', import.meta.url));

const run = (argv: string[]) => runCli(argv);

describe('otwatch stats', () => {
  it('prints the oracle-format report of a capture, sharded or not', async () => {
    const expected = await statsForCaptures([plant]);
    const one = await run(['stats', plant]);
    expect(one.code).toBe(0);
    const report = JSON.parse(one.out);
    expect(report.packets).toBe(1524);
    expect(report).toEqual(JSON.parse(JSON.stringify(expected)));
    const two = await run(['stats', '--brief', '--workers', '2', plant]);
    expect(two.code).toBe(0);
    const sharded = JSON.parse(two.out);
    expect(sharded.otwatch).toBeUndefined();
    const { otwatch: _counters, ...sections } = report;
    expect(sharded).toEqual(sections);
  });

  it('runs the same from the build, where the analysis is bundled (npm install builds it)', async () => {
    expect(existsSync(join(repo, 'dist/bundle/cli.js')), 'dist/bundle: run npm run build').toBe(true);
    const expected = JSON.parse(JSON.stringify(await statsForCaptures([plant])));
    delete expected.otwatch;
    for (const workers of ['1', '2']) {
      const out = execFileSync(process.execPath, [join(repo, 'bin/otwatch.js'), 'stats', '--brief', '--workers', workers, plant], {
        encoding: 'utf8',
      });
      expect(JSON.parse(out)).toEqual(expected);
    }
  });

  it('reports a truncated capture with where it broke, and the statistics of what was readable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-stats-'));
    const bytes = readFileSync(plant);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const r = await run(['stats', '--brief', cut]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cut\.pcap: truncated .* \(byte offset \d+, record \d+\); statistics cover what was readable/);
    const report = JSON.parse(r.out);
    expect(report.packets).toBeGreaterThan(100);
    expect(report.packets).toBeLessThan(1524);
  });

  it('refuses a missing file and a bad --workers with a usage error, no stack', async () => {
    const missing = await run(['stats', '/nonexistent/x.pcap']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^otwatch stats: ENOENT/);
    expect(missing.err).not.toMatch(/\n\s+at /);
    const bad = await run(['stats', '--workers', 'many', plant]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--workers takes a whole number from 1 to 64, not many');
  });

  it('bounds the open flows with --max-flows, counting what it ends early', async () => {
    const full = JSON.parse((await run(['stats', plant])).out);
    const bounded = await run(['stats', '--max-flows', '3', plant]);
    expect(bounded.code).toBe(0);
    const report = JSON.parse(bounded.out);
    expect(report.packets).toBe(full.packets);
    expect(report.otwatch.anomalies['flow.evicted']).toBeGreaterThan(0);
    expect(full.otwatch.anomalies['flow.evicted']).toBeUndefined();
    const bad = await run(['stats', '--max-flows', '0', plant]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--max-flows takes a whole number of flows of 1 or more, not 0');
  });

  it('lists every command in help without loading them', async () => {
    const r = await run(['help']);
    expect(r.code).toBe(0);
    for (const c of ['stats', 'analyze', 'serve', 'capture', 'demo', 'report']) expect(r.out).toMatch(new RegExp(`^  ${c}\\s+\\S`, 'm'));
  });
});
