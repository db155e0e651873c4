/**
 * Asset identities against advisory products, then against the advisories' vulnerabilities.
 *
 * A product is met by, in order of confidence: a model/order number (high: the helper's model numbers, or
 * an order number written in the product name, compared without spaces, CSAF wildcards honoured); a
 * family the number belongs to (medium, families.ts); the product name (low, and only for advisories no
 * number or family met): the device's product or model name and the advisory's product name, as whole
 * words one within the other, with the same vendor and the same words carrying digits, so a name that
 * merely contains the letters or words of another never matches. The firmware then decides: in the product's
 * version range → affected, outside → not affected, unknown firmware or a range we do not understand →
 * potentially affected.
 */
import type { Asset } from '../core/model.js';
import { familiesOf, type Family } from './families.js';
import { hasWildcard, normaliseModelNumber, orderNumbersInText, wildcardMatch } from './model-numbers.js';
import type {
  Advisory,
  AdvisoryProduct,
  AdvisoryVulnerability,
  Remediation,
  AssetIdentity,
  MatchBasis,
  MatchConfidence,
  MatchStatus,
  ProductMatch,
  VulnerabilityMatch,
} from './types.js';
import { sameVendor, vendorKeys } from './vendors.js';
import { fixedVersionInText, fixedVersionOf, inRange, parseRange, parseVersion, type Version, type VersionRange } from './versions.js';

/** An advisory product as the index holds it: with its advisory and what matching needs precomputed. */
interface IndexedProduct {
  trackingId: string;
  product: AdvisoryProduct;
  vendorKeys: string[];
  /** Exact numbers (helper and product name), normalised. */
  numbers: string[];
  nameTokens: string[];
  range: VersionRange;
  /** A range the product name itself states ("S7-1200 CPU family < V4.x"), which must hold as well. */
  nameRange?: VersionRange;
}

export const CONFIDENCE_RANK: Readonly<Record<MatchConfidence, number>> = { high: 0, medium: 1, low: 2 };
export const STATUS_RANK: Readonly<Record<MatchStatus, number>> = { affected: 0, potentially_affected: 1, not_affected: 2 };

/** Words of a product or device name: lower case, remarks in parentheses and ": All versions ..." dropped. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/\([^)]*\)?/g, ' ')
    .replace(/:.*$/, '')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** "SIMATIC S7-1200 CPU family < V4.x (...)" → "< V4.x": a bound the name puts on the versions. */
function rangeInName(name: string): VersionRange | undefined {
  const m = /\bfamily\s+((?:<=?|>=?)\s*V?\d+(?:\.(?:\d+|x))*)(?=\s|\(|:|$)/i.exec(name);
  return m ? parseRange(m[1]) : undefined;
}

/** Every advisory product, indexed by number, by vendor and by name word. Built once per matching run. */
export class ProductIndex {
  private readonly byNumber = new Map<string, IndexedProduct[]>();
  private readonly wildcards: { pattern: string; p: IndexedProduct }[] = [];
  private readonly byVendor = new Map<string, IndexedProduct[]>();
  /** vendor key → the words of a name that carry digits, distinct and sorted ("1 1511 s7") → products. */
  private readonly byVendorNumbered = new Map<string, Map<string, IndexedProduct[]>>();
  private readonly familyMemo = new Map<string, IndexedProduct[]>();
  size = 0;

  add(trackingId: string, product: AdvisoryProduct): void {
    const exact = new Set<string>();
    for (const n of product.modelNumbers) {
      if (hasWildcard(n)) continue;
      exact.add(n);
    }
    for (const n of orderNumbersInText(product.name)) exact.add(n);
    const p: IndexedProduct = {
      trackingId,
      product,
      vendorKeys: vendorKeys(product.vendor),
      numbers: [...exact],
      nameTokens: nameTokens(product.name),
      range: product.version === undefined ? { kind: 'all', text: '(no version given)' } : this.rangeOf(product.version),
    };
    const nameRange = rangeInName(product.name);
    if (nameRange) p.nameRange = nameRange;
    for (const n of p.numbers) push(this.byNumber, n, p);
    for (const n of product.modelNumbers) if (hasWildcard(n)) this.wildcards.push({ pattern: n, p });
    for (const k of p.vendorKeys) {
      push(this.byVendor, k, p);
      const key = numberedKey(p.nameTokens);
      if (key === '') continue; // a name without a word carrying a digit is never matched by name
      let names = this.byVendorNumbered.get(k);
      if (!names) this.byVendorNumbered.set(k, (names = new Map()));
      push(names, key, p);
    }
    this.familyMemo.clear();
    this.size++;
  }

  /** Parsed ranges by text: advisories repeat a few thousand range texts over their products ("vers:all/*" 2,500 times). */
  private readonly ranges = new Map<string, VersionRange>();

  private rangeOf(text: string): VersionRange {
    let r = this.ranges.get(text);
    if (!r) this.ranges.set(text, (r = parseRange(text)));
    return r;
  }

  addAdvisory(a: Advisory): void {
    for (const p of a.products) this.add(a.trackingId, p);
  }

  /** The products meeting one identity, at most one match per (advisory, product). */
  match(identity: AssetIdentity): ProductMatch[] {
    const firmware = identity.firmware?.trim() ? identity.firmware.trim() : undefined;
    const version = firmware === undefined ? undefined : parseVersion(firmware);
    // numbers and families trust only the vendor the device reports: a network card's OUI may be another
    // company's; a name match, the weakest, also takes the OUI's vendor when the device names none
    const reported = vendorKeys(identity.vendor);
    const vendor = reported.length > 0 ? reported : vendorKeys(identity.macVendor);
    const numbered: { field: string; raw: string; n: string }[] = [];
    for (const [field, raw] of [
      ['order number', identity.orderNumber],
      ['model', identity.model],
    ] as const) {
      if (!raw || !raw.trim()) continue;
      const n = normaliseModelNumber(raw);
      if (!numbered.some((x) => x.n === n)) numbered.push({ field, raw: raw.trim(), n });
    }
    const via = identity.protocol ? ` (${identity.protocol})` : '';
    const out = new Map<string, ProductMatch>();
    const add = (p: IndexedProduct, basis: MatchBasis, confidence: MatchConfidence, why: string): void => {
      const key = `${p.trackingId}\u0000${p.product.productId}`;
      const prev = out.get(key);
      if (prev && CONFIDENCE_RANK[prev.confidence] <= CONFIDENCE_RANK[confidence]) return;
      out.set(key, judge(p, basis, confidence, why, firmware, version));
    };
    const vendorAgrees = (p: IndexedProduct): boolean =>
      reported.length === 0 || p.vendorKeys.length === 0 || sameVendor(reported, p.vendorKeys);

    // 1. numbers: exact, then the advisories' wildcard patterns
    for (const { field, raw, n } of numbered) {
      for (const p of this.byNumber.get(n) ?? []) {
        if (!vendorAgrees(p)) continue;
        const where = p.product.modelNumbers.includes(n) ? 'model number' : 'order number in the name of';
        add(p, 'model_number', 'high', `${field} ${raw}${via} = ${where} "${p.product.name}"`);
      }
      for (const w of this.wildcards) {
        if (wildcardMatch(w.pattern, n) && vendorAgrees(w.p))
          add(w.p, 'model_number', 'high', `${field} ${raw}${via} fits model number ${w.pattern} of "${w.p.product.name}"`);
      }
    }

    // 2. families of those numbers
    for (const f of familiesOf(
      reported,
      numbered.map((x) => x.n),
    )) {
      const member = numbered.find((x) => familiesOf(reported, [x.n]).some((g) => g.name === f.name))!;
      for (const p of this.familyProducts(f)) {
        add(p, 'family', 'medium', `${member.field} ${member.raw}${via} is a ${f.name} device, named by "${p.product.name}"`);
      }
    }

    // 3. names, for advisories nothing above met, only with a known and agreeing vendor
    const metAdvisories = new Set([...out.values()].map((m) => m.trackingId));
    if (vendor.length > 0) {
      for (const [field, raw] of [
        ['product', identity.product],
        ['model', identity.model],
      ] as const) {
        if (!raw || !raw.trim()) continue;
        const tokens = nameTokens(raw);
        if (!tokens.some((t) => /\d/.test(t))) continue; // "Controller", "PLC": too generic to name a product
        for (const p of this.nameCandidates(vendor, tokens)) {
          if (metAdvisories.has(p.trackingId) || !sameVendor(vendor, p.vendorKeys)) continue;
          const shorter = tokens.length <= p.nameTokens.length ? tokens : p.nameTokens;
          const longer = shorter === tokens ? p.nameTokens : tokens;
          if (!containsRun(longer, shorter)) continue;
          add(p, 'name', 'low', `${field} "${raw.trim()}"${via} and product name "${p.product.name}" of ${p.product.vendor}`);
        }
      }
    }
    return [...out.values()];
  }

  /** Products of the family's vendor whose name designates the family (memoised per family). */
  private familyProducts(f: Family): IndexedProduct[] {
    const key = `${f.vendor}\u0000${f.name}\u0000${f.productName.source}`;
    let list = this.familyMemo.get(key);
    if (!list) {
      list = (this.byVendor.get(f.vendor) ?? []).filter((p) => f.productName.test(p.product.name));
      this.familyMemo.set(key, list);
    }
    return list;
  }

  /** Products of these vendors whose name carries exactly the same words with digits. */
  private nameCandidates(vendor: readonly string[], tokens: readonly string[]): Set<IndexedProduct> {
    const out = new Set<IndexedProduct>();
    const key = numberedKey(tokens);
    for (const k of vendor) for (const p of this.byVendorNumbered.get(k)?.get(key) ?? []) out.add(p);
    return out;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/**
 * The words of a name that carry digits ("M251", "315", "NAE55"), distinct and sorted: two names match
 * only with the same ones, so a name that adds one ("SIPLUS S7-1200 CP 1243-1" against "S7-1200") names
 * another product, however many words they share.
 */
function numberedKey(tokens: readonly string[]): string {
  return [...new Set(tokens.filter((t) => /\d/.test(t)))].sort().join(' ');
}

/** Whether `run` occurs in `words` as consecutive whole words. */
function containsRun(words: readonly string[], run: readonly string[]): boolean {
  outer: for (let i = 0; i + run.length <= words.length; i++) {
    for (let j = 0; j < run.length; j++) if (words[i + j] !== run[j]) continue outer;
    return true;
  }
  return false;
}

/** The firmware against the product's range (and the range its name states). */
function judge(
  p: IndexedProduct,
  basis: MatchBasis,
  confidence: MatchConfidence,
  why: string,
  firmware: string | undefined,
  version: Version | undefined,
): ProductMatch {
  const m: ProductMatch = {
    trackingId: p.trackingId,
    productId: p.product.productId,
    basis,
    confidence,
    why,
    status: 'potentially_affected',
  };
  const fix = fixedVersionOf(p.range, version);
  if (fix) m.fixedVersion = fix;
  const rangeText = p.range.text;
  if (firmware === undefined) {
    m.why += `; firmware unknown, affected versions ${rangeText}`;
    return m;
  }
  if (!version) {
    m.why += `; firmware "${firmware}" is not a version we can compare`;
    return m;
  }
  const inside = inRange(version, p.range);
  const insideName = p.nameRange ? inRange(version, p.nameRange) : true;
  if (inside === false || insideName === false) {
    m.status = 'not_affected';
    m.why += `; firmware ${firmware} outside ${inside === false ? rangeText : p.nameRange!.text}`;
  } else if (inside === undefined || insideName === undefined) {
    m.why += `; firmware ${firmware}, range "${inside === undefined ? rangeText : p.nameRange!.text}" not understood`;
  } else {
    m.status = 'affected';
    m.why += `; firmware ${firmware} in ${rangeText}`;
  }
  return m;
}

/** What a CVE of an advisory says of one product: listed as affected, fixed or not affected, and its remediations. */
interface ProductEntry {
  listed: 'affected' | 'fixed' | 'not_affected';
  fix?: Remediation;
  other?: Remediation;
}

/** An advisory's CVEs with per-product lookups, built once per advisory however many assets meet it. */
interface PreparedAdvisory {
  trackingId: string;
  cves: { v: AdvisoryVulnerability; products: Map<string, ProductEntry> }[];
}

const prepared = new WeakMap<Advisory, PreparedAdvisory>();

function prepare(a: Advisory): PreparedAdvisory {
  let p = prepared.get(a);
  if (p) return p;
  p = { trackingId: a.trackingId, cves: [] };
  for (const v of a.vulnerabilities) {
    const products = new Map<string, ProductEntry>();
    // "affected" last: a product listed as affected and as fixed stays affected
    for (const id of v.knownNotAffected) products.set(id, { listed: 'not_affected' });
    for (const id of v.fixed) products.set(id, { listed: 'fixed' });
    for (const id of v.knownAffected) products.set(id, { listed: 'affected' });
    for (const r of v.remediations) {
      for (const id of r.productIds) {
        const e = products.get(id);
        if (!e) continue;
        if (r.category === 'vendor_fix') e.fix ??= r;
        else if (r.category === 'mitigation' || r.category === 'workaround') {
          if (!e.other || (e.other.category !== 'mitigation' && e.other.category !== 'workaround')) e.other = r;
        } else e.other ??= r;
      }
    }
    p.cves.push({ v, products });
  }
  prepared.set(a, p);
  return p;
}

/**
 * One advisory's vulnerabilities for one asset, from the products it met: per CVE the best product
 * among those the CVE lists (most confident, then affected before potentially before not affected); a
 * product the CVE lists as fixed or known not affected makes that product not affected.
 */
export function matchAdvisory(
  assetId: string,
  advisory: Advisory,
  products: readonly ProductMatch[],
  knownExploited: (cve: string) => boolean,
): VulnerabilityMatch[] {
  const mine = products.filter((pm) => pm.trackingId === advisory.trackingId);
  if (mine.length === 0) return [];
  const out: VulnerabilityMatch[] = [];
  for (const { v, products: listed } of prepare(advisory).cves) {
    let best: { pm: ProductMatch; status: MatchStatus; entry: ProductEntry } | undefined;
    for (const pm of mine) {
      const entry = listed.get(pm.productId);
      if (!entry) continue;
      const status = entry.listed === 'affected' ? pm.status : 'not_affected';
      if (
        !best ||
        CONFIDENCE_RANK[pm.confidence] < CONFIDENCE_RANK[best.pm.confidence] ||
        (CONFIDENCE_RANK[pm.confidence] === CONFIDENCE_RANK[best.pm.confidence] && STATUS_RANK[status] < STATUS_RANK[best.status])
      ) {
        best = { pm, status, entry };
      }
    }
    if (!best) continue;
    const { pm, status, entry } = best;
    const note =
      entry.listed === 'fixed'
        ? '; the advisory lists this product as fixed'
        : entry.listed === 'not_affected'
          ? '; the advisory lists this product as not affected'
          : '';
    const m: VulnerabilityMatch = {
      assetId,
      trackingId: advisory.trackingId,
      cve: v.cve,
      productId: pm.productId,
      status,
      confidence: pm.confidence,
      basis: pm.basis,
      why: pm.why + note,
      knownExploited: knownExploited(v.cve),
    };
    if (v.cvssScore !== undefined) m.cvssScore = v.cvssScore;
    if (v.cvssVector !== undefined) m.cvssVector = v.cvssVector;
    if (v.cvssSeverity !== undefined) m.cvssSeverity = v.cvssSeverity;
    const fixed = pm.fixedVersion ?? (entry.fix ? fixedVersionInText(entry.fix.details) : undefined);
    if (fixed) m.fixedVersion = fixed;
    const remediation = entry.fix ?? entry.other;
    if (remediation) m.remediation = remediation.details;
    out.push(m);
  }
  return out;
}

/** The identity the matcher reads from an inventory asset. */
export function identityOfAsset(a: Asset): AssetIdentity {
  const id = a.identity;
  const out: AssetIdentity = { assetId: a.id };
  if (id.vendor) out.vendor = id.vendor.value;
  if (a.macVendor) out.macVendor = a.macVendor;
  if (id.model) out.model = id.model.value;
  if (id.order_number) out.orderNumber = id.order_number.value;
  if (id.product) out.product = id.product.value;
  if (id.firmware) out.firmware = id.firmware.value;
  const protocol = (id.order_number ?? id.model ?? id.product)?.protocol;
  if (protocol) out.protocol = protocol;
  return out;
}

/** Whether an identity carries anything an advisory could be matched by. */
export function isMatchable(i: AssetIdentity): boolean {
  return Boolean(i.orderNumber || i.model || i.product);
}

/** Every identity against every advisory (in memory: tests, the benchmark, small sets). */
export function matchAll(
  identities: readonly AssetIdentity[],
  advisories: readonly Advisory[],
  knownExploited: (cve: string) => boolean,
): VulnerabilityMatch[] {
  const index = new ProductIndex();
  const byId = new Map<string, Advisory>();
  for (const a of advisories) {
    index.addAdvisory(a);
    byId.set(a.trackingId, a);
  }
  const out: VulnerabilityMatch[] = [];
  for (const identity of identities) {
    if (!isMatchable(identity)) continue;
    const products = index.match(identity);
    for (const trackingId of new Set(products.map((p) => p.trackingId))) {
      out.push(...matchAdvisory(identity.assetId, byId.get(trackingId)!, products, knownExploited));
    }
  }
  return out;
}
