// The plant map: Purdue levels as horizontal bands, zones side by side within their band, conduits between
// zones coloured by status with their counts, assets as role icons inside their zone. The layout is our own
// and deterministic (map-layout.js). At plant size a zone shows its counts by role and violations until it
// is opened (its assets come from /api/v1/map/zones/:id); the paths of a zone pair are listed a page at a
// time, violating first, in a virtualised list. Filters ask the server for new counts and marks and only
// relabel and restyle elements: positions depend on the data and the open zones, never on a filter.
// Every text a device controls (names, vendors) is set as text, never as markup.
import { json, query } from './api.js';
import { computeLayout, bandsOf } from './map-layout.js';
import { h, kv, sev, table, time } from './util.js';

/** How each role is drawn: tag (inside the icon), shape and colour; the legend lists them in this order. */
export const ROLES = {
  plc: { tag: 'PLC', label: 'PLC / controller', shape: 'rectangle', color: '#2b6cb0' },
  hmi: { tag: 'HMI', label: 'HMI / SCADA', shape: 'round-rectangle', color: '#6b46c1' },
  engineering_workstation: { tag: 'EWS', label: 'Engineering workstation', shape: 'diamond', color: '#c05621' },
  historian: { tag: 'HIS', label: 'Historian', shape: 'barrel', color: '#975a16' },
  server: { tag: 'SRV', label: 'Server', shape: 'cut-rectangle', color: '#4a5568' },
  gateway: { tag: 'GW', label: 'Gateway / router', shape: 'triangle', color: '#2f855a' },
  opcua_server: { tag: 'UA·S', label: 'OPC UA server', shape: 'hexagon', color: '#b83280' },
  opcua_client: { tag: 'UA·C', label: 'OPC UA client', shape: 'octagon', color: '#d53f8c' },
  bacnet_controller: { tag: 'BAC', label: 'BACnet controller', shape: 'round-rectangle', color: '#2c7a7b' },
  workstation: { tag: 'WS', label: 'Workstation', shape: 'ellipse', color: '#718096' },
  unknown: { tag: '?', label: 'Unknown', shape: 'ellipse', color: '#a0aec0' },
};
const roleOf = (r) => ROLES[r] ?? ROLES.unknown;
const PLURAL = {
  PLC: 'PLCs',
  HMI: 'HMIs',
  EWS: 'EWS',
  HIS: 'historians',
  SRV: 'servers',
  GW: 'gateways',
  BAC: 'BACnet',
  WS: 'workstations',
};

export const STATUS = {
  violated: { label: 'violated: traffic against the policy', color: '#c53030' },
  expired: { label: 'expired conduit still in use', color: '#b7791f' },
  allowed: { label: 'allowed traffic only', color: '#2f855a' },
  unused: { label: 'declared, no traffic', color: '#a0aec0' },
};

/** The role's icon: its tag in white, drawn over the node's shape and colour (an SVG data URL: no markup in the page). */
function icon(role) {
  const r = roleOf(role);
  const size = r.tag.length > 3 ? 9 : 11;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40" viewBox="0 0 40 40">` +
    `<text x="20" y="24.5" text-anchor="middle" font-family="system-ui,Arial,sans-serif" font-weight="700" font-size="${size}" fill="#fff">${r.tag}</text></svg>`;
  return `data:image/svg+xml;utf8,${encodeURIComponent(svg)}`;
}
const ICONS = Object.fromEntries(Object.keys(ROLES).map((k) => [k, icon(k)]));

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const plural = (n, one, many = `${one}s`) => `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
const short = (s) => (s.length > 18 ? `${s.slice(0, 17)}…` : s);
const pairKey = (a, b) => (a <= b ? `${a}|${b}` : `${b}|${a}`);

function style() {
  const fg = css('--fg') || '#1a202c';
  const panel = css('--panel') || '#fff';
  const s = [
    { selector: 'node', style: { color: fg, 'font-size': 11, 'min-zoomed-font-size': 5, 'z-index-compare': 'manual' } },
    {
      selector: 'node.band',
      style: {
        shape: 'rectangle',
        width: 'data(w)',
        height: 'data(h)',
        'background-color': css('--zone-bg') || '#eef3f9',
        'background-opacity': 0.35,
        'border-width': 0,
        label: 'data(label)',
        'text-valign': 'center',
        'text-halign': 'center',
        'text-margin-x': 'data(lx)',
        'text-rotation': -Math.PI / 2,
        'font-size': 16,
        'font-weight': 'bold',
        color: css('--muted') || '#555',
        events: 'no',
        'z-index': 0,
      },
    },
    {
      selector: 'node.zone',
      style: {
        shape: 'round-rectangle',
        width: 'data(w)',
        height: 'data(h)',
        'background-color': panel,
        'background-opacity': 1,
        'border-color': css('--zone-line') || '#4a6785',
        'border-width': 2,
        label: 'data(label)',
        'text-wrap': 'wrap',
        'text-max-width': 'data(tw)',
        'text-valign': 'center',
        'text-halign': 'center',
        'font-size': 12,
        'z-index': 1,
      },
    },
    { selector: 'node.zone.open', style: { 'text-valign': 'top', 'text-margin-y': 40, 'font-weight': 'bold', 'font-size': 14 } },
    { selector: 'node.zone.closed', style: { 'font-size': 17 } },
    { selector: 'node.zone.violating', style: { 'border-color': STATUS.violated.color, 'border-width': 3 } },
    { selector: 'node.zone.unzoned', style: { 'background-color': css('--unzoned-bg') || '#fff4e0', 'border-style': 'dashed' } },
    {
      selector: 'node.asset',
      style: {
        shape: 'data(shape)',
        width: 30,
        height: 30,
        'background-color': 'data(color)',
        'background-image': 'data(icon)',
        'background-fit': 'contain',
        'background-clip': 'none',
        'border-width': 1,
        'border-color': panel,
        label: 'data(label)',
        'text-valign': 'bottom',
        'text-margin-y': 3,
        'font-size': 10,
        'z-index': 3,
      },
    },
    { selector: 'node.asset.violating', style: { 'border-width': 4, 'border-color': STATUS.violated.color } },
    { selector: 'node.asset.vulnerable', style: { 'outline-width': 3, 'outline-color': '#d69e2e', 'outline-offset': 2 } },
    {
      selector: 'edge.zedge',
      style: {
        'z-index-compare': 'manual',
        'curve-style': 'segments',
        'edge-distances': 'node-position',
        'segment-weights': 'data(sw)',
        'segment-distances': 'data(sd)',
        width: 'data(width)',
        'line-color': STATUS.allowed.color,
        label: 'data(label)',
        'font-size': 13,
        'font-weight': 'bold',
        color: STATUS.allowed.color,
        'text-background-color': panel,
        'text-background-opacity': 0.9,
        'text-background-padding': 2,
        'text-border-width': 1,
        'text-border-opacity': 1,
        'text-border-color': STATUS.allowed.color,
        'z-index': 2,
      },
    },
  ];
  for (const [k, v] of Object.entries(STATUS))
    s.push({ selector: `edge.zedge.status-${k}`, style: { 'line-color': v.color, color: v.color, 'text-border-color': v.color } });
  s.push(
    { selector: 'edge.zedge.status-unused', style: { 'line-style': 'dashed' } },
    { selector: 'edge.zedge.expired', style: { 'line-style': 'dashed', 'line-dash-pattern': [10, 4] } },
    { selector: '.faded', style: { opacity: 0.25 } },
    { selector: '.hidden', style: { display: 'none' } },
    { selector: ':selected', style: { 'overlay-color': css('--sel') || '#805ad5', 'overlay-opacity': 0.3, 'overlay-padding': 4 } },
    { selector: '.highlight', style: { 'overlay-color': css('--focus') || '#d69e2e', 'overlay-opacity': 0.35, 'overlay-padding': 6 } },
  );
  return s;
}

/** A closed zone's summary: "212 PLCs · 12 HMIs", then its violations. */
function zoneLabel(z, open) {
  const level = z.level === null || z.level === undefined ? '' : `L${z.level} · `;
  const head = `${z.name}\n${level}${plural(z.assets, 'asset')}`;
  if (open) return `${head}${z.violatingAssets ? ` · ${z.violatingAssets} violating` : ''}`;
  const roles = Object.entries(z.roles)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 3)
    .map(([r, n]) => {
      const tag = roleOf(r).tag;
      return `${n.toLocaleString('en')} ${n === 1 ? tag : (PLURAL[tag] ?? tag)}`;
    });
  const viol = z.violatingAssets ? `${plural(z.violatingAssets, 'asset')} in violations` : 'no violations';
  return `${head}\n${roles.join(' · ')}\n${viol}${z.vulnerableAssets ? ` · ${z.vulnerableAssets} vulnerable` : ''}\n(open ▸)`;
}

function pairLabel(p) {
  if (p.violations) return `${plural(p.violations, 'violation')} / ${plural(p.paths, 'path')}`;
  if (p.status === 'unused') return 'unused';
  return `${plural(p.paths, 'path')}${p.status === 'expired' ? ' · expired' : ''}`;
}

/** Segment weights and distances (cytoscape 'segments', 'node-position') that put an edge through `pts`. */
function segments(src, tgt, pts, sign = 1) {
  const dx = tgt.x - src.x;
  const dy = tgt.y - src.y;
  const l2 = dx * dx + dy * dy || 1;
  const l = Math.sqrt(l2);
  const nx = -dy / l;
  const ny = dx / l;
  return {
    sw: pts.map(([x, y]) => ((x - src.x) * dx + (y - src.y) * dy) / l2),
    sd: pts.map(([x, y]) => sign * ((x - src.x) * nx + (y - src.y) * ny)),
  };
}

export class PlantMap {
  constructor(container, side, { onFinding, isAdmin }) {
    this.container = container;
    this.side = side;
    this.onFinding = onFinding;
    this.isAdmin = isAdmin;
    this.data = null;
    this.cy = null;
    this.filter = { protocol: '', operation: '', severity: '', from: null, to: null };
    this.open = new Set(); // zones opened by the user (small zones are always open)
    this.zoneAssets = new Map(); // zone id → assets (from the first answer or /map/zones/:id)
    this.seq = 0;
    document.addEventListener('otwatch:highlight', (e) => this.highlight(e.detail));
  }

  filterQuery(extra = {}) {
    const f = this.filter;
    return query({
      protocol: f.protocol,
      operation: f.operation,
      severity: f.severity,
      from: f.from ?? '',
      to: f.to ?? '',
      ...extra,
    });
  }

  async load() {
    const d = await json(`map${this.filterQuery({ open: [...this.open].join(',') })}`);
    this.accept(d, true);
    this.index = d.index ?? [];
    this.renderLegend(); // first: the legend takes its height from the map's
    this.build();
    return d;
  }

  /** Takes an answer of /map: zones, pairs, findings and the assets of the open zones. */
  accept(d, full) {
    this.data = { ...(this.data ?? {}), ...d };
    if (!d.index && this.index) this.data.index = this.index;
    this.zoneById = new Map(d.zones.map((z) => [z.id, z]));
    this.pairByKey = new Map(d.pairs.map((p) => [p.key, p]));
    this.findingById = new Map(d.findings.map((f) => [f.id, f]));
    if (full || !this.assetById) this.assetById = new Map();
    const byZone = new Map();
    for (const a of d.assets) {
      this.assetById.set(a.id, a);
      (byZone.get(a.zone) ?? byZone.set(a.zone, []).get(a.zone)).push(a);
    }
    for (const z of d.zones) if (z.expanded) this.zoneAssets.set(z.id, byZone.get(z.id) ?? []);
  }

  isOpen(id) {
    const z = this.zoneById.get(id);
    return !!z && (z.expanded || this.open.has(id)) && this.zoneAssets.has(id);
  }

  /** Drawing order of a zone's assets: by role (legend order), then name, then id. */
  sortedAssets(id) {
    const order = Object.keys(ROLES);
    return [...(this.zoneAssets.get(id) ?? [])].sort(
      (a, b) =>
        order.indexOf(a.role) - order.indexOf(b.role) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) || (a.id < b.id ? -1 : 1),
    );
  }

  computeLayout() {
    const zones = this.data.zones;
    const open = new Set(zones.filter((z) => this.isOpen(z.id)).map((z) => z.id));
    const pairs = this.data.pairs.filter((p) => this.zoneById.has(p.a) && this.zoneById.has(p.b));
    this.layout = computeLayout(zones, open, (id) => this.sortedAssets(id), pairs);
    this.openZones = open;
    return this.layout;
  }

  elements() {
    const L = this.computeLayout();
    const els = [];
    const lx = -(L.bands[0]?.w ?? 0) / 2 + 30;
    for (const b of L.bands)
      els.push({
        group: 'nodes',
        data: { id: `b:${b.key}`, kind: 'band', label: b.title, w: b.w, h: b.bottom - b.top, lx },
        position: { x: b.x + b.w / 2, y: (b.top + b.bottom) / 2 },
        classes: 'band',
        selectable: false,
        grabbable: false,
        locked: true,
      });
    for (const z of this.data.zones) {
      const box = L.zones.get(z.id);
      const open = this.openZones.has(z.id);
      els.push({
        group: 'nodes',
        data: { id: `z:${z.id}`, kind: 'zone', ref: z.id, label: zoneLabel(z, open), w: box.w, h: box.h, tw: box.w - 20 },
        position: { x: box.x + box.w / 2, y: box.y + box.h / 2 },
        classes: `zone ${open ? 'open' : 'closed'}${z.id === 'unzoned' ? ' unzoned' : ''}`,
        grabbable: false,
      });
      if (!open) continue;
      for (const a of this.zoneAssets.get(z.id) ?? []) els.push(this.assetElement(a, L.assets.get(a.id)));
    }
    for (const [key, e] of L.edges) {
      const p = this.pairByKey.get(key);
      els.push({
        group: 'edges',
        data: {
          id: `ze:${key}`,
          kind: 'zedge',
          ref: key,
          source: `z:${e.source}`,
          target: `z:${e.target}`,
          label: pairLabel(p),
          width: 2,
          sw: [0.5],
          sd: [0],
        },
        classes: 'zedge',
      });
    }
    return els;
  }

  assetElement(a, pos) {
    const r = roleOf(a.role);
    return {
      group: 'nodes',
      data: {
        id: `a:${a.id}`,
        kind: 'asset',
        ref: a.id,
        role: a.role,
        name: a.label,
        // cut to the cell here: cytoscape's own ellipsis measures the text glyph by glyph, slow over hundreds of labels
        label: short(a.label),
        shape: r.shape,
        color: r.color,
        icon: ICONS[a.role] ?? ICONS.unknown,
      },
      position: { x: pos.x, y: pos.y },
      classes: `asset role-${a.role}${this.marks(a)}`,
      grabbable: false,
    };
  }

  /** The classes of an asset's marks under the current answer (violating, vulnerable, faded by the filter). */
  marks(a) {
    const f = this.filter;
    const active = !!(f.protocol || f.operation || f.from !== null || f.to !== null);
    return `${a.violations > 0 ? ' violating' : ''}${(a.vulnerabilities ?? 0) > 0 ? ' vulnerable' : ''}${active && !a.active ? ' faded' : ''}`;
  }

  build() {
    this.cy?.destroy();
    const cy = window.cytoscape({
      container: this.container,
      elements: this.elements(),
      style: style(),
      layout: { name: 'preset', fit: false },
      minZoom: 0.02,
      maxZoom: 4,
      boxSelectionEnabled: false,
      autoungrabify: true,
      pixelRatio: 1,
      hideEdgesOnViewport: false,
      textureOnViewport: false,
    });
    this.cy = cy;
    cy.on('tap', 'node.zone, node.asset, edge.zedge', (e) => this.select(e.target));
    cy.on('dbltap', 'node.zone', (e) => this.toggleZone(e.target.data('ref')));
    this.route();
    this.apply();
    cy.fit(undefined, 20);
  }

  /** Puts every zone-pair edge through its lanes (our layout's points). */
  route() {
    const cy = this.cy;
    this.signs ??= new Map();
    const unknown = [];
    cy.batch(() => {
      for (const [key, e] of this.layout.edges) {
        const edge = cy.getElementById(`ze:${key}`);
        if (edge.empty()) continue;
        if (!this.signs.has(key)) unknown.push([key, e, edge]);
        edge.data(segments(edge.source().position(), edge.target().position(), e.points, this.signs.get(key) ?? 1));
      }
    });
    // cytoscape measures distances from the line of the pair in its own direction: check one point once per edge
    for (const [key, e, edge] of unknown) {
      const got = edge.segmentPoints?.();
      if (!got || !got.length) continue;
      const [x, y] = e.points[0];
      const sign = Math.hypot(got[0].x - x, got[0].y - y) > 1 ? -1 : 1;
      this.signs.set(key, sign);
      if (sign < 0) edge.data(segments(edge.source().position(), edge.target().position(), e.points, -1));
    }
  }

  /** Re-lays out after a zone opened or closed: new positions for every element, new assets added, marks kept. */
  relayoutZones() {
    const cy = this.cy;
    const L = this.computeLayout();
    cy.batch(() => {
      for (const b of L.bands) {
        const n = cy.getElementById(`b:${b.key}`);
        n.unlock();
        n.position({ x: b.x + b.w / 2, y: (b.top + b.bottom) / 2 });
        n.data({ w: b.w, h: b.bottom - b.top, lx: -(L.bands[0]?.w ?? 0) / 2 + 30 });
        n.lock();
      }
      const add = [];
      const closed = new Set();
      for (const z of this.data.zones) {
        const box = L.zones.get(z.id);
        const n = cy.getElementById(`z:${z.id}`);
        const open = this.openZones.has(z.id);
        n.position({ x: box.x + box.w / 2, y: box.y + box.h / 2 });
        n.data({ w: box.w, h: box.h, tw: box.w - 20, label: zoneLabel(z, open) });
        n.toggleClass('open', open).toggleClass('closed', !open);
        if (!open) {
          closed.add(z.id);
          continue;
        }
        for (const a of this.zoneAssets.get(z.id) ?? []) {
          const pos = L.assets.get(a.id);
          const node = cy.getElementById(`a:${a.id}`);
          if (node.nonempty()) node.position(pos);
          else add.push(this.assetElement(a, pos));
        }
      }
      if (closed.size) cy.remove(cy.nodes('.asset').filter((a) => closed.has(this.assetById.get(a.data('ref'))?.zone)));
      if (add.length) cy.add(add);
    });
    this.route();
  }

  /**
   * Opens a zone: its assets are drawn at once from the find index (name, address, role: all the layout needs),
   * and their marks (violations, vulnerabilities, activity under the filter) follow from /map/zones/:id.
   */
  openZone(id) {
    if (this.isOpen(id)) return Promise.resolve();
    const drawn = this.data.index
      .filter((e) => e[3] === id)
      .map(
        ([aid, label, ips, zone, role]) =>
          this.assetById.get(aid) ?? { id: aid, label, ips: ips ? ips.split(' ') : [], role, zone, violations: 0, active: true },
      );
    this.open.add(id);
    this.zoneAssets.set(id, drawn);
    for (const a of drawn) if (!this.assetById.has(a.id)) this.assetById.set(a.id, a);
    this.relayoutZones();
    return this.loadMarks(id);
  }

  async loadMarks(id) {
    const r = await json(`map/zones/${encodeURIComponent(id)}${this.filterQuery()}`);
    if (!this.open.has(id)) return;
    this.zoneAssets.set(id, r.assets);
    const cy = this.cy;
    cy.batch(() => {
      for (const a of r.assets) {
        this.assetById.set(a.id, a);
        const n = cy.getElementById(`a:${a.id}`);
        if (n.empty()) continue;
        const active = !!(this.filter.protocol || this.filter.operation || this.filter.from !== null || this.filter.to !== null);
        n.toggleClass('violating', a.violations > 0);
        n.toggleClass('vulnerable', (a.vulnerabilities ?? 0) > 0);
        n.toggleClass('faded', active && !a.active);
      }
    });
  }

  closeZone(id) {
    const z = this.zoneById.get(id);
    if (!z || z.expanded) return; // small zones are always open
    this.open.delete(id);
    this.zoneAssets.delete(id);
    this.relayoutZones();
  }

  async toggleZone(id) {
    if (this.open.has(id)) this.closeZone(id);
    else await this.openZone(id);
    this.showZone(id);
  }

  relayout() {
    this.cy.fit(undefined, 20);
  }

  async setFilter(f) {
    this.filter = f;
    const seq = ++this.seq;
    const open = [...this.open];
    const d = await json(`map${this.filterQuery({ open: open.join(','), index: 'false' })}`);
    if (seq !== this.seq) return; // a newer filter is on its way
    this.accept(d, false);
    this.apply();
    document.dispatchEvent(new CustomEvent('map:updated'));
  }

  /** Labels, classes and the finding list for the current answer; positions are not touched. */
  apply() {
    const cy = this.cy;
    const active = !!(this.filter.protocol || this.filter.operation || this.filter.from !== null || this.filter.to !== null);
    cy.batch(() => {
      for (const z of this.data.zones) {
        const n = cy.getElementById(`z:${z.id}`);
        n.data('label', zoneLabel(z, this.openZones.has(z.id)));
        n.toggleClass('violating', z.violatingAssets > 0);
      }
      for (const p of this.data.pairs) {
        const e = cy.getElementById(`ze:${p.key}`);
        if (e.empty()) continue;
        e.data('label', pairLabel(p));
        e.data('width', Math.min(10, 2 + Math.log2(1 + p.paths)));
        for (const k of Object.keys(STATUS)) e.toggleClass(`status-${k}`, p.status === k);
        e.toggleClass('violation', p.violations > 0);
        e.toggleClass('expired', p.expired);
        // a pair without conduit and without traffic under the filter is not drawn
        e.toggleClass('hidden', p.paths === 0 && p.conduits.length === 0);
      }
      cy.nodes('.asset').forEach((n) => {
        const a = this.assetById.get(n.data('ref'));
        if (!a) return;
        n.toggleClass('violating', a.violations > 0);
        n.toggleClass('vulnerable', (a.vulnerabilities ?? 0) > 0);
        n.toggleClass('faded', active && !a.active);
      });
    });
    this.renderFindingList();
  }

  renderFindingList() {
    const list = document.getElementById('finding-list');
    const items = this.data.findings;
    list.replaceChildren(
      ...items.map((f) =>
        h(
          'li',
          {},
          h(
            `button.status-${f.status}`,
            { type: 'button', 'data-finding': f.id, onclick: () => this.onFinding(f.id) },
            sev(f.severity),
            ` ${f.rule} `,
            f.label,
            f.status === 'acknowledged' ? ' (acknowledged)' : '',
          ),
        ),
      ),
    );
  }

  /** Fills the filter's protocol and operation choices and the find-asset suggestions. */
  fillFilters(form, datalist) {
    const d = this.data;
    form.elements.protocol.replaceChildren(h('option', { value: '' }, 'all'), ...d.protocols.map((p) => h('option', {}, p)));
    form.elements.operation.replaceChildren(h('option', { value: '' }, 'all'), ...d.operations.map((p) => h('option', {}, p)));
    const opts = [];
    for (const [, label, ips] of this.data.index) {
      opts.push(h('option', { value: label }));
      for (const ip of ips ? ips.split(' ') : []) if (ip !== label) opts.push(h('option', { value: ip }));
    }
    datalist.replaceChildren(...opts);
  }

  summary() {
    const d = this.data;
    const t = d.totals;
    return (
      `${t.assets} assets in ${t.zones} zones, ${t.paths} paths (${t.violatingPaths} with violations), ${d.findings.filter((f) => f.status !== 'resolved').length} findings` +
      (d.policyVersion === null ? ' · no policy stored: assets are unzoned (Policy view)' : ` · policy version ${d.policyVersion}`)
    );
  }

  /** "Find asset": by name or address; opens its zone when closed, then centres and selects it. */
  async find(text) {
    const v = text.trim();
    if (!v) return false;
    const hit = this.data.index.find(([, label, ips]) => label === v || (ips && ips.split(' ').includes(v)));
    if (!hit) return false;
    const [id, , , zone] = hit;
    // the asset's details are asked for while its zone opens, not after
    const details = json(`assets/${encodeURIComponent(id)}`);
    details.catch(() => {}); // showAsset reports a failure
    if (!this.isOpen(zone)) this.openZone(zone); // drawn now; its marks follow
    return this.focusAsset(id, details);
  }

  focusAsset(id, details) {
    const n = this.cy.getElementById(`a:${id}`);
    if (n.empty()) return false;
    this.cy.elements().unselect();
    n.select();
    // no animation: each animated frame at a new zoom redraws every node
    this.cy.zoom(Math.max(this.cy.zoom(), 1));
    this.cy.center(n);
    this.showAsset(id, details);
    return true;
  }

  /**
   * Marks what a finding is about (the 'otwatch:highlight' event of findings.js: { assets, paths, zones }):
   * the conduit between its two zones, or its zone, and its assets; an asset of a closed zone marks its zone.
   */
  highlight(detail) {
    const cy = this.cy;
    if (!cy) return;
    cy.batch(() => {
      cy.elements('.highlight').removeClass('highlight');
      const zones = detail?.zones ?? [];
      if (zones.length === 2) cy.getElementById(`ze:${pairKey(zones[0], zones[1])}`).addClass('highlight');
      else for (const z of zones) cy.getElementById(`z:${z}`).addClass('highlight');
      const zoneOf = new Map((this.data?.index ?? []).map(([id, , , zone]) => [id, zone]));
      for (const a of detail?.assets ?? []) {
        const n = cy.getElementById(`a:${a}`);
        if (n.nonempty()) n.addClass('highlight');
        else if (zoneOf.has(a)) cy.getElementById(`z:${zoneOf.get(a)}`).addClass('highlight');
      }
    });
  }

  details(...nodes) {
    const d = document.getElementById('details');
    d.replaceChildren(...nodes.filter(Boolean));
    d.querySelector('h2')?.setAttribute('tabindex', '-1');
  }

  select(el) {
    const kind = el.data('kind');
    const ref = el.data('ref');
    if (kind === 'asset') return this.showAsset(ref);
    if (kind === 'zone') return this.showZone(ref);
    if (kind === 'zedge') return this.showPair(ref);
  }

  findingButtons(fs) {
    if (!fs.length) return h('p.hint', {}, 'No findings.');
    return h(
      'ul.finding-list',
      {},
      fs.map((f) =>
        h(
          'li',
          {},
          h(
            `button.status-${f.status}`,
            { type: 'button', 'data-finding': f.id, onclick: () => this.onFinding(f.id) },
            sev(f.severity),
            ` ${f.rule} `,
            f.label,
          ),
        ),
      ),
    );
  }

  /**
   * The paths of a zone pair in a scrolled list that holds only the rows in view: pages of 100 come from
   * the server as they scroll in (violating first, as the server sorts them).
   */
  pathList(key, total) {
    const ROW = 22;
    const PAGE = 100;
    const box = h('div.vlist', { role: 'list', tabindex: '0', 'aria-label': `Paths, ${total} in all, violating first` });
    const inner = h('div.vlist-inner', { style: `height:${total * ROW}px` });
    box.append(inner);
    const pages = new Map();
    const name = (p, which) => (which === 'i' ? p.initiatorLabel : p.responderLabel);
    const render = () => {
      const first = Math.max(0, Math.floor(box.scrollTop / ROW) - 5);
      const last = Math.min(total, first + Math.ceil((box.clientHeight || 320) / ROW) + 10);
      const rows = [];
      for (let i = first; i < last; i++) {
        const page = pages.get(Math.floor(i / PAGE));
        if (!page) {
          load(Math.floor(i / PAGE));
          continue;
        }
        const p = page[i % PAGE];
        if (!p) continue;
        const text = `${name(p, 'i')} → ${name(p, 'r')} · ${p.protocol} ${p.transport}/${p.port} · ${p.operations.join(', ')}`;
        rows.push(
          h(
            `button.vrow${p.violating ? '.bad' : ''}`,
            {
              type: 'button',
              role: 'listitem',
              style: `top:${i * ROW}px`,
              title: `${text} · last ${time(p.lastSeen)}`,
              onclick: () => this.showAsset(p.initiator),
            },
            p.violating ? '⚠ ' : '',
            text,
          ),
        );
      }
      inner.replaceChildren(...rows);
    };
    const loading = new Set();
    const load = async (n) => {
      if (loading.has(n)) return;
      loading.add(n);
      const r = await json(`map/pairs/${encodeURIComponent(key)}/paths${this.filterQuery({ offset: n * PAGE, limit: PAGE })}`);
      pages.set(n, r.items);
      render();
    };
    box.addEventListener('scroll', () => requestAnimationFrame(render));
    if (total) load(0);
    return box;
  }

  showZone(id) {
    const z = this.zoneById.get(id);
    if (!z) return;
    const open = this.isOpen(id);
    const sltText = z.hasSlt
      ? Object.entries(z.slt)
          .map(([fr, v]) => `${fr}=${v ?? '-'}`)
          .join(' ')
      : 'none';
    const roles = Object.entries(z.roles).sort((a, b) => b[1] - a[1]);
    const assets = open ? this.sortedAssets(id) : [];
    this.details(
      h('h2', {}, id === 'unzoned' ? 'Unzoned assets' : `${z.name} (${z.id})`),
      id === 'unzoned'
        ? h('p', {}, 'Assets in no zone of the policy.')
        : kv([
            ['Purdue level', z.level === null ? '?' : String(z.level)],
            ['Description', z.description],
            ['SL-T', sltText],
          ]),
      h(
        'p',
        {},
        `${plural(z.assets, 'asset')}, ${z.violatingAssets} in violations; ${plural(z.inside, 'path')} inside (${z.insideViolations} violating).`,
      ),
      table(
        ['Role', 'Assets'],
        roles.map(([r, n]) => [roleOf(r).label, String(n)]),
      ),
      z.expanded
        ? null
        : h(
            'button#zone-toggle',
            { type: 'button', onclick: () => this.toggleZone(id) },
            this.open.has(id) ? 'Close the zone (counts only)' : `Open the zone (${plural(z.assets, 'asset')})`,
          ),
      z.inside ? h('h3', {}, 'Paths inside') : null,
      z.inside ? this.pathList(`${id}|${id}`, z.inside) : null,
      open ? h('h3', {}, 'Assets') : null,
      open
        ? h(
            'ul.finding-list',
            {},
            assets.map((a) =>
              h(
                'li',
                {},
                h(
                  'button.linkish',
                  { type: 'button', onclick: () => this.focusAsset(a.id) },
                  `${a.label} · ${roleOf(a.role).tag}${a.violations ? ' · violating' : ''}`,
                ),
              ),
            ),
          )
        : null,
    );
  }

  showPair(key) {
    const p = this.pairByKey.get(key);
    if (!p) return;
    const conduits = this.data.conduits.filter((c) => p.conduits.includes(c.id));
    const findings = this.data.findings.filter((f) => f.zones.length === 2 && pairKey(f.zones[0], f.zones[1]) === key);
    this.details(
      h('h2', {}, `${p.a} ↔ ${p.b}`),
      h('p', { class: `pair-status status-${p.status}` }, STATUS[p.status].label),
      kv([
        ['Paths', String(p.paths)],
        ['Violating', String(p.violations)],
        [
          'By severity',
          Object.entries(p.bySeverity)
            .map(([s, n]) => `${s} ${n}`)
            .join(', '),
        ],
        ['Protocols', p.protocols.join(', ')],
      ]),
      h('h3', {}, conduits.length ? 'Conduits' : 'No conduit joins these zones'),
      ...conduits.map((c) =>
        h(
          'div.conduit',
          {},
          h('strong', {}, `${c.name} (${c.id})`),
          kv([
            ['Between', `${c.a} ↔ ${c.b}`],
            ['Enforcement', c.enforcement.join(', ')],
            ['Owner', c.owner],
            ['Expires', c.expires ? `${c.expires}${c.expired ? ' (expired, still used)' : ''}` : null],
            ['Observed', c.observed.paths ? `${plural(c.observed.paths, 'path')}, ${c.observed.protocols.join(', ')}` : 'no traffic'],
          ]),
          h(
            'ul',
            {},
            c.declared.map((t) => h('li', {}, t)),
          ),
        ),
      ),
      h('h3', {}, `Paths (${p.paths}, violating first)`),
      this.pathList(key, p.paths),
      h('h3', {}, 'Findings on these zones'),
      this.findingButtons(findings),
    );
  }

  async showAsset(id, pending) {
    const a = this.assetById.get(id);
    this.details(h('h2', {}, a?.label ?? id), h('p.hint', {}, 'Loading…'));
    let r;
    try {
      r = await (pending ?? json(`assets/${encodeURIComponent(id)}`));
    } catch (e) {
      this.details(h('h2', {}, a?.label ?? id), h('p.error', {}, e.message));
      return;
    }
    const x = r.asset;
    const name = (aid) => this.assetById.get(aid)?.label ?? aid;
    this.details(
      h('h2', {}, `${a?.label ?? id}`),
      kv([
        ['Role', roleOf(x.role).label],
        ['Zone', x.zone ?? a?.zone],
        ['IP', x.ips.join(', ')],
        ['MAC', x.macs.join(', ')],
        ['MAC vendor', x.macVendor],
        ['VLAN', x.vlans.join(', ')],
        ['Purdue level', x.purdueLevel === null ? '?' : String(x.purdueLevel)],
        ['Violating paths', a ? String(a.violations) : null],
        ['Vulnerabilities', a?.vulnerabilities !== undefined ? String(a.vulnerabilities) : null],
        ['Seen', `${time(x.firstSeen)} – ${time(x.lastSeen)}`],
      ]),
      h('h3', {}, 'Why this role'),
      h(
        'ul',
        {},
        x.roleEvidence.map((t) => h('li', {}, t)),
      ),
      h('h3', {}, 'Identity history'),
      r.identityHistory.length
        ? table(
            ['Attribute', 'Value', 'Protocol', 'First', 'Last'],
            r.identityHistory.map((i) => [i.attribute, i.value, i.protocol, time(i.firstTs), time(i.lastTs)]),
          )
        : h('p.hint', {}, 'No identity reported.'),
      h('h3', {}, 'Paths and operations'),
      table(
        ['Peer', 'Protocol', 'Operations'],
        r.paths.map((p) => [
          p.initiator === id ? `→ ${name(p.responder)}` : `← ${name(p.initiator)}`,
          `${p.protocol} ${p.transport}/${p.responderPort}`,
          Object.entries(p.operations)
            .map(([op, s]) => `${op} ×${s.count}${s.examples.length ? ` (${s.examples.slice(0, 2).join('; ')})` : ''}`)
            .join(', '),
        ]),
      ),
      h('h3', {}, 'Findings'),
      this.findingButtons(r.findings.map((f) => this.findingById.get(f.id) ?? { ...f, label: f.subject?.label ?? f.id })),
    );
  }

  /** After an acknowledgement: the finding's new status, without reloading the graph. */
  updateFinding(f) {
    const g = this.findingById.get(f.id);
    if (g) g.status = f.status;
    this.renderFindingList();
  }

  /** The legend under the map: role icons, conduit statuses, marks (built once, from the same tables). */
  renderLegend() {
    const el = document.getElementById('map-legend');
    if (!el || el.childElementCount) return;
    const roles = Object.entries(ROLES).map(([k, r]) =>
      h('li', {}, h('img', { src: ICONS[k], alt: '', width: '18', height: '18', style: `background:${r.color}` }), ` ${r.label}`),
    );
    const statuses = Object.entries(STATUS).map(([k, s]) =>
      h('li', {}, h(`span.swatch.line.status-${k}`, { style: `border-color:${s.color}` }), ` ${s.label}`),
    );
    el.replaceChildren(
      h('ul.legend-roles', { 'aria-label': 'Roles' }, roles),
      h('ul.legend-lines', { 'aria-label': 'Conduits' }, statuses),
      h(
        'ul.legend-marks',
        { 'aria-label': 'Marks' },
        h('li', {}, h('span.swatch.mark-violating'), ' asset on a violating path'),
        h('li', {}, h('span.swatch.mark-vulnerable'), ' known vulnerabilities'),
        h('li', {}, 'Bands: Purdue levels, highest at the top. Double-click or use "Open the zone" to show a large zone\u2019s assets.'),
      ),
    );
  }
}

// for the browser test and the debugging console: the bands in their order
export { bandsOf };
