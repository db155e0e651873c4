/**
 * Known vulnerabilities: import of every shared advisory (../shared/advisories, 2,035 CISA CSAF files and
 * the KEV catalogue) into a fresh database, and matching of 2,000 asset identities against them.
 * Targets (issue 16): import at most 10 s and under 256 MiB, matching 2,000 assets at most 1 s.
 *
 * Run in its own process (`node dist/bench/vulns-bench.js [advisories folder]`, or from run-bench.ts) so
 * that the peak RSS printed is the import's own. The identities are drawn from the advisories themselves,
 * as a plant's would be: order numbers written as S7 devices report them (with a space), family members,
 * product names of other vendors, and devices no advisory names, each with a firmware.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Store } from '../src/store/store.js';
import { buildProductIndex, matchIdentities, VulnerabilityStore } from '../src/store/vulnerability-repository.js';
import { readAdvisoryFiles } from '../src/vulns/read-files.js';
import type { AssetIdentity } from '../src/vulns/types.js';

export interface VulnsBenchResult {
  advisories: number;
  importSeconds: number;
  importPeakRssMiB: number;
  importCpuSeconds: number;
  assets: number;
  matchSeconds: number;
  indexSeconds: number;
  /** CPU time of the matching: what it costs when other work shares the machine (wall time is the verdict). */
  matchCpuSeconds: number;
  matches: number;
  targetsMet: boolean;
}

const ASSETS = 2000;
const FIRMWARES = ['V3.2.6', 'V4.4.0', '2.1.0', '9.0.2', 'V1.0', '5.1.9.34'];

/** 2,000 identities of four kinds, a quarter each, deterministic. */
function identities(folder: string): (AssetIdentity & { text: string })[] {
  const numbers: string[] = [];
  const names: { vendor: string; name: string }[] = [];
  for (const f of readAdvisoryFiles([folder])) {
    if (f.kind !== 'csaf') continue;
    for (const p of f.advisory.products) {
      const n = p.modelNumbers.find((m) => !/[*?]/.test(m));
      if (n) numbers.push(n);
      else if (p.vendor && p.name) names.push({ vendor: p.vendor, name: p.name });
    }
  }
  const out: (AssetIdentity & { text: string })[] = [];
  for (let i = 0; i < ASSETS; i++) {
    const firmware = FIRMWARES[i % FIRMWARES.length];
    const assetId = `bench:${i}`;
    switch (i % 4) {
      case 0: {
        const n = numbers[(i * 7919) % numbers.length];
        out.push({ assetId, orderNumber: `${n.slice(0, 4)} ${n.slice(4)}`, firmware, protocol: 's7comm', text: n });
        break;
      }
      case 1:
        out.push({ assetId, orderNumber: `6ES7 21${1 + (i % 5)}-1AE40-0XB0`, firmware, protocol: 's7comm', text: 'S7-1200' });
        break;
      case 2: {
        const p = names[(i * 104729) % names.length];
        out.push({ assetId, vendor: p.vendor, product: p.name, firmware, protocol: 'modbus', text: p.name });
        break;
      }
      default:
        out.push({ assetId, vendor: 'Acme Controls', model: `AC-${1000 + i}`, firmware, protocol: 'bacnet', text: `AC-${1000 + i}` });
    }
  }
  return out;
}

export function runVulnsBench(folder: string): VulnsBenchResult {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-vulns-bench-'));
  try {
    const store = new Store(join(dir, 'bench.db'));
    try {
      const importCpu0 = process.cpuUsage();
      const t0 = performance.now();
      const summary = new VulnerabilityStore(store.db).importFiles([folder]);
      const importSeconds = (performance.now() - t0) / 1000;
      const importCpu = process.cpuUsage(importCpu0);
      const importPeakRssMiB = process.resourceUsage().maxRSS / 1024;
      const ids = identities(folder);
      const cpu0 = process.cpuUsage();
      const t1 = performance.now();
      const index = buildProductIndex(store.db); // fresh: the import's own re-match cached one
      const t2 = performance.now();
      const matches = matchIdentities(store.db, index, ids);
      const t3 = performance.now();
      const cpu = process.cpuUsage(cpu0);
      const matchSeconds = (t3 - t1) / 1000;
      return {
        advisories: summary.added,
        importSeconds,
        importPeakRssMiB,
        importCpuSeconds: (importCpu.user + importCpu.system) / 1e6,
        assets: ids.length,
        matchSeconds,
        indexSeconds: (t2 - t1) / 1000,
        matchCpuSeconds: (cpu.user + cpu.system) / 1e6,
        matches: matches.length,
        targetsMet: importSeconds <= 10 && importPeakRssMiB < 256 && matchSeconds <= 1,
      };
    } finally {
      store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function formatVulnsBench(r: VulnsBenchResult): string {
  const v = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    `vulns    import of ${r.advisories} advisories + KEV in ${r.importSeconds.toFixed(2)} s (CPU ${r.importCpuSeconds.toFixed(2)} s), peak RSS ${r.importPeakRssMiB.toFixed(0)} MiB; ` +
      `matching ${r.assets} assets in ${r.matchSeconds.toFixed(3)} s (index of the products ${r.indexSeconds.toFixed(3)} s; CPU ${r.matchCpuSeconds.toFixed(3)} s), ${r.matches} matches; load ${loadavg()[0].toFixed(1)} on ${cpus().length} cores`,
    `targets  import <= 10 s: ${v(r.importSeconds <= 10)}; import < 256 MiB: ${v(r.importPeakRssMiB < 256)}; matching 2,000 assets <= 1 s: ${v(r.matchSeconds <= 1)}`,
  ].join('\n');
}

// run directly: node dist/bench/vulns-bench.js [folder]
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const here = dirname(fileURLToPath(import.meta.url));
  const folder = process.argv[2] ?? resolve(here, here.includes(`${join('dist', 'bench')}`) ? '../../..' : '../..', 'shared/advisories');
  if (!existsSync(folder)) {
    console.log(`vulns    not measured: no advisories at ${folder} (give the folder as the first argument)`);
    process.exit(0);
  }
  const r = runVulnsBench(folder);
  console.log(formatVulnsBench(r));
  console.log(JSON.stringify({ vulns: r }));
  process.exitCode = r.targetsMet ? 0 : 1;
}
