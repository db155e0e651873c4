/**
 * `npm run bench`: otwatch against tshark on the same generated capture, in the same run, then `otwatch analyze`
 * (the job users run: pipeline, inventory, roles, audit against a policy, store into a fresh SQLite file) on the
 * 1M and 10M files and on a generated plant of 2,000 assets / 20,000 paths (bench/gen/plant.ts).
 *
 * 1. generates (bench/generate.ts) a capture of 1,000,000 packets of mixed industrial traffic
 *    on 4,000 flows, and one 10x larger to show that memory does not grow with capture size;
 * 2. runs `otwatch stats` on the 1M file as a user would, timed from process start to exit, its peak RSS read
 *    from /proc, taking turns with two tshark runs on the same file, three runs each, best of each:
 *    - `tshark -n -r <file> -T fields -e ...` with the industrial fields: the peer of the target, tshark doing
 *      otwatch's job (per-PDU function codes), which builds the protocol trees;
 *    - `tshark -n -r <file>`: every dissector fills the protocol and info columns and tshark prints one summary
 *      line per packet without building trees: printed as a reference line;
 *    then once measure.ts, which times the analysis alone and its CPU;
 * 3. runs `otwatch stats` once on the 10x file;
 * 4. prints packets/s for both, their ratio, and otwatch's peak memory;
 * 5. times `otwatch analyze --policy` into a fresh database (best of 3; the 10M file once): packets/s, assets,
 *    paths, findings, seconds and peak RSS, and the targets' verdicts.
 *
 * Options: --quick (skip the 10x file), --packets N, --no-tshark.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmSync, writeFileSync } from 'node:fs';
import { generateBenchCapture } from './generate.js';
import { benchCapturePolicy, generatePlant } from './gen/plant.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const work = join(root, '.bench');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const noTshark = args.includes('--no-tshark');
const packets = Number(args[args.indexOf('--packets') + 1]) || 1_000_000;

interface Run {
  packets: number;
  seconds: number; // the whole otwatch process, start to exit: what tshark is measured on too
  pps: number;
  analysisSeconds: number; // inside the process, the analysis alone (no Node start-up)
  cpuSeconds?: number;
  maxRssMiB: number;
  workers?: number;
  events?: number;
  sections?: string[];
}

/**
 * Run a command, polling /proc for its peak resident memory (VmHWM). `keepOutput` false sends its stdout to
 * /dev/null (tshark's 100 MB of lines are not read through a pipe by this process, on the same 2 cores).
 */
function measured(
  cmd: string,
  argv: string[],
  keepOutput = true,
): Promise<{ stdout: string; seconds: number; peakMiB: number; code: number }> {
  return new Promise((done) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, argv, { stdio: ['ignore', keepOutput ? 'pipe' : 'ignore', 'inherit'] });
    let stdout = '';
    let peak = 0;
    child.stdout?.on('data', (d: Buffer) => {
      if (stdout.length < 1 << 20) stdout += d.toString();
    });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) / 1024);
      } catch {
        /* exited */
      }
    }, 50);
    child.on('close', (code) => {
      clearInterval(poll);
      done({ stdout, seconds: Number(process.hrtime.bigint() - start) / 1e9, peakMiB: peak, code: code ?? 1 });
    });
  });
}

const cli = join(root, 'bin/otwatch.js');

/** `otwatch stats <file>` end to end, like tshark: from process start to exit, start-up and module loading included. */
async function otwatch(file: string): Promise<Run> {
  const r = await measured(process.execPath, [cli, 'stats', file]);
  if (r.code !== 0) throw new Error(`otwatch stats failed on ${file} (exit ${r.code})`);
  const report = JSON.parse(r.stdout) as { packets: number; otwatch: { events: number } };
  const sections = Object.keys(report).filter((k) => !['file', 'packets', 'otwatch'].includes(k));
  return {
    packets: report.packets,
    seconds: r.seconds,
    pps: report.packets / r.seconds,
    analysisSeconds: Number.NaN,
    maxRssMiB: r.peakMiB,
    events: report.otwatch.events,
    sections,
  };
}

/** The analysis alone, inside one process (bench/measure.ts): its time, CPU and worker count. */
async function analysisAlone(file: string): Promise<{ seconds: number; cpuSeconds: number; workers: number }> {
  const r = await measured(process.execPath, [join(here, 'measure.js'), file, '--cold']);
  if (r.code !== 0) throw new Error(`otwatch measurement failed on ${file}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
}

function ensure(file: string, n: number): void {
  if (existsSync(file) && statSync(file).size > 0) return;
  const t = Date.now();
  const res = generateBenchCapture(file, n, 4000);
  console.log(
    `generated ${file}: ${res.packets.toLocaleString('en')} packets on ${res.flows} flows, ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB, in ${((Date.now() - t) / 1000).toFixed(1)} s`,
  );
}

const fmt = (n: number) => Math.round(n).toLocaleString('en');

mkdirSync(work, { recursive: true });
const small = join(work, `bench-${packets}.pcap`);
ensure(small, packets);

const hasTshark = !noTshark && spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
const TSHARK_PEERS = [
  {
    name: 'tshark -T fields',
    args: [
      '-n',
      '-r',
      small,
      '-T',
      'fields',
      '-e',
      'frame.number',
      '-e',
      'modbus.func_code',
      '-e',
      's7comm.header.rosctr',
      '-e',
      'opcua.transport.type',
      '-e',
      'bacapp.type',
    ],
  },
  { name: 'tshark -r', args: ['-n', '-r', small] },
];
interface PeerRun {
  pps: number;
  seconds: number;
  peakMiB: number;
  code: number;
}

// the tools take turns, three times each, and each is credited with its best run: the machine's speed
// drifts from minute to minute, and all must meet the same drift and get the same chance
const runs: Run[] = [];
const tsharkRuns: PeerRun[][] = TSHARK_PEERS.map(() => []);
for (let i = 0; i < 3; i++) {
  runs.push(await otwatch(small));
  if (!hasTshark) continue;
  for (const [k, peer] of TSHARK_PEERS.entries()) {
    const r = await measured('tshark', peer.args, false);
    tsharkRuns[k].push({ pps: packets / r.seconds, seconds: r.seconds, peakMiB: r.peakMiB, code: r.code });
  }
}
runs.sort((a, b) => b.pps - a.pps);
for (const r of tsharkRuns) r.sort((a, b) => b.pps - a.pps);
const best = runs[0];
Object.assign(best, await analysisAlone(small).then((m) => ({ analysisSeconds: m.seconds, cpuSeconds: m.cpuSeconds, workers: m.workers })));
console.log(
  `otwatch  ${fmt(best.packets)} packets in ${best.seconds.toFixed(3)} s end to end = ${fmt(best.pps)} packets/s (best of 3; runs: ${runs.map((r) => fmt(r.pps)).join(', ')}; ${best.workers ?? 1} worker(s)), analysis alone ${best.analysisSeconds.toFixed(3)} s = ${fmt(best.packets / best.analysisSeconds)} packets/s, CPU ${best.cpuSeconds?.toFixed(2)} s, peak RSS ${best.maxRssMiB.toFixed(0)} MiB, ${fmt(best.events ?? 0)} protocol events, sections: ${best.sections?.join(' ')}`,
);
console.log(
  `load     ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} (1/5/15 min load average on ${(await import('node:os')).cpus().length} cores: other work slows both tools alike)`,
);

// the target's peer is `tshark -T fields` with the industrial fields (tshark doing otwatch's job, per-PDU function
// codes); plain `tshark -r` (no protocol trees) is a reference line
let tsharkPps: number | undefined;
let fieldsPps: number | undefined;
if (hasTshark) {
  for (const [k, peer] of TSHARK_PEERS.entries()) {
    const t = tsharkRuns[k][0];
    const argv = peer.args.map((a) => (a === small ? '<file>' : a)).join(' ');
    console.log(
      `tshark   ${fmt(packets)} packets in ${t.seconds.toFixed(2)} s = ${fmt(t.pps)} packets/s (best of 3; runs: ${tsharkRuns[k].map((r) => fmt(r.pps)).join(', ')}), peak RSS ${t.peakMiB.toFixed(0)} MiB (exit ${t.code}); tshark ${argv}`,
    );
    console.log(
      `ratio    otwatch stats / ${peer.name} = ${(best.pps / t.pps).toFixed(1)}x${peer.name === 'tshark -r' ? ' (reference)' : ''}`,
    );
  }
  fieldsPps = tsharkRuns[0][0].pps;
  tsharkPps = tsharkRuns[1][0].pps;
} else {
  console.log(`tshark   not measured (${noTshark ? '--no-tshark' : 'tshark not installed: apt-get install tshark'})`);
}

let large: Run | undefined;
const big = join(work, `bench-${packets * 10}.pcap`);
if (!quick) {
  ensure(big, packets * 10);
  large = await otwatch(big);
  console.log(
    `otwatch  10x file: ${fmt(large.packets)} packets in ${large.seconds.toFixed(2)} s end to end = ${fmt(large.pps)} packets/s, peak RSS ${large.maxRssMiB.toFixed(0)} MiB (1x file: ${best.maxRssMiB.toFixed(0)} MiB)`,
  );
}

// ---- `otwatch analyze --policy` into a fresh database ----

interface AnalyzeRun {
  name: string;
  packets: number;
  seconds: number;
  pps: number;
  assets: number;
  paths: number;
  findings: number;
  maxRssMiB: number;
}

/** The benchmark capture's hosts: clients in 10.20/16, servers in 10.30/16, one conduit for what they speak. */
const benchPolicy = join(work, 'bench-policy.yaml');
writeFileSync(benchPolicy, benchCapturePolicy());

async function analyze(name: string, file: string, policy: string, packetCount: number): Promise<AnalyzeRun> {
  const db = join(work, 'analyze.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const r = await measured(process.execPath, [cli, 'analyze', file, '--policy', policy, '--db', db, '--quiet']);
  if (r.code !== 0) throw new Error(`otwatch analyze failed on ${file} (exit ${r.code})`);
  // "1 capture(s) analysed into <db>: 1495 assets (1495 new), 3984 paths (3984 new), 1495 changes recorded, 12 findings"
  const num = (re: RegExp) => Number(re.exec(r.stdout)?.[1] ?? NaN);
  return {
    name,
    packets: packetCount,
    seconds: r.seconds,
    pps: packetCount / r.seconds,
    assets: num(/(\d+) assets/),
    paths: num(/(\d+) paths/),
    findings: num(/(\d+) findings/),
    maxRssMiB: r.peakMiB,
  };
}

async function bestOf(n: number, run: () => Promise<AnalyzeRun>): Promise<AnalyzeRun> {
  const runs: AnalyzeRun[] = [];
  for (let i = 0; i < n; i++) runs.push(await run());
  runs.sort((a, b) => a.seconds - b.seconds);
  return { ...runs[0], maxRssMiB: Math.max(...runs.map((r) => r.maxRssMiB)) };
}

const plant = generatePlant(work, { assets: 2000, paths: 20_000, zones: 10 });
const analyses: AnalyzeRun[] = [
  await bestOf(3, () => analyze(`${fmt(packets)} file`, small, benchPolicy, packets)),
  ...(quick ? [] : [await bestOf(1, () => analyze(`${fmt(packets * 10)} file`, big, benchPolicy, packets * 10))]),
  await bestOf(3, () => analyze('plant 2,000/20,000', plant.pcap, plant.policy, plant.packets)),
];
for (const a of analyses)
  console.log(
    `analyze  ${a.name}: ${fmt(a.packets)} packets in ${a.seconds.toFixed(2)} s end to end = ${fmt(a.pps)} packets/s, ${fmt(a.assets)} assets, ${fmt(a.paths)} paths, ${fmt(a.findings)} findings, peak RSS ${a.maxRssMiB.toFixed(0)} MiB`,
  );

const target = { statsRatio: 30, analyze1M: 600_000, analyze10M: 1_000_000, plantSeconds: 1.0, rssMiB: 256 };
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
const peakMiB = Math.max(best.maxRssMiB, large?.maxRssMiB ?? 0, ...analyses.map((a) => a.maxRssMiB));
const [a1, a10] = [analyses[0], quick ? undefined : analyses[1]];
const aPlant = analyses[analyses.length - 1];
const met = {
  ratio: fieldsPps === undefined ? undefined : best.pps / fieldsPps >= target.statsRatio,
  analyze1M: a1.pps >= target.analyze1M,
  analyze10M: a10 === undefined ? undefined : a10.pps >= target.analyze10M,
  plant: aPlant.seconds <= target.plantSeconds,
  rss: peakMiB < target.rssMiB,
};
const checks = [
  fieldsPps === undefined || tsharkPps === undefined
    ? `stats >= ${target.statsRatio}x tshark -T fields: not measured`
    : `stats >= ${target.statsRatio}x tshark -T fields: ${verdict(met.ratio!)} (${(best.pps / fieldsPps).toFixed(1)}x; ${(best.pps / tsharkPps).toFixed(1)}x tshark -r)`,
  `analyze >= ${fmt(target.analyze1M)} packets/s on the 1M file: ${verdict(met.analyze1M)} (${fmt(a1.pps)})`,
  a10 === undefined
    ? `analyze on the 10M file: not run (--quick)`
    : `analyze >= ${fmt(target.analyze10M)} packets/s on the 10M file: ${verdict(met.analyze10M!)} (${fmt(a10.pps)})`,
  `plant of 2,000 assets / 20,000 paths in <= ${target.plantSeconds} s: ${verdict(met.plant)} (${aPlant.seconds.toFixed(2)} s)`,
  `peak RSS < ${target.rssMiB} MiB on each: ${verdict(met.rss)} (${peakMiB.toFixed(0)} MiB)`,
];
console.log(`targets  ${checks.join('; ')}`);
const ok = Object.values(met).every((m) => m !== false);
console.log(
  JSON.stringify({
    otwatch: best,
    tsharkPps,
    tsharkFieldsPps: fieldsPps,
    ratio: fieldsPps ? best.pps / fieldsPps : null,
    large,
    analyze: analyses,
    targetsMet: ok,
  }),
);

// known vulnerabilities (bench/vulns-bench.ts): import of the shared advisories and matching, in a process of its own
spawnSync(process.execPath, [join(here, 'vulns-bench.js')], { stdio: 'inherit' });

// remote sites (bench/sites-bench.ts): 20 sensors publishing together, hub ingest into PostgreSQL, the hub's API
// with a site filter; skipped with a line when PostgreSQL or NATS is not running
spawnSync(process.execPath, [join(here, 'sites-bench.js')], { stdio: 'inherit' });
