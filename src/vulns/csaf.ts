/**
 * CSAF 2.0 documents (OASIS CSAF v2.0, section 3) into Advisory records: the product tree walked from
 * vendor through product_name to product_version / product_version_range, the model numbers of
 * product_identification_helper, and per vulnerability its CVE, CVSS v3, product status and remediations.
 * What a document lacks that we need (a tracking id, a branch without a name) is an AdvisoryError naming
 * the JSON path; optional parts that are absent are simply empty.
 */
import { normaliseModelNumber } from './model-numbers.js';
import type { Advisory, AdvisoryProduct, AdvisoryVulnerability, Remediation, RemediationCategory } from './types.js';

/** A document we cannot read, with where in it: "$.product_tree.branches[2].name: not a string". */
export class AdvisoryError extends Error {
  constructor(
    readonly file: string,
    readonly jsonPath: string,
    readonly reason: string,
  ) {
    super(`${file}: ${jsonPath}: ${reason}`);
  }
}

/** Product trees deeper than this are refused (real ones are 3-5 deep; a hostile one could be thousands). */
const MAX_BRANCH_DEPTH = 32;

const REMEDIATION_CATEGORIES = new Set<RemediationCategory>([
  'vendor_fix',
  'mitigation',
  'workaround',
  'no_fix_planned',
  'none_available',
  'fix_planned',
  'optional_patch',
]);

type Json = unknown;
type Obj = Record<string, Json>;

function isObj(v: Json): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Whether a parsed JSON value looks like a CSAF document (not whether it is a valid one). */
export function looksLikeCsaf(doc: Json): boolean {
  return isObj(doc) && isObj(doc.document) && 'csaf_version' in doc.document;
}

/** Reads one parsed CSAF 2.0 document; `file` names it in errors. */
export function readCsaf(doc: Json, file: string): Advisory {
  const fail = (path: string, reason: string): never => {
    throw new AdvisoryError(file, path, reason);
  };
  const str = (o: Obj, key: string, path: string): string => {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') fail(`${path}.${key}`, v === undefined ? 'missing' : 'not a non-empty string');
    return (v as string).trim();
  };
  const optStr = (o: Obj, key: string): string | undefined => (typeof o[key] === 'string' ? (o[key] as string) : undefined);
  const arr = (o: Obj, key: string, path: string): Json[] => {
    const v = o[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) fail(`${path}.${key}`, 'not an array');
    return v as Json[];
  };

  if (!isObj(doc)) fail('$', 'not a JSON object');
  const root = doc as Obj;
  if (!isObj(root.document)) fail('$.document', 'missing: not a CSAF document');
  const d = root.document as Obj;
  const csafVersion = d.csaf_version;
  if (csafVersion !== '2.0') fail('$.document.csaf_version', `is ${JSON.stringify(csafVersion)}, only "2.0" is read`);
  if (!isObj(d.tracking)) fail('$.document.tracking', 'missing');
  const tracking = d.tracking as Obj;
  if (!isObj(d.publisher)) fail('$.document.publisher', 'missing');

  const advisory: Advisory = {
    trackingId: str(tracking, 'id', '$.document.tracking'),
    version: str(tracking, 'version', '$.document.tracking'),
    title: str(d, 'title', '$.document'),
    publisher: str(d.publisher as Obj, 'name', '$.document.publisher'),
    initialReleaseDate: optStr(tracking, 'initial_release_date'),
    currentReleaseDate: optStr(tracking, 'current_release_date'),
    products: [],
    vulnerabilities: [],
  };

  const groups = new Map<string, string[]>();
  if (root.product_tree !== undefined) {
    if (!isObj(root.product_tree)) fail('$.product_tree', 'not an object');
    const tree = root.product_tree as Obj;
    readBranches(arr(tree, 'branches', '$.product_tree'), '$.product_tree.branches', {}, 0, advisory.products, fail);
    arr(tree, 'full_product_names', '$.product_tree').forEach((p, i) => {
      const product = productOf(p, `$.product_tree.full_product_names[${i}]`, {}, fail);
      advisory.products.push(product);
    });
    readRelationships(arr(tree, 'relationships', '$.product_tree'), advisory.products, fail);
    arr(tree, 'product_groups', '$.product_tree').forEach((g, i) => {
      const path = `$.product_tree.product_groups[${i}]`;
      if (!isObj(g)) fail(path, 'not an object');
      groups.set(str(g as Obj, 'group_id', path), idList(arr(g as Obj, 'product_ids', path), `${path}.product_ids`, fail));
    });
  }

  arr(root, 'vulnerabilities', '$').forEach((v, i) => {
    advisory.vulnerabilities.push(readVulnerability(v, `$.vulnerabilities[${i}]`, groups, fail));
  });
  return advisory;
}

type Fail = (path: string, reason: string) => never;

interface BranchContext {
  vendor?: string;
  family?: string;
  name?: string;
  version?: string;
  versionKind?: 'version' | 'range';
}

function readBranches(branches: Json[], path: string, ctx: BranchContext, depth: number, out: AdvisoryProduct[], fail: Fail): void {
  if (depth > MAX_BRANCH_DEPTH) fail(path, `product tree deeper than ${MAX_BRANCH_DEPTH} branches`);
  branches.forEach((b, i) => {
    const here = `${path}[${i}]`;
    if (!isObj(b)) fail(here, 'not an object');
    const branch = b as Obj;
    const name = branch.name;
    if (typeof name !== 'string') fail(`${here}.name`, 'missing or not a string');
    const category = branch.category;
    if (typeof category !== 'string') fail(`${here}.category`, 'missing or not a string');
    const next: BranchContext = { ...ctx };
    const n = (name as string).trim();
    switch (category) {
      case 'vendor':
        next.vendor = n;
        break;
      case 'product_family':
        next.family = n;
        break;
      case 'product_name':
        next.name = n;
        break;
      case 'product_version':
        next.version = n;
        next.versionKind = 'version';
        break;
      case 'product_version_range':
        next.version = n;
        next.versionKind = 'range';
        break;
      default:
        // architecture, language, patch_level, service_pack, ...: they refine a product we still match by name
        break;
    }
    if (branch.product !== undefined) out.push(productOf(branch.product, `${here}.product`, next, fail));
    if (branch.branches !== undefined) {
      if (!Array.isArray(branch.branches)) fail(`${here}.branches`, 'not an array');
      readBranches(branch.branches as Json[], `${here}.branches`, next, depth + 1, out, fail);
    }
  });
}

function productOf(p: Json, path: string, ctx: BranchContext, fail: Fail): AdvisoryProduct {
  if (!isObj(p)) fail(path, 'not an object');
  const product = p as Obj;
  const id = product.product_id;
  if (typeof id !== 'string' || id === '') fail(`${path}.product_id`, 'missing or not a string');
  const fullName = typeof product.name === 'string' ? product.name.trim() : '';
  const modelNumbers: string[] = [];
  const helper = product.product_identification_helper;
  if (isObj(helper) && helper.model_numbers !== undefined) {
    if (!Array.isArray(helper.model_numbers)) fail(`${path}.product_identification_helper.model_numbers`, 'not an array');
    (helper.model_numbers as Json[]).forEach((m, i) => {
      if (typeof m !== 'string') fail(`${path}.product_identification_helper.model_numbers[${i}]`, 'not a string');
      const n = normaliseModelNumber(m as string);
      if (n.length > 0) modelNumbers.push(n);
    });
  }
  const name = ctx.name ?? ctx.family ?? fullName;
  const out: AdvisoryProduct = { productId: id as string, vendor: ctx.vendor ?? '', name, modelNumbers };
  if (ctx.version !== undefined) {
    out.version = ctx.version;
    out.versionKind = ctx.versionKind;
  }
  return out;
}

/** A relationship ("X installed on Y") names a product of its own: it is X for matching. */
function readRelationships(rels: Json[], products: AdvisoryProduct[], fail: Fail): void {
  const byId = new Map(products.map((p) => [p.productId, p]));
  rels.forEach((r, i) => {
    const path = `$.product_tree.relationships[${i}]`;
    if (!isObj(r)) fail(path, 'not an object');
    const rel = r as Obj;
    const full = rel.full_product_name;
    if (!isObj(full) || typeof full.product_id !== 'string') fail(`${path}.full_product_name.product_id`, 'missing or not a string');
    const ref = typeof rel.product_reference === 'string' ? byId.get(rel.product_reference) : undefined;
    if (!ref) return; // a reference to nothing we know: nothing to match it by
    products.push({ ...ref, productId: (full as Obj).product_id as string });
  });
}

function idList(v: Json[], path: string, fail: Fail): string[] {
  return v.map((x, i) => {
    if (typeof x !== 'string') fail(`${path}[${i}]`, 'not a string');
    return x as string;
  });
}

function readVulnerability(v: Json, path: string, groups: Map<string, string[]>, fail: Fail): AdvisoryVulnerability {
  if (!isObj(v)) fail(path, 'not an object');
  const vuln = v as Obj;
  const list = (o: Obj, key: string, p: string): string[] => {
    const x = o[key];
    if (x === undefined) return [];
    if (!Array.isArray(x)) fail(`${p}.${key}`, 'not an array');
    return idList(x as Json[], `${p}.${key}`, fail);
  };
  let cve = typeof vuln.cve === 'string' ? vuln.cve.trim() : '';
  if (!cve && Array.isArray(vuln.ids) && isObj(vuln.ids[0]) && typeof vuln.ids[0].text === 'string') cve = vuln.ids[0].text;
  if (!cve && typeof vuln.title === 'string') cve = vuln.title;
  if (!cve) fail(`${path}.cve`, 'a vulnerability with neither cve, ids nor title');
  const out: AdvisoryVulnerability = { cve, knownAffected: [], fixed: [], knownNotAffected: [], remediations: [] };
  if (typeof vuln.title === 'string') out.title = vuln.title;

  if (vuln.product_status !== undefined) {
    if (!isObj(vuln.product_status)) fail(`${path}.product_status`, 'not an object');
    const s = vuln.product_status as Obj;
    const sp = `${path}.product_status`;
    out.knownAffected = [...list(s, 'known_affected', sp), ...list(s, 'first_affected', sp), ...list(s, 'last_affected', sp)];
    out.fixed = [...list(s, 'fixed', sp), ...list(s, 'first_fixed', sp)];
    out.knownNotAffected = list(s, 'known_not_affected', sp);
  }

  if (vuln.scores !== undefined) {
    if (!Array.isArray(vuln.scores)) fail(`${path}.scores`, 'not an array');
    for (const s of vuln.scores as Json[]) {
      if (!isObj(s) || !isObj(s.cvss_v3)) continue; // CVSS v2 only: no v3 score to rank by
      const c = s.cvss_v3;
      if (typeof c.baseScore !== 'number' || !(c.baseScore >= 0 && c.baseScore <= 10)) continue;
      if (out.cvssScore === undefined || c.baseScore > out.cvssScore) {
        out.cvssScore = c.baseScore;
        if (typeof c.vectorString === 'string') out.cvssVector = c.vectorString;
        if (typeof c.baseSeverity === 'string') out.cvssSeverity = c.baseSeverity;
      }
    }
  }

  if (vuln.remediations !== undefined) {
    if (!Array.isArray(vuln.remediations)) fail(`${path}.remediations`, 'not an array');
    (vuln.remediations as Json[]).forEach((r, i) => {
      const rp = `${path}.remediations[${i}]`;
      if (!isObj(r)) fail(rp, 'not an object');
      const rem = r as Obj;
      if (typeof rem.category !== 'string' || !REMEDIATION_CATEGORIES.has(rem.category as RemediationCategory)) {
        fail(`${rp}.category`, `unknown remediation category ${JSON.stringify(rem.category)}`);
      }
      if (typeof rem.details !== 'string') fail(`${rp}.details`, 'missing or not a string');
      const ids = list(rem, 'product_ids', rp);
      for (const g of list(rem, 'group_ids', rp)) ids.push(...(groups.get(g) ?? []));
      const remediation: Remediation = {
        category: rem.category as RemediationCategory,
        details: (rem.details as string).trim(),
        productIds: ids,
      };
      if (typeof rem.url === 'string') remediation.url = rem.url;
      out.remediations.push(remediation);
    });
  }
  return out;
}
