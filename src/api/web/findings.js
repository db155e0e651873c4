// One finding in the details panel: what, why, evidence, remediation, history; acknowledge or reopen
// it with a comment (admins: PATCH /api/v1/findings/:id). Opening one asks the map to highlight every
// path and asset behind it: a DOM event, so that this file needs nothing of the map's.
import { json, request } from './api.js';
import { h, kv, sev, table, time } from './util.js';

/** The event the map listens to: { finding, assets, paths, zones } (ids; empty lists clear the highlight). */
export const HIGHLIGHT_EVENT = 'otwatch:highlight';

export function highlight(f) {
  const e = f?.evidence;
  const assets = e?.assetIds ?? [...new Set((e?.paths ?? []).flatMap((p) => [p.initiator, p.responder]))];
  const paths = e?.pathIds ?? (e?.paths ?? []).map((p) => p.pathId);
  document.dispatchEvent(new CustomEvent(HIGHLIGHT_EVENT, { detail: { finding: f?.id ?? null, assets, paths, zones: f?.zones ?? [] } }));
}

export async function showFinding(target, id, { isAdmin, onChange }) {
  target.replaceChildren(h('p.hint', {}, 'Loading…'));
  let f;
  try {
    f = await json(`findings/${encodeURIComponent(id)}`);
  } catch (e) {
    target.replaceChildren(h('p.error', {}, e.message));
    return;
  }
  highlight(f);
  const e = f.evidence;
  const title = h('h2', { tabindex: '-1', id: 'finding-title' }, sev(f.severity), ` ${f.title ?? f.subject.label}`);
  const parts = [
    title,
    kv([
      ['Rule', f.rule],
      ['Fix first', f.priority?.reason],
      ['Id', f.id],
      ['Status', f.status + (f.ack ? ` by ${f.ack.by}: ${f.ack.reason}` : '')],
      ['Requirements', f.requirements.join(', ')],
      ['Zones', f.zones.join(', ')],
      ['Conduit', f.conduit],
      ['First detected', time(f.firstDetected)],
      ['Traffic', e.firstSeen ? `${time(e.firstSeen)} – ${time(e.lastSeen)}` : null],
    ]),
    h('p', {}, f.explanation),
    h('h3', {}, 'Evidence'),
    h('p', {}, `${e.pathCount} path(s), ${e.packets} packets`),
    e.paths.length
      ? table(
          ['From', 'To', 'Protocol', 'Packets'],
          e.paths.map((p) => [p.initiatorIp, p.responderIp, `${p.protocol} ${p.transport}/${p.responderPort}`, String(p.packets)]),
        )
      : null,
    e.operations.length
      ? h(
          'ul',
          {},
          e.operations.map((o) => h('li', {}, `${o.operation} ×${o.count}${o.examples.length ? `: ${o.examples.join('; ')}` : ''}`)),
        )
      : null,
    e.details.length
      ? h(
          'ul',
          {},
          e.details.map((d) => h('li', {}, d)),
        )
      : null,
    h('h3', {}, 'Remediation'),
    h('p', {}, f.remediation),
  ];
  if (f.history?.length)
    parts.push(
      h('h3', {}, 'History'),
      table(
        ['When', 'Status', 'Who', 'Comment'],
        f.history.map((x) => [time(x.ts), x.status, x.actor, x.comment ?? '']),
      ),
    );
  const action = f.status === 'open' || f.status === 'reopened' ? 'acknowledge' : 'reopen';
  if (isAdmin()) {
    const comment = h('textarea', { id: 'ack-comment', rows: '2', required: true, 'aria-label': 'Comment' });
    const msg = h('p.error', { role: 'alert' });
    const form = h(
      'form.ack',
      {
        onsubmit: async (ev) => {
          ev.preventDefault();
          msg.textContent = '';
          try {
            const updated = await request(`findings/${encodeURIComponent(f.id)}`, {
              method: 'PATCH',
              body: { action, comment: comment.value },
            });
            onChange(updated);
            await showFinding(target, id, { isAdmin, onChange });
            target.querySelector('#ack-result')?.replaceChildren(`${action === 'acknowledge' ? 'Acknowledged' : 'Reopened'}.`);
          } catch (err) {
            msg.textContent = err.message;
          }
        },
      },
      h(
        'label',
        { for: 'ack-comment' },
        action === 'acknowledge' ? 'Acknowledge with a comment (who and why is kept)' : 'Reopen with a comment',
      ),
      comment,
      h('button', { type: 'submit', id: 'ack-submit' }, action === 'acknowledge' ? 'Acknowledge' : 'Reopen'),
      msg,
    );
    parts.push(h('h3', {}, 'Action'), form);
  } else parts.push(h('p.hint', {}, 'Acknowledging needs an admin token.'));
  parts.push(h('p.ok', { id: 'ack-result', role: 'status' }));
  target.replaceChildren(...parts.filter(Boolean));
  title.focus();
}
