/** The one sanitiser for human-facing output (issue 18 item 1), on the hostile strings a device can send. */
import { describe, expect, it } from 'vitest';
import { CUT_MARK, sanitize, SANITIZE_MAX, terminalJson } from './sanitize.js';
import { HOSTILE, TERMINAL_ACTIVE } from '../../test/helpers/hostile.js';

describe('sanitize', () => {
  it('shows every control, escape and bidirectional override as a visible escape', () => {
    expect(sanitize(HOSTILE)).toBe(
      'ACME\\x1b[2J\\x1b]0;pwned\\x07\\x1b]8;;http://evil.example/\\x1b\\click\\x1b]8;;\\x1b\\\\x1b[8mhidden\\x0d\\x0aplc9  plc  1  10.9.9.9\\u202eevil\\x85',
    );
    const out = sanitize(HOSTILE);
    // nothing a terminal acts on is left
    expect(out).not.toMatch(TERMINAL_ACTIVE);
  });

  it('escapes DEL, C1 (CSI 0x9b), every bidi control, zero-width and separator characters, and lone surrogates', () => {
    expect(sanitize('a\x7fb\x9b2Jc')).toBe('a\\x7fb\\x9b2Jc');
    expect(sanitize('\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c')).toBe(
      '\\u202a\\u202b\\u202c\\u202d\\u202e\\u2066\\u2067\\u2068\\u2069\\u200e\\u200f\\u061c',
    );
    expect(sanitize('a\u200bb\u2028c\ufeffd')).toBe('a\\u200bb\\u2028c\\ufeffd');
    expect(sanitize('x\ud800y')).toBe('x\\ud800y');
  });

  it('leaves ordinary text alone, accents, CJK and emoji included, and returns the same string when it can', () => {
    const plain = 'Schneider Electric BMX P34 2020 v3.20';
    expect(sanitize(plain)).toBe(plain);
    expect(sanitize('Régulateur 温度 😀')).toBe('Régulateur 温度 😀');
  });

  it('cuts long strings with a mark, never inside an escape or a surrogate pair, never past the bound', () => {
    const long = 'x'.repeat(1000);
    expect(sanitize(long)).toHaveLength(SANITIZE_MAX);
    expect(sanitize(long).endsWith(CUT_MARK)).toBe(true);
    expect(sanitize('😀'.repeat(10), { max: 5 })).toBe('😀😀😀😀' + CUT_MARK);
    expect(sanitize('ab\x1bcd', { max: 5 })).toBe('ab' + CUT_MARK);
    expect(sanitize('ab\x1bcd', { max: 8 })).toBe('ab\\x1bcd');
    // escapes count toward the bound: 10,000 ESC stay 256 characters on screen
    expect(sanitize('\x1b'.repeat(10_000))).toHaveLength(1 + 4 * Math.floor((SANITIZE_MAX - 1) / 4));
  });

  it('keeps line feeds when asked (a format that escapes them itself), as LF only', () => {
    expect(sanitize('a\r\nb\rc\nd\x1b', { newlines: true })).toBe('a\nb\nc\nd\\x1b');
  });
});

describe('terminalJson', () => {
  it('escapes what JSON.stringify leaves raw, and decodes to exactly the stored value', () => {
    const value = { name: HOSTILE, n: 1 };
    const json = terminalJson(value, 2);
    expect(json).not.toMatch(/[\x7f-\x9f\u202a-\u202e]/);
    expect(json).not.toContain('\x1b');
    expect(json).toContain('\\u202e');
    expect(JSON.parse(json)).toEqual(value);
    expect(terminalJson({ e: '😀' })).toBe('{"e":"😀"}');
  });
});
