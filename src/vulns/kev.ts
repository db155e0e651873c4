/**
 * CISA's Known Exploited Vulnerabilities catalogue (known_exploited_vulnerabilities.json, schema in the
 * same feed): the CVEs attackers are known to use, which go first in every list.
 */
import { AdvisoryError } from './csaf.js';
import type { KnownExploited } from './types.js';

/** Whether a parsed JSON value is the KEV catalogue (its top-level shape, not every entry). */
export function looksLikeKev(doc: unknown): boolean {
  if (typeof doc !== 'object' || doc === null) return false;
  const o = doc as Record<string, unknown>;
  return Array.isArray(o.vulnerabilities) && typeof o.catalogVersion === 'string';
}

const CVE_ID = /^CVE-\d{4}-\d{4,}$/;

/**
 * The catalogue's entries. An entry without a well-formed cveID is an error naming its path: the
 * catalogue is one file, and a half-read catalogue would silently drop known-exploited flags.
 */
export function readKev(doc: unknown, file: string): { catalogVersion: string; entries: KnownExploited[] } {
  if (!looksLikeKev(doc)) throw new AdvisoryError(file, '$', 'not a KEV catalogue (no catalogVersion and vulnerabilities)');
  const o = doc as { catalogVersion: string; vulnerabilities: unknown[] };
  const entries: KnownExploited[] = [];
  o.vulnerabilities.forEach((v, i) => {
    const e = v as Record<string, unknown>;
    if (typeof e !== 'object' || e === null || typeof e.cveID !== 'string' || !CVE_ID.test(e.cveID.trim())) {
      throw new AdvisoryError(file, `$.vulnerabilities[${i}].cveID`, 'missing or not a CVE id');
    }
    const text = (k: string): string | undefined => (typeof e[k] === 'string' ? (e[k] as string) : undefined);
    entries.push({
      cve: e.cveID.trim(),
      vendorProject: text('vendorProject'),
      product: text('product'),
      name: text('vulnerabilityName'),
      dateAdded: text('dateAdded'),
      dueDate: text('dueDate'),
      ransomware: text('knownRansomwareCampaignUse'),
    });
  });
  return { catalogVersion: o.catalogVersion, entries };
}
