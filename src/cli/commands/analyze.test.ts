/** `otwatch analyze` on inputs that are not captures (issue 18 item 4): a non-zero exit, nothing recorded. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCaptures, captureFingerprint } from '../../analysis/analyze-captures.js';
import { Store } from '../../store/store.js';
import { runCli } from '../../../test/helpers/cli.js';
import { writeScanCapture } from '../../../test/helpers/scan-capture.js';

const plant = fileURLToPath(new URL('../../../fixtures/plant/plant.pcap', import.meta.url));

const run = (argv: string[]) => runCli(argv);

describe('otwatch analyze on what is not a capture', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-notcap-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const inputs: [string, string][] = [
    ['random bytes', join(dir, 'random.pcap')],
    ['text', join(dir, 'notes.pcap')],
    ['an empty file', join(dir, 'empty.pcap')],
    ['a gzip of text', join(dir, 'text.pcap.gz')],
    ['/dev/zero', '/dev/zero'],
  ];
  writeFileSync(inputs[0]![1], randomBytes(64 * 1024));
  writeFileSync(inputs[1]![1], 'this is a capture, honestly\n'.repeat(100));
  writeFileSync(inputs[2]![1], '');
  writeFileSync(inputs[3]![1], gzipSync('not a capture either\n'.repeat(100)));

  for (const [what, file] of inputs) {
    it(`exits 1 on ${what}, opens no database and records nothing`, async () => {
      const db = join(dir, `${what.replace(/\W/g, '_')}.db`);
      const r = await run(['analyze', file, '--db', db]);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`otwatch analyze: ${file}: not a pcap or pcapng capture, nor a gzip of one\nnothing analysed`);
      expect(r.out).toBe('');
      expect(existsSync(db)).toBe(false);
    });
  }

  it('refuses the whole run when one of several inputs is not a capture, and analyses it all once fixed', async () => {
    const db = join(dir, 'mixed.db');
    expect((await run(['analyze', plant, inputs[1]![1], '--db', db])).code).toBe(1);
    expect(existsSync(db)).toBe(false);
    const ok = await run(['analyze', plant, '--db', db]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^1 capture\(s\) analysed/);
  });

  it('analyzeCaptures (the API jobs too) does not record a file that held no capture', async () => {
    const db = join(dir, 'library.db');
    const r = await analyzeCaptures([inputs[1]![1]], { db });
    expect(r.stats?.otwatch.files[0]?.format).toBe('unknown');
    const store = new Store(db, { mustExist: true });
    try {
      expect(store.knownCaptures([captureFingerprint(inputs[1]![1]).fingerprint]).size).toBe(0);
    } finally {
      store.close();
    }
  });
});

describe('otwatch analyze on a scan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-scan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('says how many connection attempts made no path, and why', async () => {
    const file = join(dir, 'scan.pcap');
    writeScanCapture(file);
    const r = await run(['analyze', file, '--db', join(dir, 'scan.db')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: 3 assets \(3 new\), 1 paths \(1 new\)/);
    expect(r.out).toContain(
      '51 TCP connection attempt(s) made no path (a scan, or hosts that are down): 50 got no answer (no asset made for their targets), 1 were refused',
    );
  });
});
