// The hub's enterprise view: every site with its state, counts and worst open finding, worst first. A click on
// a site drills into its plant map (app.js). Below, "Between sites": the open findings of the hub's enterprise
// policy (traffic crossing from one site into another), worst first, and each site's count of them in its row.
// Everything a site sends is set as text, never as markup.
import { json } from './api.js';
import { h, sev, time } from './util.js';

const RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
/** Open enterprise findings listed at most (the status line says how many there are). */
const BETWEEN_LIMIT = 500;
const rankOf = (s) => RANK[s.worstSeverity] ?? 5;

/** Worst first: the worst open finding, then the most open findings, then a site in trouble (gap, stale), then by name. */
export function worstFirst(a, b) {
  const trouble = (s) => (s.gap ? 0 : s.stale ? 1 : 2);
  return (
    rankOf(a) - rankOf(b) ||
    b.openFindings - a.openFindings ||
    trouble(a) - trouble(b) ||
    (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) ||
    (a.id < b.id ? -1 : 1)
  );
}

/** The site's state in words: a gap waits for the sensor's snapshot; stale: not heard from for a while. */
export function stateOf(s) {
  if (s.gap) return ['gap', 'gap: waiting for a snapshot'];
  if (s.stale) return ['stale', 'stale'];
  return ['ok', 'ok'];
}

export class SitesView {
  constructor({ onSite }) {
    this.onSite = onSite;
    this.sites = [];
  }

  async load() {
    await Promise.all([this.loadSites(), this.loadBetween()]);
  }

  async loadSites() {
    const status = document.getElementById('sites-status');
    const t = document.getElementById('sites-table');
    status.textContent = 'Loading the sites…';
    delete status.dataset.ready;
    let items;
    try {
      ({ items } = await json('sites'));
    } catch (e) {
      status.textContent = `sites: ${e.message}`;
      return;
    }
    this.sites = [...items].sort(worstFirst);
    // null from a hub with no enterprise policy in force: no column then
    this.withBetween = this.sites.some((s) => typeof s.interSiteFindings === 'number');
    const header = ['Site', 'State', 'Assets', 'Paths', 'Open findings', 'Worst', 'Last heard'];
    if (this.withBetween) header.push('Between sites');
    t.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          header.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        this.sites.map((s) => this.row(s)),
      ),
    );
    const open = this.sites.reduce((n, s) => n + s.openFindings, 0);
    status.textContent = this.sites.length
      ? `${this.sites.length} site(s), ${open} open finding(s); worst first. Open a site for its plant map.`
      : 'No site has published yet (otwatch analyze|capture --site ID --publish nats://…).';
    status.dataset.ready = 'true';
  }

  row(s) {
    const [state, words] = stateOf(s);
    const open = () => this.onSite(s);
    const tr = h(
      'tr.opens',
      { onclick: (e) => e.target.closest('button') || open() },
      h(
        'td',
        {},
        h('button.linkish.row-open.site-open', { type: 'button', 'aria-label': `Open site ${s.name}`, onclick: open }, s.name),
        s.name !== s.id ? h('span.site-id', {}, ` ${s.id}`) : null,
      ),
      h('td', {}, h(`span.site-state.state-${state}`, {}, words)),
      h('td.num', {}, String(s.assets)),
      h('td.num', {}, String(s.paths)),
      h('td.num', {}, String(s.openFindings)),
      h('td', {}, s.worstSeverity ? sev(s.worstSeverity) : '-'),
      h('td', {}, s.lastHeard ? time(Date.parse(s.lastHeard) / 1000) : 'never'),
      this.withBetween ? h('td.num.between-count', {}, String(s.interSiteFindings ?? 0)) : null,
    );
    tr.dataset.site = s.id;
    return tr;
  }

  /** The open findings between sites, worst first; one line when the hub judges no traffic between sites. */
  async loadBetween() {
    const status = document.getElementById('between-status');
    const t = document.getElementById('between-table');
    t.replaceChildren();
    delete status.dataset.ready;
    status.textContent = 'Loading the findings between sites…';
    const none = 'No enterprise policy: traffic between sites is not judged (otwatch hub --enterprise-policy file.yaml).';
    let policy;
    let page;
    try {
      policy = await json('enterprise/policy');
      if (policy.active) page = await json(`enterprise/findings?status=open&limit=${BETWEEN_LIMIT}`);
    } catch (e) {
      if (e.status !== 404) {
        status.textContent = `between sites: ${e.message}`;
        return;
      }
    }
    // a policy stored by an earlier run but not loaded now judges nothing: its findings are not shown as current
    if (!page) {
      status.textContent = none;
      status.dataset.ready = 'true';
      return;
    }
    const items = page.items;
    if (items.length)
      t.replaceChildren(
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Severity', 'Rule', 'Between', 'Protocol', 'Finding', 'First seen', 'Last seen'].map((c) => h('th', { scope: 'col' }, c)),
          ),
        ),
        h(
          'tbody',
          {},
          items.map((f) => this.betweenRow(f)),
        ),
      );
    const named = policy.name ? `enterprise policy “${policy.name}”` : 'the enterprise policy';
    status.textContent = items.length
      ? `${page.total} open finding(s) between sites under ${named}, worst first${page.total > items.length ? ` (the first ${items.length} shown)` : ''}.`
      : `No open finding between sites under ${named}.`;
    status.dataset.ready = 'true';
  }

  betweenRow(f) {
    const paths = Array.isArray(f.evidence?.paths) ? f.evidence.paths : [];
    const protocols = [...new Set(paths.map((p) => p?.protocol).filter((p) => typeof p === 'string'))].sort();
    const [from, to] = Array.isArray(f.sites) ? f.sites : [];
    const when = (iso) => (iso ? time(Date.parse(iso) / 1000) : '-');
    const tr = h(
      'tr',
      {},
      h('td', {}, sev(f.severity)),
      h('td', {}, f.rule),
      h('td.sites-pair', {}, `${from ?? '?'} → ${to ?? '?'}`),
      h('td', {}, protocols.join(', ') || '-'),
      h('td', {}, f.title),
      h('td', {}, when(f.firstSeen)),
      h('td', {}, when(f.lastSeen)),
    );
    tr.dataset.finding = f.id;
    return tr;
  }
}
