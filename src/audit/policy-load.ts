/**
 * Loading a policy: YAML syntax, then the JSON Schema, then the semantic checks. Each stage reports
 * every error it finds with line and column; a later stage runs only on what the earlier accepted.
 * The loader never throws and never hands back a half-valid policy: the caller keeps the old one.
 */
import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, type YAMLError } from 'yaml';
import type { LoadResult, Policy, PolicyError } from './policy-types.js';
import { buildPolicy, type RawPolicy } from './policy-semantics.js';
import { validateAgainstSchema } from './schema-validate.js';

/** yaml's pretty messages carry a code excerpt after ' at line N, column M:'; we give the position apart. */
export function yamlError(e: YAMLError, file: string): PolicyError {
  const pos = e.linePos?.[0];
  return {
    file,
    line: pos?.line ?? 1,
    col: pos?.col ?? 1,
    path: '',
    message: `YAML: ${e.message.split(/ at line \d+, column \d+/)[0]!.trim()}`,
  };
}

function load(text: string, file: string): LoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: true });
  // Unresolved tags and the like are warnings to yaml; in a security policy they are mistakes.
  const syntax = [...doc.errors, ...doc.warnings].map((e) => yamlError(e, file));
  if (syntax.length) return { ok: false, errors: syntax };
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const schemaErrors = validateAgainstSchema(data, doc, lc, file);
  if (schemaErrors.length) return { ok: false, errors: schemaErrors };
  const { policy, errors } = buildPolicy(data as RawPolicy, doc, lc, file);
  return policy ? { ok: true, policy } : { ok: false, errors };
}

export function loadPolicyText(text: string, file = '<policy>'): LoadResult {
  try {
    return load(text, file);
  } catch (err) {
    // Anything unforeseen (an alias bomb over the limit, ...) is an error of this file, not a crash.
    return { ok: false, errors: [{ file, line: 1, col: 1, path: '', message: `cannot load the policy: ${(err as Error).message}` }] };
  }
}

export async function loadPolicyFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, errors: [{ file: path, line: 1, col: 1, path: '', message: `cannot read the policy: ${(err as Error).message}` }] };
  }
  return loadPolicyText(text, path);
}

/** A reload: the new policy when it is valid, else the current one kept, with the reasons. */
export function replacePolicy(
  current: Policy | undefined,
  result: LoadResult,
): { policy: Policy | undefined; errors: PolicyError[]; replaced: boolean } {
  return result.ok ? { policy: result.policy, errors: [], replaced: true } : { policy: current, errors: result.errors, replaced: false };
}

export function formatPolicyError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.col}: ${e.message}${e.path ? ` [${e.path}]` : ''}`;
}
