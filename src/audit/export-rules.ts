/**
 * Conduits as firewall allow-rules (CSV for review, nftables for a Linux boundary). A conduit end
 * becomes its zone's address blocks after exclusions; members that no L3 rule can express (VLAN,
 * MAC, asset name) and operation restrictions (which need a protocol-aware firewall) become warnings.
 */
import { intervalToCidrs, subtract } from './ip-intervals.js';
import { endLabel } from './policy-semantics.js';
import type { ConduitEnd, ConduitFlow, IpInterval, Policy } from './policy-types.js';

export interface AllowRule {
  conduit: string;
  flow: number; // 1-based index in the conduit
  srcEnd: string;
  dstEnd: string;
  src: string[]; // CIDR blocks
  dst: string[];
  transport: 'tcp' | 'udp';
  ports: number[]; // empty: any
  protocol: string;
  operations: string; // "allow read,write; deny program" or ''
  expires: string;
  expired: boolean;
}

export interface RuleSet {
  rules: AllowRule[];
  warnings: string[];
}

function endBlocks(policy: Policy, end: ConduitEnd, warnings: string[], conduit: string): IpInterval[] {
  if (end.kind === 'addresses') return [end.interval];
  if (end.kind === 'asset') {
    warnings.push(`conduit '${conduit}': end asset '${end.asset}' has no address in the policy: write it as ip or range to export it`);
    return [];
  }
  const zone = policy.zones.find((z) => z.id === end.zone)!;
  const cuts = zone.exclude.flatMap((m) => (m.interval ? [m.interval] : []));
  const l2 = zone.members.filter((m) => !m.interval);
  if (l2.length)
    warnings.push(
      `zone '${zone.id}': ${l2.map((m) => `${m.kind} ${m.value}`).join(', ')} cannot be expressed as addresses and is left out of the rules`,
    );
  return zone.members.flatMap((m) => (m.interval ? subtract(m.interval, cuts) : []));
}

function opsText(f: ConduitFlow): string {
  const parts: string[] = [];
  if (f.allow) parts.push(`allow ${f.allow.join(',')}`);
  if (f.deny.length) parts.push(`deny ${f.deny.join(',')}`);
  return parts.join('; ');
}

export function conduitRules(policy: Policy, now: number): RuleSet {
  const rules: AllowRule[] = [];
  const warnings: string[] = [];
  for (const c of policy.conduits) {
    const a = endBlocks(policy, c.a, warnings, c.id).flatMap(intervalToCidrs);
    const b = endBlocks(policy, c.b, warnings, c.id).flatMap(intervalToCidrs);
    c.flows.forEach((f, i) => {
      const ops = opsText(f);
      if (ops)
        warnings.push(
          `conduit '${c.id}' flow ${i + 1}: operations (${ops}) need a protocol-aware firewall; the rule allows the whole protocol`,
        );
      const directions: [string[], string[], ConduitEnd, ConduitEnd][] = [];
      if (f.initiator !== 'b') directions.push([a, b, c.a, c.b]);
      if (f.initiator !== 'a') directions.push([b, a, c.b, c.a]);
      for (const transport of f.transport ? [f.transport] : (['tcp', 'udp'] as const)) {
        for (const [src, dst, se, de] of directions) {
          rules.push({
            conduit: c.id,
            flow: i + 1,
            srcEnd: endLabel(se),
            dstEnd: endLabel(de),
            src,
            dst,
            transport,
            ports: f.ports,
            protocol: f.protocol,
            operations: ops,
            expires: c.expiresText ?? '',
            expired: c.expires !== null && c.expires < now,
          });
        }
      }
    });
  }
  return { rules, warnings };
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(set: RuleSet): string {
  const header = [
    'conduit',
    'flow',
    'action',
    'src_end',
    'src',
    'dst_end',
    'dst',
    'transport',
    'dst_ports',
    'protocol',
    'operations',
    'expires',
    'note',
  ];
  const rows = set.rules.map((r) => [
    r.conduit,
    String(r.flow),
    r.expired ? 'remove' : 'allow',
    r.srcEnd,
    r.src.join(' '),
    r.dstEnd,
    r.dst.join(' '),
    r.transport,
    r.ports.join(' ') || 'any',
    r.protocol,
    r.operations,
    r.expires,
    r.expired ? 'conduit expired' : '',
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function family(cidr: string): 'ip' | 'ip6' {
  return cidr.includes(':') ? 'ip6' : 'ip';
}

function nftSet(items: string[]): string {
  return items.length === 1 ? items[0]! : `{ ${items.join(', ')} }`;
}

/** nftables: one inet table, forward chain, default drop; expired conduits are written commented out. */
export function renderNft(set: RuleSet, title: string): string {
  const out: string[] = [
    `# otwatch: conduits of ${title} as nftables allow-rules. Review before use: the chain drops everything else.`,
    ...set.warnings.map((w) => `# warning: ${w}`),
    'table inet otwatch_conduits {',
    '  chain forward {',
    '    type filter hook forward priority filter; policy drop;',
    '    ct state established,related accept',
  ];
  for (const r of set.rules) {
    out.push(
      `    # ${r.conduit} flow ${r.flow}: ${r.protocol} ${r.srcEnd} -> ${r.dstEnd}${r.operations ? ` (${r.operations})` : ''}${r.expires ? ` expires ${r.expires}` : ''}`,
    );
    for (const fam of ['ip', 'ip6'] as const) {
      const src = r.src.filter((s) => family(s) === fam);
      const dst = r.dst.filter((s) => family(s) === fam);
      if (!src.length || !dst.length) continue;
      const ports = r.ports.length ? ` ${r.transport} dport ${nftSet(r.ports.map(String))}` : ` meta l4proto ${r.transport}`;
      const rule = `${fam} saddr ${nftSet(src)} ${fam} daddr ${nftSet(dst)}${ports} ct state new accept comment "${r.conduit}#${r.flow}"`;
      out.push(r.expired ? `    # EXPIRED, not applied: ${rule}` : `    ${rule}`);
    }
  }
  out.push('  }', '}');
  return out.join('\n') + '\n';
}
