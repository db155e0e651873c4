/**
 * `npm run bench`: otwatch against tshark on the same generated capture, in the same run.
 *
 * 1. generates (bench/generate.ts) a capture of 1,000,000 packets of mixed industrial traffic
 *    on 4,000 flows, and one 10x larger to show that memory does not grow with capture size;
 * 2. runs `otwatch stats` on the 1M file as a user would, timed from process start to exit, its peak RSS read
 *    from /proc, taking turns with two tshark runs on the same file, three runs each, best of each:
 *    - `tshark -n -r <file>`: the peer of the target. Every dissector runs (the Modbus, S7comm, OPC UA and
 *      BACnet ones fill the protocol and info columns) and tshark prints one summary line per packet, without
 *      building protocol trees;
 *    - `tshark -n -r <file> -T fields -e ...` with the industrial fields: what extracting per-PDU function
 *      codes (otwatch's job) costs tshark. Any `-T fields` run builds the trees and is about 2.7x slower
 *      (even with `-e frame.number` alone), so its ratio is printed for reference, never as the verdict;
 *    then once measure.ts, which times the analysis alone and its CPU;
 * 3. runs `otwatch stats` once on the 10x file;
 * 4. prints packets/s for both, their ratio, and otwatch's peak memory.
 *
 * Options: --quick (skip the 10x file), --packets N, --no-tshark.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBenchCapture } from './generate.js';

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
  { name: 'tshark -r', args: ['-n', '-r', small] },
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

// the target's peer is plain `tshark -r` (the first); the field-extracting run is a reference
let tsharkPps: number | undefined;
let fieldsPps: number | undefined;
if (hasTshark) {
  for (const [k, peer] of TSHARK_PEERS.entries()) {
    const t = tsharkRuns[k][0];
    const argv = peer.args.map((a) => (a === small ? '<file>' : a)).join(' ');
    console.log(
      `tshark   ${fmt(packets)} packets in ${t.seconds.toFixed(2)} s = ${fmt(t.pps)} packets/s (best of 3; runs: ${tsharkRuns[k].map((r) => fmt(r.pps)).join(', ')}), peak RSS ${t.peakMiB.toFixed(0)} MiB (exit ${t.code}); tshark ${argv}`,
    );
    console.log(`ratio    otwatch / ${peer.name} = ${(best.pps / t.pps).toFixed(1)}x`);
  }
  tsharkPps = tsharkRuns[0][0].pps;
  fieldsPps = tsharkRuns[1][0].pps;
} else {
  console.log(`tshark   not measured (${noTshark ? '--no-tshark' : 'tshark not installed: apt-get install tshark'})`);
}

let large: Run | undefined;
if (!quick) {
  const big = join(work, `bench-${packets * 10}.pcap`);
  ensure(big, packets * 10);
  large = await otwatch(big);
  console.log(
    `otwatch  10x file: ${fmt(large.packets)} packets in ${large.seconds.toFixed(2)} s end to end = ${fmt(large.pps)} packets/s, peak RSS ${large.maxRssMiB.toFixed(0)} MiB (1x file: ${best.maxRssMiB.toFixed(0)} MiB)`,
  );
}

const target = { pps: 1_000_000, ratio: 30, rssMiB: 256 };
const verdict = (met: boolean) => (met ? 'met' : 'NOT met');
const peakMiB = Math.max(best.maxRssMiB, large?.maxRssMiB ?? 0);
const checks = [
  `>= ${fmt(target.pps)} packets/s end to end: ${verdict(best.pps >= target.pps)} (${fmt(best.pps)})`,
  tsharkPps === undefined || fieldsPps === undefined
    ? `>= ${target.ratio}x tshark: not measured`
    : `>= ${target.ratio}x tshark -r: ${verdict(best.pps / tsharkPps >= target.ratio)} (${(best.pps / tsharkPps).toFixed(1)}x; ${(best.pps / fieldsPps).toFixed(1)}x tshark -T fields)`,
  `peak memory < ${target.rssMiB} MiB${large ? ' on both files' : ''}: ${verdict(peakMiB < target.rssMiB)} (${peakMiB.toFixed(0)} MiB)`,
];
console.log(`targets  ${checks.join('; ')}`);
const ok = best.pps >= target.pps && (tsharkPps === undefined || best.pps / tsharkPps >= target.ratio) && peakMiB < target.rssMiB;
console.log(
  JSON.stringify({
    otwatch: best,
    tsharkPps,
    tsharkFieldsPps: fieldsPps,
    ratio: tsharkPps ? best.pps / tsharkPps : null,
    large,
    targetsMet: ok,
  }),
);

// known vulnerabilities (bench/vulns-bench.ts): import of the shared advisories and matching, in a process of its own
spawnSync(process.execPath, [join(here, 'vulns-bench.js')], { stdio: 'inherit' });
