/** `otwatch demo --no-serve`: the bundled plant's tables as a person reads them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'otwatch-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('otwatch demo', () => {
  it('prints paths by address, name and zone, and findings by titles that tell them apart', async () => {
    const r = await runCli(['demo', '--no-serve', '--db', join(dir, 'demo.db')], { stdout: true });
    expect(r.code).toBe(0);
    const paths = r.out.slice(r.out.indexOf('PATHS ('), r.out.indexOf('FINDINGS against'));
    expect(paths).toMatch(/^INITIATOR\s+NAME\s+ZONE\s+RESPONDER\s+NAME\s+ZONE\s+PROTOCOL/m);
    expect(paths).not.toContain('mac:');
    expect(paths).toMatch(/10\.20\.1\.50\s+-\s+scada\s+10\.30\.1\.21\s+SNAP7-SERVER\s+control\s+s7comm/);
    const findings = r.out
      .slice(r.out.indexOf('FINDINGS against'))
      .split('\n')
      .slice(2)
      .filter((l) => /^(critical|high|medium|low|info)\s/.test(l));
    expect(findings).toHaveLength(19);
    const titles = findings.map((l) => l.split(/\s{2,}/)[1]);
    expect(new Set(titles).size).toBe(19);
  });
});
