/**
 * Model and order numbers. Devices report them with spaces (S7 SZL: "6ES7 315-2EH14-0AB0"), advisories
 * without ("6ES7315-2EH14-0AB0") and with CSAF's wildcards (`*` any run of characters, `?` one character).
 * Numbers are compared whole, never as a substring of each other.
 */

/** Upper case without whitespace: the form both sides are compared in. */
export function normaliseModelNumber(raw: string): string {
  return raw.replace(/\s+/g, '').toUpperCase();
}

/** Whether a model number carries CSAF wildcards. */
export function hasWildcard(modelNumber: string): boolean {
  return /[*?]/.test(modelNumber);
}

/**
 * Whether a model number (normalised) fits a CSAF pattern with `*` (any run) and `?` (one character), whole.
 * A two-pointer scan that returns to the last `*` on a mismatch: time bounded by the product of the lengths,
 * where a regular expression built from a hostile "*a*a*a*...b" would backtrack exponentially.
 */
export function wildcardMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/**
 * Siemens order numbers (MLFB) written inside product names, "SIMATIC S7-300 CPU 315-2 PN/DP
 * (6ES7315-2EH14-0AB0)" or "(MLFB: 6ES7518-4AX00-1AC0, 6AG1518-4AX00-4AC0 ...)": about a third of the
 * advisories' products name their number only there. Whole tokens only.
 */
const MLFB_IN_TEXT = /(?<![A-Z0-9])6[A-Z]{2}\d\s?\d{3}-[0-9A-Z]{5}-[0-9A-Z]{4}(?![A-Z0-9])/gi;

export function orderNumbersInText(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(MLFB_IN_TEXT)) out.add(normaliseModelNumber(m[0]));
  return [...out];
}
