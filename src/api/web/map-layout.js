// The map's layout, computed by our own code (no force layout, no randomness): the same zones, assets and
// zone pairs give the same positions in every browser and on every load. Purdue levels are horizontal bands,
// highest level at the top (the order of the report's drawing), zones side by side within their band, sorted
// by id; zones without a level below the numbered bands and the unzoned assets apart at the bottom. An open
// zone is a grid of asset cells; a closed one a fixed box with its counts. Conduits run only through the gaps
// between bands and the corridors left and right of everything, never under a zone.

/** How far outside its zone an edge's first and last point lie (a point on the border is an invalid endpoint). */
const OUT = 6;

export const GEOMETRY = {
  cellW: 120,
  cellH: 58,
  node: 30,
  zonePad: 16,
  zoneHeader: 46,
  closedW: 300,
  closedH: 150,
  zoneGap: 70,
  bandGapMin: 70,
  laneStep: 16,
  corridor: 60,
};

/** Bands of zones: [{ key, title, zones: [zone] }], highest Purdue level first, then no level, then unzoned. */
export function bandsOf(zones) {
  const byKey = new Map();
  for (const z of zones) {
    const key = z.id === 'unzoned' ? 'unzoned' : z.level === null || z.level === undefined ? 'none' : String(z.level);
    (byKey.get(key) ?? byKey.set(key, []).get(key)).push(z);
  }
  const rank = (k) => (k === 'unzoned' ? -2000 : k === 'none' ? -1000 : Number(k));
  return [...byKey.keys()]
    .sort((a, b) => rank(b) - rank(a))
    .map((key) => ({
      key,
      title: key === 'unzoned' ? 'Unzoned' : key === 'none' ? 'No level' : `Level ${key}`,
      zones: byKey.get(key).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    }));
}

/** Columns of an open zone's grid: wider than tall, like the screen. */
const colsFor = (n) => Math.max(1, Math.min(n, Math.ceil(Math.sqrt(n * 2.2))));

/**
 * zones: [{id, level, ...}], open: Set of zone ids whose assets are drawn, assetsOf(zoneId) → [asset] in
 * drawing order, pairs: [{key, a, b}] the edges to route.
 * Returns { zones: Map(id → box {x, y, w, h, band}), assets: Map(id → {x, y}), edges: Map(key → points[]), bands: [...] }.
 */
export function computeLayout(zones, open, assetsOf, pairs) {
  const G = GEOMETRY;
  const bands = bandsOf(zones);
  const sizes = new Map();
  for (const z of zones) {
    if (open.has(z.id)) {
      const n = assetsOf(z.id).length;
      const cols = colsFor(Math.max(n, 1));
      const rows = Math.max(1, Math.ceil(n / cols));
      sizes.set(z.id, {
        w: Math.max(G.closedW, cols * G.cellW + 2 * G.zonePad),
        h: G.zoneHeader + rows * G.cellH + G.zonePad,
        cols,
      });
    } else sizes.set(z.id, { w: G.closedW, h: G.closedH, cols: 0 });
  }
  // lanes: each edge gets its own height in the gap it runs through, so edges and labels do not lie on each other
  const bandOf = new Map();
  bands.forEach((b, i) => b.zones.forEach((z) => bandOf.set(z.id, i)));
  const gapLanes = new Array(bands.length + 1).fill(0); // gap i lies above band i (gap bands.length: below the last)
  const routed = [];
  for (const p of [...pairs].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))) {
    if (!bandOf.has(p.a) || !bandOf.has(p.b) || p.a === p.b) continue;
    let [s, t] = [p.a, p.b];
    if (bandOf.get(s) > bandOf.get(t)) [s, t] = [t, s];
    const bs = bandOf.get(s);
    const bt = bandOf.get(t);
    const r = { key: p.key, s, t, bs, bt };
    if (bs === bt) r.lanes = [[bs, gapLanes[bs]++]];
    else if (bt === bs + 1) r.lanes = [[bt, gapLanes[bt]++]];
    else
      r.lanes = [
        [bs + 1, gapLanes[bs + 1]++],
        [bt, gapLanes[bt]++],
      ];
    routed.push(r);
  }
  const gapH = gapLanes.map((n) => Math.max(G.bandGapMin, 40 + n * G.laneStep));
  // bands top to bottom, each centred on x = 0
  const boxes = new Map();
  const bandBoxes = [];
  let y = gapH[0];
  let minX = 0;
  let maxX = 0;
  bands.forEach((b, i) => {
    const width = b.zones.reduce((s, z) => s + sizes.get(z.id).w, 0) + (b.zones.length - 1) * G.zoneGap;
    const h = Math.max(...b.zones.map((z) => sizes.get(z.id).h));
    let x = -width / 2;
    for (const z of b.zones) {
      const s = sizes.get(z.id);
      boxes.set(z.id, { x, y, w: s.w, h: s.h, band: i, cols: s.cols });
      x += s.w + G.zoneGap;
    }
    minX = Math.min(minX, -width / 2);
    maxX = Math.max(maxX, width / 2);
    bandBoxes.push({ key: b.key, title: b.title, y, h, top: y - gapH[i] / 2, bottom: y + h + gapH[i + 1] / 2 });
    y += h + gapH[i + 1];
  });
  for (const b of bandBoxes) {
    b.x = minX - G.corridor * 2 - 150;
    b.w = maxX - minX + G.corridor * 4 + 150;
  }
  // asset cells, row by row inside their zone
  const assets = new Map();
  for (const z of zones) {
    if (!open.has(z.id)) continue;
    const b = boxes.get(z.id);
    assetsOf(z.id).forEach((a, i) => {
      const c = i % b.cols;
      const r = Math.floor(i / b.cols);
      assets.set(a.id, { x: b.x + G.zonePad + c * G.cellW + G.cellW / 2, y: b.y + G.zoneHeader + r * G.cellH + G.node / 2 + 2 });
    });
  }
  // the lane y of gap g (above band g), lane k
  const laneY = (g, k) => {
    const top = g === 0 ? 0 : bandBoxes[g - 1].y + bandBoxes[g - 1].h;
    return top + 20 + k * G.laneStep;
  };
  // where an edge leaves a box: spread over the box's width by the edge's order at that box
  const ports = new Map();
  for (const r of routed) for (const z of [r.s, r.t]) ports.set(z, (ports.get(z) ?? 0) + 1);
  const used = new Map();
  const portX = (z) => {
    const b = boxes.get(z);
    const k = used.get(z) ?? 0;
    used.set(z, k + 1);
    return b.x + (b.w * (k + 1)) / (ports.get(z) + 1);
  };
  // vertical runs across bands: the x nearest to both ends that no zone of the bands crossed covers (beside a
  // narrower band, between two zones), each run on its own line; else the corridors left and right of everything
  const runs = [];
  const free = (x, from, to) => {
    for (let b = from; b <= to; b++)
      for (const z of bands[b].zones) {
        const box = boxes.get(z.id);
        if (x > box.x - G.laneStep && x < box.x + box.w + G.laneStep) return false;
      }
    return !runs.some((r) => Math.abs(r.x - x) < G.laneStep && r.from <= to && from <= r.to);
  };
  const runX = (sx, tx, from, to) => {
    const cands = [sx, tx];
    for (let b = from; b <= to; b++)
      for (const z of bands[b].zones) {
        const box = boxes.get(z.id);
        for (let k = 0; k < 4; k++)
          cands.push(
            box.x - G.zoneGap / 2 + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * G.laneStep,
            box.x + box.w + G.zoneGap / 2 + (k % 2 ? 1 : -1) * Math.ceil(k / 2) * G.laneStep,
          );
      }
    let best = null;
    let cost = Infinity;
    for (const x of cands) {
      const c = Math.abs(x - sx) + Math.abs(x - tx);
      if (c < cost && free(x, from, to)) [best, cost] = [x, c];
    }
    return best;
  };
  let leftLane = 0;
  let rightLane = 0;
  const edges = new Map();
  for (const r of routed) {
    const S = boxes.get(r.s);
    const T = boxes.get(r.t);
    const sx = portX(r.s);
    const tx = portX(r.t);
    let pts;
    if (r.bs === r.bt) {
      const ly = laneY(r.lanes[0][0], r.lanes[0][1]);
      pts = [
        [sx, S.y - OUT],
        [sx, ly],
        [tx, ly],
        [tx, T.y - OUT],
      ];
    } else if (r.lanes.length === 1) {
      const ly = laneY(r.lanes[0][0], r.lanes[0][1]);
      pts = [
        [sx, S.y + S.h + OUT],
        [sx, ly],
        [tx, ly],
        [tx, T.y - OUT],
      ];
    } else {
      const y1 = laneY(r.lanes[0][0], r.lanes[0][1]);
      const y2 = laneY(r.lanes[1][0], r.lanes[1][1]);
      const from = r.bs + 1;
      const to = r.bt - 1;
      let cx = runX(sx, tx, from, to);
      if (cx === null) {
        // the corridor on the side nearer to both ends, each edge on its own line
        const left = sx + tx < 0;
        cx = left ? minX - G.corridor - leftLane++ * G.laneStep : maxX + G.corridor + rightLane++ * G.laneStep;
      }
      runs.push({ x: cx, from, to });
      pts = [
        [sx, S.y + S.h + OUT],
        [sx, y1],
        [cx, y1],
        [cx, y2],
        [tx, y2],
        [tx, T.y - OUT],
      ];
    }
    edges.set(r.key, { source: r.s, target: r.t, points: pts });
  }
  return { zones: boxes, assets, edges, bands: bandBoxes };
}
