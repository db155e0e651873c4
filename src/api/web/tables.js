// Assets, paths and findings as tables with the API's own filters, sorting and paging, and CSV export
// (the API's export for assets and findings; paths are written here from the filtered pages).
import { json, query, request } from './api.js';
import { csv, download, h, sev, time } from './util.js';

const PAGE = 50;
const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
const STATUSES = ['open', 'acknowledged', 'reopened', 'resolved'];

/** Model or product: what an engineer calls the device (an S7 CPU's order number when nothing else). */
const model = (a) =>
  a.identity?.model?.value ?? a.identity?.product?.value ?? a.identity?.module_type?.value ?? a.identity?.order_number?.value ?? '';
const vendor = (a) => a.identity?.vendor?.value ?? a.macVendor ?? '';
const protocols = (a) => [...new Set([...(a.protocolsServer ?? []), ...(a.protocolsClient ?? [])])].sort().join(' ');

/**
 * Filters are drop-downs where the API takes one of a known set (the values come from GET /facets,
 * or the schema's enumerations), free text where it takes an id or a time.
 */
const SPECS = {
  assets: {
    path: 'assets',
    filters: { role: 'roles', zone: 'zones', vendor: 'vendors', protocol: 'protocols' },
    sorts: ['id', 'last_seen', 'first_seen', 'role'],
    export: 'export/assets',
    header: ['Name', 'IP', 'Vendor', 'Model', 'Firmware', 'Role', 'Zone', 'Protocols', 'Last seen'],
    row: (a) => [
      a.names[0] ?? a.identity?.name?.value ?? a.ips[0] ?? a.id,
      a.ips.join(' '),
      vendor(a),
      model(a),
      a.identity?.firmware?.value ?? '',
      a.role,
      a.zone ?? '',
      protocols(a),
      time(a.lastSeen),
    ],
    open: 'onAsset',
    label: (a) => `Open asset ${a.names[0] ?? a.ips[0] ?? a.id}`,
  },
  paths: {
    path: 'paths',
    filters: { protocol: 'protocols', operation: 'operations', zone: 'zones', from_zone: 'zones', to_zone: 'zones', asset: null },
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
    filters: {
      rule: 'rules',
      severity: SEVERITIES,
      status: STATUSES,
      zone: 'zones',
      conduit: 'conduits',
      asset: null,
      since: null,
      until: null,
    },
    sorts: ['priority', 'severity', 'last_seen', 'first_seen', 'rule'],
    export: 'export/findings',
    header: ['Severity', 'Finding', 'Fix first', 'Status', 'Rule', 'Requirements', 'Last seen'],
    row: (f) => [
      sev(f.severity),
      f.title ?? f.subject.label,
      f.priority?.opClass ?? '',
      f.status,
      f.rule,
      f.requirements.join(' '),
      time(f.evidence.lastSeen),
    ],
    csvRow: (f) => [
      f.severity,
      f.title ?? f.subject.label,
      f.priority?.opClass ?? '',
      f.status,
      f.rule,
      f.requirements.join(' '),
      time(f.evidence.lastSeen),
    ],
    open: 'onFinding',
    label: (f) => `Open finding ${f.title ?? f.subject.label}`,
  },
};

export class Tables {
  constructor({ onFinding, onAsset }) {
    this.kind = 'assets';
    this.offset = 0;
    // findings: what to fix first at the top (severity, then operations reaching level 0-1, then age)
    this.sort = { assets: 'id', paths: 'id', findings: 'priority' };
    this.order = 'asc';
    this.onFinding = onFinding;
    this.onAsset = onAsset;
    this.facets = null;
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

  /** The drop-down values (GET /facets), fetched once per page load and after each upload or policy change. */
  async loadFacets(force = false) {
    if (!this.facets || force) {
      try {
        this.facets = await json('facets');
      } catch {
        this.facets = {};
      }
    }
    return this.facets;
  }

  filterControl(name, values) {
    if (values === null) return h('input', { name, size: '12' });
    const list = Array.isArray(values) ? values : (this.facets?.[values] ?? []);
    return h(
      'select',
      { name },
      h('option', { value: '' }, 'all'),
      list.map((v) => h('option', {}, v)),
    );
  }

  async show(kind) {
    this.kind = kind;
    this.offset = 0;
    for (const b of document.querySelectorAll('[data-table]')) b.setAttribute('aria-pressed', String(b.dataset.table === kind));
    // the previous table's count would otherwise stand under the new table's heading until its first page came
    document.getElementById('table-count').textContent = 'loading…';
    const spec = SPECS[kind];
    await this.loadFacets();
    this.form.replaceChildren(
      ...Object.entries(spec.filters).map(([f, values]) => h('label', {}, f.replace('_', ' '), this.filterControl(f, values))),
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
          page.items.map((item) => this.rowOf(spec, item)),
        ),
      );
    } catch (e) {
      count.textContent = e.message;
      t.replaceChildren();
    }
  }

  /**
   * A row that opens its asset or finding: the whole row takes a click, and its first text cell is a
   * button for the keyboard (no separate "open" button, which read like a status beside the status).
   */
  rowOf(spec, item) {
    const cells = spec.row(item);
    const open = spec.open ? () => this[spec.open](item.id) : null;
    const first = open ? cells.findIndex((c) => typeof c === 'string') : -1;
    const tr = h(
      'tr',
      open ? { class: 'opens', onclick: (e) => e.target.closest('button') || open() } : {},
      cells.map((c, i) =>
        h('td', {}, i === first ? h('button.linkish.row-open', { type: 'button', 'aria-label': spec.label(item), onclick: open }, c) : c),
      ),
    );
    tr.dataset.id = item.id;
    return tr;
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
