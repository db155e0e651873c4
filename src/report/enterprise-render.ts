/**
 * The hub's assessment report over one site or all (issue 17) as one self-contained HTML document, in the
 * single-site report's look (no script, one style element, nothing fetched): the enterprise summary, the
 * open findings to fix first across the sites, then one section per site. Every value is escaped (site and
 * asset names are what a sensor, and a device on its plant, said); the order is fixed by the model.
 */
import { REPORT_BASE_CSS } from './report-css.js';
import { ROLE_STYLE, REPORT_TABLE_LIMIT } from './constants.js';
import { anchor, esc, table, utc } from './html.js';
import type { ReportAssetRow, ReportFindingRow } from '../store/pg/report-repository.js';
import {
  FIX_FIRST_LIMIT,
  SEVERITIES,
  type EnterpriseReportModel,
  type EnterpriseSite,
  type EnterpriseSiteSection,
} from './enterprise-model.js';

const CSS = REPORT_BASE_CSS;

const sev = (s: string) => `<span class="sev sev-${esc(s)}">${esc(s)}</span>`;
const siteLink = (s: EnterpriseSite) =>
  `<a href="#${anchor('site', s.id)}">${esc(s.name)}</a>${s.name !== s.id ? ` <code>${esc(s.id)}</code>` : ''}`;
const count = (n: number) => (n ? String(n) : '<span class="none">0</span>');

/** A table of at most REPORT_TABLE_LIMIT rows of `items`, and how many of `total` it leaves out (as the single-site report). */
function limited<T>(items: readonly T[], total: number, row: (t: T) => string[], header: readonly string[], where: string): string {
  const shown = items.slice(0, REPORT_TABLE_LIMIT);
  const more = Math.max(total, items.length) - shown.length;
  return table(header, shown.map(row)) + (more > 0 ? `<p class="none">${more} more not listed (${esc(where)} has all).</p>` : '');
}

function heardCell(s: EnterpriseSite, staleAfterS: number): string {
  if (s.lastHeard === null) return '<span class="stale">never heard</span>';
  return `${esc(utc(s.lastHeard))}${s.stale ? ` <span class="stale" title="not heard from for more than ${staleAfterS} s">stale</span>` : ''}`;
}

function findingLine(f: ReportFindingRow): string {
  return `${sev(f.severity)} ${esc(f.title)}`;
}

function summarySection(m: EnterpriseReportModel): string {
  const t = m.totals;
  const head =
    `<p>${m.sites.length} site(s)${t.stale ? `, <span class="stale">${t.stale} stale</span> (not heard from for more than ${m.staleAfterS} s: their picture may be old)` : ''}: ` +
    `${t.assets} asset(s), ${t.paths} communication path(s), ${m.openTotal} open finding(s). Sites with the most severe open findings first.</p>`;
  const rows = m.sites.map((s) => [
    siteLink(s),
    heardCell(s, m.staleAfterS),
    String(s.assets),
    String(s.paths),
    ...SEVERITIES.map((k) => count(s.open[k])),
    String(s.acknowledged),
    s.worst.length ? s.worst.map(findingLine).join('<br>') : '<span class="none">none open</span>',
  ]);
  return (
    head +
    table(
      ['Site', 'Last heard', 'Assets', 'Paths', ...SEVERITIES.map((k) => `Open ${k}`), 'Acknowledged', 'Worst open findings'],
      rows,
      'sites',
    )
  );
}

function fixFirstSection(m: EnterpriseReportModel): string {
  if (!m.openTotal) return '<p class="none">No open finding at any site.</p>';
  const names = new Map(m.sites.map((s) => [s.id, s]));
  const rows = m.fixFirst.map((f, i) => {
    const s = names.get(f.site);
    return [String(i + 1), sev(f.severity), s ? siteLink(s) : esc(f.site), esc(f.rule), esc(f.title), esc(f.zones.join(', '))];
  });
  const more = m.openTotal - m.fixFirst.length;
  return (
    `<p>The open findings of every site, most severe first, then by site (each site's own section lists the rest).</p>` +
    table(['#', 'Severity', 'Site', 'Rule', 'Finding', 'Zones'], rows, 'fix-first') +
    (more > 0 ? `<p class="none">${more} more open finding(s) after the first ${FIX_FIRST_LIMIT}.</p>` : '')
  );
}

const FINDING_HEADER = ['Severity', 'Status', 'Rule', 'Finding', 'Zones'];
const findingRow = (f: ReportFindingRow) => [sev(f.severity), esc(f.status), esc(f.rule), esc(f.title), esc(f.zones.join(', '))];
const ASSET_HEADER = ['Asset', 'IP', 'Role', 'Vendor / model', 'Firmware', 'MAC'];
const assetRow = (a: ReportAssetRow) => [
  esc(a.label),
  esc(a.ips.join(', ')),
  esc(ROLE_STYLE[a.role as keyof typeof ROLE_STYLE]?.label ?? a.role),
  esc([a.vendor, a.model].filter(Boolean).join(' ')),
  esc(a.firmware ?? ''),
  esc(a.macs.join(', ')),
];
const countRow = (c: { key: string; n: number }) => [esc(c.key), String(c.n)];

function siteSection(sec: EnterpriseSiteSection, m: EnterpriseReportModel): string {
  const s = sec.site;
  const q = `?site=${encodeURIComponent(s.id)}`;
  return `<section class="site" id="${anchor('site', s.id)}"><h2>${esc(s.name)}${s.name !== s.id ? ` <code>${esc(s.id)}</code>` : ''}</h2>
<p class="meta">Last heard ${heardCell(s, m.staleAfterS)} · ${s.assets} asset(s) · ${s.paths} path(s) · ${s.openTotal} open finding(s)${
    s.openTotal
      ? ` (${SEVERITIES.filter((k) => s.open[k])
          .map((k) => `${sev(k)} ${s.open[k]}`)
          .join(' ')})`
      : ''
  } · ${s.acknowledged} acknowledged</p>
<h3>Findings (not resolved), most severe first</h3>
${limited(sec.findings, s.listedTotal, findingRow, FINDING_HEADER, `GET /api/v1/findings${q}`)}
<h3>Assets</h3>
${limited(sec.assets, s.assets, assetRow, ASSET_HEADER, `GET /api/v1/assets${q}`)}
<h3>Communication paths</h3>
<p>${s.paths} path(s).</p>
<h3>Paths per protocol</h3>
${limited(sec.protocols, sec.protocols.length, countRow, ['Protocol', 'Paths'], `GET /api/v1/paths${q}`)}
<h3>Paths per operation</h3>
${limited(sec.operations, sec.operations.length, countRow, ['Operation', 'Paths'], `GET /api/v1/paths${q}`)}
</section>`;
}

export function renderEnterpriseReport(m: EnterpriseReportModel): string {
  const title = m.selected
    ? `IEC 62443 assessment: ${m.selected.length === 1 ? 'site' : 'sites'} ${m.selected.join(', ')}`
    : 'IEC 62443 assessment: every site';
  const body = m.sites.length
    ? `<nav><ol><li><a href="#sites">Sites</a></li><li><a href="#fix-first">Fix first</a></li>${m.sites
        .map((s) => `<li><a href="#${anchor('site', s.id)}">${esc(s.name)}</a></li>`)
        .join('')}</ol></nav>
<section id="sites"><h2>Sites</h2>
${summarySection(m)}
</section>
<section id="fix-first"><h2>Fix first</h2>
${fixFirstSection(m)}
</section>
${m.sections.map((s) => siteSection(s, m)).join('\n')}`
    : `<p class="none" id="no-sites">No site has reported to this hub yet: start a sensor with --site and --publish pointed at its NATS.</p>`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<header><h1>${esc(title)}</h1>
<p class="meta">Generated by the otwatch hub at ${esc(utc(m.generatedAt))}. Each site's findings are its sensor's audit against that site's own policy.</p></header>
${body}
</body></html>
`;
}
