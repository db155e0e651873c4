/**
 * Live capture on a veth pair in a network namespace, fed by tcpreplay: what the agent captures decodes
 * exactly like the capture file it came from, nothing is dropped at a fixed rate, and nothing leaves the
 * capture interface. Plus the preflight checks (unknown interface, interface down, missing capability).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LiveSource } from './live-source.js';
import { checkInterface } from './preflight.js';
import { EvidenceRing } from './evidence-ring.js';
import { Pipeline } from '../pipeline/pipeline.js';
import { StatsCollector, statsForCaptures } from '../pipeline/statistics.js';
import { createTestNet, testNetAvailable, type TestNet } from '../../bench/netns.js';
import { corpusAvailable, corpusPath } from '../../test/helpers/corpus.js';
import { readCapture } from './index.js';
import { createHash } from 'node:crypto';
import { generateBenchCapture } from '../../bench/generate.js';

describe('preflight', () => {
  const sysfs = mkdtempSync(join(tmpdir(), 'otw-sysfs-'));
  mkdirSync(join(sysfs, 'span0'));
  writeFileSync(join(sysfs, 'span0', 'flags'), '0x1003\n');
  writeFileSync(join(sysfs, 'span0', 'operstate'), 'up\n');
  mkdirSync(join(sysfs, 'span1'));
  writeFileSync(join(sysfs, 'span1', 'flags'), '0x1002\n');
  const allCaps = (1n << 41n) - 1n;
  const noRaw = allCaps & ~(1n << 13n);

  it('accepts an existing interface that is up, with CAP_NET_RAW', () => {
    expect(checkInterface('span0', allCaps, sysfs)).toEqual({ ok: true, problems: [], warnings: [] });
  });

  it('names an interface that does not exist', () => {
    const r = checkInterface('nosuch0', allCaps, sysfs);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/interface 'nosuch0' does not exist/);
  });

  it('says how to bring a down interface up', () => {
    expect(checkInterface('span1', allCaps, sysfs).problems[0]).toMatch(/is down: bring it up with 'ip link set span1 up'/);
  });

  it('says which capability is missing and how to grant it, without asking for root', () => {
    const r = checkInterface('span0', noRaw, sysfs);
    expect(r.ok).toBe(false);
    expect(r.problems[0]).toMatch(/lacks CAP_NET_RAW.*root is not needed.*setcap cap_net_raw,cap_net_admin=eip/);
  });

  it('rejects a name that is not an interface name', () => {
    expect(checkInterface('eth0; rm -rf /', allCaps, sysfs).problems[0]).toMatch(/not a valid interface name/);
  });
});

describe('evidence ring', () => {
  it('keeps a bounded set of readable pcap files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otw-ring-'));
    const ring = new EvidenceRing({ dir, maxBytes: 4 * 65536, fileBytes: 65536 });
    const frame = Buffer.alloc(1000, 7);
    for (let i = 0; i < 1000; i++) ring.write(frame, 0, frame.length, 1_700_000_000 + i, 1, 1000);
    ring.close();
    const files = ring.list();
    expect(files).toHaveLength(4);
    let packets = 0;
    for (const f of files) {
      const r = await readCapture(join(dir, f), () => {});
      expect(r.error).toBeUndefined();
      packets += r.packets;
    }
    // the newest packets are kept: three full files of 64 records ((65536 - 24) / 1016) and the one being written
    const perFile = Math.floor((65536 - 24) / 1016);
    expect(packets).toBe(3 * perFile + (1000 % perFile));
  });
});

const why = testNetAvailable();
if (why) console.warn(`[otwatch tests] live capture tests skipped: ${why}`);

describe.skipIf(why !== undefined || !corpusAvailable)('live capture on a veth pair', () => {
  let net: TestNet;
  beforeAll(() => {
    net = createTestNet('src');
  });
  afterAll(() => net?.destroy());

  for (const rel of ['modbus/ICS-Security-Tools__modbus_test.pcap', 's7comm/ICS-Security-Tools__s7comm_downloading_block_db1.pcap']) {
    it(`decodes ${rel} replayed at 20,000 packets/s exactly as the file, with zero drops and nothing sent`, async () => {
      const file = corpusPath(rel);
      const txBefore = net.txPackets();
      const collector = new StatsCollector();
      const pipeline = new Pipeline(collector);
      const source = new LiveSource({ iface: net.captureIf, statsEveryMs: 200 });
      await source.start(pipeline.packet);
      const replay = net.replay(file, 20000);
      await new Promise((r) => setTimeout(r, 500));
      const result = await source.stop();
      pipeline.endCapture('live', result!);
      const offline = await statsForCaptures([file]);
      expect(replay.failed).toBe(0);
      expect(pipeline.counters.packets).toBe(replay.sent);
      expect(source.stats).toMatchObject({ drop: 0, ifdrop: 0, queueDrops: 0, captured: replay.sent });
      const sections = collector.sections();
      for (const [name, section] of Object.entries(offline)) {
        if (['file', 'packets', 'otwatch'].includes(name)) continue;
        expect(sections[name], name).toEqual(section);
      }
      expect(net.txPackets()).toBe(txBefore);
    });
  }
});

describe.skipIf(why !== undefined)('a capture process paused while traffic arrives', () => {
  let net: TestNet;
  let file: string;
  const frames: string[] = [];
  const packets = 20_000;
  beforeAll(async () => {
    net = createTestNet('pause');
    file = join(mkdtempSync(join(tmpdir(), 'otw-pause-')), 'mix.pcap');
    generateBenchCapture(file, packets, 400);
    await readCapture(file, (d, start, end) => frames.push(digest(d, start, end)));
  });
  afterAll(() => net?.destroy());

  /**
   * Starts a capture with a 16 MB kernel buffer, stops the capture process while the file is replayed (0.4 s at
   * 50k packets/s), resumes it. The packed ring retires a block of 128 KiB when full or after the read timeout, so
   * at this rate its 128 blocks hold at least 30,000 packets; immediate mode's slots of 64 KiB hold 256.
   */
  async function pausedRun(readTimeoutMs: number) {
    const seen: string[] = [];
    const source = new LiveSource({ iface: net.captureIf, bufferSize: 16 * 2 ** 20, readTimeoutMs, statsEveryMs: 100 });
    await source.start((d, start, end) => seen.push(digest(d, start, end)));
    process.kill(source.pid!, 'SIGSTOP');
    const replay = net.replay(file, 50_000);
    process.kill(source.pid!, 'SIGCONT');
    await new Promise((r) => setTimeout(r, 800));
    await source.stop();
    return { seen, replay, stats: source.stats };
  }

  it('the packed ring (read timeout) holds every packet of the pause, in order', async () => {
    const { seen, replay, stats } = await pausedRun(10);
    expect(replay.sent).toBe(packets);
    expect(stats).toMatchObject({ drop: 0, ifdrop: 0, queueDrops: 0, captured: packets });
    // every frame, byte for byte and in the order it was sent, through the batches and the pipe
    expect(seen).toEqual(frames);
  });

  it('immediate mode (fixed slots of the largest frame) drops during the pause, and counts every drop', async () => {
    const { seen, replay, stats } = await pausedRun(0);
    expect(replay.sent).toBe(packets);
    expect(stats.drop).toBeGreaterThan(0);
    // nothing lost silently: each packet sent was either delivered or counted as dropped by the kernel
    expect(seen.length + stats.drop).toBe(packets);
    expect(stats.captured).toBe(seen.length);
  });
});

function digest(d: Uint8Array, start: number, end: number): string {
  return createHash('sha1').update(d.subarray(start, end)).digest('hex');
}
