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

/** A whole-string matcher for a CSAF model number with `*` / `?` (already normalised). */
export function wildcardMatcher(pattern: string): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
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
