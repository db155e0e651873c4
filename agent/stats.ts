/**
 * `otwatch stats`: the oracle-format statistics of captures (keys defined in ../shared/corpus/README.md),
 * one section per protocol module that has a stats builder, plus otwatch's own counters under `otwatch`.
 */
import { basename } from 'node:path';
import { protocolModules } from '../parsers/protocols.js';
import type { AddressBinding, FlowSummary, PipelineSink, ProtocolEvent, ProtocolModule, ProtocolStats } from '../parsers/types.js';
import { runPipeline, type PipelineOptions } from './pipeline.js';
import type { PipelineCounters } from './counters.js';

export interface StatsReport {
  file: string;
  packets: number;
  [section: string]: unknown;
  otwatch: PipelineCounters;
}

/** Feeds every event to every module's stats builder. Other sinks (the inventory) can be chained behind it. */
export class StatsCollector implements PipelineSink {
  private readonly builders: { name: string; stats: ProtocolStats }[] = [];

  constructor(modules: readonly ProtocolModule[] = protocolModules, private readonly next?: PipelineSink) {
    for (const m of modules) {
      const stats = m.createStats?.();
      if (stats) this.builders.push({ name: m.name, stats });
    }
  }

  onEvent(event: ProtocolEvent<object>): void {
    for (const b of this.builders) b.stats.onEvent(event);
    this.next?.onEvent(event);
  }

  onFlowEnd(summary: FlowSummary): void {
    this.next?.onFlowEnd(summary);
  }

  onBinding(binding: AddressBinding): void {
    this.next?.onBinding(binding);
  }

  /** Sections of the protocols seen, keyed by module name. */
  sections(): Record<string, object> {
    const out: Record<string, object> = {};
    for (const b of this.builders) {
      const s = b.stats.section();
      if (s !== undefined) out[b.name] = s;
    }
    return out;
  }
}

export async function statsForCaptures(paths: string[], opts: PipelineOptions = {}): Promise<StatsReport> {
  const collector = new StatsCollector(opts.modules ?? protocolModules);
  const counters = await runPipeline(paths, collector, opts);
  return {
    file: paths.map((p) => basename(p)).join(','),
    packets: counters.packets,
    ...collector.sections(),
    otwatch: counters,
  };
}
