/**
 * The assessment report of the bundled plant: its sections, its SVG drawing, every finding of the
 * audit with its SR, evidence and remediation, the unzoned asset, determinism, the change log against
 * an archived report, and `otwatch report` writing it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeCaptures } from '../analysis/analyze-captures.js';
import { main } from '../cli/cli.js';
import { packageRoot } from '../core/package-root.js';
import { Store } from '../store/store.js';
import { auditStep } from '../analysis/run-audit.js';
import type { Finding } from '../audit/finding.js';
import { FindingsStore } from '../store/findings-repository.js';
import { loadPolicyFile } from '../audit/policy-load.js';
import type { Policy } from '../audit/policy-types.js';
import { anchor, esc } from './html.js';
import { buildReport } from './model.js';
import { REPORT_SECTIONS, renderReport } from './render.js';

const PLANT = join(packageRoot, 'fixtures/plant');
const NOW = 1_758_100_000; // a fixed report time, after the capture (2025-09-16)

describe('assessment report of the bundled plant', () => {
  let dir: string;
  let db: string;
  let store: Store;
  let policy: Policy;
  let findings: Finding[];
  let html: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otwatch-report-'));
    db = join(dir, 'plant.db');
    const r = await analyzeCaptures([join(PLANT, 'plant.pcap')], { db, policy: join(PLANT, 'policy.yaml'), audit: auditStep() });
    findings = r.findings as Finding[];
    const p = await loadPolicyFile(join(PLANT, 'policy.yaml'));
    if (!p.ok) throw new Error('the plant policy must load');
    policy = p.policy;
    store = new Store(db);
    html = renderReport(buildReport(store, policy, { now: NOW }));
  });

  afterAll(() => {
    store?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has every section, in order, and is self-contained (no script, nothing fetched)', () => {
    let at = 0;
    for (const [id, title] of REPORT_SECTIONS) {
      const i = html.indexOf(`<section id="${id}"><h2>${esc(title)}</h2>`);
      expect(i, id).toBeGreaterThan(at);
      at = i;
    }
    expect(html).not.toMatch(/<script|<link|<img|<iframe|src=|url\(/i);
    expect(html).not.toMatch(/href="(?!#)/);
    expect(html).toContain('plant.pcap'); // the source of the evidence
  });

  it('draws every zone, its assets, the placed conduits and the violating crossings as inline SVG', () => {
    const svg = /<svg[^>]*class="zone-drawing"[\s\S]*?<\/svg>/.exec(html)?.[0];
    expect(svg).toBeDefined();
    const zones = [...svg!.matchAll(/data-zone="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(zones).toEqual([...policy.zones.map((z) => z.id), 'unzoned'].sort());
    expect([...svg!.matchAll(/data-asset="/g)]).toHaveLength(store.assets().length);
    const conduits = [...svg!.matchAll(/data-conduit="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(conduits).toEqual(policy.conduits.map((c) => c.id).sort());
    // the planted violations cross these zone pairs; allowed-only pairs are drawn but not red
    const red = [...svg!.matchAll(/class="flow violation" data-edge="([^"]+)"/g)].map((m) => m[1]).sort();
    expect(red).toEqual(['bms|dmz', 'bms|scada', 'control|enterprise', 'control|scada', 'dmz|scada', 'scada|unzoned']);
    expect(svg).toMatch(/class="flow" data-edge="dmz\|enterprise"/);
    expect(svg).toMatch(/class="conduit unused" data-conduit="control-bms-interlock"/);
  });

  it('lists every finding of the audit with its SRs, evidence and remediation, most severe first', () => {
    expect(findings.length).toBe(19);
    let last = -1;
    const order = ['critical', 'high', 'medium', 'low', 'info'];
    let lastSev = 0;
    const pos = (f: Finding) => html.indexOf(`id="${anchor('f', f.id)}"`);
    for (const f of [...findings].sort((a, b) => pos(a) - pos(b))) {
      const at = html.indexOf(`id="${anchor('f', f.id)}"`);
      expect(at, f.id).toBeGreaterThan(last);
      last = at;
      expect(order.indexOf(f.severity)).toBeGreaterThanOrEqual(lastSev);
      lastSev = order.indexOf(f.severity);
      const block = html.slice(at, html.indexOf('</div>', at));
      expect(block).toContain(esc(f.explanation));
      expect(block).toContain(esc(f.remediation));
      for (const sr of f.requirements) expect(block).toContain(sr);
      for (const p of f.evidence.paths) expect(block).toContain(`<td>${p.initiatorIp}</td><td>${p.responderIp}</td>`);
    }
  });

  it('gives per zone the SL-T against the evidence-based SL-A with the gap', () => {
    const control = html.slice(html.indexOf(`id="${anchor('z', 'control')}"`), html.indexOf(`id="${anchor('z', 'bms')}"`));
    // control: FR3 SL-T 3, cleartext S7comm and Modbus cap SL-A at 1: gap 2
    expect(control).toMatch(/<td>FR3<\/td><td>system integrity<\/td><td>3<\/td><td>≤ 1<\/td><td><span class="gap">2<\/span><\/td>/);
    // FR5: a flow with no conduit (enterprise → control) caps restricted data flow at 0: gap 3
    expect(control).toMatch(/<td>FR5<\/td><td>restricted data flow<\/td><td>3<\/td><td>≤ 0<\/td><td><span class="gap">3<\/span><\/td>/);
    expect(control).toContain('SNAP7-SERVER');
    const unzoned = html.slice(html.indexOf('<section id="unzoned">'), html.indexOf('<section id="changes">'));
    expect(unzoned).toContain('10.30.2.20');
    expect(unzoned).toContain('1 asset(s) fall in no zone');
  });

  it('is deterministic: the same store and policy render the same bytes; only the time line differs with the clock', () => {
    const again = renderReport(buildReport(store, policy, { now: NOW }));
    expect(again).toBe(html);
    const later = renderReport(buildReport(store, policy, { now: NOW + 3600 }));
    const strip = (s: string) => s.replace(/Generated by otwatch at [^·]+·/, '');
    expect(strip(later)).toBe(strip(html));
    expect(later).not.toBe(html);
  });

  it('lists the changes since the archived report; archiving the same state twice keeps one baseline', () => {
    const first = buildReport(store, policy, { now: NOW, archive: true });
    expect(first.previous).toBeNull();
    expect(renderReport(buildReport(store, policy, { now: NOW, archive: true }))).toBe(renderReport(first));
    expect(store.db.prepare('SELECT COUNT(*) FROM report_summaries').pluck().get()).toBe(1);

    const target = findings.find((f) => f.rule === 'ZC-CONDUIT-UNUSED')!;
    expect(new FindingsStore(store.db).acknowledge(target.id, 'tester', 'planned for line 3', NOW)?.ok).toBe(true);
    const next = buildReport(store, policy, { now: NOW + 86_400, archive: true });
    expect(next.previous?.hash).toBe(first.summary.hash);
    expect(next.changes).toEqual([
      { kind: 'finding_status', subject: target.id, detail: `ZC-CONDUIT-UNUSED ${target.subject.label}: open → acknowledged` },
    ]);
    const out = renderReport(next);
    expect(out).toContain('1 change(s)');
    expect(out).toContain('open → acknowledged');
    new FindingsStore(store.db).reopen(target.id, 'tester', 'undo', NOW);
  });

  it('otwatch report writes the file; without --out it is a usage error', async () => {
    const out = join(dir, 'report.html');
    expect(await main(['report', '--db', db, '--policy', join(PLANT, 'policy.yaml'), '--out', out, '--no-archive'])).toBe(0);
    const text = readFileSync(out, 'utf8');
    for (const f of findings) expect(text).toContain(`id="${anchor('f', f.id)}"`);
    expect(await main(['report', '--db', db])).toBe(2);
    expect(await main(['report', '--db', join(dir, 'missing.db'), '--out', out])).toBe(2);
  });
});
