/**
 * `npm run bench:live` (root: network namespaces): the live agent as deployed (`otwatch capture` with a policy:
 * capture child, pipeline, inventory, audit, flushes to SQLite every 2 s) on a veth pair, fed by tcpreplay at
 * increasing packet rates while the agent runs. Prints, per rate, what was sent, what libpcap received and
 * dropped, what otwatch's capture process dropped, what the pipeline decoded and the flushes; then the highest
 * rate with zero drops. `--stats-only` runs the capture with the statistics collector alone, as before.
 *
 *   node dist/bench/live-load.js [--packets N] [--rates 50000,100000,...] [--stats-only]
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { generateBenchCapture } from './generate.js';
import { benchCapturePolicy } from './gen/plant.js';
import { createTestNet, testNetAvailable } from './netns.js';
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
}

/** The statistics collector alone behind the capture (what this benchmark measured before the agent). */
async function statsRun(iface: string, play: () => Promise<{ sent: number }>): Promise<Outcome> {
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
async function agentRun(iface: string, play: () => Promise<{ sent: number }>): Promise<Outcome> {
  const db = join(work, 'live.db');
  for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
  const agent = new LiveAgent({
    iface,
    db,
    policy,
    audit: auditStep(),
    flushSeconds: 2,
    bufferMb: 256,
    log: pino({ level: 'warn' }, pino.destination(2)),
  });
  await agent.start();
  await play();
  await new Promise((ok) => setTimeout(ok, 1500));
  await agent.stop();
  const m = agent.metrics;
  const c = m.capture;
  return { recv: c.recv, drop: c.drop, ifdrop: c.ifdrop, queueDrops: c.queueDrops, decoded: m.packets, flushes: m.flushes };
}

const net = createTestNet('load');
const fmt = (n: number) => Math.round(n).toLocaleString('en');
let best = 0;
try {
  console.log(`${statsOnly ? 'statistics collector only' : 'the whole agent (policy, inventory, audit, flushes every 2 s)'}`);
  console.log('rate (pkt/s) | sent | tcpreplay pkt/s | libpcap recv | kernel drop | queue drop | decoded | flushes');
  for (const rate of rates) {
    let sent = { sent: 0, failed: 0, seconds: 1 };
    const play = async () =>
      (sent =
        rate === 'max'
          ? await net.replayAsync(file, 0, ['--preload-pcap', '--topspeed'])
          : await net.replayAsync(file, Number(rate), ['--preload-pcap']));
    const o = await (statsOnly ? statsRun : agentRun)(net.captureIf, play);
    const drops = o.drop + o.ifdrop + o.queueDrops + Math.max(0, sent.sent - o.decoded);
    const achieved = sent.sent / sent.seconds;
    console.log(
      `${rate === 'max' ? 'top speed' : fmt(Number(rate))} | ${fmt(sent.sent)} | ${fmt(achieved)} | ${fmt(o.recv)} | ${fmt(o.drop)} | ${fmt(o.queueDrops)} | ${fmt(o.decoded)} | ${o.flushes}${drops ? '  <- drops' : ''}`,
    );
    // what counts is the rate tcpreplay achieved, not the one asked for
    if (drops === 0 && sent.failed === 0) best = Math.max(best, achieved);
  }
} finally {
  net.destroy();
}
console.log(`highest achieved rate with zero drops: ${fmt(best)} packets/s (${fmt(packets)} packets per run)`);
