/**
 * `npm run bench:live` (root: network namespaces): the live agent as deployed (`otwatch capture` with a policy:
 * capture child, pipeline, inventory, audit, flushes to SQLite every 2 s) on a veth pair, fed by tcpreplay at
 * increasing packet rates while the agent runs. Prints, per rate, what was sent, what libpcap received and
 * dropped, what otwatch's capture process dropped, what the pipeline decoded and the flushes; then the highest
 * rate with zero drops. The rate that counts is the one tcpreplay reports it achieved (its own 'Rated: ... pps'),
 * never the one asked for: on a busy machine tcpreplay falls short, and a row whose replay fell more than 5%
 * short of its target is marked so. `--stats-only` runs the capture with the statistics collector alone;
 * `--capture-only` the capture process and the pcap stream's parser, every packet thrown away (the ceiling of
 * the capture itself, without the agent's work).
 *
 * tcpreplay runs at niceness -10 (`--replay-nice 0` for none) so that it reaches its rate on a busy machine.
 *
 *   node dist/bench/live-load.js [--packets N] [--rates 50000,100000,...] [--runs N] [--replay-nice N] [--stats-only|--capture-only]
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { generateBenchCapture } from './generate.js';
import { benchCapturePolicy } from './gen/plant.js';
import { createTestNet, testNetAvailable, type ReplayOutcome } from './netns.js';
import { LiveSource } from '../src/capture/live-source.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { StatsCollector } from '../src/pipeline/statistics.js';
import { LiveAgent } from '../src/live/live-agent.js';
import { auditStep } from '../src/analysis/run-audit.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const packets = Number(opt('--packets', '1000000'));
// 'max' replays with --topspeed: as fast as tcpreplay can write
const rates = opt('--rates', '50000,100000,200000,300000,400000,max').split(',');
const statsOnly = args.includes('--stats-only');
const captureOnly = args.includes('--capture-only');
const runs = Number(opt('--runs', '1'));

const why = testNetAvailable();
if (why) {
  console.error(`live load test not run: ${why}`);
  process.exit(2);
}
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const work = join(root, '.bench');
mkdirSync(work, { recursive: true });
const file = join(work, `live-${packets}.pcap`);
if (!existsSync(file)) generateBenchCapture(file, packets, 4000);
const policy = join(work, 'bench-policy.yaml');
writeFileSync(policy, benchCapturePolicy());

interface Outcome {
  recv: number;
  drop: number;
  ifdrop: number;
  queueDrops: number;
  decoded: number;
  flushes: number;
  /** Packets captured but not yet decoded when tcpreplay ended: the agent's backlog, held by the capture process. */
  behind?: number;
  /** Seconds after tcpreplay ended until every packet sent was decoded (undefined: never, some were lost). */
  caughtUpAfter?: number;
  /** CPU seconds of the agent's process (this one) and of the capture process, over the run. */
  agentCpu?: number;
  captureCpu?: number;
  longestFlushMs?: number;
}

/** CPU seconds (user + system) of a process so far, from /proc (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** The capture process and the stream parser alone: what the capture can take when nothing else runs. */
async function captureRun(iface: string, play: () => Promise<unknown>): Promise<Outcome> {
  const source = new LiveSource({ iface, statsEveryMs: 200 });
  await source.start(() => {});
  const cpu0 = process.cpuUsage();
  await play();
  await new Promise((ok) => setTimeout(ok, 1500));
  const captureCpu = cpuSecondsOf(source.pid);
  const used = process.cpuUsage(cpu0);
  await source.stop();
  const s = source.stats;
  return {
    recv: s.recv,
    drop: s.drop,
    ifdrop: s.ifdrop,
    queueDrops: s.queueDrops,
    decoded: source.delivered,
    flushes: 0,
    agentCpu: (used.user + used.system) / 1e6,
    captureCpu,
  };
}

/** The statistics collector alone behind the capture (what this benchmark measured before the agent). */
async function statsRun(iface: string, play: () => Promise<unknown>): Promise<Outcome> {
  const pipeline = new Pipeline(new StatsCollector());
  const source = new LiveSource({ iface, bufferSize: 256 * 1024 * 1024, statsEveryMs: 200 });
  await source.start(pipeline.packet);
  await play();
  await new Promise((ok) => setTimeout(ok, 1500));
  const result = await source.stop();
  if (result) pipeline.endCapture('live', result);
  const s = source.stats;
  return { recv: s.recv, drop: s.drop, ifdrop: s.ifdrop, queueDrops: s.queueDrops, decoded: pipeline.counters.packets, flushes: 0 };
}

/** The whole agent, as `otwatch capture --policy` runs it, into a fresh database. */
async function agentRun(iface: string, play: () => Promise<unknown>): Promise<Outcome> {
  const db = join(work, 'live.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const agent = new LiveAgent({
    iface,
    db,
    policy,
    audit: auditStep(),
    flushSeconds: 2,
    // the kernel buffer `otwatch capture` has when buffer_mb is not set: the agent as deployed
    log: pino({ level: 'warn' }, pino.destination(2)),
  });
  await agent.start();
  const cpu0 = process.cpuUsage();
  let longestFlushMs = 0;
  const watch = setInterval(() => (longestFlushMs = Math.max(longestFlushMs, agent.metrics.lastFlushMs)), 50);
  const sent = (await play()) as ReplayOutcome;
  const ended = performance.now();
  const behind = Math.max(0, sent.sent - agent.progress.decoded);
  // the backlog must be decoded, not only buffered: wait (at most a minute) until the agent has caught up
  // (a packet dropped never arrives: stop waiting when nothing was decoded for 2 s)
  let caughtUpAfter: number | undefined;
  let last = { decoded: -1, at: performance.now() };
  for (;;) {
    const { decoded } = agent.progress;
    const now = performance.now();
    if (decoded >= sent.sent) {
      caughtUpAfter = (now - ended) / 1000;
      break;
    }
    if (decoded !== last.decoded) last = { decoded, at: now };
    else if (now - last.at > 2000 || now - ended > 60_000) break;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  await new Promise((ok) => setTimeout(ok, 1500));
  const captureCpu = cpuSecondsOf(agent.progress.capturePid);
  const used = process.cpuUsage(cpu0);
  await agent.stop();
  clearInterval(watch);
  const m = agent.metrics;
  const c = m.capture;
  return {
    recv: c.recv,
    drop: c.drop,
    ifdrop: c.ifdrop,
    queueDrops: c.queueDrops,
    decoded: m.packets,
    flushes: m.flushes,
    behind,
    caughtUpAfter,
    agentCpu: (used.user + used.system) / 1e6,
    captureCpu,
    longestFlushMs: Math.max(longestFlushMs, m.lastFlushMs),
  };
}

const net = createTestNet('load', { replayNice: Number(opt('--replay-nice', '-10')) });
const fmt = (n: number) => Math.round(n).toLocaleString('en');
const mode = captureOnly
  ? 'the capture process and parser only, packets discarded'
  : statsOnly
    ? 'statistics collector only'
    : 'the whole agent (policy, inventory, audit, flushes every 2 s)';
let best = 0;
try {
  console.log(mode);
  console.log(
    'target (pkt/s) | sent | tcpreplay achieved pkt/s | libpcap recv | kernel drop | queue drop | decoded | flushes | longest flush ms | behind at end | caught up after s | CPU s agent/capture | load avg (1 min)',
  );
  for (const rate of rates)
    for (let run = 0; run < runs; run++) {
      let sent: ReplayOutcome = { sent: 0, failed: 0, seconds: 1, pps: 0, wallSeconds: 1 };
      const play = async () =>
        (sent =
          rate === 'max'
            ? await net.replayAsync(file, 0, ['--preload-pcap', '--topspeed'])
            : await net.replayAsync(file, Number(rate), ['--preload-pcap']));
      const load = loadavg()[0]!;
      const o = await (captureOnly ? captureRun : statsOnly ? statsRun : agentRun)(net.captureIf, play);
      const drops = o.drop + o.ifdrop + o.queueDrops + Math.max(0, sent.sent - o.decoded);
      // a replay that fell short of its target did not test the target: the row says so
      const short = rate !== 'max' && sent.pps < 0.95 * Number(rate);
      const notes = [drops ? '<- drops' : '', short ? `<- tcpreplay short of the target (${fmt(sent.pps)} < ${fmt(Number(rate))})` : ''];
      console.log(
        `${rate === 'max' ? 'top speed' : fmt(Number(rate))} | ${fmt(sent.sent)} | ${fmt(sent.pps)} | ${fmt(o.recv)} | ${fmt(o.drop)} | ${fmt(o.queueDrops)} | ${fmt(o.decoded)} | ${o.flushes} | ${o.longestFlushMs === undefined ? '-' : fmt(o.longestFlushMs)} | ${o.behind === undefined ? '-' : fmt(o.behind)} | ${o.behind === undefined ? '-' : o.caughtUpAfter === undefined ? 'never' : o.caughtUpAfter.toFixed(1)} | ${o.agentCpu === undefined ? '-' : `${o.agentCpu.toFixed(1)}/${o.captureCpu!.toFixed(1)}`} | ${load.toFixed(2)} ${notes.join(' ').trim()}`,
      );
      // what counts is the rate tcpreplay achieved, not the one asked for
      if (drops === 0 && sent.failed === 0 && sent.sent > 0) best = Math.max(best, sent.pps);
    }
} finally {
  net.destroy();
}
console.log(`${mode}: highest rate tcpreplay achieved with zero drops: ${fmt(best)} packets/s (${fmt(packets)} packets per run)`);
