/**
 * Recording real traffic with tcpdump, for the real-peer tests and test/plant/record-peers.ts:
 * start tcpdump, wait until it listens, run the traffic, wait for the packets to reach the file,
 * stop it. One place, so every recording gets the same flags and the same waits.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Known install paths first: a test runner's PATH may lack /usr/sbin. */
const TCPDUMP =
  ['/usr/bin/tcpdump', '/usr/sbin/tcpdump'].find((p) => existsSync(p)) ??
  (spawnSync('tcpdump', ['--version']).status === 0 ? 'tcpdump' : undefined);

/** Whether tcpdump is installed (capturing may still need root, which the caller finds out when it starts). */
export function tcpdumpAvailable(): boolean {
  return TCPDUMP !== undefined;
}

export interface RecordOptions {
  /** The pcap to write; its folder is created. */
  file: string;
  /** BPF filter, as one string. */
  filter: string;
  /** Interface; loopback unless told. */
  iface?: string;
  /**
   * Pause after the traffic before stopping: even with -U --immediate-mode the last ACKs and FINs
   * take a moment to reach the file, and SIGINT drops what is still in flight.
   */
  settleMs?: number;
  /** On a busy machine tcpdump lags: first wait (up to 10 s) until the file holds this many packets. */
  minPackets?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const START_TIMEOUT_MS = 10_000;
const PACKET_WAIT_MS = 10_000;
const PCAP_HEADER = 24;
const PCAP_RECORD_HEADER = 16;
const RING_KIB = 65_536;

/** Records in a classic pcap written so far (tcpdump -w writes little-endian microsecond pcap). */
export function pcapRecordCount(path: string): number {
  if (!existsSync(path)) return 0;
  const b = readFileSync(path);
  let n = 0;
  for (let off = PCAP_HEADER; off + PCAP_RECORD_HEADER <= b.length; n++) off += PCAP_RECORD_HEADER + b.readUInt32LE(off + 8);
  return n;
}

/**
 * Records `opts.filter` on `opts.iface` (lo) into `opts.file` while `traffic` runs; resolves to the
 * file once tcpdump has exited. tcpdump is stopped even when the traffic throws (the error is passed on).
 */
export async function recordLoopback(opts: RecordOptions, traffic: () => Promise<void>): Promise<string> {
  if (!TCPDUMP) throw new Error('tcpdump not found');
  mkdirSync(dirname(opts.file), { recursive: true });
  // -U with --immediate-mode: each packet is written as it arrives, not in libpcap's blocks.
  // -B: in immediate mode libpcap's ring has one slot per snapshot length (256 KiB with -s 0), so the
  // default 2 MiB ring holds 8 packets and a tcpdump starved of CPU drops a burst (seen in CI: an
  // UnregisterSession, a FIN and a UDP request lost); 64 MiB holds 256.
  const args = ['-i', opts.iface ?? 'lo', '--immediate-mode', '-U', '-B', String(RING_KIB), '-s', '0', '-w', opts.file, opts.filter];
  const dump = spawn(TCPDUMP, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((r) => dump.once('exit', () => r()));
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    let err = '';
    dump.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), START_TIMEOUT_MS);
    dump.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    dump.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited ${code}: ${err}`));
    });
  }).catch(async (e: unknown) => {
    if (dump.exitCode === null) {
      dump.kill('SIGINT');
      await exited;
    }
    throw e;
  });
  try {
    await traffic();
  } finally {
    // wait for the file to hold what was asked and then to stop growing (tcpdump lags on a busy machine)
    const deadline = Date.now() + PACKET_WAIT_MS;
    const settle = opts.settleMs ?? 800;
    let count = pcapRecordCount(opts.file);
    let stableSince = Date.now();
    for (;;) {
      await sleep(100);
      const now = pcapRecordCount(opts.file);
      if (now !== count) {
        count = now;
        stableSince = Date.now();
      }
      if (Date.now() > deadline) break;
      if (count >= (opts.minPackets ?? 0) && Date.now() - stableSince >= settle) break;
    }
    dump.kill('SIGINT');
    await exited;
  }
  // a recording with holes makes a test fail far from the cause: say it here
  const dropped = /(\d+) packets? dropped by kernel/.exec(stderr);
  if (dropped && Number(dropped[1]) > 0)
    throw new Error(`tcpdump: ${dropped[1]} packet(s) dropped by the kernel while recording ${opts.file}`);
  return opts.file;
}
