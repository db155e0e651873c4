// The page: sign-in with an API token (sessionStorage), then the map, tables, upload and policy views.
// Served by a hub (GET /api/v1/whoami says hub: true), it opens on the enterprise view (web/sites.js) instead,
// and the map and tables show the one site drilled into (api.js scope) until "All sites".
import { json, request, scope, token, whenUnauthorized } from './api.js';
import { showFinding } from './findings.js';
import { PlantMap } from './map.js';
import { setupPolicy } from './policy.js';
import { SitesView, stateOf } from './sites.js';
import { Tables } from './tables.js';
import { setupUpload } from './upload.js';
import { download } from './util.js';

const $ = (id) => document.getElementById(id);
let role = 'viewer';
// served by a hub: the sites' findings are acknowledged at each site, so the hub's page is read only
let hub = false;
const isAdmin = () => role === 'admin' && !hub;
let map;
let sites;
let tables;
let policy;
let current = 'signin';
// The tabs act only for a signed-in page: a view loaded without a token would only fail with a 401.
let signedIn = false;

function view(name) {
  current = name;
  for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== `view-${name}`;
  for (const b of document.querySelectorAll('#tabs [data-view]')) {
    if (b.dataset.view === name) b.setAttribute('aria-current', 'page');
    else b.removeAttribute('aria-current');
  }
  if (name === 'map') map?.cy?.resize();
  if (name === 'tables') tables.show(tables.kind);
  if (name === 'policy') policy.load();
  if (name === 'sites') sites.load();
}

/** The tabs a hub's page offers: the sites, and the map and tables of the site drilled into; no upload, policy or report. */
function showHubTabs() {
  const only = { sites: hub, map: !hub || scope.site !== null, tables: !hub || scope.site !== null, upload: !hub, policy: !hub };
  for (const b of document.querySelectorAll('#tabs [data-view]')) b.hidden = !only[b.dataset.view];
  $('report-btn').hidden = hub;
  $('csv').hidden = hub;
  $('site-bar').hidden = !hub || scope.site === null;
}

/** The map of another site: nothing of the one before (opened zones, their assets, the find index, the filter). */
function forgetMap() {
  map.open.clear();
  map.zoneAssets.clear();
  map.data = null;
  map.index = null;
  map.assetById = null;
  map.filter = { protocol: '', operation: '', severity: '', from: null, to: null };
  for (const el of $('filters').elements) if (el.name) el.value = '';
  tables.facets = null;
  $('details').replaceChildren();
  delete $('map-status').dataset.ready;
}

/** Drills into one site of the hub: its plant map, and its lists in the tables. */
async function openSite(site) {
  scope.site = site.id;
  forgetMap();
  $('site-name').textContent = site.name;
  const [state, words] = stateOf(site);
  $('site-state').textContent = state === 'ok' ? '' : `(${words})`;
  showHubTabs();
  view('map');
  try {
    await loadMap();
  } catch (e) {
    // a site the hub no longer knows, or PostgreSQL away: said on the page, the way back stays
    $('map-status').textContent = `map: ${e.message}`;
  }
}

function allSites() {
  scope.site = null;
  showHubTabs();
  view('sites');
}

function signedOut(message = '') {
  signedIn = false;
  token.clear();
  hub = false;
  scope.site = null;
  showHubTabs();
  $('tabs').hidden = true;
  $('signout').hidden = true;
  $('who').textContent = '';
  $('signin-error').textContent = message;
  view('signin');
  $('token').focus();
}

/** Opens an asset on the map (from a row of the inventory table): centred when drawn, else its details. */
async function openAsset(id) {
  if (current !== 'map') view('map');
  if (!map.focusAsset(id)) await map.showAsset(id);
}

/** Opens a finding in the map's details panel (from the map, its list or the tables). */
async function openFinding(id) {
  if (current !== 'map') view('map');
  await showFinding($('details'), id, { isAdmin, onChange: (f) => map.updateFinding(f) });
}

async function loadMap() {
  const status = $('map-status');
  status.textContent = 'Loading the map…';
  const t0 = performance.now();
  await map.load();
  // the hub's map of a site: its sensor's policy zones (from its heartbeat), or those it placed assets in
  const summary = hub
    ? `${$('site-name').textContent}: ${map.data.totals.assets} assets in ${map.data.totals.zones} zones, ${map.data.totals.paths} paths (${map.data.totals.violatingPaths} with violations), ${map.data.findings.length} open findings`
    : map.summary();
  status.textContent = `${summary} · drawn in ${Math.round(performance.now() - t0)} ms`;
  status.dataset.ready = 'true';
  map.fillFilters($('filters'), $('asset-list'));
}

function readFilter() {
  const f = $('filters').elements;
  const ts = (v) => (v ? new Date(v).getTime() / 1000 : null);
  return {
    protocol: f.protocol.value,
    operation: f.operation.value,
    severity: f.severity.value,
    from: ts(f.from.value),
    to: ts(f.to.value),
  };
}

async function signIn(t) {
  token.set(t);
  try {
    const me = await json('whoami');
    role = me.role;
    hub = me.hub === true;
  } catch (e) {
    signedOut(e.status === 401 ? 'That token is not valid (or was revoked).' : e.message);
    return;
  }
  signedIn = true;
  showHubTabs();
  $('tabs').hidden = false;
  $('signout').hidden = false;
  $('who').textContent = `${role}${isAdmin() ? '' : ' (read only)'}`;
  if (hub) {
    view('sites');
    return;
  }
  view('map');
  await loadMap();
}

function init() {
  map = new PlantMap($('cy'), $('side'), { onFinding: openFinding, isAdmin });
  tables = new Tables({ onFinding: openFinding, onAsset: openAsset });
  policy = setupPolicy({ isAdmin, onSaved: () => loadMap() });
  sites = new SitesView({ onSite: openSite });
  $('all-sites').addEventListener('click', allSites);
  setupUpload({
    onDone: async (show) => {
      tables.facets = null; // new assets, protocols, zones: the drop-downs are fetched again
      if (show) view('map');
      await loadMap();
    },
  });
  whenUnauthorized((m) => signedOut(m));
  // An opened finding (findings.js) names its zones, assets and paths: the map marks them.
  document.addEventListener('otwatch:highlight', (e) => map.highlightFinding?.(e.detail));

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    signIn($('token').value.trim());
  });
  $('signout').addEventListener('click', () => signedOut());
  for (const b of document.querySelectorAll('#tabs [data-view]')) b.addEventListener('click', () => signedIn && view(b.dataset.view));
  $('report-btn').addEventListener('click', async () => {
    try {
      const res = await request('report', { raw: true });
      download(await res.blob(), 'otwatch-assessment.html');
    } catch (e) {
      $('map-status').textContent = `report: ${e.message}`;
    }
  });
  const filters = $('filters');
  filters.addEventListener('change', (e) => {
    if (e.target.name !== 'find') map.setFilter(readFilter());
  });
  filters.addEventListener('reset', () => setTimeout(() => map.setFilter(readFilter())));
  filters.addEventListener('submit', (e) => e.preventDefault());
  filters.elements.find.addEventListener('change', (e) => {
    if (map.data) map.find(e.target.value);
  });
  $('relayout').addEventListener('click', () => map.relayout());
  const drop = $('drop');
  drop.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      $('capture-file').click();
    }
  });
  drop.tabIndex = 0;

  const saved = token.get();
  if (saved) signIn(saved);
  else signedOut();
}

init();
