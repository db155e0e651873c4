import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadPolicyFile, loadPolicyText, replacePolicy } from './policy-load.js';
import type { PolicyError } from './policy-types.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/policies/${name}`, import.meta.url));

async function errorsOf(name: string): Promise<PolicyError[]> {
  const r = await loadPolicyFile(fixture(name));
  if (r.ok) throw new Error(`${name} loaded but should not`);
  return r.errors;
}

/** [line, fragment of the message] for each error, in file order. */
function lines(errors: PolicyError[]): [number, string][] {
  return errors.map((e) => [e.line, e.message]);
}

describe('policy loading: valid policies', () => {
  it('the bundled demo plant policy loads and is normalised', async () => {
    const r = await loadPolicyFile(fixture('rules-test.yaml'));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const p = r.policy;
    expect(p.zones.map((z) => [z.id, z.level, z.members[0]!.value])).toEqual([
      ['enterprise', 4, '10.10.1.0/24'],
      ['scada', 2, '10.20.1.0/24'],
      ['control', 1, '10.30.1.0/24'],
      ['bms', 1, '10.40.1.0/24'],
    ]);
    const control = p.zones.find((z) => z.id === 'control')!;
    expect(control.slt).toEqual({ FR1: 2, FR2: 2, FR3: 3, FR4: 1, FR5: 3, FR6: 2, FR7: 2 });
    const sc = p.conduits.find((c) => c.id === 'scada-control')!;
    // Default ports and transport come from the protocol.
    expect(sc.flows.map((f) => [f.protocol, f.transport, f.ports, f.initiator, f.allow, f.deny])).toEqual([
      ['modbus', 'tcp', [502], 'a', ['read', 'write', 'diagnostic', 'identify'], []],
      ['s7comm', 'tcp', [102], 'a', null, ['program', 'control', 'restart']],
    ]);
    const temp = p.conduits.find((c) => c.id === 'integrator-programming')!;
    expect(temp.a).toMatchObject({ kind: 'addresses', text: '10.20.1.50' });
    expect(temp.expires).toBe(Date.UTC(2027, 6, 1) / 1000); // valid through 2027-06-30 UTC
    expect(temp.flows[0]!.initiator).toBe('a');
  });

  it('exclusions carve a block out of a zone without an overlap error', () => {
    const r = loadPolicyText(
      'version: 1\nzones:\n  - id: lab\n    name: Lab\n    members: [{cidr: 10.50.0.0/16}]\n    exclude: [{cidr: 10.50.9.0/24}]\n  - id: bench\n    name: Bench\n    members: [{cidr: 10.50.9.0/24}]\n',
    );
    expect(r.ok).toBe(true);
  });
});

describe('policy loading: every error names its line', () => {
  it('YAML syntax errors', async () => {
    const e = await errorsOf('invalid/syntax.yaml');
    expect(lines(e)).toEqual([
      [7, 'YAML: Map keys must be unique'],
      [10, 'YAML: Missing closing "quote'],
    ]);
  });

  it('schema errors: each with what was expected', async () => {
    const e = await errorsOf('invalid/schema-errors.yaml');
    expect(lines(e)).toEqual([
      [6, 'expected a Purdue level 0, 1, 2, 3, 3.5, 4 or 5, got 7'],
      [7, 'expected a security level 0-4, or a mapping FR1..FR7 to levels 0-4, got 5'],
      [9, "expected a member with exactly one of cidr, range, ip, vlan, mac, asset, got a mapping with 'cidr', 'vlan'"],
      [13, "unknown key 'colour': expected one of id, name, description, level, sl_t, members, exclude"],
      [14, "expected a security level 0-4, or a mapping FR1..FR7 to levels 0-4, got a mapping with 'FR1', 'FR9'"],
      [16, "expected a MAC address such as 00:1b:1b:aa:bb:cc, got '00:1b:1b:zz:00:01'"],
      [17, "missing 'id': expected a zone with id, name and members"],
      [19, 'expected a VLAN id 1-4094, got 5000'],
      [22, 'expected a list of exactly two ends, got a list of 1'],
      [23, "expected a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM[:SS]Z, got '30/06/2025'"],
      [26, 'expected a port 1-65535, got 70000'],
      [
        28,
        "expected an operation: read, write, diagnostic, program, identify, control, session, call, browse, subscribe, discovery, restart, auth, other, got 'reboot'",
      ],
    ]);
    // Columns point at the value, not the start of the line.
    expect(e[0]).toMatchObject({ line: 6, col: 12, path: '/zones/0/level' });
    expect(e[3]).toMatchObject({ line: 13, col: 5, path: '/zones/1/colour' });
  });

  it('overlapping zones: names both zones and both lines', async () => {
    const e = await errorsOf('invalid/overlap.yaml');
    expect(e).toHaveLength(3);
    expect(e[0]!.line).toBe(12);
    expect(e[0]!.message).toBe(
      "zones 'scada' (line 3) and 'control' (line 8) overlap: cidr 10.20.1.0/24 (line 6) and range 10.20.1.200-10.20.1.210 (line 12) share 10.20.1.200-10.20.1.210; a device belongs to exactly one zone (use exclude to carve out)",
    );
    expect(e[1]!.message).toContain(
      "zones 'control' (line 8) and 'bms' (line 13) overlap: cidr 10.30.0.0/16 (line 11) and cidr 10.30.5.0/24 (line 16)",
    );
    expect(e[2]!.message).toContain("zones 'scada' (line 3) and 'bms' (line 13) overlap: vlan 20 (line 7) and vlan 20 (line 17)");
    // The lab/test-bench pair is carved out with exclude: no error names it.
    expect(e.some((x) => x.message.includes('test-bench'))).toBe(false);
  });

  it('semantic errors: unknown zone, duplicate id, bad addresses, dates, initiators, ports', async () => {
    const e = await errorsOf('invalid/semantic.yaml');
    expect(lines(e)).toEqual([
      [6, "'10.20.1.5/24' has host bits set: the network is 10.20.1.0/24"],
      [10, "'10.30.1.9-10.30.1.1' ends before it starts"],
      [11, "duplicate zone id 'scada' (first defined at line 3)"],
      [17, "conduit end refers to unknown zone 'contrl': expected one of scada, control"],
      [18, "'2025-02-30' is not a valid date: expected YYYY-MM-DD"],
      [21, "initiator 'enterprise' is not an end of the conduit: expected scada, a, b, either"],
      [22, "flow with protocol 'tcp' allows any application protocol: expected 'ports' to restrict it"],
      [24, "conduit 'loop' joins zone 'control' to itself: a conduit connects two different zones"],
      [26, "protocol 'mqtt' has no well-known port: expected 'ports'"],
    ]);
  });

  it('hostile input gives errors, never a throw', () => {
    const bomb =
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    for (const text of [
      '',
      '[1, 2',
      '- just\n- a list\n',
      'version: 1\nzones: 5\n',
      bomb,
      '\u0000\u0001binary',
      readFileSync(fixture('rules-test.yaml'), 'utf8').slice(0, 700),
    ]) {
      const r = loadPolicyText(text, 'x.yaml');
      expect(r.ok).toBe(false);
      if (!r.ok) for (const err of r.errors) expect(err.line).toBeGreaterThanOrEqual(1);
    }
  });

  it('a missing file is an error with the reason', async () => {
    const e = await errorsOf('does-not-exist.yaml');
    expect(e[0]!.message).toMatch(/^cannot read the policy: ENOENT/);
  });

  it('a broken policy never replaces a working one', async () => {
    const good = await loadPolicyFile(fixture('rules-test.yaml'));
    if (!good.ok) throw new Error('rules-test.yaml');
    const bad = await loadPolicyFile(fixture('invalid/overlap.yaml'));
    const kept = replacePolicy(good.policy, bad);
    expect(kept.replaced).toBe(false);
    expect(kept.policy).toBe(good.policy);
    expect(kept.errors.length).toBe(3);
    const next = replacePolicy(undefined, good);
    expect(next).toEqual({ policy: good.policy, errors: [], replaced: true });
  });
});

/** A plant of `n` zones (a /24 less its gateway, and a VLAN each) chained by `n - 1` Modbus conduits. */
function generatedPolicy(n: number): string {
  const out = ['version: 1', 'name: generated', 'zones:'];
  for (let i = 0; i < n; i++) {
    const net = `10.${(i >> 8) & 255}.${i & 255}`;
    out.push(`  - id: z${i}`, `    name: Zone ${i}`, `    level: ${i % 5}`, '    sl_t: 2', '    members:', `      - cidr: ${net}.0/24`);
    if (i < 4094) out.push(`      - vlan: ${i + 1}`);
    out.push(`    exclude: [{ ip: ${net}.1 }]`);
  }
  out.push('conduits:');
  for (let i = 0; i + 1 < n; i++)
    out.push(`  - id: c${i}`, `    between: [z${i}, z${i + 1}]`, '    flows:', '      - protocol: modbus', `        initiator: z${i}`);
  return out.join('\n') + '\n';
}

/** The fastest of a few runs: the least disturbed by the other work of a busy machine. */
function fastest(text: string, runs = 3): number {
  let best = Infinity;
  for (let k = 0; k < runs; k++) {
    const t0 = performance.now();
    const r = loadPolicyText(text);
    best = Math.min(best, performance.now() - t0);
    expect(r.ok || r.errors.length > 0).toBe(true);
  }
  return best;
}

/**
 * How much longer `large` takes than `small`, each the fastest of runs taken in turns (small, large, small, ...):
 * a busy spell of the machine (CI runs test files side by side on two cores) then slows both, not one.
 */
function ratioOf(large: string, small: string, runs = 5): number {
  let l = Infinity;
  let s = Infinity;
  for (let k = 0; k < runs; k++) {
    s = Math.min(s, fastest(small, 1));
    l = Math.min(l, fastest(large, 1));
  }
  return l / s;
}

describe('policy loading costs time in proportion to the policy', () => {
  // Comparing every pair of zones made 2,000 zones 1.5 s and 10,000 zones 8.1 s; linear, 4x the zones is 4x
  // the time. The bound (6x) leaves room for a busy machine and the collector; quadratic is 16x.
  it('4x the zones takes less than 6x the time, and every zone and conduit is loaded', () => {
    const small = generatedPolicy(1000);
    const large = generatedPolicy(4000);
    const r = loadPolicyText(large);
    if (!r.ok) throw new Error(JSON.stringify(r.errors.slice(0, 3)));
    expect(r.policy.zones).toHaveLength(4000);
    expect(r.policy.conduits).toHaveLength(3999);
    fastest(small, 1); // warm-up
    const ratio = ratioOf(large, small);
    expect(ratio).toBeLessThan(6);
  }, 120_000);

  it('a mapping of many keys (duplicates checked with a set, errors located through an index) is linear too', () => {
    const keys = (n: number) => 'version: 1\nzones: []\n' + Array.from({ length: n }, (_, i) => `k${i % (n - 1)}: 1`).join('\n') + '\n';
    fastest(keys(5000), 1);
    // 20,000 keys took 26 s: yaml compared each key with every earlier one, and each error searched the mapping
    const ratio = ratioOf(keys(20_000), keys(5000), 3);
    expect(ratio).toBeLessThan(6);
    const r = loadPolicyText(keys(20_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors).toEqual([expect.objectContaining({ line: 20_002, message: 'YAML: Map keys must be unique' })]);
  }, 120_000);

  it('thousands of zones claiming one block: the first overlaps are listed, then one line says there are more', () => {
    const text =
      'version: 1\nzones:\n' +
      Array.from({ length: 5000 }, (_, i) => `  - { id: z${i}, name: Z, members: [{ cidr: 10.0.0.0/8 }, { vlan: 7 }] }`).join('\n') +
      '\n';
    const r = loadPolicyText(text);
    if (r.ok) throw new Error('overlapping zones loaded');
    expect(r.errors.filter((e) => e.message.includes('overlap: cidr 10.0.0.0/8'))).toHaveLength(100);
    expect(r.errors.filter((e) => /^more zones overlap than the 100 overlaps listed/.test(e.message))).toHaveLength(1);
  });
});
