import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { validatePolicySchema } from './policy-validator.generated.js';
import { compileSchema, POLICY_SCHEMA } from './schema-validate.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const script = join(root, 'bin/gen-policy-validator.js');
const generated = join(root, 'src/audit/policy-validator.generated.ts');
const fixture = (name: string): unknown => parse(readFileSync(join(root, 'fixtures/policies', name), 'utf8'));

/** Exit status of the generator's check of `out` against `schema`. */
function check(schema: string, out: string): number {
  try {
    execFileSync(process.execPath, [script, '--check', '--schema', schema, '--out', out], { stdio: 'pipe' });
    return 0;
  } catch (err) {
    return (err as { status: number }).status;
  }
}

describe('the policy validator compiled ahead of time', () => {
  it('is what bin/gen-policy-validator.js makes of policy.schema.json today (run the script after editing the schema)', () => {
    expect(check(join(root, 'src/audit/policy.schema.json'), generated)).toBe(0);
  });

  it('is found stale when the schema changes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-validator-'));
    try {
      const schema = JSON.parse(readFileSync(join(root, 'src/audit/policy.schema.json'), 'utf8'));
      schema.definitions.id.maxLength = 65;
      writeFileSync(join(dir, 'schema.json'), JSON.stringify(schema));
      writeFileSync(join(dir, 'out.ts'), readFileSync(generated, 'utf8'));
      expect(check(join(dir, 'schema.json'), join(dir, 'out.ts'))).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts and refuses what ajv's compiled schema does, with the same errors", () => {
    const ajv = compileSchema(POLICY_SCHEMA);
    const broken = fixture('invalid/schema-errors.yaml');
    const cases: unknown[] = [
      fixture('audit-test.yaml'),
      fixture('rules-test.yaml'),
      parse(readFileSync(join(root, 'fixtures/plant/policy.yaml'), 'utf8')),
      broken,
      fixture('invalid/semantic.yaml'),
      null,
      [],
      { version: 2, zones: [] },
      { version: 1, zones: [{ id: 'x'.repeat(65), name: '', members: [{ mac: 'zz' }, {}] }], conduits: 'none' },
    ];
    let refused = 0;
    for (const data of cases) {
      const ok = validatePolicySchema(data);
      expect(ok).toBe(ajv(data));
      expect(validatePolicySchema.errors ?? null).toEqual(ajv.errors ?? null);
      if (!ok) refused++;
    }
    expect(refused).toBe(5);
    // the errors name the schema that failed: the messages read its x-expected phrase
    validatePolicySchema(broken);
    expect(validatePolicySchema.errors!.some((e) => typeof (e.parentSchema as Record<string, unknown>)['x-expected'] === 'string')).toBe(
      true,
    );
  });
});
