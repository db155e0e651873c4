/**
 * Every corpus capture through the whole pipeline, the `bacnet` section compared with Wireshark's
 * oracle: equal where the oracle has one, absent where it has none. Until the pipeline hands over
 * 802.2 LLC frames, this test feeds them to createLlcDecoder itself (same reader, same frame decoder).
 */
import { describe, expect, it } from 'vitest';
import { StatsCollector } from '../../src/pipeline/statistics.js';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../helpers/corpus.js';
import { readCapture } from '../../src/capture/index.js';
import { decodeFrame, Frame, FrameKind } from '../../src/net/frame.js';
import type { DecoderContext, Endpoint, FlowRef, ProtocolEvent } from '../../src/core/events.js';
import { LLC_SAP_BACNET } from '../../src/protocols/bacnet/constants.js';
import { bacnetModule, createLlcDecoder } from '../../src/protocols/bacnet/index.js';

function mac(b: Buffer, off: number): string {
  return [...b.subarray(off, off + 6)].map((x) => x.toString(16).padStart(2, '0')).join(':');
}

/** Feeds the BACnet LLC frames of a capture to the LLC decoder, one decoder per station pair. */
async function llcEvents(path: string, sink: (e: ProtocolEvent<object>) => void): Promise<number> {
  const f = new Frame();
  const decoders = new Map<string, ReturnType<typeof createLlcDecoder>>();
  let frames = 0;
  await readCapture(path, (data, start, end, ts, linkType) => {
    if (decodeFrame(linkType, data, start, end, ts, f) !== FrameKind.Llc || f.ethOff < 0) return;
    if (data[f.l3] !== LLC_SAP_BACNET || data[f.l3 + 1] !== LLC_SAP_BACNET) return;
    frames++;
    const src: Endpoint = { ip: '', port: 0, mac: mac(data, f.ethOff + 6) };
    const dst: Endpoint = { ip: '', port: 0, mac: mac(data, f.ethOff) };
    const key = `${src.mac}>${dst.mac}`;
    let d = decoders.get(key);
    if (!d) {
      const flow: FlowRef = { id: `llc ${key}`, transport: 'udp', initiator: src, responder: dst };
      const ctx: DecoderContext = { flow, endpoints: () => ({ src, dst }), emit: sink, anomaly: () => {} };
      d = createLlcDecoder(ctx);
      decoders.set(key, d);
    }
    d.onBytes!(true, data, f.l3, f.l4End, ts); // in place, as the pipeline hands datagrams over
  });
  return frames;
}

describe.skipIf(!corpusAvailable)('BACnet corpus: bacnet section equals the Wireshark oracle', () => {
  const captures = corpusCaptures();
  it.each(captures)(
    '%s',
    async (rel) => {
      const oracle = oracleFor(rel).bacnet;
      let pipelineLlc = false;
      const tap = {
        onEvent: (e: ProtocolEvent<object>) => {
          if ((e.fields as { link?: string }).link === 'llc') pipelineLlc = true;
        },
        onFlowEnd: () => {},
        onBinding: () => {},
      };
      const chained = new StatsCollector([bacnetModule], tap);
      await runPipeline([corpusPath(rel)], chained, { modules: [bacnetModule] });
      // The pipeline does not deliver LLC yet: add those events here (once it does, this is skipped).
      if (!pipelineLlc) await llcEvents(corpusPath(rel), (e) => chained.onEvent(e));
      expect(chained.sections().bacnet).toEqual(oracle);
    },
    60_000,
  );
});
