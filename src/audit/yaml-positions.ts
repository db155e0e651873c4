/**
 * From a path in the parsed data (['zones', 2, 'members', 0, 'cidr']) back to a line and column in
 * the YAML text, so that schema and semantic errors point where the user has to look.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml';
import type { SourcePos } from './policy-types.js';

export type PathSegment = string | number;

/** Maps with more entries than this get an index on first lookup, so that many errors in one map cost linear time. */
const INDEXED_MAP_SIZE = 16;
const mapIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

/** The entry of `map` whose scalar key reads `name` (the first one, as a search in order would find). */
function entry(map: YAMLMap, name: string): Pair | undefined {
  if (map.items.length <= INDEXED_MAP_SIZE)
    return map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === name) as Pair | undefined;
  let index = mapIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const p of map.items) {
      if (!isPair(p) || !isScalar(p.key)) continue;
      const k = String(p.key.value);
      if (!index.has(k)) index.set(k, p);
    }
    mapIndexes.set(map, index);
  }
  return index.get(name);
}

/** The node at `path` (or the deepest existing ancestor) and, for a map entry, its key node. */
function locate(doc: Document, path: readonly PathSegment[]): { node: Node | null; key: Node | null } {
  let node: unknown = doc.contents;
  let key: Node | null = null;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = entry(node, String(seg));
      if (!pair) return { node: node as Node, key: null };
      key = (pair.key as Node) ?? null;
      node = pair.value;
      if (node == null) return { node: key, key };
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      key = null;
      node = node.items[seg];
    } else {
      return { node: (node as Node) ?? null, key };
    }
  }
  return { node: (node as Node) ?? null, key };
}

/** Where the value at `path` starts; `atKey` points at the key instead (unknown keys, duplicate ids). */
export function positionOf(doc: Document, lc: LineCounter, path: readonly PathSegment[], atKey = false): SourcePos {
  const { node, key } = locate(doc, path);
  const target = atKey && key ? key : node;
  const offset = target?.range?.[0] ?? 0;
  const p = lc.linePos(offset);
  // linePos gives line 0 before the first newline is registered: a one-line document.
  return { line: Math.max(1, p.line), col: Math.max(1, p.col) };
}

/** '/zones/2/members/0' → ['zones', 2, 'members', 0] (ajv's instancePath, JSON pointer escaping). */
export function pointerToPath(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function pathToPointer(path: readonly PathSegment[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
