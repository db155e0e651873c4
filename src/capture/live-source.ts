/**
 * A live capture source: runs the capture process (capture-child) and parses the pcap stream it writes
 * with the same streaming reader as files, so that live traffic and captures take one path.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readCaptureStream, type CaptureResult, type PacketHandler } from './index.js';

/** What capture-child.ts sends over IPC. */
interface ChildMessage {
  type?: string;
  message?: string;
  recv?: number;
  drop?: number;
  ifdrop?: number;
  queueDrops?: number;
  captured?: number;
}

export interface LiveOptions {
  iface: string;
  filter?: string;
  snaplen?: number;
  bufferSize?: number; // kernel buffer, bytes
  promisc?: boolean;
  statsEveryMs?: number;
  /** Bytes the capture process may queue towards the pipeline before it drops (and counts) packets. */
  maxQueueBytes?: number;
  /**
   * How long libpcap may hold packets before handing them over (ms; default 10). Above 0 libpcap uses a
   * TPACKET_V3 ring: blocks of 128 KiB filled one packet after the other, handed over when full or after this
   * timeout. The default 64 MB are 512 blocks; at 200k packets/s of the benchmark mix (79 bytes a packet) a block
   * fills in about 4 ms, so the ring holds some 2 s of traffic while the capture process is not scheduled.
   * 0 is immediate mode, which libpcap serves with a TPACKET_V2 ring of fixed slots sized for the largest frame
   * (64 KiB on an interface with segmentation offload, as veth and most NICs): 64 MB is then 1,000 packets, 5 ms at
   * 200k packets/s, and any longer pause of the capture process is a kernel drop (src/capture/live-source.test.ts
   * pauses it to show both).
   */
  readTimeoutMs?: number;
}

export interface LiveStats {
  recv: number; // libpcap: packets received by the filter
  drop: number; // libpcap: dropped by the kernel (buffer full)
  ifdrop: number; // dropped by the interface/driver
  queueDrops: number; // dropped by otwatch's capture process (pipeline behind)
  captured: number;
}

export class LiveSource {
  private child?: ChildProcess;
  private done?: Promise<CaptureResult>;
  private exited?: Promise<number | null>;
  readonly stats: LiveStats = { recv: 0, drop: 0, ifdrop: 0, queueDrops: 0, captured: 0 };
  /** Packets handed to the pipeline so far (the capture process may be ahead of us). */
  delivered = 0;
  warnings: string[] = [];

  constructor(private readonly opts: LiveOptions) {}

  /** Starts capturing; resolves once the interface is open, rejects with libpcap's reason otherwise. */
  start(onPacket: PacketHandler): Promise<void> {
    const url = new URL('./capture-child.js', import.meta.url);
    let script = fileURLToPath(url);
    const execArgv: string[] = [];
    if (import.meta.url.endsWith('.ts')) {
      // running from sources (tests): let tsx load the TypeScript child
      script = script.replace(/\.js$/, '.ts');
      execArgv.push('--import', 'tsx');
    }
    const o = this.opts;
    const args = JSON.stringify({
      iface: o.iface,
      filter: o.filter ?? '',
      snaplen: o.snaplen ?? 65535,
      bufferSize: o.bufferSize ?? 64 * 1024 * 1024,
      promisc: o.promisc ?? true,
      statsEveryMs: o.statsEveryMs ?? 1000,
      maxQueueBytes: o.maxQueueBytes ?? 256 * 1024 * 1024,
      readTimeoutMs: o.readTimeoutMs ?? 10,
    });
    const child = fork(script, [args], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], execArgv });
    this.child = child;
    this.exited = new Promise((r) => child.once('exit', (code) => r(code)));
    return new Promise((resolve, reject) => {
      let started = false;
      child.on('message', (raw: unknown) => {
        const m = raw as ChildMessage | undefined;
        if (m?.type === 'ready') {
          started = true;
          this.done = readCaptureStream(child.stdout!, (buf, start, end, ts, lt, len) => {
            this.delivered++;
            onPacket(buf, start, end, ts, lt, len);
          });
          resolve();
        } else if (m?.type === 'stats') {
          Object.assign(this.stats, { recv: m.recv, drop: m.drop, ifdrop: m.ifdrop, queueDrops: m.queueDrops, captured: m.captured });
        } else if (m?.type === 'error') {
          reject(new Error(`cannot capture on '${o.iface}': ${m.message}`));
        } else if (m?.type === 'warning') {
          this.warnings.push(m.message ?? 'warning');
        }
      });
      child.once('exit', (code) => {
        if (!started) reject(new Error(`the capture process exited (code ${code}) before opening '${o.iface}'`));
      });
    });
  }

  /**
   * Stops the capture; resolves when every captured packet has been handed to onPacket. The capture
   * process exits once its queue has drained into the pipeline: it is killed only when the pipeline has
   * made no progress for `stallMs` (so that a backlog is decoded, not thrown away, and a hang still ends).
   */
  async stop(stallMs = 3000): Promise<CaptureResult | undefined> {
    const child = this.child;
    if (!child) return undefined;
    if (child.connected) child.send({ type: 'stop' });
    let exited = false;
    void this.exited!.then(() => {
      exited = true;
    });
    let last = -1;
    while (!exited) {
      if (this.delivered === last) {
        child.kill('SIGKILL');
        break;
      }
      last = this.delivered;
      await Promise.race([this.exited, new Promise((r) => setTimeout(r, stallMs))]);
    }
    await this.exited;
    return this.done ? await this.done : undefined;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }
}
