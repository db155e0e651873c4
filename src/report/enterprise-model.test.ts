/** The report over several sites, model and rendering, on rows built here (the PostgreSQL reads are tested in test/sites/report-hub.test.ts). */
import { describe, expect, it } from 'vitest';
import type { ReportAssetRow, ReportFindingRow } from '../store/pg/report-repository.js';
import { REPORT_TABLE_LIMIT } from './constants.js';
import { buildEnterpriseModel, FIX_FIRST_LIMIT, type EnterpriseReportInput } from './enterprise-model.js';
import { renderEnterpriseReport } from './enterprise-render.js';

const NOW = 1_800_000_000;

const finding = (site: string, id: string, severity: string, status = 'open', title = `Finding ${id}`): ReportFindingRow => ({
  site,
  id,
  rule: 'ZC-FLOW-NO-CONDUIT',
  severity,
  status,
  title,
  zones: ['cell', 'dmz'],
});
const asset = (site: string, i: number, label = `plc-${i}`): ReportAssetRow => ({
  site,
  id: `ip:10.0.${Math.floor(i / 250)}.${i % 250}`,
  label,
  role: 'plc',
  vendor: 'Siemens',
  model: 'S7-1500',
  firmware: 'V2.9',
  ips: [`10.0.${Math.floor(i / 250)}.${i % 250}`],
  macs: [],
});

function input(over: Partial<EnterpriseReportInput> = {}): EnterpriseReportInput {
  return {
    generatedAt: NOW,
    staleAfterS: 60,
    selected: null,
    sites: [
      { id: 'calm', name: 'Calm plant', lastHeard: NOW - 10 },
      { id: 'hot', name: null, lastHeard: NOW - 5 },
      { id: 'quiet', name: 'Quiet plant', lastHeard: NOW - 3600 },
    ],
    counts: [
      {
        site: 'calm',
        assets: 3,
        findings: [
          { status: 'open', severity: 'high', n: 1 },
          { status: 'open', severity: 'medium', n: 5 },
          { status: 'acknowledged', severity: 'critical', n: 1 },
          { status: 'resolved', severity: 'critical', n: 4 },
        ],
      },
      {
        site: 'hot',
        assets: 1,
        findings: [
          { status: 'reopened', severity: 'critical', n: 1 },
          { status: 'open', severity: 'low', n: 2 },
        ],
      },
      { site: 'quiet', assets: 0, findings: [] },
    ],
    worst: [finding('calm', 'c1', 'high'), finding('calm', 'c2', 'medium'), finding('hot', 'h1', 'critical', 'reopened')],
    fixFirst: [finding('hot', 'h1', 'critical', 'reopened'), finding('calm', 'c1', 'high')],
    details: [
      { site: 'calm', findings: [finding('calm', 'c1', 'high')], assets: [asset('calm', 1)] },
      { site: 'hot', findings: [finding('hot', 'h1', 'critical', 'reopened')], assets: [asset('hot', 1)] },
    ],
    pathGroups: [
      { site: 'calm', protocol: 'modbus', operations: ['read', 'write'], n: 2 },
      { site: 'calm', protocol: 'modbus', operations: ['read'], n: 1 },
      { site: 'calm', protocol: 's7comm', operations: [], n: 1 },
      { site: 'hot', protocol: 's7comm', operations: ['program'], n: 1 },
    ],
    ...over,
  };
}

describe('enterprise report model', () => {
  it('orders sites worst first (critical before any number of lower findings), counts open by severity, judges staleness', () => {
    const m = buildEnterpriseModel(input());
    expect(m.sites.map((s) => s.id)).toEqual(['hot', 'calm', 'quiet']);
    const [hot, calm, quiet] = m.sites;
    expect(hot!.name).toBe('hot'); // no name given: its id
    expect(hot!.open).toEqual({ critical: 1, high: 0, medium: 0, low: 2, info: 0 });
    expect(calm!.open).toEqual({ critical: 0, high: 1, medium: 5, low: 0, info: 0 });
    expect([calm!.openTotal, calm!.acknowledged, calm!.listedTotal]).toEqual([6, 1, 7]);
    expect([hot!.stale, calm!.stale, quiet!.stale]).toEqual([false, false, true]);
    expect(m.openTotal).toBe(9);
    expect(m.totals).toEqual({ assets: 4, paths: 5, stale: 1 });
    expect([hot!.paths, calm!.paths, quiet!.paths]).toEqual([1, 4, 0]);
    expect(m.sections.map((s) => s.site.id)).toEqual(['hot', 'calm', 'quiet']);
    // from the groups of protocol and operation set: each path counted once per protocol and per operation it carries
    expect(m.sections[1]!.protocols).toEqual([
      { key: 'modbus', n: 3 },
      { key: 's7comm', n: 1 },
    ]);
    expect(m.sections[1]!.operations).toEqual([
      { key: 'read', n: 3 },
      { key: 'write', n: 2 },
    ]);
  });

  it('between sites with the same findings, the stale one comes first, then by id', () => {
    const m = buildEnterpriseModel(
      input({
        sites: [
          { id: 'a', name: null, lastHeard: NOW },
          { id: 'b', name: null, lastHeard: null },
        ],
        counts: [],
      }),
    );
    expect(m.sites.map((s) => [s.id, s.stale])).toEqual([
      ['b', true],
      ['a', false],
    ]);
  });
});

describe('enterprise report rendering', () => {
  it('has the summary, the fix-first list naming each site, and a section per site', () => {
    const html = renderEnterpriseReport(buildEnterpriseModel(input()));
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|src=/);
    const summary = /<table class="sites">[\s\S]*?<\/table>/.exec(html)![0];
    expect(summary.indexOf('#site-hot')).toBeLessThan(summary.indexOf('#site-calm'));
    expect(summary).not.toContain('never heard');
    expect(summary).toMatch(/Quiet plant[\s\S]*stale/);
    const fix = /<table class="fix-first">[\s\S]*?<\/table>/.exec(html)![0];
    expect(fix).toMatch(/<td>1<\/td><td><span class="sev sev-critical">critical<\/span><\/td><td><a href="#site-hot">hot<\/a><\/td>/);
    expect(html).toContain('7 more open finding(s) after the first');
    for (const id of ['hot', 'calm', 'quiet']) expect(html).toContain(`<section class="site" id="site-${id}">`);
    expect(html).toContain('<tr><td>modbus</td><td>3</td></tr>');
  });

  it('escapes what sensors and devices said: site names, asset names, titles, zones, protocols', () => {
    const evil = '<img src=x onerror="alert(1)">';
    const m = buildEnterpriseModel(
      input({
        sites: [{ id: 'hot', name: `</title>${evil}`, lastHeard: NOW }],
        fixFirst: [{ ...finding('hot', 'h1', 'critical'), title: evil, zones: [evil], rule: evil }],
        worst: [{ ...finding('hot', 'h1', 'critical'), title: evil }],
        details: [{ site: 'hot', findings: [{ ...finding('hot', 'h1', '"><b>'), title: evil }], assets: [asset('hot', 1, evil)] }],
        pathGroups: [{ site: 'hot', protocol: evil, operations: [evil], n: 1 }],
      }),
    );
    const html = renderEnterpriseReport(m);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>');
    expect(html.match(/<\/title>/g)).toHaveLength(1);
    expect(html).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('bounds each table and says how many more there are', () => {
    const many = Array.from({ length: REPORT_TABLE_LIMIT }, (_, i) => asset('calm', i));
    const m = buildEnterpriseModel(
      input({
        counts: [{ site: 'calm', assets: REPORT_TABLE_LIMIT + 123, findings: [{ status: 'open', severity: 'low', n: 400 }] }],
        sites: [{ id: 'calm', name: null, lastHeard: NOW }],
        fixFirst: Array.from({ length: FIX_FIRST_LIMIT + 10 }, (_, i) => finding('calm', `f${i}`, 'low')),
        details: [{ site: 'calm', findings: [], assets: many }],
      }),
    );
    expect(m.fixFirst).toHaveLength(FIX_FIRST_LIMIT);
    const html = renderEnterpriseReport(m);
    expect(html).toContain('123 more not listed (GET /api/v1/assets?site=calm has all)');
    expect(html).toContain(`${400 - FIX_FIRST_LIMIT} more open finding(s) after the first ${FIX_FIRST_LIMIT}`);
    expect(html.match(/<td>plc-\d+<\/td>/g)).toHaveLength(REPORT_TABLE_LIMIT);
  });

  it('says so when no site has reported, and names the sites of a selection in its title', () => {
    const none = renderEnterpriseReport(buildEnterpriseModel(input({ sites: [], counts: [] })));
    expect(none).toContain('No site has reported to this hub yet');
    expect(none).not.toContain('class="sites"');
    const one = renderEnterpriseReport(
      buildEnterpriseModel(input({ selected: ['calm'], sites: [{ id: 'calm', name: null, lastHeard: NOW }] })),
    );
    expect(one).toContain('<title>IEC 62443 assessment: site calm</title>');
  });
});
