/**
 * Prometheus text exposition (format 0.0.4) of what the server processed since it started (packets,
 * drops, decode errors, uploads) and of the store's current state (findings by severity and status,
 * jobs by status). Counter values are this process's; gauges are read from the database.
 */
import type { PipelineCounters } from '../core/counters.js';
import type { LiveMetrics } from '../live/live-agent.js';

export class Metrics {
  packets = 0;
  bytes = 0;
  /** Malformed frames and decoder anomalies (bad lengths, malformed PDUs, decoder exceptions). */
  decodeErrors = 0;
  /** Frames the pipeline had to give up: unreassembled IPv4 fragments and TCP gaps. */
  drops = 0;
  uploads = 0;
  jobsDone = 0;
  jobsFailed = 0;
  /** The live agent's own counters, when the API runs inside `otwatch capture --serve`. */
  live?: () => LiveMetrics;

  add(c: PipelineCounters): void {
    this.packets += c.packets;
    this.bytes += c.bytes;
    this.decodeErrors += c.frames.malformed + Object.values(c.anomalies).reduce((a, b) => a + b, 0);
    this.drops += c.ipv4Fragments.dropped + c.ipv4Fragments.expired + c.tcp.gaps;
  }
}

function labels(l: Record<string, string>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

export function renderMetrics(m: Metrics, findings: Record<string, Record<string, number>>, jobs: Record<string, number>): string {
  const out: string[] = [];
  const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: [Record<string, string>, number][]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [l, v] of samples) out.push(`${name}${labels(l)} ${v}`);
  };
  metric('otwatch_packets_total', 'counter', 'Packets read from captures by this process.', [[{}, m.packets]]);
  metric('otwatch_bytes_total', 'counter', 'Captured bytes read by this process.', [[{}, m.bytes]]);
  metric('otwatch_packets_dropped_total', 'counter', 'Traffic the pipeline gave up (fragments never reassembled, TCP gaps).', [
    [{}, m.drops],
  ]);
  metric('otwatch_decode_errors_total', 'counter', 'Malformed frames and protocol decoder anomalies.', [[{}, m.decodeErrors]]);
  metric('otwatch_uploads_total', 'counter', 'Captures accepted by POST /captures.', [[{}, m.uploads]]);
  metric('otwatch_jobs_finished_total', 'counter', 'Capture jobs finished by this process.', [
    [{ result: 'done' }, m.jobsDone],
    [{ result: 'failed' }, m.jobsFailed],
  ]);
  const f: [Record<string, string>, number][] = [];
  for (const [severity, byStatus] of Object.entries(findings))
    for (const [status, n] of Object.entries(byStatus)) f.push([{ severity, status }, n]);
  metric('otwatch_findings', 'gauge', 'Stored findings by severity and status.', f);
  metric(
    'otwatch_jobs',
    'gauge',
    'Capture jobs by status (queued and running are the queue).',
    Object.entries(jobs).map(([status, n]) => [{ status }, n]),
  );
  const live = m.live?.();
  if (live) {
    const c = live.capture;
    metric('otwatch_capture_received_total', 'counter', 'Packets libpcap received on the capture interface.', [[{}, c.recv]]);
    metric('otwatch_capture_dropped_total', 'counter', 'Packets dropped before decoding, by where.', [
      [{ where: 'kernel' }, c.drop],
      [{ where: 'interface' }, c.ifdrop],
      [{ where: 'otwatch_queue' }, c.queueDrops],
    ]);
    metric('otwatch_live_packets_total', 'counter', 'Packets the live pipeline decoded.', [[{}, live.packets]]);
    metric('otwatch_live_bytes_total', 'counter', 'Bytes the live pipeline decoded.', [[{}, live.bytes]]);
    metric('otwatch_live_decode_errors_total', 'counter', 'Malformed frames and decoder anomalies on live traffic.', [
      [{}, live.decodeErrors + live.malformedFrames],
    ]);
    metric('otwatch_live_active_flows', 'gauge', 'Conversations currently tracked.', [[{}, live.activeFlows]]);
    metric('otwatch_live_flushes_total', 'counter', 'Flushes of the inventory to the database.', [[{}, live.flushes]]);
    metric('otwatch_live_last_flush_seconds', 'gauge', 'Time of the last flush (seconds since the epoch).', [[{}, live.lastFlush ?? 0]]);
    metric('otwatch_live_flush_duration_ms', 'gauge', 'Duration of the last flush.', [[{}, Math.round(live.lastFlushMs)]]);
  }
  return out.join('\n') + '\n';
}
