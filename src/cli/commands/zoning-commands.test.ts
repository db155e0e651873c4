import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../../test/helpers/cli.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/policies/${name}`, import.meta.url));

const capture = (argv: string[]) => runCli(argv, { stdout: true });

describe('otwatch policy / zones commands', () => {
  it('policy check: a valid policy summarises and exits 0', async () => {
    const r = await capture(['policy', 'check', fixture('rules-test.yaml')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("valid policy 'Demo plant': 4 zone(s), 4 conduit(s)");
    expect(r.out).toMatch(/control\s+L1\s+SL-T FR1=2 FR2=2 FR3=3 FR4=1 FR5=3 FR6=2 FR7=2/);
  });

  it('policy check: an invalid policy prints file:line:col per error and exits 1', async () => {
    const r = await capture(['policy', 'check', fixture('invalid/overlap.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err.split('\n').filter((l) => /overlap\.yaml:\d+:\d+: zones '/.test(l))).toHaveLength(3);
    expect(r.err).toContain('3 error(s), policy not loaded');
  });

  it('policy export-rules: csv by default, nft on request, bad format refused', async () => {
    const csv = await capture(['policy', 'export-rules', fixture('rules-test.yaml')]);
    expect(csv.code).toBe(0);
    expect(csv.out.split('\n')[0]).toBe('conduit,flow,action,src_end,src,dst_end,dst,transport,dst_ports,protocol,operations,expires,note');
    const nft = await capture(['policy', 'export-rules', fixture('rules-test.yaml'), '--format', 'nft']);
    expect(nft.out).toContain('table inet otwatch_conduits');
    expect((await capture(['policy', 'export-rules', fixture('rules-test.yaml'), '--format', 'pf'])).code).toBe(2);
  });

  it('zones: a missing database and a missing --policy are clear errors', async () => {
    const r = await capture(['zones', 'suggest', '--db', '/nonexistent/otwatch.db']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('no database at /nonexistent/otwatch.db');
    expect((await capture(['zones', 'gap'])).err).toContain('--policy is required');
    expect((await capture(['zones', 'frobnicate'])).code).toBe(2);
  });
});
