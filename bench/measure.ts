/**
 * One otwatch measurement, run as its own process so that its peak memory is its own:
 * the whole stats pipeline (reader, link/IP/TCP, flows, reassembly, every decoder, stats builders).
 *   node dist/bench/measure.js <capture> [--workers N] [--cold]
 * Two worker shards by default where the machine has two cores or more (`otwatch stats` does the same).
 */
import { availableParallelism } from 'node:os';
import { statsForCaptures } from '../src/pipeline/statistics.js';
import { prepareStatsWorkers } from '../src/pipeline/shard-pool.js';

const file = process.argv[2];
const w = process.argv.indexOf('--workers');
const workers = w > 0 ? Number(process.argv[w + 1]) : availableParallelism() >= 2 ? 2 : 1;
// the worker threads load their modules before the clock starts, as this thread did (--cold: inside the timing)
if (!process.argv.includes('--cold')) await prepareStatsWorkers(workers);
const start = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
const report = await statsForCaptures([file], { workers });
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
const cpu = process.cpuUsage(cpu0);
// CPU time tells what the pipeline costs when other work shares the machine (wall time is what is reported)
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const sections = Object.keys(report).filter((k) => !['file', 'packets', 'otwatch'].includes(k));
console.log(
  JSON.stringify({
    packets: report.packets,
    seconds,
    pps: report.packets / seconds,
    cpuSeconds, // of the whole process: worker threads included
    workers,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    events: report.otwatch.events,
    sections,
  }),
);
