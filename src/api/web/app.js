// The page: sign-in with an API token (sessionStorage), then the map, tables, upload and policy views.
import { json, request, token, whenUnauthorized } from './api.js';
import { showFinding } from './findings.js';
import { PlantMap } from './map.js';
import { setupPolicy } from './policy.js';
import { Tables } from './tables.js';
import { setupUpload } from './upload.js';
import { download } from './util.js';

const $ = (id) => document.getElementById(id);
let role = 'viewer';
const isAdmin = () => role === 'admin';
let map;
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
}

function signedOut(message = '') {
  signedIn = false;
  token.clear();
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
  status.textContent = `${map.summary()} · drawn in ${Math.round(performance.now() - t0)} ms`;
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
  } catch (e) {
    signedOut(e.status === 401 ? 'That token is not valid (or was revoked).' : e.message);
    return;
  }
  signedIn = true;
  $('tabs').hidden = false;
  $('signout').hidden = false;
  $('who').textContent = `${role}${isAdmin() ? '' : ' (read only)'}`;
  view('map');
  await loadMap();
}

function init() {
  map = new PlantMap($('cy'), $('side'), { onFinding: openFinding, isAdmin });
  tables = new Tables({ onFinding: openFinding, onAsset: openAsset });
  policy = setupPolicy({ isAdmin, onSaved: () => loadMap() });
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
