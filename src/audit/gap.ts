/**
 * Per zone and foundational requirement, the target level (SL-T) against what the observed traffic
 * allows the achieved level (SL-A) to be at most. Passive evidence can only lower the estimate:
 * a row without evidence says "no limit seen", never "achieved".
 */
import { FRS, GAP_CAPS, type FR } from './constants.js';
import type { Finding } from './finding.js';
import type { Policy } from './policy-types.js';

export interface GapRow {
  zone: string;
  fr: FR;
  slt: number | null;
  /** Upper bound of SL-A from the evidence; null when no evidence limits it. */
  slaCap: number | null;
  /** slt - slaCap when positive, else 0. */
  gap: number;
  /** The findings that set the cap: "ZC-CLEARTEXT-PROTOCOL scada-control: modbus". */
  evidence: string[];
}

/** How many evidence lines a row keeps. */
const EVIDENCE_PER_ROW = 5;

export function gapTable(policy: Policy, findings: readonly Finding[]): GapRow[] {
  const rows: GapRow[] = [];
  for (const zone of policy.zones) {
    for (const fr of FRS) {
      let cap: number | null = null;
      const evidence: string[] = [];
      for (const f of findings) {
        const c = GAP_CAPS[f.rule]?.[fr];
        if (c === undefined || !f.zones.includes(zone.id)) continue;
        cap = cap === null ? c : Math.min(cap, c);
        const line = `${f.rule} ${f.subject.label}`;
        if (evidence.length < EVIDENCE_PER_ROW && !evidence.includes(line)) evidence.push(line);
      }
      const slt = zone.slt[fr];
      rows.push({ zone: zone.id, fr, slt, slaCap: cap, gap: slt !== null && cap !== null ? Math.max(0, slt - cap) : 0, evidence });
    }
  }
  return rows;
}

export function formatGapTable(rows: readonly GapRow[]): string {
  const header = ['zone', 'FR', 'SL-T', 'SL-A<=', 'gap', 'evidence'];
  const body = rows.map((r) => [
    r.zone,
    r.fr,
    r.slt === null ? '-' : String(r.slt),
    r.slaCap === null ? '-' : String(r.slaCap),
    r.gap ? String(r.gap) : '',
    r.evidence.join('; '),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.slice().map((b) => (i < 5 ? b[i]!.length : 0))));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < 5 ? c.padEnd(widths[i]!) : c))
      .join('  ')
      .trimEnd();
  return [
    fmt(header),
    ...body.map(fmt),
    '',
    "SL-A<= is an upper bound from observed traffic ('-': no evidence limits it); gap = SL-T - SL-A<=.",
  ].join('\n');
}
