/**
 * The pipeline: capture records → frames → flows → decoders → the sink (inventory, stats, ...).
 * One Pipeline per analysis; captures are fed one after the other, and every flow ends with its capture
 * (two captures are two observation windows, whatever their timestamps).
 */
import type { Logger } from 'pino';
import { readCapture } from '../capture/index.js';
import type { CaptureReadLimits, CaptureResult } from '../capture/index.js';
import { decodeFrame, decodeTransport, Frame, FrameKind } from '../net/frame.js';
import { decodeArp } from '../net/arp.js';
import { LINKTYPE_ETHERNET } from '../net/constants.js';
import { protocolModules } from '../protocols/registry.js';
import type { PipelineSink, ProtocolModule } from '../core/events.js';
import { FlowTable, DEFAULT_FLOW_OPTIONS, type FlowTableOptions } from '../flows/flow-table.js';
import { Ipv4Reassembler } from '../flows/ip-fragments.js';
import { peekIpv4FlowHash } from '../flows/flow-key.js';
import { L2Flows } from '../flows/l2-flows.js';
import { newCounters, type PipelineCounters, type CaptureFileReport } from '../core/counters.js';

export interface PipelineOptions {
  modules?: readonly ProtocolModule[];
  flow?: Partial<FlowTableOptions>;
  log?: Logger;
}

export class Pipeline {
  readonly counters: PipelineCounters = newCounters();
  /** Packets read, whichever shard decodes them (progress: a shard's counters count only its own). */
  packetsRead = 0;
  private readonly frame = new Frame();
  private readonly flows: FlowTable;
  private readonly fragments = new Ipv4Reassembler();
  private readonly l2: L2Flows;
  private lastTs = 0;
  private lastFragmentExpiry = 0;
  private readonly log?: Logger;
  /** Unsharded, or shard 0 of a sharded analysis: the one that handles frames outside the TCP/UDP flow table. */
  private readonly primary: boolean;
  private readonly shardCount: number;
  private readonly shardIndex: number;
  /**
   * Sharded analysis: where a shard other than the primary counts the frames it decodes only for the flows
   * it may keep in them (VLAN-tagged, fragmented, IPv6, ...): the primary counts those, so that the merged
   * counts are sums (src/pipeline/statistics-merge.ts).
   */
  private readonly uncounted: PipelineCounters = newCounters();

  constructor(
    private readonly sink: PipelineSink,
    opts: PipelineOptions = {},
  ) {
    const modules = opts.modules ?? protocolModules;
    this.flows = new FlowTable(modules, sink, this.counters, { ...DEFAULT_FLOW_OPTIONS, ...opts.flow });
    this.shardIndex = opts.flow?.shardIndex ?? 0;
    this.shardCount = opts.flow?.shardCount ?? 1;
    this.primary = this.shardIndex === 0;
    this.l2 = new L2Flows(modules, this.flows);
    this.log = opts.log;
    this.counters.ipv4Fragments = this.fragments.counters;
  }

  /** The capture reader's PacketHandler: the frame is data[start, end), only valid during the call. */
  readonly packet = (data: Buffer, start: number, end: number, ts: number, linkType: number, origLen: number): void => {
    let c = this.counters;
    this.packetsRead++;
    if (this.shardCount > 1) {
      // the common plain IPv4 packet belongs to the shard of its flow: it alone decodes and counts it,
      // the others only let capture time advance; anything else every shard decodes, the primary counts
      const hash = linkType === LINKTYPE_ETHERNET ? peekIpv4FlowHash(data, start, end) : -1;
      if (hash >= 0) {
        if (hash % this.shardCount !== this.shardIndex) {
          this.flows.advance(ts);
          return;
        }
      } else if (!this.primary) c = this.uncounted;
    }
    c.packets++;
    c.bytes += end - start;
    const f = this.frame;
    const kind = decodeFrame(linkType, data, start, end, ts, f);
    if (end - start < origLen) c.frames.snap_truncated++;
    switch (kind) {
      case FrameKind.Transport:
        c.frames.transport++;
        this.flows.packet(f, ts);
        return;
      case FrameKind.Arp: {
        c.frames.arp++;
        if (!this.primary) return;
        const a = decodeArp(data, f.l3);
        if (a) {
          this.flows.arpBinding(a.senderMac, a.senderIp, ts, f.vlan);
          if (a.op === 2) this.flows.arpBinding(a.targetMac, a.targetIp, ts, f.vlan);
        }
        return;
      }
      case FrameKind.Fragment: {
        if (ts - this.lastFragmentExpiry > 10) {
          // datagrams whose missing fragments never came are dropped (and counted) after their timeout
          this.fragments.expire(ts);
          this.lastFragmentExpiry = ts;
        }
        const key = `${f.src4}|${f.dst4}|${f.ipId}|${f.l4proto}`;
        const whole = this.fragments.add(key, data, start, f.l4, f.l4End, f.fragOffset, f.moreFragments, ts);
        if (!whole) return;
        // the datagram is a new buffer holding the first fragment's frame from its start: offsets move by -start
        rebase(f, start);
        f.data = whole.bytes;
        f.l4 = whole.l4;
        f.l4End = whole.bytes.length;
        f.end = whole.bytes.length;
        if (decodeTransport(f.data, f) === FrameKind.Transport) {
          c.frames.transport++;
          this.flows.packet(f, ts);
        } else c.frames.other_l3++;
        return;
      }
      case FrameKind.Llc:
        c.frames.llc++;
        if (!this.primary) return;
        this.lastTs = ts;
        this.l2.llcFrame(f);
        return;
      case FrameKind.OtherL3:
        c.frames.other_l3++;
        if (f.ipVersion === 0 && this.primary && !this.l2.empty) {
          this.lastTs = ts;
          this.l2.etherTypeFrame(f);
        }
        return;
      case FrameKind.UnknownLink:
        c.frames.unknown_link++;
        c.unknownLinkTypes[linkType] = (c.unknownLinkTypes[linkType] ?? 0) + 1;
        return;
      default:
        c.frames.malformed++;
    }
  };

  /** Record one capture's reading result and end its flows. */
  endCapture(file: string, result: CaptureResult): CaptureFileReport {
    this.flows.endAll();
    this.l2.endAll(this.lastTs);
    const report: CaptureFileReport = {
      file,
      format: result.format,
      compressed: result.compressed,
      packets: result.packets,
      bytes: result.bytesRead,
      linkTypes: result.linkTypes,
    };
    if (result.error) {
      report.error = result.error;
      this.log?.warn({ file, ...result.error }, `capture ${file}: ${result.error.message}`);
    }
    this.counters.files.push(report);
    return report;
  }

  /** Live agent: hand open flows' traffic since the last checkpoint to the sink (see FlowTable.checkpoint). */
  checkpoint(): void {
    this.flows.checkpoint();
  }

  /** Idle-flow expiry for live capture, where capture time advances without packets. */
  tick(now: number): void {
    this.flows.expire(now);
  }

  get activeFlows(): number {
    return this.flows.size;
  }
}

/**
 * Offsets of a frame moved into a buffer of its own that starts at the frame's first byte. The reassembled
 * datagram has the first fragment's headers; the link-layer offsets are those of the last fragment, which
 * came from the same hosts through the same link.
 */
function rebase(f: Frame, start: number): void {
  if (f.ethOff >= 0) f.ethOff -= start;
  if (f.srcMacOff >= 0) f.srcMacOff -= start;
  f.l3 -= start;
}

/** Called as capture bytes are read (all files so far) with the packets decoded so far. */
export type ProgressHandler = (bytes: number, packets: number) => void;

/** Read captures one after the other through one pipeline into `sink`. */
export async function runPipeline(
  paths: string[],
  sink: PipelineSink,
  opts: PipelineOptions & { onProgress?: ProgressHandler; read?: CaptureReadLimits } = {},
): Promise<PipelineCounters> {
  const pipeline = new Pipeline(sink, opts);
  const progress = opts.onProgress;
  let bytes = 0;
  for (const path of paths) {
    const result = await readCapture(
      path,
      pipeline.packet,
      progress ? { ...opts.read, onRead: (n) => progress((bytes += n), pipeline.packetsRead) } : { ...opts.read },
    );
    pipeline.endCapture(path, result);
    progress?.(bytes, pipeline.packetsRead);
  }
  return pipeline.counters;
}
