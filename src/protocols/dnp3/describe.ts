/**
 * Short texts for auditors: what a fragment asks or answers, e.g. "direct operate g12v1 index 3 latch on
 * outstation 4", "read g1v2 0-9, g60v1 outstation 4", "open file /cfg/a.xml outstation 4".
 */
import type { ObjectHeader, ObjectWalk } from './objects.js';

/** Object headers described per event. */
const MAX_HEADERS_DESCRIBED = 4;
/** Control points described per event. */
const MAX_CONTROLS_DESCRIBED = 4;

/** Texts of the few names there are, built once each. */
const WORDS = new Map<string, string>();

/** "direct_operate" → "direct operate". */
export function words(fn: string): string {
  let w = WORDS.get(fn);
  if (w === undefined) {
    w = fn.replace(/_/g, ' ');
    if (WORDS.size < 1024) WORDS.set(fn, w);
  }
  return w;
}

export function describeHeader(h: ObjectHeader): string {
  const t = `g${h.group}v${h.variation}`;
  if (h.indexes && h.indexes.length > 0)
    return `${t} index ${h.indexes.join(',')}${h.count !== undefined && h.count > h.indexes.length ? ',…' : ''}`;
  if (h.start !== undefined && h.stop !== undefined) return h.start === h.stop ? `${t} index ${h.start}` : `${t} ${h.start}-${h.stop}`;
  if (h.count !== undefined && h.range !== undefined && h.range !== 0xb) return `${t} count ${h.count}`;
  return t;
}

/** The objects part of a detail: control points with their commands, else file names, else headers. */
export function describeObjects(w: ObjectWalk | undefined): string {
  if (!w) return '';
  let out = '';
  const controls = w.controls;
  if (controls && controls.length > 0) {
    const n = Math.min(controls.length, MAX_CONTROLS_DESCRIBED);
    for (let i = 0; i < n; i++) {
      const c = controls[i]!;
      out += `${i > 0 ? ', ' : ''}g${c.group}v${c.variation} index ${c.index} ${c.code !== undefined ? c.code : `value ${c.value}`}`;
    }
    return controls.length > n ? `${out}, +${controls.length - n} more` : out;
  }
  if (w.files && w.files.length > 0) return w.files.join(', ');
  const n = Math.min(w.headers.length, MAX_HEADERS_DESCRIBED);
  for (let i = 0; i < n; i++) out += (i > 0 ? ', ' : '') + describeHeader(w.headers[i]!);
  return w.types.length > n ? `${out}, +${w.types.length - n} more` : out;
}
