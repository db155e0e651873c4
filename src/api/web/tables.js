// Assets, paths and findings as tables with the API's own filters, sorting and paging, and CSV export
// (the API's export for assets and findings; paths are written here from the filtered pages).
import { json, query, request } from './api.js';
import { csv, download, h, sev, time } from './util.js';

const PAGE = 50;
const SPECS = {
  assets: {
    path: 'assets',
    filters: ['role', 'zone', 'vendor', 'protocol'],
    sorts: ['id', 'last_seen', 'first_seen', 'role'],
    export: 'export/assets',
    header: ['Id', 'Name', 'IP', 'Role', 'Zone', 'Vendor', 'Last seen'],
    row: (a) => [
      a.id,
      a.names[0] ?? a.identity?.name?.value ?? '',
      a.ips.join(' '),
      a.role,
      a.zone ?? '',
      a.identity?.vendor?.value ?? a.macVendor ?? '',
      time(a.lastSeen),
    ],
  },
  paths: {
    path: 'paths',
    filters: ['protocol', 'operation', 'zone', 'from_zone', 'to_zone', 'asset'],
    sorts: ['id', 'last_seen', 'first_seen', 'protocol'],
    header: ['From', 'To', 'Protocol', 'Port', 'Operations', 'Zones', 'Verdict', 'Last seen'],
    row: (p) => [
      p.initiatorIp,
      p.responderIp,
      p.protocol,
      String(p.responderPort),
      Object.keys(p.operations).join(' '),
      `${p.fromZone ?? '-'} → ${p.toZone ?? '-'}`,
      p.zoneStatus ?? '',
      time(p.lastSeen),
    ],
  },
  findings: {
    path: 'findings',
    filters: ['rule', 'severity', 'status', 'zone', 'conduit', 'asset', 'since', 'until'],
    sorts: ['severity', 'last_seen', 'first_seen', 'rule'],
    export: 'export/findings',
    header: ['Severity', 'Rule', 'Subject', 'Status', 'Requirements', 'Last seen'],
    row: (f) => [sev(f.severity), f.rule, f.subject.label, f.status, f.requirements.join(' '), time(f.evidence.lastSeen)],
    csvRow: (f) => [f.severity, f.rule, f.subject.label, f.status, f.requirements.join(' '), time(f.evidence.lastSeen)],
  },
};

export class Tables {
  constructor({ onFinding }) {
    this.kind = 'assets';
    this.offset = 0;
    this.sort = { assets: 'id', paths: 'id', findings: 'severity' };
    this.order = 'asc';
    this.onFinding = onFinding;
    this.form = document.getElementById('table-filters');
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.offset = 0;
      this.load();
    });
    for (const b of document.querySelectorAll('[data-table]')) b.addEventListener('click', () => this.show(b.dataset.table));
    document.getElementById('prev-page').addEventListener('click', () => {
      this.offset = Math.max(0, this.offset - PAGE);
      this.load();
    });
    document.getElementById('next-page').addEventListener('click', () => {
      if (this.offset + PAGE < this.total) {
        this.offset += PAGE;
        this.load();
      }
    });
    document.getElementById('csv').addEventListener('click', () => this.exportCsv());
  }

  show(kind) {
    this.kind = kind;
    this.offset = 0;
    for (const b of document.querySelectorAll('[data-table]')) b.setAttribute('aria-pressed', String(b.dataset.table === kind));
    const spec = SPECS[kind];
    this.form.replaceChildren(
      ...spec.filters.map((f) => h('label', {}, f.replace('_', ' '), h('input', { name: f, size: '12' }))),
      h(
        'label',
        {},
        'sort',
        h(
          'select',
          { name: '_sort' },
          spec.sorts.map((s) => h('option', { selected: s === this.sort[kind] }, s)),
        ),
      ),
      h('label', {}, 'order', h('select', { name: '_order' }, h('option', {}, 'asc'), h('option', {}, 'desc'))),
      h('button', { type: 'submit' }, 'Apply'),
    );
    return this.load();
  }

  params() {
    const p = {};
    for (const [k, v] of new FormData(this.form)) if (!k.startsWith('_')) p[k] = String(v).trim();
    this.sort[this.kind] = this.form.elements._sort?.value ?? this.sort[this.kind];
    return { ...p, sort: this.sort[this.kind], order: this.form.elements._order?.value ?? 'asc' };
  }

  async load() {
    const spec = SPECS[this.kind];
    const t = document.getElementById('data-table');
    const count = document.getElementById('table-count');
    try {
      const page = await json(`${spec.path}${query({ ...this.params(), limit: PAGE, offset: this.offset })}`);
      this.total = page.total;
      count.textContent = `${page.total ? this.offset + 1 : 0}–${this.offset + page.items.length} of ${page.total}`;
      t.replaceChildren(
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            spec.header.map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          page.items.map((item) => {
            const tr = h(
              'tr',
              {},
              spec.row(item).map((c) => h('td', {}, c)),
            );
            if (this.kind === 'findings') {
              tr.firstChild.append(
                ' ',
                h(
                  'button.linkish',
                  {
                    type: 'button',
                    onclick: () => this.onFinding(item.id),
                    'aria-label': `Open finding ${item.rule} ${item.subject.label}`,
                  },
                  'open',
                ),
              );
            }
            return tr;
          }),
        ),
      );
    } catch (e) {
      count.textContent = e.message;
      t.replaceChildren();
    }
  }

  async exportCsv() {
    const spec = SPECS[this.kind];
    const { sort: _s, order: _o, ...filters } = this.params();
    if (spec.export) {
      const res = await request(`${spec.export}${query({ ...filters, format: 'csv' })}`, { raw: true });
      download(await res.blob(), `otwatch-${this.kind}.csv`);
      return;
    }
    const rows = [];
    for (let offset = 0; offset < 20_000; offset += 500) {
      const page = await json(`${spec.path}${query({ ...this.params(), limit: 500, offset })}`);
      rows.push(...page.items.map((x) => (spec.csvRow ?? spec.row)(x)));
      if (offset + 500 >= page.total) break;
    }
    download(new Blob([csv(spec.header, rows)], { type: 'text/csv' }), `otwatch-${this.kind}.csv`);
  }
}
