/** `otwatch findings` and `otwatch paths` on the analysed demo plant. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../../analysis/analyze-captures.js';
import { auditStep } from '../../analysis/run-audit.js';
import { packageRoot } from '../../core/package-root.js';
import { runCli } from '../../../test/helpers/cli.js';

const PLANT = join(packageRoot, 'fixtures/plant');

const capture = (argv: string[]) => runCli(argv);

describe('otwatch findings / paths', () => {
  let dir: string;
  let db: string;
  let total: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-cli-findings-'));
    db = join(dir, 'plant.db');
    const r = await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    total = (r.findings ?? []).length;
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('prints a table, the ones to fix first at the top, with titles that tell them apart', async () => {
    const r = await capture(['findings', '--db', db]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^SEVERITY\s+FIX\s+STATUS\s+RULE\s+TITLE\s+PATHS\s+LAST SEEN$/);
    expect(lines).toHaveLength(total + 1);
    expect(lines[1]).toMatch(/^critical\s+program\/control\s+open\s+ZC-OPERATION-NOT-ALLOWED/);
    expect(r.out).toContain('Unprotected s7comm on conduits integrator-programming + scada-control (scada → control)');
  });

  it('filters as the API does, prints JSON, and refuses values the API refuses', async () => {
    const j = await capture(['findings', '--db', db, '--json', '--severity', 'high', '--zone', 'control']);
    const list = JSON.parse(j.out);
    expect(list.length).toBeGreaterThan(0);
    expect(list.every((f: any) => f.severity === 'high' && f.zones.includes('control'))).toBe(true);
    const conduit = JSON.parse((await capture(['findings', '--db', db, '--json', '--conduit', 'integrator-programming'])).out);
    expect(conduit.map((f: any) => f.rule)).toEqual(['ZC-CONDUIT-EXPIRED-IN-USE']);
    const rule = JSON.parse((await capture(['findings', '--db', db, '--json', '--rule', 'ZC-PURDUE-BYPASS', '--status', 'open'])).out);
    expect(rule).toHaveLength(1);
    expect((await capture(['findings', '--db', db, '--json', '--limit', '3'])).out).toSatisfy((s: string) => JSON.parse(s).length === 3);
    // the demo's traffic ends at 06:56:00; the enterprise → control Modbus write was last at 06:33:50
    const late = JSON.parse((await capture(['findings', '--db', db, '--json', '--since', '2025-09-16T06:40:00Z'])).out);
    expect(late.length).toBeGreaterThan(0);
    // a finding without traffic counts by the audit's time (now), as the API's filter does
    expect(late.every((f: any) => (f.evidence.lastSeen ?? Infinity) >= Date.parse('2025-09-16T06:40:00Z') / 1000)).toBe(true);
    const early = JSON.parse((await capture(['findings', '--db', db, '--json', '--until', '2025-09-16T06:40:00Z'])).out);
    expect(early.length + late.length).toBe(total);
    expect((await capture(['findings', '--db', db, '--since', 'yesterday'])).code).toBe(2);
    const bad = await capture(['findings', '--db', db, '--severity', 'urgent']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--severity must be one of critical, high, medium, low, info');
    expect((await capture(['findings', '--db', join(dir, 'none.db')])).code).toBe(2);
  });

  it('paths shows addresses, names and zones instead of mac ids', async () => {
    const r = await capture(['paths', '--db', db, '--protocol', 's7comm']);
    expect(r.code).toBe(0);
    expect(r.out).not.toContain('mac:');
    expect(r.out.split('\n')[0]).toMatch(/^INITIATOR\s+NAME\s+ZONE\s+RESPONDER\s+NAME\s+ZONE\s+PROTOCOL/);
    expect(r.out).toMatch(/10\.20\.1\.11\s+-\s+scada\s+10\.30\.2\.20\s+-\s+unzoned\s+s7comm/);
    expect(r.out).toMatch(/10\.20\.1\.20\s+-\s+scada\s+10\.30\.1\.21\s+SNAP7-SERVER\s+control\s+s7comm/);
    const ua = await capture(['paths', '--db', db, '--zone', 'enterprise', '--protocol', 'opcua']);
    expect(ua.out).toMatch(/10\.10\.1\.30\s+MES01\s+enterprise\s+10\.20\.1\.15\s+OPCUA01 line server\s+scada\s+opcua/);
  });
});
