/** What the advisory readers produce and the matcher consumes; the store persists these shapes. */

/** One product of a CSAF product tree, flattened: the branch path gives vendor, name and version. */
export interface AdvisoryProduct {
  productId: string;
  /** The vendor branch's name, as written ("Schneider Electric Software, LLC"). */
  vendor: string;
  /** The product_name branch's name, trimmed ("SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)"). */
  name: string;
  /** The product_version or product_version_range branch's name: "vers:all/<V3.2.16", "< 4.0.5.11", "2.1". */
  version?: string;
  /** Whether `version` is a single version (product_version) or a range (product_version_range). */
  versionKind?: 'version' | 'range';
  /** product_identification_helper.model_numbers, normalised (no spaces, upper case), wildcards kept. */
  modelNumbers: string[];
}

export type RemediationCategory =
  'vendor_fix' | 'mitigation' | 'workaround' | 'no_fix_planned' | 'none_available' | 'fix_planned' | 'optional_patch';

export interface Remediation {
  category: RemediationCategory;
  details: string;
  url?: string;
  productIds: string[];
}

export interface AdvisoryVulnerability {
  /** The CVE id, or the vulnerability's first id/title when it has none. */
  cve: string;
  title?: string;
  /** The highest CVSS v3 base score given, with its vector and severity. */
  cvssScore?: number;
  cvssVector?: string;
  cvssSeverity?: string;
  knownAffected: string[];
  fixed: string[];
  knownNotAffected: string[];
  remediations: Remediation[];
}

export interface Advisory {
  /** document.tracking.id: "ICSA-18-079-02". */
  trackingId: string;
  /** document.tracking.version: "5" (a newer revision of the same id replaces the older). */
  version: string;
  title: string;
  publisher: string;
  initialReleaseDate?: string;
  currentReleaseDate?: string;
  products: AdvisoryProduct[];
  vulnerabilities: AdvisoryVulnerability[];
}

/** One entry of CISA's Known Exploited Vulnerabilities catalogue. */
export interface KnownExploited {
  cve: string;
  vendorProject?: string;
  product?: string;
  name?: string;
  dateAdded?: string;
  dueDate?: string;
  /** knownRansomwareCampaignUse: "Known" / "Unknown". */
  ransomware?: string;
}

/** What the matcher needs to know of an asset (src/core/model.ts Asset.identity, reduced). */
export interface AssetIdentity {
  assetId: string;
  vendor?: string;
  /** The MAC's vendor (OUI): used for the vendor only when the device names none. */
  macVendor?: string;
  model?: string;
  orderNumber?: string;
  product?: string;
  firmware?: string;
  /** Which protocol reported the identity (of the order/model number, else of the product). */
  protocol?: string;
}

export type MatchStatus = 'affected' | 'not_affected' | 'potentially_affected';
export type MatchConfidence = 'high' | 'medium' | 'low';
export type MatchBasis = 'model_number' | 'family' | 'name';

/** An asset's identity meeting one product of an advisory. */
export interface ProductMatch {
  trackingId: string;
  productId: string;
  basis: MatchBasis;
  confidence: MatchConfidence;
  /** Which identity field met which product entry, in words. */
  why: string;
  /** The firmware against the product's version/range: affected, not affected, or unknown (potentially). */
  status: MatchStatus;
  /** The first fixed version from the range's upper bound, when it has one. */
  fixedVersion?: string;
}

/** One (asset, advisory, CVE) result. */
export interface VulnerabilityMatch {
  assetId: string;
  trackingId: string;
  cve: string;
  productId: string;
  status: MatchStatus;
  confidence: MatchConfidence;
  basis: MatchBasis;
  why: string;
  cvssScore?: number;
  cvssVector?: string;
  cvssSeverity?: string;
  fixedVersion?: string;
  /** The vendor_fix text for the product, else its mitigation or workaround text. */
  remediation?: string;
  knownExploited: boolean;
}
