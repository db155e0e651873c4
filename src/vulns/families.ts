/**
 * Product families: advisories often name a family ("SIMATIC S7-1200 CPU family (incl. SIPLUS variants)",
 * "Metasys NAE55 engines") where a device reports an order or model number (6ES7 212-1AE40-0XB0,
 * MS-NAE5510-2). Each family ties the numbers of its members to the way advisories name it; the advisory's
 * name must contain the family's designation as whole words, so "NAE55" never names an NAE45 and an
 * "S7-1200 CP 1243-1" (a communication module) is not the S7-1200 CPU family.
 */

export interface Family {
  /** The vendor key (vendors.ts) the family belongs to. */
  vendor: string;
  /** What the report says: "SIMATIC S7-1200 CPU family". */
  name: string;
  /** How an advisory's product name designates the family. */
  productName: RegExp;
}

interface FamilyRule {
  vendor: string;
  /** Normalised order/model numbers of members (no spaces, upper case). */
  members: RegExp;
  family: (m: RegExpExecArray) => Family;
}

const siemens = (name: string, productName: RegExp): ((m: RegExpExecArray) => Family) => {
  const family: Family = { vendor: 'siemens', name, productName };
  return () => family;
};

/**
 * Siemens: CPU order numbers 6ES7 21x (S7-1200), 31x (S7-300), 41x (S7-400), 51x (S7-1500), 288 (S7-200
 * SMART); SIPLUS variants are the same CPUs as 6AG1/6AG2. The S7-300 family includes the ET 200 CPUs
 * IM151-8/IM154-8 (6ES7 151-8, 154-8), as the advisories say. S7-400 advisories that qualify the family
 * (H, PN/DP V6/V7, hardware version) are not matched by family: the order number cannot tell those apart.
 */
const RULES: readonly FamilyRule[] = [
  {
    vendor: 'siemens',
    members: /^6(?:ES7|AG[12])21[1-7]-/,
    family: siemens('SIMATIC S7-1200 CPU family', /\bS7-1200 CPU family\b/i),
  },
  {
    vendor: 'siemens',
    members: /^6(?:ES7|AG[12])(?:31[2-9]-|15[14]-8)/,
    family: siemens('SIMATIC S7-300 CPU family', /\bS7-300 CPU family\b/i),
  },
  {
    vendor: 'siemens',
    members: /^6(?:ES7|AG[12])41[2-7]-/,
    family: siemens('SIMATIC S7-400 CPU family', /\bS7-400 CPU family\b/i),
  },
  {
    vendor: 'siemens',
    members: /^6(?:ES7|AG[12])51\d-/,
    family: siemens('SIMATIC S7-1500 CPU family', /\bS7-1500 CPU family\b/i),
  },
  {
    vendor: 'siemens',
    members: /^6ES7288-/,
    family: siemens('SIMATIC S7-200 SMART', /\bS7-200 SMART\b(?!\s*[A-Z0-9])|\bS7-200 SMART CPU family\b/i),
  },
  {
    // Johnson Controls Metasys engines: MS-NAE5510-2 is an NAE55, MS-NIE8500 an NIE85, MS-SNE10500 an SNE
    vendor: 'johnson-controls',
    members: /^MS-(N[AI]E|SN[EC])(\d{2})/,
    family: (m) => {
      const designation = `${m[1]}${m[2]}`;
      return {
        vendor: 'johnson-controls',
        name: `Metasys ${designation}`,
        productName: new RegExp(`(?<![A-Z0-9])${designation}(?![0-9])`, 'i'),
      };
    },
  },
];

/** The families a device of these vendor keys and normalised model/order numbers belongs to. */
export function familiesOf(vendorKeys: readonly string[], numbers: readonly string[]): Family[] {
  const out: Family[] = [];
  const seen = new Set<string>();
  for (const rule of RULES) {
    // a number that follows a family's pattern is the vendor's even when the device named no vendor
    // (S7 devices report none); a stated vendor that is another one rules the family out
    if (vendorKeys.length > 0 && !vendorKeys.includes(rule.vendor)) continue;
    for (const n of numbers) {
      const m = rule.members.exec(n);
      if (!m) continue;
      const f = rule.family(m);
      if (!seen.has(f.name)) {
        seen.add(f.name);
        out.push(f);
      }
    }
  }
  return out;
}
