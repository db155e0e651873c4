/**
 * The map's own layout (web/map-layout.js, plain JS for the page): Purdue bands top to bottom, zones that
 * never overlap, asset cells inside their zone and apart, conduit lines that never pass under a zone other
 * than their ends, and the same positions whatever order the data comes in.
 */
import { describe, expect, it } from 'vitest';

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
interface Layout {
  zones: Map<string, Box>;
  assets: Map<string, { x: number; y: number }>;
  edges: Map<string, { source: string; target: string; points: [number, number][] }>;
}
type Zone = { id: string; level: number | null };
type ComputeLayout = (
  zones: Zone[],
  open: Set<string>,
  assetsOf: (id: string) => { id: string }[],
  pairs: { key: string; a: string; b: string }[],
) => Layout;

// a specifier the type-checker does not follow: the page's modules are plain JS without declarations
const mod = './map-layout.js';
const { computeLayout, GEOMETRY } = (await import(mod)) as { computeLayout: ComputeLayout; GEOMETRY: Record<string, number> };

const ZONES: Zone[] = [
  { id: 'control-b', level: 1 },
  { id: 'enterprise', level: 4 },
  { id: 'dmz', level: 3.5 },
  { id: 'scada', level: 2 },
  { id: 'control-a', level: 1 },
  { id: 'lab', level: null },
  { id: 'unzoned', level: null },
  { id: 'bms', level: 1 },
];
const SIZES: Record<string, number> = { 'control-a': 120, 'control-b': 7, enterprise: 40, dmz: 3, scada: 25, bms: 0, lab: 2, unzoned: 9 };
const assetsOf = (id: string) => Array.from({ length: SIZES[id] ?? 0 }, (_, i) => ({ id: `${id}-${i}` }));
const PAIRS = [
  ['dmz', 'enterprise'],
  ['control-a', 'scada'],
  ['control-b', 'scada'],
  ['control-a', 'enterprise'], // three bands apart: through a corridor
  ['control-a', 'control-b'], // same band
  ['bms', 'scada'],
  ['control-a', 'unzoned'],
  ['lab', 'enterprise'],
].map(([a, b]) => ({ key: [a, b].sort().join('|'), a: a!, b: b! }));

const inside = (x: number, y: number, b: Box) => x > b.x && x < b.x + b.w && y > b.y && y < b.y + b.h;

describe('the map layout', () => {
  const open = new Set(['control-a', 'enterprise', 'dmz', 'unzoned', 'bms']);
  const L = computeLayout(ZONES, open, assetsOf, PAIRS);

  it('puts the Purdue levels in bands, highest at the top, no level and unzoned below, and no zone on another', () => {
    const order = ['enterprise', 'dmz', 'scada', 'bms', 'lab', 'unzoned'];
    for (let i = 1; i < order.length; i++) {
      const up = L.zones.get(order[i - 1]!)!;
      const down = L.zones.get(order[i]!)!;
      expect(up.y + up.h, `${order[i - 1]} above ${order[i]}`).toBeLessThan(down.y);
    }
    // one band for the three level-1 zones, side by side in id order
    const l1 = ['bms', 'control-a', 'control-b'].map((id) => L.zones.get(id)!);
    expect(new Set(l1.map((b) => b.y)).size).toBe(1);
    expect(l1[0]!.x).toBeLessThan(l1[1]!.x);
    expect(l1[1]!.x).toBeLessThan(l1[2]!.x);
    const boxes = [...L.zones.values()];
    for (const a of boxes)
      for (const b of boxes) if (a !== b) expect(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h).toBe(false);
  });

  it('draws the assets of open zones only, each inside its zone and a cell apart', () => {
    expect(L.assets.size).toBe(120 + 40 + 3 + 9); // bms is open but empty; closed zones draw none
    for (const id of open)
      for (const a of assetsOf(id)) expect(inside(L.assets.get(a.id)!.x, L.assets.get(a.id)!.y, L.zones.get(id)!), a.id).toBe(true);
    const pts = [...L.assets.values()];
    for (let i = 0; i < pts.length; i++)
      for (let j = i + 1; j < pts.length; j++) {
        const apart = Math.abs(pts[i]!.x - pts[j]!.x) >= GEOMETRY.cellW! || Math.abs(pts[i]!.y - pts[j]!.y) >= GEOMETRY.cellH!;
        expect(apart).toBe(true);
      }
  });

  it('routes every conduit outside every zone but its ends, leaving and entering them', () => {
    expect([...L.edges.keys()].sort()).toEqual(PAIRS.map((p) => p.key).sort());
    for (const e of L.edges.values()) {
      const pts = e.points;
      for (const b of [e.source, e.target]) {
        const z = L.zones.get(b)!;
        // the first and last points lie just outside their box, above or below it, within its width
        const p = b === e.source ? pts[0]! : pts[pts.length - 1]!;
        expect(p[0] > z.x && p[0] < z.x + z.w).toBe(true);
        expect(inside(p[0], p[1], z)).toBe(false);
      }
      // every segment is horizontal or vertical; sample it against every zone
      for (let i = 1; i < pts.length; i++) {
        const [x1, y1] = pts[i - 1]!;
        const [x2, y2] = pts[i]!;
        expect(x1 === x2 || Math.abs(y1 - y2) < 1e-9).toBe(true);
        for (let t = 0; t <= 1; t += 0.02)
          for (const [id, z] of L.zones)
            expect(inside(x1 + (x2 - x1) * t, y1 + (y2 - y1) * t, z), `${[...L.edges].find(([, v]) => v === e)?.[0]} under ${id}`).toBe(
              false,
            );
      }
    }
  });

  it('gives the same positions whatever order the zones and pairs come in', () => {
    const again = computeLayout([...ZONES].reverse(), new Set([...open].reverse()), assetsOf, [...PAIRS].reverse());
    expect([...again.zones].sort()).toEqual([...L.zones].sort());
    expect([...again.assets].sort()).toEqual([...L.assets].sort());
    expect([...again.edges].sort()).toEqual([...L.edges].sort());
  });
});
