/**
 * Loading a policy: YAML syntax, then the JSON Schema, then the semantic checks. Each stage reports
 * every error it finds with line and column; a later stage runs only on what the earlier accepted.
 * The loader never throws and never hands back a half-valid policy: the caller keeps the old one.
 */
import { readFile } from 'node:fs/promises';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type YAMLError } from 'yaml';
import type { LoadResult, Policy, PolicyError } from './policy-types.js';
import { buildPolicy, type RawPolicy } from './policy-semantics.js';
import { validateAgainstSchema } from './schema-errors.js';

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

/**
 * Keys that repeat within one mapping, found with a set per mapping. yaml's own `uniqueKeys` compares each
 * key with every earlier one of its mapping: a 190 KB mapping of 20,000 keys took 26 s.
 */
function duplicateKeys(doc: Document, lc: LineCounter, file: string): PolicyError[] {
  const out: PolicyError[] = [];
  const stack: unknown[] = [doc.contents];
  while (stack.length) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          // yaml's test: the same scalar value (1 and '1' differ); other keys are never equal
          if (seen.has(key.value)) {
            const p = lc.linePos(key.range?.[0] ?? 0);
            out.push({ file, line: Math.max(1, p.line), col: Math.max(1, p.col), path: '', message: 'YAML: Map keys must be unique' });
          } else seen.add(key.value);
        }
        stack.push(pair.key, pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return out;
}

/**
 * Errors returned at most: a hostile or generated file can have one per line, and past a few hundred the
 * list stops helping while building it (a position each) costs time on the server.
 */
export const MAX_POLICY_ERRORS = 500;

function capped(errors: PolicyError[], file: string): PolicyError[] {
  if (errors.length <= MAX_POLICY_ERRORS) return errors;
  const last = errors[MAX_POLICY_ERRORS - 1]!;
  return [
    ...errors.slice(0, MAX_POLICY_ERRORS),
    { file, line: last.line, col: last.col, path: '', message: `${errors.length - MAX_POLICY_ERRORS} more error(s) not listed` },
  ];
}

const byPosition = (a: PolicyError, b: PolicyError): number => a.line - b.line || a.col - b.col;

function load(text: string, file: string): LoadResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: true, uniqueKeys: false });
  // Unresolved tags and the like are warnings to yaml; in a security policy they are mistakes.
  const syntax = [...doc.errors, ...doc.warnings].map((e) => yamlError(e, file));
  const dups = duplicateKeys(doc, lc, file);
  if (syntax.length || dups.length) return { ok: false, errors: capped([...syntax, ...dups].sort(byPosition), file) };
  const data: unknown = doc.toJS({ maxAliasCount: 100 });
  const schemaErrors = validateAgainstSchema(data, doc, lc, file);
  if (schemaErrors.length) return { ok: false, errors: capped(schemaErrors, file) };
  const { policy, errors } = buildPolicy(data as RawPolicy, doc, lc, file);
  return policy ? { ok: true, policy } : { ok: false, errors: capped(errors, file) };
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
