/**
 * The capture process: the only part of otwatch that touches libpcap (and needs CAP_NET_RAW).
 * It opens the interface read-only (never injects), and streams what it captures to its parent as a
 * classic pcap on stdout, in batches. Decoding happens in the parent, off this process's hot path.
 *
 * Messages to the parent (IPC): {type:'ready', linkType}, {type:'stats', recv, drop, ifdrop, queueDrops, captured},
 * {type:'error', message}. The parent's {type:'stop'} ends it.
 */
import { createRequire } from 'node:module';

interface Options {
  iface: string;
  filter: string;
  snaplen: number;
  bufferSize: number;
  promisc: boolean;
  statsEveryMs: number;
  maxQueueBytes: number;
  readTimeoutMs: number;
}

const LINKTYPES: Record<string, number> = {
  LINKTYPE_NULL: 0,
  LINKTYPE_ETHERNET: 1,
  LINKTYPE_RAW: 101,
  LINKTYPE_LINUX_SLL: 113,
  LINKTYPE_IEEE802_11_RADIO: 127,
};

const opts: Options = JSON.parse(process.argv[2] ?? '{}');
const send = (m: object) => process.send?.(m);
const require = createRequire(import.meta.url);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the pcap addon has no types
let session: any;
try {
  const pcap = require('pcap');
  pcap.warningHandler = (w: string) => send({ type: 'warning', message: String(w) });
  session = pcap.createSession(opts.iface, {
    filter: opts.filter,
    snap_length: opts.snaplen,
    buffer_size: opts.bufferSize,
    promiscuous: opts.promisc,
    // > 0: libpcap's packed TPACKET_V3 ring (see LiveOptions.readTimeoutMs); 0 would be immediate mode
    buffer_timeout: opts.readTimeoutMs,
  });
} catch (err) {
  send({ type: 'error', message: String((err as Error)?.message ?? err) });
  process.exit(3);
}

const linkType = LINKTYPES[session.link_type] ?? 1;
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0);
header.writeUInt16LE(2, 4);
header.writeUInt16LE(4, 6);
header.writeUInt32LE(opts.snaplen, 16);
header.writeUInt32LE(linkType, 20);
process.stdout.write(header);

// Batch records into a buffer; flush when full or on a short timer. When the parent falls behind and the
// pipe's queue exceeds maxQueueBytes, packets are dropped here and counted (queue drops), never buffered without bound.
const BATCH = 256 * 1024;
let batch = Buffer.allocUnsafe(BATCH);
let used = 0;
let queueDrops = 0;
let captured = 0;

function flush(): void {
  if (used === 0) return;
  process.stdout.write(batch.subarray(0, used));
  batch = Buffer.allocUnsafe(BATCH);
  used = 0;
}

session.on('packet', (p: { buf: Buffer; header: Buffer }) => {
  const h = p.header;
  const caplen = h.readUInt32LE(8);
  if (process.stdout.writableLength > opts.maxQueueBytes) {
    queueDrops++;
    return;
  }
  captured++;
  if (used + 16 + caplen > BATCH) flush();
  h.copy(batch, used, 0, 16); // ts_sec, ts_usec, caplen, len: the pcap record header, little-endian
  p.buf.copy(batch, used + 16, 0, caplen);
  used += 16 + caplen;
});

const flusher = setInterval(flush, 20);
const stats = setInterval(() => {
  try {
    const s = session.stats();
    send({ type: 'stats', recv: s.ps_recv, drop: s.ps_drop, ifdrop: s.ps_ifdrop, queueDrops, captured });
  } catch {
    /* session closing */
  }
}, opts.statsEveryMs);

send({ type: 'ready', linkType });

function stop(): void {
  clearInterval(flusher);
  clearInterval(stats);
  try {
    const s = session.stats();
    send({ type: 'stats', recv: s.ps_recv, drop: s.ps_drop, ifdrop: s.ps_ifdrop, queueDrops, captured, final: true });
  } catch {
    /* ignore */
  }
  flush();
  try {
    session.close();
  } catch {
    /* ignore */
  }
  // a closed pcap session keeps the event loop alive: end explicitly once stdout has drained
  process.stdout.end(() => process.exit(0));
}

process.on('message', (m: { type?: string }) => {
  if (m?.type === 'stop') stop();
});
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', () => {
  /* the parent handles Ctrl-C and tells us to stop */
});
