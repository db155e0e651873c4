/**
 * Turns a JSON Schema validator's (ajv's) errors into one readable message per problem, each with a line and a
 * column and what was expected there. The policy's validator is compiled ahead of time
 * (policy-validator.generated.ts): loading a policy loads neither ajv nor the schema. Other schemas (the agent's
 * configuration, the enterprise policy) bring their own validator (compileSchema, schema-validate.ts).
 */
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import { validatePolicySchema } from './policy-validator.generated.js';
import type { PolicyError } from './policy-types.js';
import { pathToPointer, pointerToPath, positionOf } from './yaml-positions.js';

/** Keys of a mapping named in a message at most. */
const DESCRIBED_KEYS = 10;

function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') {
    // the first keys say what was written; all of a hostile mapping's would make each message as long as it
    const keys = Object.keys(value);
    const shown = keys.slice(0, DESCRIBED_KEYS).map((k) => `'${k.length > 40 ? k.slice(0, 40) + '…' : k}'`);
    if (keys.length > DESCRIBED_KEYS) shown.push(`… (${keys.length} keys)`);
    return `a mapping with ${shown.join(', ') || 'no keys'}`;
  }
  if (typeof value === 'string') return `'${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  return String(value);
}

function expected(e: ErrorObject): string {
  const hint = (e.parentSchema as Record<string, unknown> | undefined)?.['x-expected'];
  return typeof hint === 'string' ? hint : (e.message ?? 'something else');
}

function messageFor(e: ErrorObject): { message: string; atKey: boolean; pointer: string } {
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      return { message: `missing '${missing}': expected ${expected(e)}`, atKey: false, pointer: e.instancePath };
    }
    case 'additionalProperties': {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      const props = Object.keys(((e.parentSchema as Record<string, unknown>)?.properties ?? {}) as object);
      return {
        message: `unknown key '${extra}': expected one of ${props.join(', ')}`,
        atKey: true,
        pointer: `${e.instancePath}/${extra.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      };
    }
    default:
      return { message: `expected ${expected(e)}, got ${describe(e.data)}`, atKey: false, pointer: e.instancePath };
  }
}

/**
 * ajv reports every failing branch of an anyOf, plus the anyOf itself; the branches only confuse
 * ("must be string", "must be object"), so keep the anyOf's own message and drop every other error
 * at or under its place. (Branch errors through a $ref carry the referenced schema's path, so the
 * instance path is what ties them to the anyOf.)
 */
function collapseAnyOf(errors: ErrorObject[]): ErrorObject[] {
  const places = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  if (places.size === 0) return errors;
  // an error is dropped when its path or one of its ancestors is an anyOf's place: a look-up per ancestor,
  // not a comparison with every anyOf (errors × anyOfs was quadratic in a policy with many mistakes)
  const under = (path: string): boolean => {
    for (let p = path; ; p = p.slice(0, p.lastIndexOf('/'))) {
      if (places.has(p)) return true;
      if (p === '') return false;
    }
  };
  return errors.filter((e) => e.keyword === 'anyOf' || !under(e.instancePath));
}

export function validateAgainstSchema(
  data: unknown,
  doc: Document,
  lc: LineCounter,
  file: string,
  validate: ValidateFunction = validatePolicySchema,
): PolicyError[] {
  if (validate(data)) return [];
  const seen = new Set<string>();
  const out: PolicyError[] = [];
  for (const e of collapseAnyOf(validate.errors ?? [])) {
    const { message, atKey, pointer } = messageFor(e);
    const path = pointerToPath(pointer);
    const key = `${pointer}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const pos = positionOf(doc, lc, path, atKey);
    out.push({ file, line: pos.line, col: pos.col, path: pathToPointer(path), message });
  }
  return out.sort((a, b) => a.line - b.line || a.col - b.col);
}
