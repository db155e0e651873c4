/**
 * The one sanitiser for text a person reads (CLI tables and messages, CEF lines and syslog datagrams,
 * logs): strings from the network (Modbus device identification, BACnet names, OPC UA application names
 * and URIs, DHCP/DNS/NetBIOS names...) are the device's to choose, and a terminal or a SIEM console acts on
 * control characters. ESC[2J clears the analyst's screen, ESC]0;…BEL sets the title, ESC[8m hides what
 * follows, OSC 8 makes a hidden link, CR+LF inside a name prints a fake table row, U+202E reverses the text
 * after it. Each such character is shown as a visible escape instead (`\x1b`, `\u202e`), so the analyst
 * sees that the device sent it; the rest of an escape sequence is then plain printable text.
 *
 * Only output is sanitised: the stored value stays as seen, as evidence.
 */

/** Characters kept from one string by default (a cell, a message field); longer ones are cut with CUT_MARK. */
export const SANITIZE_MAX = 256;
/** Ends a string that was cut. */
export const CUT_MARK = '…';

/**
 * What is escaped: C0 controls, DEL, C1 controls (0x9b is CSI and 0x9d OSC to a terminal in 8-bit mode),
 * the Arabic letter mark, zero-width and directional marks (U+200B-U+200F), line and paragraph separators
 * and the bidirectional embeddings and overrides (U+2028-U+202E), invisible operators (U+2060-U+2064),
 * the bidirectional isolates (U+2066-U+2069), the byte order mark / zero-width no-break space, and UTF-16
 * surrogates (kept only as valid pairs, checked below).
 */
const UNSAFE = /[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]/;

/**
 * UNSAFE less what JSON.stringify escapes itself (C0 controls inside strings, lone surrogates; the raw
 * line feeds left are the indentation's) and valid surrogate pairs.
 */
const UNSAFE_IN_JSON = /[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const UNSAFE_IN_JSON_ALL = new RegExp(UNSAFE_IN_JSON.source, 'g');

export interface SanitizeOptions {
  /** Characters kept at most (default SANITIZE_MAX); the result, mark included, is never longer. */
  max?: number;
  /** Keep line feeds (CR LF and lone CR become LF): for multi-line values a format escapes itself (CEF's `\n`). */
  newlines?: boolean;
}

/** The visible escape of one unsafe UTF-16 unit: `\x1b` below 0x100, else `\u202e`. */
function escapeUnit(c: number): string {
  return c < 0x100 ? `\\x${c.toString(16).padStart(2, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
}

/** `s` as a person may safely see it: unsafe characters as visible escapes, cut to `max` characters with a mark. */
export function sanitize(s: string, opts: SanitizeOptions = {}): string {
  const max = Math.max(1, opts.max ?? SANITIZE_MAX);
  // the common case, ASCII names and numbers: no copy
  if (!UNSAFE.test(s) && s.length <= max) return s;
  if (opts.newlines) s = s.replace(/\r\n?/g, '\n');
  const pieces: string[] = [];
  let total = 0; // characters the pieces show
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      pieces.push(s.slice(i, i + 2)); // a valid surrogate pair: one character
      i++;
      total += 1;
    } else if ((c === 0x0a && opts.newlines) || !UNSAFE.test(s[i]!)) {
      pieces.push(s[i]!);
      total += 1;
    } else {
      const e = escapeUnit(c);
      pieces.push(e);
      total += e.length;
    }
  }
  if (total <= max) return pieces.join('');
  // cut between pieces (never inside an escape or a pair), leaving room for the mark
  let kept = 0;
  let n = 0;
  for (; n < pieces.length; n++) {
    const w = pieces[n]!.length === 2 ? 1 : pieces[n]!.length;
    if (kept + w > max - CUT_MARK.length) break;
    kept += w;
  }
  return pieces.slice(0, n).join('') + CUT_MARK;
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves DEL, C1 controls and the
 * bidirectional and invisible characters raw; they become `\u` escapes here, so the document decodes to
 * exactly the same values (machine-readable output keeps the evidence) and prints harmlessly.
 */
export function terminalJson(value: unknown, space?: number): string {
  const json = JSON.stringify(value, null, space) ?? 'null';
  return UNSAFE_IN_JSON.test(json)
    ? json.replace(UNSAFE_IN_JSON_ALL, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : json;
}
