/**
 * The layout's promises, checked on the sources themselves (lint checks the layer order, eslint.config.js):
 * no import circle among the modules of src/, type-only imports included; no SQL outside src/store; and no
 * protocol named in the audit's rules (each protocol declares its security facts in its own folder).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { protocolModules } from '../src/protocols/registry.js';
import { repoRoot } from './helpers/corpus.js';

const SRC = join(repoRoot, 'src');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s*'(\.{1,2}\/[^']+)'|import\(\s*'(\.{1,2}\/[^']+)'\s*\)/g;

/** Every module of src/ with the modules of src/ it imports (static, dynamic, type-only and re-exports). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    const deps: string[] = [];
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2]!;
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (target.startsWith(SRC)) deps.push(target);
    }
    graph.set(file, deps);
  }
  return graph;
}

/** One import circle, as a list of files, or undefined (depth-first search with colours). */
function findCycle(graph: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 'open');
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      if (state.get(d) === 'open') return [...stack.slice(stack.indexOf(d)), d];
      if (!state.has(d)) {
        const c = visit(d);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return undefined;
  };
  for (const n of graph.keys()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c.map((f) => relative(repoRoot, f));
  }
  return undefined;
}

describe('layout', () => {
  it('has no import circle in src/, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(100);
    expect(findCycle(graph)).toBeUndefined();
  });

  it('finds a circle when there is one (the check itself works)', () => {
    const g = new Map([
      ['/a', ['/b']],
      ['/b', ['/c']],
      ['/c', ['/a']],
    ]);
    expect(findCycle(g)).toHaveLength(4);
  });

  it('keeps SQL in src/store: no other folder prepares or executes a statement', () => {
    const outside = sources(SRC).filter((f) => !relative(SRC, f).startsWith('store/'));
    const offenders = outside.filter((f) =>
      /\.(prepare|exec)\(\s*[`'"]\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|PRAGMA)/i.test(readFileSync(f, 'utf8')),
    );
    expect(offenders.map((f) => relative(repoRoot, f))).toEqual([]);
  });

  it('names no protocol in the audit rules: each protocol declares its own security facts', () => {
    const names = protocolModules.flatMap((m) => [m.name, ...Object.keys(m.security ?? {})]);
    const rules = readdirSync(join(SRC, 'audit')).filter((f) => /^rules-.*\.ts$/.test(f) && !f.endsWith('.test.ts'));
    expect(rules.length).toBeGreaterThan(2);
    for (const f of rules) {
      const text = readFileSync(join(SRC, 'audit', f), 'utf8');
      for (const n of names) expect(text, `${f} names '${n}'`).not.toContain(`'${n}'`);
    }
  });
});
