/**
 * How known vulnerabilities bound the achieved security level (SL-A) of a zone, per foundational
 * requirement of IEC 62443-3-3.
 *
 * SL 2 asks for protection against intentional violation by simple means with low resources and generic
 * skills. A published vulnerability that an affected device still carries, exploitable over the network
 * (CVSS AV:N or AV:A) without privileges or user interaction (PR:N, UI:N), is such a simple means: the
 * advisory tells the attacker how. So the FR whose protection it defeats cannot be achieved above SL 1:
 * - high integrity impact (I:H) defeats FR 3, system integrity: SR 3.1 (communication integrity) and
 *   SR 3.4 (software and information integrity) no longer hold for the device;
 * - high confidentiality impact (C:H) defeats FR 4, data confidentiality: SR 4.1 (information
 *   confidentiality);
 * - high availability impact (A:H) defeats FR 7, resource availability: SR 7.1 (denial of service
 *   protection) and SR 7.2 (resource management).
 * A known-exploited CVE (CISA KEV) bounds at SL 1 whatever its vector's privileges: it is used in the wild.
 * Only "affected" matches count: "potentially affected" (firmware unknown) is a question for the
 * assessor, and "not affected" is not evidence. FR 1, 2, 5 and 6 are left alone: a CVSS vector does not
 * say which of their SRs a vulnerability defeats.
 */
import type { VulnerabilityMatch } from './types.js';

export type VulnerableFr = 'FR3' | 'FR4' | 'FR7';

/** The SRs each bounded FR stands for, for the report's evidence lines. */
export const SR_OF_FR: Readonly<Record<VulnerableFr, string>> = {
  FR3: 'SR 3.1, SR 3.4',
  FR4: 'SR 4.1',
  FR7: 'SR 7.1, SR 7.2',
};

/** The highest SL-A an FR can reach with such a vulnerability present. */
export const SL_CEILING = 1;

/** CVSS v3 base metrics of a vector string: { AV: 'N', PR: 'N', ... }. */
export function cvssMetrics(vector: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!vector) return out;
  for (const part of vector.split('/')) {
    const [k, v] = part.split(':');
    if (k && v && k !== 'CVSS') out[k] = v;
  }
  return out;
}

/** The FRs one match bounds (empty when it bounds none). */
export function boundedFrs(m: Pick<VulnerabilityMatch, 'status' | 'cvssVector' | 'knownExploited'>): VulnerableFr[] {
  if (m.status !== 'affected') return [];
  const c = cvssMetrics(m.cvssVector);
  const remote = c.AV === 'N' || c.AV === 'A';
  const simple = m.knownExploited || (c.PR === 'N' && c.UI === 'N');
  if (!remote || !simple) return [];
  const out: VulnerableFr[] = [];
  if (c.I === 'H') out.push('FR3');
  if (c.C === 'H') out.push('FR4');
  if (c.A === 'H') out.push('FR7');
  return out;
}
