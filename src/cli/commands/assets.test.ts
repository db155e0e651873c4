/**
 * `otwatch assets` on devices that name themselves with terminal escapes (issue 18 item 1): a Modbus
 * device identification, a BACnet object-name and vendor-name, and an OPC UA application name, decoded
 * from real bytes, stored as seen and printed harmlessly.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../store/store.js';
import { HOSTILE, hostileCapture, TERMINAL_ACTIVE } from '../../../test/helpers/hostile.js';
import { runCli } from '../../../test/helpers/cli.js';

const run = (argv: string[]) => runCli(argv);

/** Short enough that no escape is cut from a 48-character cell: OSC 0 title, ESC[8m, CR+LF, U+202E. */
const SHORT = '\x1b]0;t\x07\x1b[8mX\r\nY\u202eZ';

describe('otwatch assets on hostile device names', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-hostile-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints one row per asset with every control character as a visible escape', async () => {
    const pcap = join(dir, 'short.pcap');
    writeFileSync(pcap, hostileCapture(SHORT));
    const db = join(dir, 'short.db');
    expect((await run(['analyze', pcap, '--db', db])).code).toBe(0);
    const r = await run(['assets', '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines).toHaveLength(7); // the header and six assets: no fake row from the CR+LF
    for (const line of lines) expect(line).not.toMatch(TERMINAL_ACTIVE);
    const shown = '\\x1b]0;t\\x07\\x1b[8mX\\x0d\\x0aY\\u202eZ';
    // Modbus device identification strings are ASCII, read octet by octet: U+202E's UTF-8 octets show as
    // "â", the C1 control 0x80 (escaped) and "®"
    const plc = lines.find((l) => l.includes('10.0.0.2'))!;
    expect(plc).toContain('\\x1b]0;t\\x07\\x1b[8mX\\x0d\\x0aY\u00e2\\x80\u00aeZ');
    expect(lines.find((l) => l.includes('10.0.0.4'))).toContain(shown); // BACnet
    expect(lines.find((l) => l.includes('10.0.0.6'))).toContain(shown); // OPC UA
  });

  it('cuts a long hostile name with a mark, keeps --json decodable to the stored value, and stores it as seen', async () => {
    const pcap = join(dir, 'long.pcap');
    writeFileSync(pcap, hostileCapture(HOSTILE));
    const db = join(dir, 'long.db');
    expect((await run(['analyze', pcap, '--db', db])).code).toBe(0);
    const table = await run(['assets', '--db', db]);
    expect(table.out.split('\n')).toHaveLength(7);
    for (const line of table.out.split('\n')) expect(line).not.toMatch(TERMINAL_ACTIVE);
    expect(table.out).toContain('ACME\\x1b[2J\\x1b]0;pwned\\x07\\x1b]8;;http://evil.…');

    const json = await run(['assets', '--db', db, '--json']);
    expect(json.out.replace(/\n/g, '')).not.toMatch(TERMINAL_ACTIVE);
    const assets = JSON.parse(json.out) as { ips: string[]; identity: Record<string, { value: string }> }[];
    const names = (ip: string) => assets.find((a) => a.ips.includes(ip))!.identity.name?.value;
    const asModbusReadsIt = Buffer.from(HOSTILE, 'utf8').toString('latin1');
    expect([names('10.0.0.2'), names('10.0.0.4'), names('10.0.0.6')]).toEqual([asModbusReadsIt, HOSTILE, HOSTILE]);

    // the database keeps the evidence byte for byte
    const store = new Store(db, { mustExist: true });
    try {
      expect(store.assets({}).find((a) => a.ips.includes('10.0.0.2'))!.identity.vendor?.value).toBe(asModbusReadsIt);
    } finally {
      store.close();
    }
  });
});
