/**
 * `npm run bench:live` (root: network namespaces): the live agent's capture + pipeline on a veth pair,
 * fed by tcpreplay at increasing packet rates. Prints, per rate, what was sent, what libpcap received and
 * dropped, what otwatch's capture process dropped, and what the pipeline decoded; then the highest rate
 * with zero drops.
 *
 *   node dist/bench/live-load.js [--packets N] [--rates 50000,100000,...]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateBenchCapture } from './generate.js';
import { createTestNet, testNetAvailable } from './netns.js';
import { LiveSource } from '../src/capture/live-source.js';
import { Pipeline } from '../src/pipeline/pipeline.js';
import { StatsCollector } from '../src/pipeline/statistics.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const packets = Number(opt('--packets', '1000000'));
// 'max' replays with --topspeed: as fast as tcpreplay can write
const rates = opt('--rates', '50000,100000,200000,300000,400000,max').split(',');

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

const net = createTestNet('load');
const fmt = (n: number) => Math.round(n).toLocaleString('en');
let best = 0;
try {
  console.log('rate (pkt/s) | sent | tcpreplay pkt/s | libpcap recv | kernel drop | queue drop | decoded');
  for (const rate of rates) {
    const pipeline = new Pipeline(new StatsCollector());
    const source = new LiveSource({ iface: net.captureIf, bufferSize: 256 * 1024 * 1024, statsEveryMs: 200 });
    await source.start(pipeline.packet);
    const r = rate === 'max' ? net.replay(file, 0, ['--preload-pcap', '--topspeed']) : net.replay(file, Number(rate), ['--preload-pcap']);
    await new Promise((ok) => setTimeout(ok, 1500));
    const result = await source.stop();
    if (result) pipeline.endCapture('live', result);
    const s = source.stats;
    const drops = s.drop + s.ifdrop + s.queueDrops + Math.max(0, r.sent - pipeline.counters.packets);
    const achieved = r.sent / r.seconds;
    console.log(
      `${rate === 'max' ? 'top speed' : fmt(Number(rate))} | ${fmt(r.sent)} | ${fmt(achieved)} | ${fmt(s.recv)} | ${fmt(s.drop)} | ${fmt(s.queueDrops)} | ${fmt(pipeline.counters.packets)}${drops ? '  <- drops' : ''}`,
    );
    // what counts is the rate tcpreplay achieved, not the one asked for
    if (drops === 0 && r.failed === 0) best = Math.max(best, achieved);
  }
} finally {
  net.destroy();
}
console.log(`highest achieved rate with zero drops: ${fmt(best)} packets/s (${fmt(packets)} packets per run)`);
