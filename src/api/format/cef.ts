/**
 * Findings as ArcSight CEF lines (CEF:0), the format SIEMs ingest from OT sensors:
 * `CEF:0|vendor|product|version|signatureId|name|severity|key=value ...`.
 */
import { sanitize } from '../../core/sanitize.js';
import type { StoredFinding } from '../../store/findings-api-repository.js';

export const CEF_VENDOR = 'otwatch';
export const CEF_PRODUCT = 'otwatch';
export const CEF_VERSION = '0.1.0';
/** CEF severity 0-10 of each finding severity. */
export const CEF_SEVERITY: Record<string, number> = { critical: 10, high: 8, medium: 5, low: 3, info: 1 };

/** Characters kept of one header field or extension value (a device's name can be any length). */
export const CEF_FIELD_MAX = 1023;

/**
 * Header fields: one line (line breaks become spaces), controls as visible escapes (sanitize: a device
 * names the subject, and a SIEM console or a terminal tailing the feed would act on ESC), then CEF's own
 * escapes of backslash and pipe, applied last so that the sanitiser's backslashes are escaped too.
 */
export function cefHeader(s: string): string {
  return sanitize(s.replace(/[\r\n]+/g, ' '), { max: CEF_FIELD_MAX })
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|');
}

/** Extension values: controls as visible escapes (line feeds kept), then CEF's escapes of backslash, equals and line breaks. */
export function cefValue(s: string): string {
  return sanitize(s, { max: CEF_FIELD_MAX, newlines: true }).replace(/\\/g, '\\\\').replace(/=/g, '\\=').replace(/\n/g, '\\n');
}

export function cefLine(f: StoredFinding): string {
  const p = f.evidence.paths[0];
  const ext: [string, string | number | undefined][] = [
    ['rt', f.evidence.lastSeen !== null ? Math.round(f.evidence.lastSeen * 1000) : Math.round(f.updatedAt * 1000)],
    ['cat', f.rule],
    ['msg', f.explanation],
    ['src', p?.initiatorIp],
    ['dst', p?.responderIp],
    ['dpt', p?.responderPort],
    ['proto', p ? p.transport.toUpperCase() : undefined],
    ['app', p?.protocol],
    ['cnt', f.evidence.packets],
    ['cs1Label', 'zones'],
    ['cs1', f.zones.join(',')],
    ['cs2Label', 'conduit'],
    ['cs2', f.conduit],
    ['cs3Label', 'findingId'],
    ['cs3', f.id],
    ['cs4Label', 'status'],
    ['cs4', f.status],
    ['cs5Label', 'requirements'],
    ['cs5', f.requirements.join(',')],
  ];
  const extension = ext
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${cefValue(String(v))}`)
    .join(' ');
  return (
    ['CEF:0', CEF_VENDOR, CEF_PRODUCT, CEF_VERSION, f.rule, f.subject.label, String(CEF_SEVERITY[f.severity] ?? 5)]
      .map((h, i) => (i === 0 ? h : cefHeader(h)))
      .join('|') +
    '|' +
    extension
  );
}
