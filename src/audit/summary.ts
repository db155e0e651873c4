/** The human summary `otwatch policy check` prints for a valid policy. */
import { FRS } from './constants.js';
import { isoDate } from './group.js';
import { endLabel } from './policy-semantics.js';
import type { Conduit, ConduitFlow, Policy, SecurityLevels } from './policy-types.js';

export function sltText(hasSlt: boolean, slt: SecurityLevels): string {
  if (!hasSlt) return 'none';
  const values = FRS.map((fr) => slt[fr]);
  if (values.every((v) => v === values[0])) return String(values[0]);
  return FRS.map((fr) => `${fr}=${slt[fr] ?? '-'}`).join(' ');
}

function flowText(f: ConduitFlow, c: Conduit): string {
  const who = f.initiator === 'either' ? 'either end' : endLabel(f.initiator === 'a' ? c.a : c.b);
  const ops = [f.allow ? `only ${f.allow.join(',')}` : '', f.deny.length ? `not ${f.deny.join(',')}` : ''].filter(Boolean).join(', ');
  return `${f.protocol}${f.ports.length ? ` ${f.transport ?? 'tcp/udp'}/${f.ports.join(',')}` : ''} opened by ${who}${ops ? ` (${ops})` : ''}`;
}

export function formatPolicySummary(p: Policy, now: number): string {
  const out: string[] = [
    `${p.file}: valid policy${p.name ? ` '${p.name}'` : ''}: ${p.zones.length} zone(s), ${p.conduits.length} conduit(s)`,
    '',
    'zones:',
  ];
  for (const z of p.zones) {
    const members = z.members.map((m) => `${m.kind} ${m.value}`).join(', ');
    const excl = z.exclude.length ? `; excluding ${z.exclude.map((m) => `${m.kind} ${m.value}`).join(', ')}` : '';
    out.push(`  ${z.id.padEnd(16)} L${z.level ?? '?'}  SL-T ${sltText(z.hasSlt, z.slt).padEnd(4)}  ${members}${excl}`);
  }
  if (p.conduits.length) out.push('', 'conduits:');
  for (const c of p.conduits) {
    const expiry = c.expires === null ? '' : c.expires < now ? `  EXPIRED ${c.expiresText}` : `  expires ${c.expiresText}`;
    out.push(
      `  ${c.id}: ${endLabel(c.a)} <-> ${endLabel(c.b)}  SL-T ${c.hasSlt ? sltText(true, c.slt) : 'from zones'}${c.enforcement.length ? `  [${c.enforcement.join(', ')}]` : ''}${c.owner ? `  owner: ${c.owner}` : ''}${expiry}`,
    );
    for (const f of c.flows) out.push(`    - ${flowText(f, c)}`);
  }
  const noSlt = p.zones.filter((z) => !z.hasSlt).map((z) => z.id);
  const expired = p.conduits.filter((c) => c.expires !== null && c.expires < now).map((c) => `${c.id} (${isoDate(c.expires!)})`);
  if (noSlt.length || expired.length) out.push('');
  if (noSlt.length) out.push(`note: zone(s) without SL-T: ${noSlt.join(', ')}`);
  if (expired.length) out.push(`note: expired conduit(s): ${expired.join(', ')}`);
  return out.join('\n');
}
