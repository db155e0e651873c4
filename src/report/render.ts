/**
 * The IEC 62443-3-2 assessment report as one self-contained HTML document (one style element, inline
 * SVG, no script, nothing fetched), printable to PDF from a browser. Every value is escaped; the order
 * of everything is fixed, so the same model renders the same bytes.
 */
import { FR_NAMES, FRS } from '../audit/constants.js';
import { UNZONED } from '../audit/placement.js';
import { REPORT_TABLE_LIMIT, ROLE_STYLE } from './constants.js';
import { DRAWING_CSS, drawingSvg } from './drawing.js';
import { REPORT_BASE_CSS } from './report-css.js';
import { zoneEdges, type GraphAsset } from './graph.js';
import { anchor, esc, table, utc } from './html.js';
import type { ReportFinding, ReportModel } from './model.js';
import { renderVulnerabilitySection } from './vulnerabilities-section.js';

/** Section ids, in order: the report's table of contents (and what the tests look for). */
export const REPORT_SECTIONS = [
  ['suc', 'System under consideration'],
  ['drawing', 'Zone and conduit drawing'],
  ['zones', 'Zones: assets and security levels'],
  ['conduits', 'Conduits: declared and observed'],
  ['findings', 'Findings by severity'],
  ['vulnerabilities', 'Known vulnerabilities'],
  ['unzoned', 'Unzoned assets'],
  ['changes', 'Change log'],
] as const;

const CSS = `${REPORT_BASE_CSS}
.finding { border: 1px solid #cbd5e0; border-left: 4px solid #c53030; padding: 6px 10px; margin: 10px 0; break-inside: avoid; }
.finding.status-acknowledged { border-left-color: #718096; }
.finding h4 { margin: 0 0 4px; font-size: 13px; } .finding p { margin: 3px 0; }
${DRAWING_CSS}`;

const num = (n: number) => String(n);
const sev = (s: string) => `<span class="sev sev-${esc(s)}">${esc(s)}</span>`;
const findingLink = (id: string, text = id) => `<a href="#${anchor('f', id)}">${esc(text)}</a>`;

function assetRow(a: GraphAsset): string[] {
  return [
    esc(a.label),
    esc(a.ips.join(', ')),
    esc(ROLE_STYLE[a.role]?.label ?? a.role),
    esc([a.vendor, a.model].filter(Boolean).join(' ')),
    esc(a.firmware ?? ''),
    esc(a.macs.join(', ')),
  ];
}
const ASSET_HEADER = ['Asset', 'IP', 'Role', 'Vendor / model', 'Firmware', 'MAC'];

function limited<T>(items: readonly T[], row: (t: T) => string[], header: readonly string[]): string {
  const shown = items.slice(0, REPORT_TABLE_LIMIT);
  const more = items.length - shown.length;
  return table(header, shown.map(row)) + (more > 0 ? `<p class="none">${more} more not listed (the API and CSV export have all).</p>` : '');
}

function systemSection(m: ReportModel): string {
  const g = m.graph;
  const zoned = g.assets.filter((a) => a.zone !== UNZONED).length;
  const byStatus = new Map<string, number>();
  for (const p of g.paths) byStatus.set(p.status, (byStatus.get(p.status) ?? 0) + 1);
  const protocols = [...new Set(g.paths.map((p) => p.protocol))].sort();
  const silentZones = g.zones.filter((z) => !g.assets.some((a) => a.zone === z.id)).map((z) => z.id);
  const captures = table(
    ['Source', 'Bytes', 'Packets', 'Analysed'],
    m.captures.map((c) => [esc(c.file), num(c.size), num(c.packets), esc(c.analysedAt)]),
  );
  return (
    `<p>Policy <b>${esc(m.policy.name ?? m.policy.file)}</b>: ${m.policy.zones.length} zone(s), ${m.policy.conduits.length} conduit(s). ` +
    `Traffic observed from <b>${esc(utc(m.window.first))}</b> to <b>${esc(utc(m.window.last))}</b>.</p>
<h3>Sources (captures and sensors)</h3>${captures}
<h3>Coverage</h3>${table(
      ['Measure', 'Value'],
      [
        ['Assets', String(g.assets.length)],
        ['Assets placed in a zone', `${zoned} of ${g.assets.length}`],
        ['Communication paths', String(g.paths.length)],
        [
          'Paths by verdict',
          esc(
            [...byStatus]
              .sort((a, b) => a[0].localeCompare(b[0]))
              .map(([k, n]) => `${k}: ${n}`)
              .join(', '),
          ),
        ],
        ['Protocols', esc(protocols.join(', '))],
        [
          'Zones with no observed asset',
          silentZones.length ? esc(silentZones.join(', ')) + ' (no traffic seen: the evidence does not cover them)' : 'none',
        ],
        ['Open findings', String(m.findings.filter((f) => f.status !== 'acknowledged').length)],
      ],
    )}
<p class="meta">The SL-A column is an upper bound from passive evidence: traffic can show that a zone falls short of a level, never that it meets one.</p>`
  );
}

function zonesSection(m: ReportModel): string {
  return m.graph.zones
    .map((z) => {
      const assets = m.graph.assets.filter((a) => a.zone === z.id);
      const gaps = m.gaps.filter((r) => r.zone === z.id);
      const gapRows = FRS.map((fr) => {
        const r = gaps.find((x) => x.fr === fr);
        return [
          esc(fr),
          esc(FR_NAMES[fr]),
          esc(r?.slt ?? '-'),
          esc(r?.slaCap === null || r?.slaCap === undefined ? 'no limit seen' : `≤ ${r.slaCap}`),
          r?.gap ? `<span class="gap">${r.gap}</span>` : '',
          esc(r?.evidence.join('; ') ?? ''),
        ];
      });
      return `<section class="zone" id="${anchor('z', z.id)}"><h3>${esc(z.name)} <code>${esc(z.id)}</code> · Purdue level ${esc(z.level ?? '?')} · ${z.hasSlt ? 'SL-T set' : '<span class="gap">no SL-T</span>'}</h3>
${z.description ? `<p>${esc(z.description)}</p>` : ''}<p>${assets.length} asset(s).</p>
${limited(assets, assetRow, ASSET_HEADER)}
${table(['FR', 'Requirement', 'SL-T', 'SL-A (evidence)', 'Gap', 'Evidence'], gapRows, 'gap-table')}</section>`;
    })
    .join('\n');
}

function conduitsSection(m: ReportModel): string {
  const g = m.graph;
  const rows = g.conduits.map((c) => {
    const findings = m.findings.filter((f) => f.conduit === c.id);
    const o = c.observed;
    return `<section class="conduit" id="${anchor('c', c.id)}"><h3>${esc(c.name)} <code>${esc(c.id)}</code>: ${esc(c.a)} ↔ ${esc(c.b)}</h3>
${table(
  ['', 'Declared', 'Observed'],
  [
    [
      'Flows',
      esc(c.declared.join('; ')),
      o.paths ? esc(`${o.paths} path(s), ${o.packets} packets: ${o.protocols.join(', ')}`) : '<span class="gap">no traffic</span>',
    ],
    ['Operations', '', esc(o.operations.join(', '))],
    ['SL-T', esc(c.hasSlt ? FRS.map((fr) => c.slt[fr] ?? '-').join('/') : 'from the zones'), ''],
    ['Enforcement', esc(c.enforcement.join(', ')), ''],
    [
      'Owner / expiry',
      esc([c.owner, c.expires ? `expires ${c.expires}` : ''].filter(Boolean).join('; ')),
      c.expired ? '<span class="gap">used after expiry</span>' : '',
    ],
    ['Window', '', esc(o.firstSeen === null ? '-' : `${utc(o.firstSeen)} – ${utc(o.lastSeen)}`)],
    ['Findings', '', findings.map((f) => `${sev(f.severity)} ${findingLink(f.id, f.rule)}`).join('<br>')],
  ],
)}</section>`;
  });
  const declaredPairs = new Set(g.conduits.filter((c) => c.aZone && c.bZone).map((c) => [c.aZone, c.bZone].sort().join('|')));
  const undeclared = zoneEdges(g.paths).filter((e) => !declaredPairs.has(e.key));
  return (
    rows.join('\n') +
    `<h3>Zone crossings with no conduit declared</h3>${table(
      ['Zones', 'Paths', 'Packets', 'Protocols', 'Violating paths'],
      undeclared.map((e) => [
        esc(`${e.a} ↔ ${e.b}`),
        num(e.paths),
        num(e.packets),
        esc(e.protocols.join(', ')),
        e.violations ? `<span class="gap">${e.violations}</span>` : '0',
      ]),
    )}`
  );
}

function evidenceHtml(f: ReportFinding): string {
  const e = f.evidence;
  const parts: string[] = [];
  parts.push(
    `<p><b>Evidence:</b> ${e.pathCount} path(s), ${e.packets} packets${e.firstSeen !== null ? `, ${esc(utc(e.firstSeen))} – ${esc(utc(e.lastSeen))}` : ''}.</p>`,
  );
  if (e.paths.length) {
    parts.push(
      table(
        ['Initiator', 'Responder', 'Protocol', 'Packets', 'Last seen'],
        e.paths.map((p) => [
          esc(p.initiatorIp),
          esc(p.responderIp),
          esc(`${p.protocol} ${p.transport}/${p.responderPort}`),
          num(p.packets),
          esc(utc(p.lastSeen)),
        ]),
      ),
    );
  }
  if (e.operations.length)
    parts.push(
      `<p>Operations: ${e.operations.map((o) => `${esc(o.operation)} ×${o.count}${o.examples.length ? ` (${esc(o.examples.join('; '))})` : ''}`).join(', ')}</p>`,
    );
  const facts = Object.entries(e.facts);
  if (facts.length) parts.push(`<p>Facts: ${facts.map(([k, v]) => `${esc(k)}=${esc(v.join('|'))}`).join(', ')}</p>`);
  if (e.details.length) parts.push(`<p>${e.details.map(esc).join('<br>')}</p>`);
  return parts.join('\n');
}

function findingsSection(m: ReportModel): string {
  const counts = new Map<string, number>();
  for (const f of m.findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const head = `<p>${m.findings.length} finding(s): ${[...counts].map(([s, n]) => `${sev(s)} ${n}`).join(' ')}</p>`;
  const body = m.findings.map(
    (f) => `<div class="finding status-${esc(f.status)}" id="${anchor('f', f.id)}">
<h4>${sev(f.severity)} ${esc(f.rule)}: ${esc(f.subject.label)}</h4>
<p><code>${esc(f.id)}</code> · ${esc(f.requirements.join(', '))} · status <b>${esc(f.status)}</b>${f.ack ? ` by ${esc(f.ack.by)} (${esc(f.ack.reason)})` : ''}${f.zones.length ? ` · zones ${esc(f.zones.join(', '))}` : ''}${f.conduit ? ` · conduit ${esc(f.conduit)}` : ''}</p>
<p>${esc(f.explanation)}</p>
${evidenceHtml(f)}
<p><b>Remediation:</b> ${esc(f.remediation)}</p></div>`,
  );
  const resolved = m.resolved.length
    ? `<h3>Resolved (stored findings this audit no longer shows)</h3>${table(
        ['Severity', 'Rule', 'Subject', 'Id'],
        m.resolved.map((f) => [sev(f.severity), esc(f.rule), esc(f.subject.label), `<code>${esc(f.id)}</code>`]),
      )}`
    : '';
  return head + body.join('\n') + resolved;
}

function unzonedSection(m: ReportModel): string {
  const assets = m.graph.assets.filter((a) => a.zone === UNZONED);
  return `<p>${assets.length} asset(s) fall in no zone of the policy: each is a boundary nobody declared.</p>${limited(assets, assetRow, ASSET_HEADER)}`;
}

function changesSection(m: ReportModel): string {
  if (!m.previous) return '<p class="none">No previous report is archived for this store: this is the baseline.</p>';
  return (
    `<p>Against the report of ${esc(utc(m.previous.generatedAt))}: ${m.changes.length} change(s).</p>` +
    table(
      ['Change', 'Subject', 'Detail'],
      m.changes.map((c) => [
        esc(c.kind.replace('_', ' ')),
        m.summary.findings[c.subject] ? findingLink(c.subject) : esc(c.subject),
        esc(c.detail),
      ]),
    )
  );
}

export function renderReport(m: ReportModel): string {
  const title = `IEC 62443-3-2 zone and conduit assessment: ${m.policy.name ?? m.policy.file}`;
  const sections: Record<(typeof REPORT_SECTIONS)[number][0], () => string> = {
    suc: () => systemSection(m),
    drawing: () => drawingSvg(m.graph),
    zones: () => zonesSection(m),
    conduits: () => conduitsSection(m),
    findings: () => findingsSection(m),
    vulnerabilities: () => renderVulnerabilitySection(m.vulnerabilities),
    unzoned: () => unzonedSection(m),
    changes: () => changesSection(m),
  };
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p class="meta">Generated by otwatch at ${esc(utc(m.generatedAt))} · state <code>${esc(m.summary.hash.slice(0, 16))}</code></p></header>
<nav><ol>${REPORT_SECTIONS.map(([id, t]) => `<li><a href="#${id}">${esc(t)}</a></li>`).join('')}</ol></nav>
${REPORT_SECTIONS.map(([id, t]) => `<section id="${id}"><h2>${esc(t)}</h2>\n${sections[id]()}\n</section>`).join('\n')}
</body></html>
`;
}
