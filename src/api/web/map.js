// The plant map: zones as compound nodes, assets inside (shape by role), paths aggregated per zone
// pair (expandable to asset pairs), declared conduits drawn apart, violations red with their count.
// The layout is computed once (fcose) and its positions kept per asset/zone in localStorage; filters
// only show, hide and relabel elements, they never lay the graph out again.
import { json } from './api.js';
import { h, kv, sev, table, time } from './util.js';

const LAYOUT_KEY = 'otwatch.layout.v1';
const SHAPES = {
  plc: 'rectangle',
  bacnet_controller: 'round-rectangle',
  hmi: 'round-rectangle',
  engineering_workstation: 'diamond',
  opcua_server: 'hexagon',
  opcua_client: 'hexagon',
  historian: 'barrel',
  gateway: 'triangle',
  server: 'round-tag',
  workstation: 'ellipse',
  unknown: 'ellipse',
};
const ROLE_TAG = {
  plc: 'PLC',
  bacnet_controller: 'BACnet',
  hmi: 'HMI',
  engineering_workstation: 'EWS',
  opcua_server: 'OPC UA server',
  opcua_client: 'OPC UA client',
  historian: 'Historian',
  gateway: 'Gateway',
  server: 'Server',
  workstation: 'Workstation',
  unknown: 'Unknown',
};
const SEV_ORDER = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };

const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
const pairKey = (a, b) => [a, b].sort().join('|');

function style() {
  const fg = css('--fg');
  const muted = css('--muted');
  const panel = css('--panel');
  return [
    { selector: 'node', style: { color: fg, 'font-size': 10, 'text-wrap': 'wrap', 'text-max-width': 120, 'min-zoomed-font-size': 6 } },
    {
      selector: 'node.asset',
      style: {
        label: 'data(label)',
        'text-valign': 'bottom',
        'text-margin-y': 3,
        width: 26,
        height: 26,
        shape: 'data(shape)',
        'background-color': css('--accent'),
        'border-width': 1,
        'border-color': panel,
      },
    },
    { selector: 'node.asset.violating', style: { 'border-width': 3, 'border-color': css('--violation') } },
    {
      selector: 'node.zone',
      style: {
        label: 'data(label)',
        'text-valign': 'top',
        'text-halign': 'center',
        'font-weight': 'bold',
        'font-size': 12,
        'background-color': css('--zone-bg'),
        'background-opacity': 1,
        'border-color': css('--zone-line'),
        'border-width': 2,
        shape: 'round-rectangle',
        padding: 18,
      },
    },
    { selector: 'node.zone.unzoned', style: { 'background-color': css('--unzoned-bg'), 'border-style': 'dashed' } },
    {
      selector: 'edge',
      style: {
        'curve-style': 'bezier',
        width: 1.5,
        'line-color': css('--edge'),
        'target-arrow-color': css('--edge'),
        color: fg,
        'font-size': 10,
        'text-background-color': panel,
        'text-background-opacity': 0.85,
        'text-background-padding': 2,
      },
    },
    { selector: 'edge.zedge', style: { label: 'data(label)', width: 'data(width)' } },
    { selector: 'edge.aedge', style: { label: 'data(label)', 'target-arrow-shape': 'triangle', 'arrow-scale': 0.7, 'font-size': 9 } },
    {
      selector: 'edge.violation',
      style: {
        'line-color': css('--violation'),
        'target-arrow-color': css('--violation'),
        color: css('--violation'),
        'font-weight': 'bold',
        width: 3,
      },
    },
    {
      selector: 'edge.conduit',
      style: {
        label: 'data(label)',
        width: 7,
        'line-color': css('--conduit'),
        opacity: 0.45,
        'line-style': 'solid',
        color: css('--conduit'),
        'text-rotation': 'autorotate',
        'font-size': 9,
      },
    },
    { selector: 'edge.conduit.unused', style: { 'line-style': 'dashed' } },
    { selector: '.faded', style: { opacity: 0.25 } },
    { selector: '.hidden', style: { display: 'none' } },
    { selector: ':selected', style: { 'overlay-color': css('--sel'), 'overlay-opacity': 0.3, 'overlay-padding': 4 } },
    { selector: 'node.asset.match', style: { 'border-width': 4, 'border-color': css('--focus') } },
    { selector: 'edge.muted-label', style: { color: muted } },
  ];
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
    this.expanded = new Set(); // zone pairs (or 'zone|zone' for inside a zone) shown as asset pairs
  }

  async load() {
    this.data = await json('map');
    this.findingById = new Map(this.data.findings.map((f) => [f.id, f]));
    this.assetById = new Map(this.data.assets.map((a) => [a.id, a]));
    this.pathsByPair = new Map();
    for (const p of this.data.paths) {
      const k = pairKey(p.fromZone, p.toZone);
      (this.pathsByPair.get(k) ?? this.pathsByPair.set(k, []).get(k)).push(p);
    }
    this.build();
    return this.data;
  }

  /** Elements of the graph: zones, assets, aggregated zone edges and conduits (asset pairs come on expansion). */
  elements() {
    const d = this.data;
    const els = [];
    const sltText = (z) => {
      if (!z.hasSlt) return 'SL-T none';
      const v = Object.values(z.slt).filter((x) => x !== null);
      return Math.min(...v) === Math.max(...v) ? `SL-T ${v[0]}` : `SL-T ${Math.min(...v)}-${Math.max(...v)}`;
    };
    for (const z of d.zones)
      els.push({
        group: 'nodes',
        data: { id: `z:${z.id}`, kind: 'zone', ref: z.id, label: `${z.name}\nL${z.level ?? '?'} · ${sltText(z)}` },
        classes: 'zone',
      });
    if (d.assets.some((a) => a.zone === 'unzoned'))
      els.push({
        group: 'nodes',
        data: { id: 'z:unzoned', kind: 'zone', ref: 'unzoned', label: 'Unzoned assets' },
        classes: 'zone unzoned',
      });
    for (const a of d.assets) {
      // two short lines: the model and vendor are in the details (long labels would overlap at this density)
      const sub = a.ips[0] && a.ips[0] !== a.label ? a.ips[0] : (a.vendor ?? '').slice(0, 24);
      els.push({
        group: 'nodes',
        data: {
          id: `a:${a.id}`,
          kind: 'asset',
          ref: a.id,
          parent: `z:${a.zone}`,
          role: a.role,
          shape: SHAPES[a.role] ?? 'ellipse',
          label: `${a.label} [${ROLE_TAG[a.role] ?? a.role}]${sub ? `\n${sub}` : ''}`,
        },
        classes: `asset role-${a.role}`,
      });
    }
    for (const key of this.pathsByPair.keys()) {
      const [a, b] = key.split('|');
      if (a === b) continue;
      els.push({
        group: 'edges',
        data: { id: `ze:${key}`, kind: 'zedge', ref: key, source: `z:${a}`, target: `z:${b}`, label: '', width: 2 },
        classes: 'zedge',
      });
    }
    for (const c of d.conduits) {
      if (!c.aZone || !c.bZone || c.aZone === c.bZone) continue;
      els.push({
        group: 'edges',
        data: { id: `c:${c.id}`, kind: 'conduit', ref: c.id, source: `z:${c.aZone}`, target: `z:${c.bZone}`, label: c.id },
        classes: `conduit${c.observed.paths ? '' : ' unused'}`,
      });
    }
    return els;
  }

  build() {
    const cytoscape = window.cytoscape;
    if (!this.registered && window.cytoscapeFcose) {
      cytoscape.use(window.cytoscapeFcose);
      this.registered = true;
    }
    this.cy?.destroy();
    const cy = cytoscape({
      container: this.container,
      elements: this.elements(),
      style: style(),
      minZoom: 0.05,
      maxZoom: 4,
      boxSelectionEnabled: false,
    });
    this.cy = cy;
    cy.on('tap', 'node, edge', (e) => this.select(e.target));
    this.layout(false);
    this.apply();
  }

  /** Cached positions when every asset and empty zone has one; else fcose once, then cache. */
  layout(force) {
    const cy = this.cy;
    const leaves = cy.nodes().filter((n) => n.isChildless());
    let cached = {};
    try {
      cached = JSON.parse(localStorage.getItem(LAYOUT_KEY) ?? '{}');
    } catch {
      cached = {};
    }
    if (!force && leaves.length && leaves.every((n) => cached[n.id()])) {
      cy.layout({ name: 'preset', positions: (n) => cached[n.id()], fit: true, padding: 20 }).run();
      this.layoutSource = 'cached';
      return;
    }
    const big = leaves.length > 500;
    const name = window.cytoscapeFcose ? 'fcose' : 'cose';
    cy.layout({
      name,
      animate: false,
      randomize: true,
      quality: big ? 'draft' : 'default',
      fit: true,
      padding: 20,
      nodeRepulsion: () => 9000,
      idealEdgeLength: () => 160,
      nestingFactor: 0.1,
      gravity: 0.3,
      numIter: big ? 1000 : 2500,
      packComponents: true,
      nodeSeparation: 60,
      tile: true,
      nodeDimensionsIncludeLabels: true,
      tilingPaddingVertical: 20,
      tilingPaddingHorizontal: 20,
    }).run();
    const keep = {};
    for (const n of leaves) keep[n.id()] = n.position();
    try {
      localStorage.setItem(LAYOUT_KEY, JSON.stringify({ ...cached, ...keep }));
    } catch {
      /* storage full: the layout is only not kept */
    }
    this.layoutSource = 'computed';
  }

  relayout() {
    this.layout(true);
  }

  setFilter(f) {
    this.filter = f;
    this.apply();
  }

  pathVisible(p) {
    const f = this.filter;
    if (f.protocol && p.protocol !== f.protocol) return false;
    if (f.operation && !p.operations.includes(f.operation)) return false;
    if (f.from !== null && p.lastSeen < f.from) return false;
    if (f.to !== null && p.firstSeen > f.to) return false;
    return true;
  }

  /** A path's live violations under the severity filter. */
  violationsOf(p) {
    return p.findings
      .map((id) => this.findingById.get(id))
      .filter((f) => f && f.violation && f.status !== 'resolved' && (!this.filter.severity || f.severity === this.filter.severity));
  }

  /** Shows, hides and relabels elements for the filter; positions are not touched. */
  apply() {
    const cy = this.cy;
    const active = this.filter.protocol || this.filter.operation || this.filter.from !== null || this.filter.to !== null;
    const touched = new Set();
    const violating = new Set();
    cy.batch(() => {
      for (const [key, paths] of this.pathsByPair) {
        const shown = paths.filter((p) => this.pathVisible(p));
        const bad = shown.filter((p) => this.violationsOf(p).length);
        for (const p of shown) touched.add(p.initiator).add(p.responder);
        for (const p of bad) violating.add(p.initiator).add(p.responder);
        const e = cy.getElementById(`ze:${key}`);
        if (e.nonempty()) {
          const expanded = this.expanded.has(key);
          e.toggleClass('hidden', shown.length === 0 || expanded);
          e.toggleClass('violation', bad.length > 0);
          e.data(
            'label',
            bad.length
              ? `${bad.length} violation${bad.length > 1 ? 's' : ''} / ${shown.length}`
              : `${shown.length} path${shown.length > 1 ? 's' : ''}`,
          );
          e.data('width', Math.min(8, 1.5 + Math.log2(1 + shown.length)));
          e.data('violations', bad.length);
        }
        if (this.expanded.has(key)) this.drawAssetPairs(key, shown);
      }
      cy.nodes('.asset').forEach((n) => {
        n.toggleClass('faded', active && !touched.has(n.data('ref')));
        n.toggleClass('violating', violating.has(n.data('ref')));
      });
    });
    this.renderFindingList();
  }

  /** Asset-pair edges of one zone pair (one edge per initiator → responder, protocols in its label). */
  drawAssetPairs(key, shown) {
    const cy = this.cy;
    cy.remove(cy.edges().filter((e) => e.data('pair') === key));
    const byPair = new Map();
    for (const p of shown) {
      const k = `${p.initiator}>${p.responder}`;
      (byPair.get(k) ?? byPair.set(k, []).get(k)).push(p);
    }
    cy.add(
      [...byPair].map(([k, ps]) => {
        const bad = ps.filter((p) => this.violationsOf(p).length).length;
        const protos = [...new Set(ps.map((p) => p.protocol))].join(', ');
        return {
          group: 'edges',
          data: {
            id: `ae:${k}`,
            kind: 'aedge',
            ref: k,
            pair: key,
            paths: ps.map((p) => p.id),
            source: `a:${ps[0].initiator}`,
            target: `a:${ps[0].responder}`,
            label: bad ? `${protos} (${bad} violation${bad > 1 ? 's' : ''})` : protos,
          },
          classes: `aedge${bad ? ' violation' : ''}`,
        };
      }),
    );
  }

  toggleExpand(key) {
    if (this.expanded.has(key)) {
      this.expanded.delete(key);
      this.cy.remove(this.cy.edges().filter((e) => e.data('pair') === key));
    } else this.expanded.add(key);
    this.apply();
  }

  renderFindingList() {
    const list = document.getElementById('finding-list');
    const sevF = this.filter.severity;
    const items = this.data.findings.filter((f) => f.status !== 'resolved' && (!sevF || f.severity === sevF));
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

  focusAsset(id) {
    const n = this.cy.getElementById(`a:${id}`);
    if (n.empty()) return false;
    this.cy.elements().unselect();
    n.select();
    this.cy.animate({ center: { eles: n }, zoom: Math.max(this.cy.zoom(), 1) }, { duration: 200 });
    this.select(n);
    return true;
  }

  details(...nodes) {
    const d = document.getElementById('details');
    d.replaceChildren(...nodes);
    d.querySelector('h2')?.setAttribute('tabindex', '-1');
  }

  findingButtons(ids) {
    const fs = ids
      .map((id) => this.findingById.get(id))
      .filter(Boolean)
      .sort((a, b) => SEV_ORDER[a.severity] - SEV_ORDER[b.severity]);
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

  pathTable(paths) {
    const name = (id) => this.assetById.get(id)?.label ?? id;
    return table(
      ['From', 'To', 'Protocol', 'Operations', 'Packets', 'Last seen'],
      paths.map((p) =>
        [
          name(p.initiator),
          name(p.responder),
          `${p.protocol} ${p.transport}/${p.port}`,
          p.operations.join(', '),
          String(p.packets),
          time(p.lastSeen),
        ].map((c, i) => (i === 2 && this.violationsOf(p).length ? h('strong.sev-high', {}, c) : c)),
      ),
    );
  }

  select(el) {
    const kind = el.data('kind');
    const ref = el.data('ref');
    if (kind === 'asset') return this.showAsset(ref);
    if (kind === 'zone') return this.showZone(ref);
    if (kind === 'zedge') return this.showZonePair(ref);
    if (kind === 'aedge') return this.showAssetPair(el.data('paths'));
    if (kind === 'conduit') return this.showConduit(ref);
  }

  showZone(id) {
    const z = this.data.zones.find((x) => x.id === id);
    const assets = this.data.assets.filter((a) => a.zone === id);
    const key = `${id}|${id}`;
    const inside = this.pathsByPair.get(key) ?? [];
    this.details(
      h('h2', {}, z ? `${z.name} (${z.id})` : 'Unzoned assets'),
      z
        ? kv([
            ['Purdue level', String(z.level ?? '?')],
            ['Description', z.description],
            [
              'SL-T',
              z.hasSlt
                ? Object.entries(z.slt)
                    .map(([fr, v]) => `${fr}=${v ?? '-'}`)
                    .join(' ')
                : 'none',
            ],
          ])
        : h('p', {}, 'Assets in no zone of the policy.'),
      h('p', {}, `${assets.length} asset(s), ${inside.length} path(s) inside.`),
      inside.length
        ? h(
            'button',
            {
              type: 'button',
              onclick: () => {
                this.toggleExpand(key);
                this.showZone(id);
              },
            },
            this.expanded.has(key) ? 'Hide paths inside' : 'Show paths inside',
          )
        : null,
      h('h3', {}, 'Assets'),
      h(
        'ul.finding-list',
        {},
        assets.map((a) =>
          h(
            'li',
            {},
            h('button.linkish', { type: 'button', onclick: () => this.focusAsset(a.id) }, `${a.label} · ${ROLE_TAG[a.role] ?? a.role}`),
          ),
        ),
      ),
    );
  }

  showZonePair(key) {
    const [a, b] = key.split('|');
    const paths = (this.pathsByPair.get(key) ?? []).filter((p) => this.pathVisible(p));
    const ids = [...new Set(paths.flatMap((p) => p.findings))];
    this.details(
      h('h2', {}, `${a} ↔ ${b}`),
      h('p', {}, `${paths.length} path(s); ${paths.filter((p) => this.violationsOf(p).length).length} with violations.`),
      h(
        'button',
        {
          type: 'button',
          onclick: () => {
            this.toggleExpand(key);
            this.showZonePair(key);
          },
        },
        this.expanded.has(key) ? 'Collapse to the zone pair' : 'Expand to asset pairs',
      ),
      h('h3', {}, 'Paths'),
      this.pathTable(paths),
      h('h3', {}, 'Findings'),
      this.findingButtons(ids),
    );
  }

  showAssetPair(pathIds) {
    const paths = this.data.paths.filter((p) => pathIds.includes(p.id));
    const p0 = paths[0];
    const name = (id) => this.assetById.get(id)?.label ?? id;
    this.details(
      h('h2', {}, `${name(p0.initiator)} → ${name(p0.responder)}`),
      kv([
        ['Zones', `${p0.fromZone} → ${p0.toZone}`],
        ['Verdict', [...new Set(paths.map((p) => p.status))].join(', ')],
        ['Conduits', [...new Set(paths.flatMap((p) => p.conduits))].join(', ') || 'none'],
      ]),
      h('h3', {}, 'Paths and operations'),
      this.pathTable(paths),
      h('h3', {}, 'Findings'),
      this.findingButtons([...new Set(paths.flatMap((p) => p.findings))]),
      h(
        'p',
        {},
        h('button.linkish', { type: 'button', onclick: () => this.showAsset(p0.initiator) }, `Asset ${name(p0.initiator)}`),
        h('button.linkish', { type: 'button', onclick: () => this.showAsset(p0.responder) }, `Asset ${name(p0.responder)}`),
      ),
    );
  }

  showConduit(id) {
    const c = this.data.conduits.find((x) => x.id === id);
    const o = c.observed;
    this.details(
      h('h2', {}, `Conduit ${c.name} (${c.id})`),
      kv([
        ['Between', `${c.a} ↔ ${c.b}`],
        [
          'SL-T',
          c.hasSlt
            ? Object.values(c.slt)
                .map((v) => v ?? '-')
                .join('/')
            : 'from the zones',
        ],
        ['Enforcement', c.enforcement.join(', ')],
        ['Owner', c.owner],
        ['Expires', c.expires ? `${c.expires}${c.expired ? ' (expired, still used)' : ''}` : null],
      ]),
      h('h3', {}, 'Declared flows'),
      h(
        'ul',
        {},
        c.declared.map((t) => h('li', {}, t)),
      ),
      h('h3', {}, 'Observed'),
      o.paths
        ? kv([
            ['Paths', String(o.paths)],
            ['Packets', String(o.packets)],
            ['Protocols', o.protocols.join(', ')],
            ['Operations', o.operations.join(', ')],
            ['Window', `${time(o.firstSeen)} – ${time(o.lastSeen)}`],
          ])
        : h('p.error', {}, 'No traffic observed on this conduit.'),
      h('h3', {}, 'Findings'),
      this.findingButtons(this.data.findings.filter((f) => f.conduit === id).map((f) => f.id)),
    );
  }

  async showAsset(id) {
    const a = this.assetById.get(id);
    this.details(h('h2', {}, a?.label ?? id), h('p.hint', {}, 'Loading…'));
    let r;
    try {
      r = await json(`assets/${encodeURIComponent(id)}`);
    } catch (e) {
      this.details(h('h2', {}, a?.label ?? id), h('p.error', {}, e.message));
      return;
    }
    const x = r.asset;
    const name = (aid) => this.assetById.get(aid)?.label ?? aid;
    this.details(
      h('h2', {}, `${a?.label ?? id}`),
      kv([
        ['Role', `${ROLE_TAG[x.role] ?? x.role}`],
        ['Zone', x.zone ?? a?.zone],
        ['IP', x.ips.join(', ')],
        ['MAC', x.macs.join(', ')],
        ['MAC vendor', x.macVendor],
        ['VLAN', x.vlans.join(', ')],
        ['Purdue level', x.purdueLevel === null ? '?' : String(x.purdueLevel)],
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
      this.findingButtons(r.findings.map((f) => f.id)),
    );
  }

  /** After an acknowledgement: the finding's new status, without reloading the graph. */
  updateFinding(f) {
    const g = this.findingById.get(f.id);
    if (g) g.status = f.status;
    this.apply();
  }
}
