import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { assess, type PathAssessment } from './assess.js';
import { loadPolicyFile } from './policy-load.js';
import type { Policy } from './policy-types.js';
import { asset, path, T0 } from '../../test/helpers/audit.js';

const policyFile = fileURLToPath(new URL('../../fixtures/policies/audit-test.yaml', import.meta.url));

async function policy(): Promise<Policy> {
  const r = await loadPolicyFile(policyFile);
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'));
  return r.policy;
}

// the integrator's conduit (10.20.1.50 ↔ control, s7comm, any operation) expired at the end of 2024-01-31
const before = Date.UTC(2024, 0, 15) / 1000;
const after = T0;
const gateway = asset('10.20.1.1', 'gateway', { ips: ['10.20.1.1', '10.30.1.1'] });
const assets = [
  asset('10.10.1.20', 'workstation'),
  asset('10.20.1.10', 'hmi'),
  asset('10.20.1.50', 'engineering_workstation'),
  asset('10.30.1.6', 'plc'),
  gateway,
];
const s7 = (from: string, ops: Record<string, number>, lastSeen: number) =>
  path({ from, to: '10.30.1.6', protocol: 's7comm', port: 102, ops, lastSeen, firstSeen: lastSeen - 60 });
/** Paths of one zone pair and protocol (scada → control s7comm) that the conduits judge differently. */
const paths = [
  s7('10.20.1.50', { read: 3 }, before),
  s7('10.20.1.50', { program: 1 }, before),
  s7('10.20.1.50', { read: 2, program: 1 }, after),
  s7('10.20.1.10', { program: 1 }, after),
  s7('10.20.1.10', { read: 9 }, after),
  path({ from: '10.30.1.1', to: '10.30.1.6', protocol: 's7comm', port: 102, ops: { read: 1 } }),
  path({ from: '10.20.1.1', to: '10.30.1.6', protocol: 's7comm', port: 102, ops: { read: 1 } }),
  path({ from: '10.30.1.6', to: '10.20.1.10', protocol: 's7comm', port: 102, ops: { read: 1 } }),
  // the integrator's address in another zone pair: its conduit ends in control, so it cannot apply
  path({ from: '10.10.1.20', to: '10.20.1.50', protocol: 'opcua', port: 4840, ops: { read: 1 } }),
];

const brief = (a: PathAssessment) => ({
  status: a.status,
  zones: `${a.from.zone}>${a.to.zone}`,
  allowing: a.allowing.map((u) => u.conduit.id),
  deniedOps: a.deniedOps,
  expiredUsed: a.expiredUsed.map((c) => c.id),
});

describe('assess: paths that share a zone pair and a protocol, each judged on its own', async () => {
  const p = await policy();
  const together = assess(p, assets, paths).paths;

  it('by its own end (the integrator conduit names one address), expiry and operations', () => {
    expect(together.map(brief)).toEqual([
      { status: 'allowed', zones: 'scada>control', allowing: ['scada-control', 'integrator'], deniedOps: [], expiredUsed: [] },
      { status: 'allowed', zones: 'scada>control', allowing: ['scada-control', 'integrator'], deniedOps: [], expiredUsed: [] },
      // only the expired conduit allows the program download: it is flagged as relied on after expiry
      { status: 'allowed', zones: 'scada>control', allowing: ['scada-control', 'integrator'], deniedOps: [], expiredUsed: ['integrator'] },
      { status: 'allowed', zones: 'scada>control', allowing: ['scada-control'], deniedOps: ['program'], expiredUsed: [] },
      { status: 'allowed', zones: 'scada>control', allowing: ['scada-control'], deniedOps: [], expiredUsed: [] },
      // a gateway with an address in each zone is placed by the address the path used
      { status: 'intra_zone', zones: 'control>control', allowing: [], deniedOps: [], expiredUsed: [] },
      { status: 'allowed', zones: 'scada>control', allowing: ['scada-control'], deniedOps: [], expiredUsed: [] },
      { status: 'not_allowed', zones: 'control>scada', allowing: [], deniedOps: [], expiredUsed: [] },
      { status: 'allowed', zones: 'ent>scada', allowing: ['ent-scada'], deniedOps: [], expiredUsed: [] },
    ]);
    expect(together[8]!.uses.map((u) => u.conduit.id)).toEqual(['ent-scada']);
    expect(together[7]!.reasons[0]).toContain('only when opened by scada, but control opened it');
  });

  it('the same verdict as when each path is assessed alone', () => {
    expect(together).toEqual(paths.map((x) => assess(p, assets, [x]).paths[0]));
  });
});
