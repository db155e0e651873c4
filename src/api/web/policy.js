// The policy view: the current policy, validation errors shown at their line (PUT refuses a broken
// policy with line and column), and the `zones suggest` draft to download.
import { request } from './api.js';
import { download, h } from './util.js';

export function setupPolicy({ isAdmin, onSaved }) {
  const text = document.getElementById('policy-text');
  const lines = document.getElementById('policy-lines');
  const msg = document.getElementById('policy-msg');
  const version = document.getElementById('policy-version');
  const save = document.getElementById('policy-save');
  const suggestText = document.getElementById('suggest-text');
  const dl = document.getElementById('suggest-download');

  const showLines = (errs = []) => {
    const byLine = new Map();
    for (const e of errs) (byLine.get(e.line) ?? byLine.set(e.line, []).get(e.line)).push(e);
    lines.replaceChildren(
      ...text.value.split('\n').map((l, i) => {
        const es = byLine.get(i + 1);
        return h(
          `li${es ? '.bad' : ''}`,
          es ? { 'data-line': String(i + 1) } : {},
          l || ' ',
          es ? es.map((e) => h('span.msg', {}, `line ${e.line}, column ${e.col}: ${e.message}`)) : null,
        );
      }),
    );
    lines.hidden = !errs.length;
  };

  const load = async () => {
    msg.textContent = '';
    try {
      const p = await request('policy');
      text.value = p.text;
      version.textContent = `(version ${p.version}${p.createdBy ? `, stored by ${p.createdBy}` : ''})`;
    } catch (e) {
      text.value = '';
      version.textContent = e.status === 404 ? '(none stored yet)' : '';
    }
    text.readOnly = !isAdmin();
    save.hidden = !isAdmin();
    showLines();
  };

  save.addEventListener('click', async () => {
    msg.textContent = 'Validating…';
    msg.className = '';
    try {
      const r = await request('policy', { method: 'PUT', body: text.value, type: 'application/yaml' });
      msg.textContent = `Saved as version ${r.version}${r.audit ? `: ${r.audit.findings} finding(s), ${r.audit.opened} new, ${r.audit.resolved} resolved` : ''}.`;
      msg.className = 'ok';
      showLines();
      version.textContent = `(version ${r.version})`;
      onSaved();
    } catch (e) {
      const errs = e.body?.errors ?? [];
      msg.textContent = errs.length ? `Refused: ${errs.length} error(s), shown at their line below; the current policy stays.` : e.message;
      msg.className = 'error';
      showLines(errs);
      lines.querySelector('li.bad')?.scrollIntoView({ block: 'center' });
    }
  });

  document.getElementById('suggest').addEventListener('click', async () => {
    try {
      suggestText.textContent = await request('zones/suggest');
      dl.hidden = false;
    } catch (e) {
      suggestText.textContent = e.message;
    }
  });
  dl.addEventListener('click', () => download(new Blob([suggestText.textContent], { type: 'application/yaml' }), 'suggested-policy.yaml'));
  return { load };
}
