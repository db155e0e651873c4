import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadPolicyText } from './policy-load.js';
import { loadPolicyOffThread, policyFrom } from './policy-thread.js';

const fixture = (name: string) => readFileSync(fileURLToPath(new URL(`../../fixtures/policies/${name}`, import.meta.url)), 'utf8');

describe('loading a policy in the worker thread', () => {
  it('gives what loadPolicyText gives: the same Policy (bigints and all), the same errors', async () => {
    const good = fixture('rules-test.yaml');
    const r = await loadPolicyOffThread(good, 'p.yaml');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    const here = loadPolicyText(good, 'p.yaml');
    if (!here.ok) throw new Error('rules-test.yaml');
    expect(policyFrom(r.serialized)).toEqual(here.policy);
    const bad = fixture('invalid/semantic.yaml');
    expect(await loadPolicyOffThread(bad, 'p.yaml')).toEqual(loadPolicyText(bad, 'p.yaml'));
  });

  it('past its deadline the load is an error of the policy, and the next load gets a fresh thread', async () => {
    const slow =
      'version: 1\nzones:\n' + Array.from({ length: 20_000 }, (_, i) => `  - { id: z${i}, name: Z, members: [{ vlan: 7 }] }`).join('\n');
    const r = await loadPolicyOffThread(slow, 'p.yaml', 1);
    expect(r).toEqual({
      ok: false,
      errors: [expect.objectContaining({ line: 1, message: 'cannot load the policy: loading took longer than 1 ms' })],
    });
    expect((await loadPolicyOffThread(fixture('rules-test.yaml'), 'p.yaml')).ok).toBe(true);
  });
});
