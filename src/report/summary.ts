/**
 * What a report is remembered by (kept in the store after each archived report) and the change log
 * between two of them: assets that appeared, went or moved zone, findings opened, resolved or whose
 * status changed, and SL-A estimates that moved. Pure.
 */
import { createHash } from 'node:crypto';
import type { PlantGraph } from './graph.js';
import type { GapRow } from '../audit/gap.js';

export interface ReportSummary {
  /** Hash of everything below except generatedAt: two reports of the same state share it. */
  hash: string;
  generatedAt: number;
  assets: Record<string, { label: string; role: string; zone: string }>;
  findings: Record<string, { rule: string; severity: string; status: string; label: string }>;
  /** 'zone FR' → SL-A upper bound (null: no evidence limits it). */
  slaCaps: Record<string, number | null>;
}

export function reportSummary(g: PlantGraph, gaps: readonly GapRow[], generatedAt: number): ReportSummary {
  const assets = Object.fromEntries(g.assets.map((a) => [a.id, { label: a.label, role: a.role, zone: a.zone }]));
  const findings = Object.fromEntries(
    g.findings.map((f) => [f.id, { rule: f.rule, severity: f.severity, status: f.status, label: f.label }]),
  );
  const slaCaps = Object.fromEntries(gaps.map((r) => [`${r.zone} ${r.fr}`, r.slaCap]));
  // the records are built in sorted order (graph assets and findings are sorted), so JSON is canonical
  const hash = createHash('sha256').update(JSON.stringify({ assets, findings, slaCaps })).digest('hex');
  return { hash, generatedAt, assets, findings, slaCaps };
}

export interface ChangeEntry {
  kind: 'asset_new' | 'asset_gone' | 'asset_moved' | 'finding_new' | 'finding_resolved' | 'finding_status' | 'sla_changed';
  subject: string;
  detail: string;
}

const capText = (v: number | null | undefined) => (v === null || v === undefined ? 'no limit' : `≤ ${v}`);

export function changeLog(prev: ReportSummary, cur: ReportSummary): ChangeEntry[] {
  const out: ChangeEntry[] = [];
  const ids = (o: object) => Object.keys(o).sort();
  for (const id of ids(cur.assets)) {
    const a = cur.assets[id]!;
    const p = prev.assets[id];
    if (!p) out.push({ kind: 'asset_new', subject: id, detail: `${a.label} (${a.role}) appeared in ${a.zone}` });
    else if (p.zone !== a.zone) out.push({ kind: 'asset_moved', subject: id, detail: `${a.label} moved from ${p.zone} to ${a.zone}` });
  }
  for (const id of ids(prev.assets))
    if (!cur.assets[id])
      out.push({
        kind: 'asset_gone',
        subject: id,
        detail: `${prev.assets[id]!.label} (${prev.assets[id]!.role}) no longer in the inventory`,
      });
  const live = (s: string | undefined) => s !== undefined && s !== 'resolved';
  for (const id of ids(cur.findings)) {
    const f = cur.findings[id]!;
    const p = prev.findings[id];
    if (live(f.status) && !live(p?.status))
      out.push({ kind: 'finding_new', subject: id, detail: `${f.severity} ${f.rule} ${f.label}${p ? ' (came back)' : ''}` });
    else if (!live(f.status) && live(p?.status)) out.push({ kind: 'finding_resolved', subject: id, detail: `${f.rule} ${f.label}` });
    else if (p && p.status !== f.status)
      out.push({ kind: 'finding_status', subject: id, detail: `${f.rule} ${f.label}: ${p.status} → ${f.status}` });
  }
  for (const id of ids(prev.findings)) {
    if (!cur.findings[id] && live(prev.findings[id]!.status))
      out.push({ kind: 'finding_resolved', subject: id, detail: `${prev.findings[id]!.rule} ${prev.findings[id]!.label}` });
  }
  for (const k of [...new Set([...ids(cur.slaCaps), ...ids(prev.slaCaps)])].sort()) {
    if (!(k in cur.slaCaps) || !(k in prev.slaCaps)) continue;
    if (cur.slaCaps[k] !== prev.slaCaps[k])
      out.push({ kind: 'sla_changed', subject: k, detail: `SL-A estimate ${capText(prev.slaCaps[k])} → ${capText(cur.slaCaps[k])}` });
  }
  return out;
}
