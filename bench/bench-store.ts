/**
 * Store throughput: a synthetic inventory of `hosts` clients polling `plcs` PLCs through the Inventory,
 * then saved into a fresh database and saved again (merge). Prints rows/s. Usage: tsx bench-store.ts [hosts]
 */
import { rmSync } from 'node:fs';
import { Inventory } from '../src/inventory/inventory.js';
import { ep, feedExchange, serverRoleOf } from './gen/synthetic-inventory.js';
import { Store } from '../src/store/store.js';

const hosts = Number(process.argv[2] ?? 100_000);
const plcs = 100;
const file = '/tmp/otwatch-bench-store.db';
rmSync(file, { force: true });
rmSync(`${file}-wal`, { force: true });
rmSync(`${file}-shm`, { force: true });
const inv = new Inventory({ serverRoleOf });
const hex = (n: number) => n.toString(16).padStart(2, '0');
let t = performance.now();
for (let i = 0; i < hosts; i++) {
  const p = i % plcs;
  feedExchange(inv, {
    client: ep(
      `10.${20 + (i >> 16)}.${(i >> 8) & 0xff}.${i & 0xff}`,
      40000,
      `00:0c:29:${hex(i >> 16)}:${hex((i >> 8) & 0xff)}:${hex(i & 0xff)}`,
    ),
    server: ep(`10.0.${p >> 8}.${(p & 0xff) + 1}`, 502, `00:0c:29:ee:00:${hex(p)}`),
    ts: 1_700_000_000 + i / 100,
    requests: [{ detail: `HR ${i % 50}` }],
  });
}
const result = inv.result();
const tInv = performance.now() - t;
// Rows written: assets + addresses + protocols + paths + operations + changes.
const rows = result.assets.length * 3 + result.paths.length * 2 + result.changes.length;
const store = new Store(file);
t = performance.now();
store.save(result, { serverRoleOf });
const first = performance.now() - t;
t = performance.now();
store.save(result, { serverRoleOf });
const merge = performance.now() - t;
store.close();
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s, ${Math.round(rows / (ms / 1000)).toLocaleString('en')} rows/s`;
console.log(`${result.assets.length} assets, ${result.paths.length} paths (~${rows} rows); inventory ${(tInv / 1000).toFixed(2)} s`);
console.log(`first save: ${fmt(first)}; merge save: ${fmt(merge)}`);
