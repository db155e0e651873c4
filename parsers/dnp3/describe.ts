/**
 * Short texts for auditors: what a fragment asks or answers, e.g. "direct operate g12v1 index 3 latch on
 * outstation 4", "read g1v2 0-9, g60v1 outstation 4", "open file /cfg/a.xml outstation 4".
 */
import type { ObjectHeader, ObjectWalk } from './objects.js';

/** Object headers described per event. */
const MAX_HEADERS_DESCRIBED = 4;
/** Control points described per event. */
const MAX_CONTROLS_DESCRIBED = 4;

/** "direct_operate" → "direct operate". */
export function words(fn: string): string {
  return fn.replace(/_/g, ' ');
}

export function describeHeader(h: ObjectHeader): string {
  const t = `g${h.group}v${h.variation}`;
  if (h.indexes && h.indexes.length > 0) return `${t} index ${h.indexes.join(',')}${h.count !== undefined && h.count > h.indexes.length ? ',…' : ''}`;
  if (h.start !== undefined && h.stop !== undefined) return h.start === h.stop ? `${t} index ${h.start}` : `${t} ${h.start}-${h.stop}`;
  if (h.count !== undefined && h.range !== undefined && h.range !== 0xb) return `${t} count ${h.count}`;
  return t;
}

/** The objects part of a detail: control points with their commands, else file names, else headers. */
export function describeObjects(w: ObjectWalk | undefined): string {
  if (!w) return '';
  if (w.controls && w.controls.length > 0) {
    const parts = w.controls.slice(0, MAX_CONTROLS_DESCRIBED).map((c) => {
      const what = c.code !== undefined ? c.code : `value ${c.value}`;
      return `g${c.group}v${c.variation} index ${c.index} ${what}`;
    });
    if (w.controls.length > MAX_CONTROLS_DESCRIBED) parts.push(`+${w.controls.length - MAX_CONTROLS_DESCRIBED} more`);
    return parts.join(', ');
  }
  if (w.files && w.files.length > 0) return w.files.join(', ');
  if (w.headers.length === 0) return '';
  const parts = w.headers.slice(0, MAX_HEADERS_DESCRIBED).map(describeHeader);
  if (w.types.length > MAX_HEADERS_DESCRIBED) parts.push(`+${w.types.length - MAX_HEADERS_DESCRIBED} more`);
  return parts.join(', ');
}
