/** Text into HTML and SVG: every value from the store or the policy goes through esc() (names come from the wire). */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function esc(v: unknown): string {
  return String(v ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** A fragment id from arbitrary text (finding ids contain ':'). */
export function anchor(prefix: string, id: string): string {
  return `${prefix}-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

/** Seconds since the epoch as 'YYYY-MM-DD HH:MM:SS UTC' ('-' for none). */
export function utc(ts: number | null | undefined): string {
  if (ts === null || ts === undefined || !Number.isFinite(ts)) return '-';
  return new Date(Math.floor(ts) * 1000).toISOString().replace('T', ' ').replace('.000Z', ' UTC');
}

/** A table: header cells and rows of already-escaped HTML cells. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], cls = ''): string {
  if (!rows.length) return '<p class="none">None.</p>';
  return `<table${cls ? ` class="${cls}"` : ''}><thead><tr>${header.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>\n${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('\n')}\n</tbody></table>`;
}
