import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { loadEnterprisePolicyFile, loadEnterprisePolicyText, type EnterprisePolicy } from './enterprise-policy.js';
import { enterpriseAudit, EnterpriseJudge, type EnterpriseFinding, type InterSitePath } from './enterprise-rules.js';
import { path } from '../../test/helpers/audit.js';
import type { Path } from '../core/model.js';

const sample = fileURLToPath(new URL('../../fixtures/policies/enterprise.yaml', import.meta.url));

async function judge(): Promise<EnterpriseJudge> {
  const r = await loadEnterprisePolicyFile(sample);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return new EnterpriseJudge(r.policy);
}

function run(j: EnterpriseJudge, seen: [string, Path][]): EnterpriseFinding[] {
  const crossing: InterSitePath[] = [];
  for (const [site, p] of seen) {
    const x = j.classify(site, p);
    if (x) crossing.push(x);
  }
  return enterpriseAudit(j, crossing);
}

const brief = (f: EnterpriseFinding) => ({
  rule: f.rule,
  severity: f.severity,
  sites: f.sites,
  observedAt: f.observedAt,
  conduit: f.conduit,
});

describe('enterprise audit', () => {
  it('finds what the sample policy forbids between north, south and the enterprise zone', async () => {
    const j = await judge();
    const readNorthSouth = path({ from: '10.20.1.10', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 100 } });
    const writeNorthSouth = path({ from: '10.20.1.11', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 5, write: 2 } });
    const southOpensNorth = path({ from: '10.31.4.4', to: '10.20.1.10', protocol: 's7comm', port: 102, ops: { read: 1 } });
    const southToEnterprise = path({ from: '10.30.1.9', to: '10.10.1.50', protocol: 'http', port: 80 });
    const southProgramsNorth = path({ from: '10.30.1.9', to: '10.20.1.20', protocol: 'dnp3', port: 20000, ops: { control: 1 } });
    const local = path({ from: '10.20.1.10', to: '10.20.1.12', protocol: 'modbus', port: 502, ops: { write: 9 } });
    // an address in no site's ranges is the observing site's own: local at north, WAN traffic into south
    const unplanned = path({ from: '192.168.7.7', to: '10.30.1.5', protocol: 'modbus', port: 502, ops: { read: 1 } });
    const findings = run(j, [
      ['north', readNorthSouth],
      ['south', readNorthSouth], // both sensors see it: one finding, observed at both
      ['north', writeNorthSouth],
      ['south', southOpensNorth],
      ['south', southToEnterprise],
      ['north', southProgramsNorth],
      ['north', local],
      ['north', unplanned],
    ]);
    const by = (rule: string, label: RegExp) => findings.filter((f) => f.rule === rule && label.test(f.subject.label));
    // the allowed modbus reads: cleartext across the WAN (modbus declares no authentication, no encryption)
    const clear = by('EZ-INTER-SITE-CLEARTEXT', /modbus north → south/);
    expect(clear.map(brief)).toEqual([
      {
        rule: 'EZ-INTER-SITE-CLEARTEXT',
        severity: 'medium',
        sites: ['north', 'south'],
        observedAt: ['north', 'south'],
        conduit: 'north-south-supervision',
      },
    ]);
    expect(clear[0]!.evidence.sitePaths).toEqual(
      [
        { site: 'north', pathId: readNorthSouth.id },
        { site: 'north', pathId: unplanned.id },
        { site: 'north', pathId: writeNorthSouth.id },
        { site: 'south', pathId: readNorthSouth.id },
      ].sort((a, b) => (a.site + a.pathId < b.site + b.pathId ? -1 : 1)),
    );
    // seen by both sensors under one id: one path in the evidence, two sightings
    expect(clear[0]!.evidence.pathCount).toBe(3);
    expect(clear[0]!.evidence.pathIds).toEqual([readNorthSouth.id, unplanned.id, writeNorthSouth.id].sort());
    // the write is allowed by no flow of the conduit: critical
    const write = by('EZ-INTER-SITE-NOT-ALLOWED', /modbus write/);
    expect(write.map(brief)).toEqual([
      {
        rule: 'EZ-INTER-SITE-NOT-ALLOWED',
        severity: 'critical',
        sites: ['north', 'south'],
        observedAt: ['north'],
        conduit: 'north-south-supervision',
      },
    ]);
    expect(write[0]!.evidence.pathIds).toEqual([writeNorthSouth.id]);
    // s7comm opened by south: the conduit allows it opened by north only
    const opened = by('EZ-INTER-SITE-NOT-ALLOWED', /south → north s7comm/);
    expect(opened.map(brief)).toEqual([
      {
        rule: 'EZ-INTER-SITE-NOT-ALLOWED',
        severity: 'high',
        sites: ['south', 'north'],
        observedAt: ['south'],
        conduit: 'north-south-supervision',
      },
    ]);
    expect(opened[0]!.evidence.details.join(' ')).toMatch(/only when opened by north/);
    // no conduit between south and the enterprise zone: high; dnp3 control with no flow for it: critical
    expect(by('EZ-INTER-SITE-NO-CONDUIT', /.*/).map(brief)).toEqual([
      { rule: 'EZ-INTER-SITE-NO-CONDUIT', severity: 'high', sites: ['south', 'enterprise'], observedAt: ['south'], conduit: undefined },
    ]);
    expect(by('EZ-INTER-SITE-NOT-ALLOWED', /dnp3/).map((f) => f.severity)).toEqual(['critical']);
    // nothing about the local write
    expect(findings.some((f) => f.evidence.pathIds.includes(local.id))).toBe(false);
    expect(findings.map((f) => f.severity)).toEqual(
      [...findings.map((f) => f.severity)].sort(
        (a, b) => ['critical', 'high', 'medium'].indexOf(a) - ['critical', 'high', 'medium'].indexOf(b),
      ),
    );
    // the same traffic gives the same ids: a stored finding is seen again, not duplicated
    expect(
      run(j, [
        ['south', readNorthSouth],
        ['north', writeNorthSouth],
      ]).map((f) => f.id),
    ).toEqual(expect.arrayContaining([clear[0]!.id, write[0]!.id]));
  });

  it('takes an address in no range as the observing site, even a site the policy does not declare', async () => {
    const j = await judge();
    const fromWest = path({ from: '192.168.1.5', to: '10.20.1.30', protocol: 'opcua', port: 4840, ops: { read: 1 } });
    const inWest = path({ from: '192.168.1.5', to: '192.168.1.6', protocol: 'modbus', port: 502, ops: { write: 1 } });
    const f = run(j, [
      ['west', fromWest],
      ['west', inWest],
    ]);
    expect(f.map(brief)).toEqual([
      { rule: 'EZ-INTER-SITE-NO-CONDUIT', severity: 'high', sites: ['west', 'north'], observedAt: ['west'], conduit: undefined },
    ]);
    // the same path seen at north: its unplanned end is north's own, so it stays local there
    expect(run(j, [['north', fromWest]])).toEqual([]);
  });

  it('judges a path whose operations or facts are malformed by what is left of it, and ignores one with no protocol', async () => {
    const j = await judge();
    const good = path({ from: '10.30.1.9', to: '10.10.1.50', protocol: 'http', port: 80, ops: { read: 1 } });
    const hostile = {
      ...path({ from: '10.30.1.8', to: '10.10.1.50', protocol: 'http', port: 80 }),
      operations: { read: { count: 'many', examples: 5 }, write: null, control: { count: 2, examples: ['stop'], functions: {} } },
      facts: { auth: 'none', mode: ['x', 1] },
    } as unknown as Path;
    const noProtocol = { ...path({ from: '10.30.1.7', to: '10.10.1.50', protocol: 'http', port: 80 }), protocol: 7 } as unknown as Path;
    const f = run(j, [
      ['south', good],
      ['south', hostile],
      ['south', noProtocol],
    ]);
    expect(f.map((x) => [x.rule, x.severity, x.evidence.pathCount])).toEqual([['EZ-INTER-SITE-NO-CONDUIT', 'critical', 2]]);
    expect(f[0]!.evidence.operations.map((o) => o.operation).sort()).toEqual(['control', 'read']);
  });

  it('says nothing about traffic a conduit allows with a protected protocol, and flags one with security mode None', async () => {
    const r = loadEnterprisePolicyText(
      'version: 1\nsites:\n  - id: a\n    ranges: [10.1.0.0/16]\n  - id: b\n    ranges: [10.2.0.0/16]\nconduits:\n  - id: ua\n    between: [a, b]\n    flows: [{protocol: opcua}]\n',
    );
    if (!r.ok) throw new Error('policy');
    const j = new EnterpriseJudge(r.policy as EnterprisePolicy);
    const encrypted = path({
      from: '10.1.0.1',
      to: '10.2.0.1',
      protocol: 'opcua',
      port: 4840,
      ops: { encrypted: 3 },
      facts: { security_mode: ['SignAndEncrypt'] },
    });
    expect(run(j, [['a', encrypted]])).toEqual([]);
    const none = path({
      from: '10.1.0.2',
      to: '10.2.0.1',
      protocol: 'opcua',
      port: 4840,
      ops: { read: 3 },
      facts: { security_mode: ['None'] },
    });
    const f = run(j, [['a', none]]);
    expect(f.map((x) => x.rule)).toEqual(['EZ-INTER-SITE-CLEARTEXT']);
    expect(f[0]!.explanation).toMatch(/security mode None/);
  });
});
