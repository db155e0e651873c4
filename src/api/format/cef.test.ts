/** CEF lines and syslog datagrams of findings about devices with hostile names (issue 18 item 1). */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../cli/cli.js';
import { FindingsStore } from '../../store/findings-api-repository.js';
import type { StoredFinding } from '../../store/findings-repository.js';
import { Store } from '../../store/store.js';
import { syslogMessage } from '../syslog.js';
import { cefHeader, cefLine, cefValue } from './cef.js';
import { HOSTILE, hostileCapture, TERMINAL_ACTIVE } from '../../../test/helpers/hostile.js';

const policy = fileURLToPath(new URL('../../../fixtures/policies/rules-test.yaml', import.meta.url));

describe('CEF escaping', () => {
  it("shows controls as visible escapes and still escapes CEF's own separators", () => {
    expect(cefHeader('a|b\\c\x1b[2J\r\nd')).toBe('a\\|b\\\\c\\\\x1b[2J d');
    expect(cefValue('k=v\\w\x07\r\nnext\u202e')).toBe('k\\=v\\\\w\\\\x07\\nnext\\\\u202e');
  });
});

describe('CEF and syslog of findings about hostile devices', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-cef-'));
  let findings: StoredFinding[];
  beforeAll(async () => {
    const pcap = join(dir, 'hostile.pcap');
    writeFileSync(pcap, hostileCapture(HOSTILE));
    const db = join(dir, 'otwatch.db');
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    try {
      expect(await main(['analyze', pcap, '--db', db, '--policy', policy])).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    const store = new Store(db, { mustExist: true });
    try {
      findings = new FindingsStore(store.db).all();
    } finally {
      store.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the findings name the devices as they named themselves (the evidence is kept)', () => {
    expect(findings.some((f) => f.subject.label.includes(HOSTILE))).toBe(true);
  });

  it('writes one CEF line per finding with no control character, the names shown escaped', () => {
    const lines = findings.map(cefLine);
    const hostile = lines.filter((l) => l.includes('ACME\\\\x1b[2J'));
    expect(hostile.length).toBeGreaterThanOrEqual(3); // Modbus, BACnet and OPC UA devices, all unzoned
    for (const l of lines) {
      expect(l).not.toMatch(TERMINAL_ACTIVE);
      expect(l.split('\n')).toHaveLength(1);
      expect(l.startsWith('CEF:0|otwatch|otwatch|')).toBe(true);
    }
    // The BACnet device's name in the header (one line: CR+LF as a space) and in the message (CEF's \\n);
    // each sanitiser escape is CEF-escaped in turn (\\x1b becomes \\\\x1b), so a SIEM decodes it to \\x1b.
    const bacnet = hostile.find((l) => l.includes('(10.0.0.4)'))!;
    const esc = 'ACME\\\\x1b[2J\\\\x1b]0;pwned\\\\x07\\\\x1b]8;;http://evil.example/\\\\x1b\\\\click\\\\x1b]8;;\\\\x1b\\\\\\\\x1b[8mhidden';
    const tail = 'plc9  plc  1  10.9.9.9\\\\u202eevil\\\\x85';
    expect(bacnet).toContain(`|${esc} ${tail} (10.0.0.4)|5|`);
    expect(bacnet).toContain(`msg=bacnet_controller ${esc}\\n${tail} (10.0.0.4) belongs to no zone`);
  });

  it('sends syslog datagrams with no control character either', () => {
    for (const f of findings) {
      const m = syslogMessage(f, new Date(0), 'sensor\x1b[2J 1');
      expect(m).not.toMatch(TERMINAL_ACTIVE);
      expect(m).toMatch(/^<\d+>1 1970-01-01T00:00:00.000Z sensor\[2J1 otwatch \d+ finding - CEF:0\|/);
    }
  });
});
