/**
 * The zone and conduit drawing of the report as inline SVG: zones as framed boxes in rows by Purdue
 * level (enterprise at the top, process at the bottom, unzoned assets apart below), assets as tagged
 * cells inside, declared conduits as double blue lines between zones and observed zone crossings as
 * thin lines, red with the violation count when traffic broke the policy. A deterministic grid (no
 * force layout), so that the same store and policy draw the same picture byte for byte.
 */
import { UNZONED } from '../audit/placement.js';
import { DRAWING as D, ROLE_STYLE } from './constants.js';
import { zoneEdges, type GraphAsset, type PlantGraph } from './graph.js';
import { esc } from './html.js';

interface Box {
  id: string;
  title: string;
  subtitle: string;
  x: number;
  y: number;
  w: number;
  h: number;
  assets: GraphAsset[];
  more: number;
}

const ZONES_PER_ROW = 4;

function sltShort(z: PlantGraph['zones'][number]): string {
  if (!z.hasSlt) return 'SL-T none';
  const v = Object.values(z.slt);
  return v.every((x) => x === v[0])
    ? `SL-T ${v[0]}`
    : `SL-T ${Math.min(...v.filter((x): x is number => x !== null))}-${Math.max(...v.filter((x): x is number => x !== null))}`;
}

/** Rows of zone ids: by Purdue level, highest first, then by id; at most ZONES_PER_ROW per row. */
function rowsOf(g: PlantGraph): { id: string; title: string; subtitle: string }[][] {
  const levels = [...new Set(g.zones.map((z) => z.level ?? -1))].sort((a, b) => b - a);
  const rows: { id: string; title: string; subtitle: string }[][] = [];
  for (const l of levels) {
    const zs = g.zones.filter((z) => (z.level ?? -1) === l).sort((a, b) => a.id.localeCompare(b.id));
    for (let i = 0; i < zs.length; i += ZONES_PER_ROW) {
      rows.push(
        zs.slice(i, i + ZONES_PER_ROW).map((z) => ({ id: z.id, title: z.name, subtitle: `${z.id} · L${z.level ?? '?'} · ${sltShort(z)}` })),
      );
    }
  }
  if (g.assets.some((a) => a.zone === UNZONED)) rows.push([{ id: UNZONED, title: 'Unzoned assets', subtitle: 'in no zone of the policy' }]);
  return rows;
}

export function layoutDrawing(g: PlantGraph): { boxes: Box[]; width: number; height: number } {
  const byZone = new Map<string, GraphAsset[]>();
  for (const a of g.assets) (byZone.get(a.zone) ?? byZone.set(a.zone, []).get(a.zone)!).push(a);
  const boxes: Box[] = [];
  let y = D.margin;
  for (const row of rowsOf(g)) {
    const w = (D.width - 2 * D.margin - (row.length - 1) * D.zoneGap) / row.length;
    const cols = Math.max(1, Math.floor((w - 2 * D.zonePad + D.cellGap) / (D.cellWidth + D.cellGap)));
    const shown = row.map((z) => Math.min(D.maxAssetsPerZone, byZone.get(z.id)?.length ?? 0));
    const lines = Math.max(1, ...shown.map((n, i) => Math.ceil(n / cols) + ((byZone.get(row[i]!.id)?.length ?? 0) > n ? 1 : 0)));
    const h = D.zoneHeader + D.zonePad + lines * (D.cellHeight + D.cellGap);
    row.forEach((z, i) => {
      const all = [...(byZone.get(z.id) ?? [])].sort((a, b) => a.label.localeCompare(b.label) || a.id.localeCompare(b.id));
      boxes.push({
        ...z,
        x: D.margin + i * (w + D.zoneGap),
        y,
        w,
        h,
        assets: all.slice(0, D.maxAssetsPerZone),
        more: all.length - Math.min(all.length, D.maxAssetsPerZone),
      });
    });
    y += h + D.rowGap;
  }
  return { boxes, width: D.width, height: y - D.rowGap + D.margin + 30 };
}

const r1 = (n: number) => Math.round(n * 10) / 10;

interface Link {
  d: string;
  /** Where the label goes: just outside the first box, in the gap between rows. */
  lx: number;
  ly: number;
}

/**
 * Each zone pair gets its own lane (an x position shared by both boxes, spread over the width), so
 * that the links of different pairs never lie on top of each other; within a pair, `offset` separates
 * the conduit from the observed crossing. Boxes in one row are joined horizontally, on a lane in y.
 */
function laneLink(a: Box, b: Box, lane: number, lanes: number, offset: number, labelStep: number): Link {
  const frac = (lane + 0.5) / lanes;
  if (a.y === b.y) {
    const [l, r] = a.x < b.x ? [a, b] : [b, a];
    const lo = Math.max(l.y, r.y) + 8;
    const hi = Math.min(l.y + l.h, r.y + r.h) - 8;
    const y = lo + frac * (hi - lo) + offset;
    return { d: `M${r1(l.x + l.w)},${r1(y)} H${r1(r.x)}`, lx: r1(l.x + l.w + 2), ly: r1(y - 3 + labelStep) };
  }
  const [t, u] = a.y < b.y ? [a, b] : [b, a];
  const lo = Math.max(t.x, u.x) + 12;
  const hi = Math.min(t.x + t.w, u.x + u.w) - 12;
  if (lo < hi) {
    const x = lo + frac * (hi - lo) + offset;
    return { d: `M${r1(x)},${r1(t.y + t.h)} V${r1(u.y)}`, lx: r1(x + 4), ly: r1(t.y + t.h + 13 + labelStep) };
  }
  const x1 = t.x + t.w / 2 + offset;
  const x2 = u.x + u.w / 2 + offset;
  return { d: `M${r1(x1)},${r1(t.y + t.h)} L${r1(x2)},${r1(u.y)}`, lx: r1(x1 + 4), ly: r1(t.y + t.h + 13 + labelStep) };
}

function assetCell(a: GraphAsset, x: number, y: number): string {
  const tag = ROLE_STYLE[a.role]?.tag ?? '?';
  const sub = [a.ips[0] && a.ips[0] !== a.label ? a.ips[0] : '', a.vendor ?? ''].filter(Boolean).join(' · ');
  return (
    `<g class="asset role-${esc(a.role)}" data-asset="${esc(a.id)}"><title>${esc(`${a.label} (${ROLE_STYLE[a.role]?.label ?? a.role}) ${a.ips.join(', ')} ${a.vendor ?? ''} ${a.model ?? ''}`.trim())}</title>` +
    `<rect x="${r1(x)}" y="${r1(y)}" width="${D.cellWidth}" height="${D.cellHeight}" rx="4"/>` +
    `<text class="tag" x="${r1(x + 4)}" y="${r1(y + 14)}">${esc(tag)}</text>` +
    `<text x="${r1(x + 38)}" y="${r1(y + 14)}">${esc(a.label.slice(0, 18))}</text>` +
    `<text class="sub" x="${r1(x + 38)}" y="${r1(y + 27)}">${esc(sub.slice(0, 24))}</text></g>`
  );
}

export function drawingSvg(g: PlantGraph): string {
  const { boxes, width, height } = layoutDrawing(g);
  const at = new Map(boxes.map((b) => [b.id, b]));
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="zone-drawing" viewBox="0 0 ${width} ${height}" width="${width}" height="${r1(height)}" role="img" aria-label="Zone and conduit drawing">`,
  );
  parts.push('<title>Zones, assets, conduits and observed zone crossings</title>');
  for (const b of boxes) {
    const cols = Math.max(1, Math.floor((b.w - 2 * D.zonePad + D.cellGap) / (D.cellWidth + D.cellGap)));
    parts.push(
      `<g class="zone${b.id === UNZONED ? ' unzoned' : ''}" data-zone="${esc(b.id)}"><rect x="${r1(b.x)}" y="${r1(b.y)}" width="${r1(b.w)}" height="${r1(b.h)}" rx="8"/>` +
        `<text class="zone-title" x="${r1(b.x + 8)}" y="${r1(b.y + 15)}">${esc(b.title)}</text><text class="zone-sub" x="${r1(b.x + 8)}" y="${r1(b.y + 28)}">${esc(b.subtitle)}</text>`,
    );
    b.assets.forEach((a, i) => {
      parts.push(
        assetCell(
          a,
          b.x + D.zonePad + (i % cols) * (D.cellWidth + D.cellGap),
          b.y + D.zoneHeader + Math.floor(i / cols) * (D.cellHeight + D.cellGap),
        ),
      );
    });
    if (b.more > 0) {
      const i = b.assets.length;
      parts.push(
        `<text class="more" x="${r1(b.x + D.zonePad)}" y="${r1(b.y + D.zoneHeader + Math.ceil(i / cols) * (D.cellHeight + D.cellGap) + 14)}">+${b.more} more (see the zone's table)</text>`,
      );
    }
    parts.push('</g>');
  }
  // one lane per zone pair that has a conduit or a crossing; conduits left of the lane, the crossing right
  const drawn = g.conduits.filter((c) => c.aZone && c.bZone && c.aZone !== c.bZone && at.has(c.aZone) && at.has(c.bZone));
  const edges = zoneEdges(g.paths).filter((e) => at.has(e.a) && at.has(e.b));
  const pairKey = (x: string, y: string) => [x, y].sort().join('|');
  const pairs = [...new Set([...drawn.map((c) => pairKey(c.aZone!, c.bZone!)), ...edges.map((e) => e.key)])].sort();
  const lane = new Map(pairs.map((k, i) => [k, i]));
  const perPair = new Map<string, number>();
  for (const c of drawn) {
    const key = pairKey(c.aZone!, c.bZone!);
    const n = perPair.get(key) ?? 0;
    perPair.set(key, n + 1);
    const l = laneLink(at.get(c.aZone!)!, at.get(c.bZone!)!, lane.get(key)!, pairs.length, -8 - n * 9, n * 12);
    parts.push(
      `<g class="conduit${c.expired ? ' expired' : ''}${c.observed.paths === 0 ? ' unused' : ''}" data-conduit="${esc(c.id)}"><title>${esc(`conduit ${c.id}: ${c.a} ↔ ${c.b}; ${c.declared.join('; ')}`)}</title>` +
        `<path class="rail" d="${l.d}"/><path class="core" d="${l.d}"/><text x="${l.lx}" y="${l.ly}">${esc(c.id)}</text></g>`,
    );
  }
  for (const e of edges) {
    const n = perPair.get(e.key) ?? 0;
    const l = laneLink(at.get(e.a)!, at.get(e.b)!, lane.get(e.key)!, pairs.length, 6, n * 12);
    const label = e.violations ? `${e.violations} violation${e.violations > 1 ? 's' : ''}` : `${e.paths} path${e.paths > 1 ? 's' : ''}`;
    parts.push(
      `<g class="flow${e.violations ? ' violation' : ''}" data-edge="${esc(e.key)}"><title>${esc(`${e.a} ↔ ${e.b}: ${e.paths} path(s), ${e.protocols.join(', ')}${e.violations ? `; ${e.violations} violating` : ''}`)}</title>` +
        `<path d="${l.d}"/><text x="${l.lx}" y="${l.ly}">${esc(label)}</text></g>`,
    );
  }
  const ly = height - 18;
  parts.push(
    `<g class="legend"><path class="conduit-key" d="M${D.margin},${ly} h30"/><text x="${D.margin + 36}" y="${ly + 4}">declared conduit</text>` +
      `<path class="flow-key" d="M${D.margin + 170},${ly} h30"/><text x="${D.margin + 206}" y="${ly + 4}">observed zone crossing</text>` +
      `<path class="violation-key" d="M${D.margin + 380},${ly} h30"/><text x="${D.margin + 416}" y="${ly + 4}">crossing with violations (count)</text></g>`,
  );
  parts.push('</svg>');
  return parts.join('\n');
}

/** The drawing's styles (inside the report's one style element), light and print friendly. */
export const DRAWING_CSS = `
.zone-drawing { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
.zone-drawing .zone rect { fill: #f4f7fb; stroke: #4a6785; stroke-width: 1.5; }
.zone-drawing .zone.unzoned > rect { fill: #fff7e6; stroke: #b7791f; stroke-dasharray: 6 4; }
.zone-drawing .zone-title { font-weight: 600; font-size: 12px; }
.zone-drawing .zone-sub, .zone-drawing .sub, .zone-drawing .more { fill: #555; font-size: 10px; }
.zone-drawing .asset rect { fill: #fff; stroke: #8aa; }
.zone-drawing .asset .tag { font-weight: 700; fill: #245; font-size: 10px; }
.zone-drawing .conduit path { fill: none; }
.zone-drawing .conduit .rail { stroke: #2b6cb0; stroke-width: 6; }
.zone-drawing .conduit .core { stroke: #fff; stroke-width: 2.5; }
.zone-drawing .conduit.unused .rail { stroke-dasharray: 8 5; }
.zone-drawing .conduit.expired .rail { stroke: #975a16; }
.zone-drawing .conduit text, .zone-drawing .flow text { paint-order: stroke; stroke: #fff; stroke-width: 3px; }
.zone-drawing .conduit text { fill: #2b6cb0; font-size: 10px; }
.zone-drawing .flow path { fill: none; stroke: #718096; stroke-width: 1.5; }
.zone-drawing .flow text { fill: #4a5568; font-size: 10px; }
.zone-drawing .flow.violation path { stroke: #c53030; stroke-width: 2.5; }
.zone-drawing .flow.violation text { fill: #c53030; font-weight: 700; }
.zone-drawing .legend text { font-size: 10px; }
.zone-drawing .conduit-key { stroke: #2b6cb0; stroke-width: 6; }
.zone-drawing .flow-key { stroke: #718096; stroke-width: 1.5; }
.zone-drawing .violation-key { stroke: #c53030; stroke-width: 2.5; }
`;
