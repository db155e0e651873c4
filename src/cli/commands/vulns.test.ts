/** `otwatch vulns import` and `otwatch vulns` on the S7-315 of a real capture and shared advisories. */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../analysis/analyze-captures.js';
import { corpusAvailable, corpusPath } from '../../../test/helpers/corpus.js';
import { advisoriesAvailable, csafPath, kevFile } from '../../../test/vulns/advisories.js';
import { runCli } from '../../../test/helpers/cli.js';

const run = (argv: string[]) => runCli(argv);

describe.skipIf(!corpusAvailable || !advisoriesAvailable)('otwatch vulns', () => {
  let dir: string;
  let db: string;
  let feed: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-cli-vulns-'));
    db = join(dir, 'otwatch.db');
    await analyzeCaptures([corpusPath('s7comm/icsnpp-s7comm__s7ident.pcap')], { db });
    feed = join(dir, 'feed');
    mkdirSync(join(feed, '2018'), { recursive: true });
    copyFileSync(csafPath('2018/icsa-18-079-02.json'), join(feed, '2018/icsa-18-079-02.json'));
    copyFileSync(kevFile, join(feed, 'kev.json'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('imports, says what it did, and lists the S7-315 as affected, fixed in V3.2.16', async () => {
    const imp = await run(['vulns', 'import', feed, '--db', db]);
    expect(imp.code).toBe(0);
    expect(imp.out).toMatch(/^2 files: 1 advisories added, 0 replaced .* 1404 known exploited CVEs, 0 files not read/);
    const list = await run(['vulns', '--db', db]);
    expect(list.code).toBe(0);
    const row = list.out.split('\n').find((l) => l.includes('ICSA-18-079-02'))!;
    expect(row).toMatch(/6ES7 315-2EH14-0AB0 .*CVE-2018-4843\s+6\.5\s+affected\s+high\s+fixed in V3\.2\.16/);
    const json = JSON.parse((await run(['vulns', '--db', db, '--json'])).out);
    expect(json).toHaveLength(1);
    expect(json[0]).toMatchObject({ trackingId: 'ICSA-18-079-02', status: 'affected', knownExploited: false });
  });

  it('exits 1 naming a bad file, having imported the rest', async () => {
    writeFileSync(join(feed, 'broken.json'), '{"document": ');
    const imp = await run(['vulns', 'import', feed, '--db', db]);
    expect(imp.code).toBe(1);
    expect(imp.err).toContain(`${join(feed, 'broken.json')}: $: not JSON`);
    expect(imp.out).toMatch(/1 unchanged/);
  });

  it('refuses a bad status and a missing folder list with the usage', async () => {
    expect((await run(['vulns', '--db', db, '--status', 'doomed'])).code).toBe(2);
    const none = await run(['vulns', 'import', '--db', db]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('give the folders or files to import');
  });
});
