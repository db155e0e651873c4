/**
 * Firmware versions and the version ranges of advisories.
 *
 * Ranges come in the vers form (`vers:all/<V3.2.16`, `vers:all/>=V4.5.0<V4.5.2`, `vers:all/*`; CISA writes
 * `all` with comparators, which the vers specification reserves for `*`, and omits the `|` between
 * constraints) and in the free-text forms of the advisories (`< V3.X.16`, `<= 8.0`, `All versions < V4.2.3`,
 * `9.0.1 | 9.0.2`, `>= 9.0 | <= 9.5`, `All versions prior to V4.4.0`, `V2.2 and later prior to V2.5.1`). A
 * version is dotted numbers, a leading V (or "FW", "firmware") ignored, `X`/`x`/`*` a wildcard component, and
 * trailing qualifiers such as `SP1`, `Update 9`, `HF2`, `Build 1234` as further components. Anything else
 * is not understood: the matcher then says "potentially affected" rather than guess.
 */

/** One version component: a number, or a wildcard that equals any number (`X` in `V3.X.16`). */
export type VersionPart = number | '*';

export interface Version {
  parts: VersionPart[];
  text: string;
}

export type Comparator = '<' | '<=' | '>' | '>=' | '=' | '!=';

export interface Constraint {
  op: Comparator;
  version: Version;
}

/**
 * A parsed range: every version, a list of constraints (vers semantics: equalities, exclusions and
 * intervals from consecutive bounds), or a text we do not understand (kept for the report).
 */
export type VersionRange =
  { kind: 'all'; text: string } | { kind: 'constraints'; text: string; constraints: Constraint[] } | { kind: 'unknown'; text: string };

/** Qualifiers that continue a version as further numeric components: `V4.7 SP6 HF1` → 4.7.6.1. */
const QUALIFIER = /^(?:sp|update|upd|hf|build|patch|r|p)$/i;

/**
 * Parses a version text; undefined when it is not one (serial-number ranges, product names, "FS 11").
 * Leading `V`/`v`, `FW`, `firmware`, `version` are ignored.
 */
export function parseVersion(raw: string): Version | undefined {
  const text = raw.trim();
  let s = text.replace(/^(?:firmware|version|fw)[\s_:-]*/i, '').trim();
  s = s.replace(/^v(?=[\dx*])/i, '');
  const head = /^((?:\d+|[xX*])(?:\.(?:\d+|[xX*]))*)(.*)$/.exec(s);
  if (!head) return undefined;
  const parts: VersionPart[] = head[1].split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : '*'));
  if (parts[0] === '*' && parts.length === 1) return undefined; // a lone X is not a version
  // Qualifiers after the dotted part: "SP1", "Update 9", "HF 2", "Build 1234"; anything else ends the version
  // unless it is a separator, and a version followed by unrecognised words is still that version only when
  // those words are parenthesised or a known suffix, else the text is not understood.
  let rest = head[2];
  // a revision letter right after the number, as Mitsubishi and others write ("1.03D" after "1.03C"),
  // counts as one more component (A = 1); "2.3x" is the wildcard
  const letter = /^([A-Za-z])(?![A-Za-z0-9])/.exec(rest);
  if (letter) {
    parts.push(/x/i.test(letter[1]) ? '*' : letter[1].toUpperCase().charCodeAt(0) - 64);
    rest = rest.slice(1);
  }
  rest = rest.trim();
  while (rest.length > 0) {
    const q = /^[\s_-]*([a-z]+)[\s_-]*(\d+)(.*)$/i.exec(rest);
    if (q && QUALIFIER.test(q[1])) {
      parts.push(Number(q[2]));
      rest = q[3].trim();
      continue;
    }
    if (/^\(.*\)$/.test(rest)) break; // "(only affected by CVE-...)" and other remarks
    return undefined;
  }
  return { parts, text };
}

/**
 * Compares two versions component by component, missing components as 0; a wildcard equals anything,
 * and a trailing one every further component too (9.x covers 9.1.2). Returns -1, 0 or 1.
 */
export function compareVersions(a: Version, b: Version): number {
  const n = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < n; i++) {
    if ((i >= a.parts.length && a.parts[a.parts.length - 1] === '*') || (i >= b.parts.length && b.parts[b.parts.length - 1] === '*'))
      return 0;
    const x = a.parts[i] ?? 0;
    const y = b.parts[i] ?? 0;
    if (x === '*' || y === '*') continue;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

const ALL_TEXT = /^(?:all(?:\s+(?:firmware\s+)?versions?)?|\*|all versions and revisions)$/i;

/** Parses a range text in vers or free-text form. Never throws. */
export function parseRange(raw: string): VersionRange {
  const text = raw.trim();
  if (text.length === 0) return { kind: 'unknown', text };
  const vers = /^vers:([a-z0-9.+-]+)\/(.*)$/i.exec(text);
  if (vers) return constraintsOf(vers[2].trim(), text);
  return constraintsOf(freeText(text), text);
}

/** Rewrites the free-text forms into comparator form: "All versions prior to V4.4.0" → "<V4.4.0". */
function freeText(text: string): string {
  let s = text.replace(/\s+/g, ' ').trim();
  s = s.replace(/^all versions?\b\s*(?=$|[<>=!]|prior|before|from|starting|up)/i, '').trim();
  if (s === '') return '*';
  s = s.replace(/\b(?:prior to|before|earlier than)\s+/gi, '<');
  s = s.replace(/\bup to and including\s+/gi, '<=');
  s = s.replace(/\bup to\s+/gi, '<=');
  s = s.replace(/^(?:versions?\s+)?(\S+) and (?:later|newer|above)\b/i, '>=$1 ');
  s = s.replace(/^(?:versions?\s+)?(\S+) and (?:earlier|prior|older|below)\b/i, '<=$1 ');
  s = s.replace(/^(?:from|starting with)\s+(\S+)/i, '>=$1 ');
  s = s.replace(/\s+and\s+(?=[<>=])/gi, ' '); // ">= V2.3 and < V6.30.016"
  return s.replace(/\s+/g, ' ').trim();
}

/** Constraints separated by `|`, `,`, spaces or nothing (`>=V4.5.0<V4.5.2`); a bare version is `=`. */
function constraintsOf(body: string, text: string): VersionRange {
  if (body === '*' || ALL_TEXT.test(body)) return { kind: 'all', text };
  const constraints: Constraint[] = [];
  // Split before every comparator and at every `|`: ">= 9.0 | <= 9.5", ">=V4.5.0<V4.5.2", "9.0.1 | 9.0.2".
  const pieces = body
    .split('|')
    .flatMap((p) => p.split(/(?<![<>=!])(?=[<>=!])/))
    .map((p) => p.trim())
    .filter((p) => p.length > 0);
  for (const piece of pieces) {
    const m = /^(>=|<=|!=|<|>|=)?\s*(.*)$/.exec(piece)!;
    const op = (m[1] ?? '=') as Comparator;
    const version = parseVersion(m[2].replace(/[,;]$/, ''));
    if (!version) return { kind: 'unknown', text };
    constraints.push({ op, version });
  }
  if (constraints.length === 0) return { kind: 'unknown', text };
  return { kind: 'constraints', text, constraints };
}

/**
 * Whether a version lies in a range: true, false, or undefined when the range is not understood.
 * Equalities and exclusions first; then the bounds in the order written, a lower bound pairing with
 * the next upper bound (an interval), a lone upper bound open below and a lone lower bound open above.
 */
export function inRange(version: Version, range: VersionRange): boolean | undefined {
  if (range.kind === 'all') return true;
  if (range.kind === 'unknown') return undefined;
  const cs = range.constraints;
  for (const c of cs) if (c.op === '!=' && compareVersions(version, c.version) === 0) return false;
  for (const c of cs) if (c.op === '=' && compareVersions(version, c.version) === 0) return true;
  const bounds = cs.filter((c) => c.op !== '=' && c.op !== '!=');
  for (let i = 0; i < bounds.length; i++) {
    const c = bounds[i];
    if (c.op === '>' || c.op === '>=') {
      const next = bounds[i + 1];
      const upper = next && (next.op === '<' || next.op === '<=') ? next : undefined;
      if (upper) i++;
      if (satisfies(version, c) && (!upper || satisfies(version, upper))) return true;
    } else if (satisfies(version, c)) {
      return true;
    }
  }
  return false;
}

function satisfies(v: Version, c: Constraint): boolean {
  const d = compareVersions(v, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
    case '!=':
      return d !== 0;
  }
}

/**
 * The first version past an affected range: the bound of a `<` constraint, the last one when there
 * are several intervals (the fix of the newest line). `<=` bounds name the last affected version, not a
 * fix, so they give none. A bound with wildcard digits is filled from the installed version, else none.
 */
export function fixedVersionOf(range: VersionRange, installed?: Version): string | undefined {
  if (range.kind !== 'constraints') return undefined;
  let fix: Version | undefined;
  for (const c of range.constraints) if (c.op === '<') fix = c.version;
  if (!fix) return undefined;
  if (!fix.parts.includes('*')) return fix.text;
  // "< V3.X.16": the fix of the installed line, its X filled from the installed version (V3.2.6 → V3.2.16)
  if (!installed || installed.parts.length < fix.parts.length) return undefined;
  const parts = fix.parts.map((p, i) => (p === '*' ? installed.parts[i] : p));
  if (parts.includes('*')) return undefined;
  return `${/^\s*v/i.test(fix.text) ? 'V' : ''}${parts.join('.')}`;
}

/**
 * The version a vendor_fix remediation names: "Update to V3.2.19 or later version" → "V3.2.19".
 * Undefined when the text names none.
 */
export function fixedVersionInText(text: string): string | undefined {
  const m =
    /\b(?:update|upgrade|updated|upgraded|migrate)\s+(?:\w+\s+){0,4}?to\s+(?:version\s+|firmware\s+|fw\s+)?(v?\d+(?:\.\d+)+(?:\s+(?:sp|update|hf)\s*\d+)*|v\d+)/i.exec(
      text,
    );
  if (!m) return undefined;
  return parseVersion(m[1]) ? m[1] : undefined;
}
