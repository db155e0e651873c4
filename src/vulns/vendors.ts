/**
 * Vendor names as comparable keys. Advisories and devices spell one vendor many ways ("Schneider Electric",
 * "Schneider Electric Software, LLC"; "Johnson Controls", "Johnson Controls Inc."; "Siemens Schweiz AG
 * (Formerly: Cerberus AG)"), and some advisory vendors name two companies ("Sensormatic Electronics, LLC,
 * Johnson Controls Inc."). A name gives a set of keys; two names match when their sets meet.
 */

/** Legal-form and filler words that do not tell vendors apart. */
const FILLER = new Set([
  'inc',
  'incorporated',
  'llc',
  'ltd',
  'limited',
  'gmbh',
  'ag',
  'co',
  'corp',
  'corporation',
  'company',
  'sa',
  'se',
  'spa',
  'srl',
  'bv',
  'nv',
  'ab',
  'as',
  'oy',
  'kg',
  'plc',
  'pty',
  'kk',
  'software',
  'the',
  'group',
  'international',
  'technologies',
]);

/**
 * Known variants → one key. The left side is the name after normalisation (lower case, legal forms and
 * punctuation dropped); a name that starts with a left side's words also maps to it ("siemens schweiz").
 */
const ALIASES: Readonly<Record<string, string>> = {
  siemens: 'siemens',
  'siemens industry': 'siemens',
  'siemens energy': 'siemens',
  'schneider electric': 'schneider-electric',
  schneider: 'schneider-electric',
  telemecanique: 'schneider-electric',
  modicon: 'schneider-electric',
  'johnson controls': 'johnson-controls',
  jci: 'johnson-controls',
  'rockwell automation': 'rockwell-automation',
  rockwell: 'rockwell-automation',
  'allen bradley': 'rockwell-automation',
  'mitsubishi electric': 'mitsubishi-electric',
  mitsubishi: 'mitsubishi-electric',
  'general electric': 'ge',
  'ge digital': 'ge',
  'ge vernova': 'ge',
  ge: 'ge',
  'hitachi energy': 'hitachi-energy',
  abb: 'abb',
  honeywell: 'honeywell',
  emerson: 'emerson',
  omron: 'omron',
  moxa: 'moxa',
  'phoenix contact': 'phoenix-contact',
  yokogawa: 'yokogawa',
  aveva: 'aveva',
  osisoft: 'aveva',
  wago: 'wago',
  beckhoff: 'beckhoff',
  codesys: 'codesys',
  '3s smart software solutions': 'codesys',
  advantech: 'advantech',
  'delta electronics': 'delta-electronics',
  'fuji electric': 'fuji-electric',
  'automation direct': 'automationdirect',
  automationdirect: 'automationdirect',
  'red lion': 'red-lion',
  'red lion controls': 'red-lion',
  eaton: 'eaton',
  hirschmann: 'belden',
  belden: 'belden',
  'b r industrial automation': 'b-and-r',
  'b r': 'b-and-r',
  bosch: 'bosch',
  'bosch rexroth': 'bosch',
  pilz: 'pilz',
  sick: 'sick',
  festo: 'festo',
  lenze: 'lenze',
  danfoss: 'danfoss',
  carrier: 'carrier',
  tridium: 'honeywell',
  trane: 'trane',
};

/** Alias left sides by their first word, for the prefix rule. */
const ALIASES_BY_FIRST_WORD = new Map<string, string[]>();
for (const name of Object.keys(ALIASES)) {
  const first = name.split(' ')[0];
  const list = ALIASES_BY_FIRST_WORD.get(first) ?? [];
  list.push(name);
  ALIASES_BY_FIRST_WORD.set(first, list);
}

/** Lower case, parenthesised remarks and punctuation dropped, legal forms dropped. */
function normalisePart(part: string): string {
  return part
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/&/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .split(' ')
    .filter((w) => w.length > 0 && !FILLER.has(w))
    .join(' ');
}

/** The key of one company name: its alias, the alias its words start with, or the normalised name itself. */
function keyOfPart(part: string): string | undefined {
  const n = normalisePart(part);
  if (n.length === 0) return undefined;
  const exact = ALIASES[n];
  if (exact) return exact;
  const words = n.split(' ');
  // the longest alias whose words begin this name: "siemens schweiz" → siemens
  let best: string | undefined;
  for (const alias of ALIASES_BY_FIRST_WORD.get(words[0]) ?? []) {
    const aw = alias.split(' ');
    if (aw.length <= words.length && aw.every((w, i) => words[i] === w) && (!best || alias.length > best.length)) best = alias;
  }
  return best ? ALIASES[best] : n;
}

/**
 * The keys of a vendor name. Several companies in one name are split at commas and " and " (after the
 * legal forms that also follow commas, "Sensormatic Electronics, LLC, Johnson Controls Inc." → two keys).
 */
export function vendorKeys(name: string | undefined): string[] {
  if (!name) return [];
  const known = memo.get(name);
  if (known) return known;
  const keys = computeKeys(name);
  // advisories repeat a few hundred vendor names over thousands of products; bounded against hostile input
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(name, keys);
  return keys;
}

const MEMO_MAX = 10_000;
const memo = new Map<string, string[]>();

function computeKeys(name: string): string[] {
  const keys = new Set<string>();
  const whole = keyOfPart(name);
  if (whole) keys.add(whole);
  for (const part of name.split(/,|\band\b|\//i)) {
    const k = keyOfPart(part);
    if (k) keys.add(k);
  }
  return [...keys];
}

/** Whether two vendor names name the same company (their key sets meet). */
export function sameVendor(a: readonly string[], b: readonly string[]): boolean {
  for (const k of a) if (b.includes(k)) return true;
  return false;
}
