/**
 * The policy's JSON Schema, and ajv validators for other schemas (the agent's configuration file, the enterprise
 * policy) that know our `x-expected` annotation. The policy itself is validated by the code ajv generated from
 * the schema ahead of time (policy-validator.generated.ts, bin/gen-policy-validator.js).
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

export { validateAgainstSchema } from './schema-errors.js';

export const POLICY_SCHEMA: Record<string, unknown> = JSON.parse(readFileSync(new URL('./policy.schema.json', import.meta.url), 'utf8'));

/** An ajv validator that knows our `x-expected` annotation (bin/gen-policy-validator.js compiles the policy's alike). */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  // Our annotation: the phrase error messages use for "what was expected here".
  ajv.addKeyword({ keyword: 'x-expected', schemaType: 'string' });
  return ajv.compile(schema);
}
