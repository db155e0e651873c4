// The hub's enterprise view: every site with its state, counts and worst open finding, worst first. A click on
// a site drills into its plant map (app.js). Everything a site sends is set as text, never as markup.
import { json } from './api.js';
import { h, sev, time } from './util.js';

const RANK = { critical: 0, high: 1, medium: 2, low: 3, info: 4 };
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
    t.replaceChildren(
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Site', 'State', 'Assets', 'Paths', 'Open findings', 'Worst', 'Last heard'].map((c) => h('th', { scope: 'col' }, c)),
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
    );
    tr.dataset.site = s.id;
    return tr;
  }
}
