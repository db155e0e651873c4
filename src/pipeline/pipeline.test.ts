/**
 * The pipeline on hand-made captures: every link type, VLAN QinQ, IPv6, IPv4 fragments, TCP reordering,
 * retransmission and gaps, initiator detection, decoder choice by port and by heuristic, truncated files.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pipeline, runPipeline } from './pipeline.js';
import type { AddressBinding, FlowSummary, PipelineSink, ProtocolEvent, ProtocolModule, StreamDecoder } from '../core/events.js';
import { pcapFile, pcapHeader, pcapRecord } from '../../test/helpers/capture-build.js';
import { ACK, RST, SYN, TcpConversation, arp, bsdLoopback, ethernet, ipv4, ipv6, sll, sll2, tcp, udp } from '../../bench/gen/packets.js';
import { corpusAvailable, corpusCaptures, corpusPath, oracleFor } from '../../test/helpers/corpus.js';

/** A test protocol: every byte a decoder receives is recorded, so reassembly is checked byte for byte. */
interface Received {
  fromInitiator: boolean;
  kind: 'data' | 'gap';
  bytes: string;
  gap?: number;
}
function recordingModule(
  name: string,
  ports: number[],
  magic: string,
  log: Received[],
  transports: ('tcp' | 'udp')[] = ['tcp'],
): ProtocolModule {
  return {
    name,
    transports,
    ports,
    probe: (data) => data.toString('latin1').startsWith(magic),
    createDecoder(ctx): StreamDecoder {
      return {
        onData(fromInitiator, data, ts) {
          log.push({ fromInitiator, kind: 'data', bytes: data.toString('latin1') });
          const { src, dst } = ctx.endpoints(fromInitiator);
          ctx.emit({
            protocol: name,
            ts,
            flow: ctx.flow,
            src,
            dst,
            direction: fromInitiator ? 'request' : 'response',
            fn: 'data',
            operation: 'read',
            fields: {},
          });
        },
        onGap(fromInitiator, bytes) {
          log.push({ fromInitiator, kind: 'gap', bytes: '', gap: bytes });
        },
      };
    },
  };
}

class Collect implements PipelineSink {
  events: ProtocolEvent<object>[] = [];
  flows: FlowSummary[] = [];
  bindings: AddressBinding[] = [];
  onEvent(e: ProtocolEvent<object>) {
    this.events.push(e);
  }
  onFlowEnd(s: FlowSummary) {
    this.flows.push(s);
  }
  onBinding(b: AddressBinding) {
    this.bindings.push(b);
  }
}

const C = { mac: '00:1b:1b:00:00:01', ip: '10.0.0.1', port: 50001 };
const S = { mac: '00:0e:8c:00:00:02', ip: '10.0.0.2', port: 9999 };

function run(frames: Buffer[], linkType = 1, modules: ProtocolModule[] = []): { sink: Collect; p: Pipeline } {
  const sink = new Collect();
  const p = new Pipeline(sink, { modules });
  frames.forEach((f, i) => p.packet(f, 0, f.length, 1_700_000_000 + i / 1000, linkType, f.length));
  p.endCapture('mem', {
    format: 'pcap',
    compressed: false,
    packets: frames.length,
    bytesRead: 0,
    linkTypes: [linkType],
    interfaces: 1,
    skippedBlocks: 0,
  });
  return { sink, p };
}

function stream(log: Received[], fromInitiator: boolean): string {
  return log
    .filter((r) => r.fromInitiator === fromInitiator)
    .map((r) => (r.kind === 'gap' ? `<gap ${r.gap}>` : r.bytes))
    .join('');
}

describe('link types', () => {
  const seg = tcp(C.port, 502, 1, 0, SYN);
  const v4 = ipv4(C.ip, S.ip, 6, seg);
  const v6 = ipv6('fe80::1', '2001:db8::2', 6, seg);
  const cases: [string, number, Buffer, string][] = [
    ['Ethernet', 1, ethernet(S.mac, C.mac, 0x0800, v4), C.ip],
    ['Linux SLL', 113, sll(0x0800, C.mac, v4), C.ip],
    ['Linux SLL2', 276, sll2(0x86dd, C.mac, v6), 'fe80::1'],
    ['BSD NULL little-endian', 0, bsdLoopback(2, v4, true), C.ip],
    ['BSD NULL big-endian IPv6', 0, bsdLoopback(30, v6, false), 'fe80::1'],
    ['OpenBSD LOOP', 108, bsdLoopback(2, v4, false), C.ip],
    ['raw IP (v4)', 101, v4, C.ip],
    ['raw IP (v6)', 101, v6, 'fe80::1'],
    ['raw IPv4', 228, v4, C.ip],
    ['raw IPv6', 229, v6, 'fe80::1'],
  ];
  for (const [name, lt, frame, ip] of cases) {
    it(`${name} (${lt}) reaches the flow table`, () => {
      const { sink, p } = run([frame], lt);
      expect(p.counters.frames.transport).toBe(1);
      expect(sink.flows).toHaveLength(1);
      expect(sink.flows[0].flow.initiator.ip).toBe(ip);
      expect(sink.flows[0].flow.responder.port).toBe(502);
    });
  }

  it('keeps the source MAC of SLL frames as binding evidence', () => {
    const { sink } = run([sll(0x0800, C.mac, v4)], 113);
    expect(sink.bindings).toEqual([expect.objectContaining({ mac: C.mac, ip: C.ip, source: 'ip' })]);
  });

  it('counts an unknown link type without decoding it', () => {
    const { p } = run([v4], 147);
    expect(p.counters.frames.unknown_link).toBe(1);
    expect(p.counters.unknownLinkTypes).toEqual({ 147: 1 });
  });

  it('counts a frame too short for its headers as malformed', () => {
    const { p } = run([ethernet(S.mac, C.mac, 0x0800, v4.subarray(0, 12))]);
    expect(p.counters.frames.malformed).toBe(1);
  });
});

describe('VLAN tags', () => {
  it('follows 802.1ad + 802.1Q (QinQ) and keeps the inner (customer) VLAN', () => {
    const f = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 17, udp(47808, 47808, Buffer.from('x'))), [
      { tpid: 0x88a8, vid: 100 },
      { vid: 20 },
    ]);
    const { sink } = run([f]);
    expect(sink.flows[0].flow.vlan).toBe(20);
    expect(sink.flows[0].flow.transport).toBe('udp');
  });

  it('follows three stacked tags', () => {
    const f = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 6, tcp(1, 2, 0, 0, SYN)), [
      { tpid: 0x9100, vid: 7 },
      { tpid: 0x88a8, vid: 8 },
      { vid: 9 },
    ]);
    const { sink } = run([f]);
    expect(sink.flows[0].flow.vlan).toBe(9);
  });
});

describe('TCP reassembly', () => {
  it('delivers in-order bytes despite reordering, retransmission and overlap', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const c = new TcpConversation(C, S, 4_294_967_000); // sequence numbers wrap during the test
    const hs = c.handshake();
    const a = c.send(true, Buffer.from('ECHO one '));
    const b = c.send(true, Buffer.from('two '));
    const d = c.send(true, Buffer.from('three '));
    const overlap = c.sendAt(true, -3, Buffer.from('ee four')); // 'ee ' again, then new bytes
    const r = c.send(false, Buffer.from('reply'));
    const { sink } = run([...hs, a, d, b, b, overlap, r], 1, [mod]);
    expect(stream(log, true)).toBe('ECHO one two three four');
    expect(stream(log, false)).toBe('reply');
    expect(sink.flows[0].protocol).toBe('echo');
    expect(sink.flows[0].packetsFromInitiator).toBe(7);
  });

  it('reports a gap when the peer acknowledges bytes the capture never saw, then carries on', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const c = new TcpConversation(C, S);
    const frames = [...c.handshake(), c.send(true, Buffer.from('ECHO a'))];
    c.skip(true, 40); // 40 bytes lost by the mirror port
    frames.push(c.send(true, Buffer.from('b')), c.send(false, Buffer.from('ack after')));
    run(frames, 1, [mod]);
    expect(stream(log, true)).toBe('ECHO a<gap 40>b');
  });

  it('flushes segments queued behind a hole at the end of the flow, after a gap', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const c = new TcpConversation(C, S);
    const frames = [...c.handshake(), c.send(true, Buffer.from('ECHO x'))];
    c.skip(true, 5);
    frames.push(c.send(true, Buffer.from('tail')));
    run(frames, 1, [mod]);
    expect(stream(log, true)).toBe('ECHO x<gap 5>tail');
  });

  it('starts mid-stream (no SYN) and names the service-port side the responder', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const c = new TcpConversation(C, S);
    c.handshake(); // not captured
    const req = c.send(true, Buffer.from('ECHO req'));
    const resp = c.send(false, Buffer.from('ECHO resp'));
    const { sink } = run([resp, req], 1, [mod]); // the response is the first frame seen
    expect(sink.flows[0].flow.initiator).toMatchObject({ ip: C.ip, port: C.port, mac: C.mac });
    expect(sink.flows[0].flow.responder).toMatchObject({ ip: S.ip, port: 9999, mac: S.mac });
    expect(stream(log, true)).toBe('ECHO req');
    expect(stream(log, false)).toBe('ECHO resp');
    expect(sink.events.map((e) => e.src.ip)).toEqual([S.ip, C.ip]);
  });

  it('counts garbage on a decoder port as a mismatch and names the flow by its port', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const c = new TcpConversation(C, S);
    const frames = [...c.handshake()];
    for (let i = 0; i < 8; i++) frames.push(c.send(true, Buffer.from(`junk ${i}`)));
    const { sink, p } = run(frames, 1, [mod]);
    expect(log).toEqual([]);
    expect(p.counters.mismatches).toEqual({ echo: 1 });
    expect(sink.flows[0]).toMatchObject({ protocol: 'tcp/9999', decoded: false });
  });

  it('finds a protocol on another port by its heuristic', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const c = new TcpConversation(C, { ...S, port: 48010 });
    const { sink, p } = run([...c.handshake(), c.send(true, Buffer.from('ECHO hi'))], 1, [mod]);
    expect(stream(log, true)).toBe('ECHO hi');
    expect(p.counters.heuristicFlows).toEqual({ echo: 1 });
    expect(sink.flows[0].protocol).toBe('echo');
  });

  it('separates a new connection that reuses the 4-tuple after a close', () => {
    const c1 = new TcpConversation(C, S, 100);
    const c2 = new TcpConversation(C, S, 9000);
    const { sink } = run([...c1.handshake(), ...c1.close(), ...c2.handshake()]);
    expect(sink.flows).toHaveLength(2);
  });

  it('bounds the out-of-order bytes all streams hold: past it a hole is declared lost at once', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log);
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [mod], flow: { maxQueuedBytes: 10 } });
    let ts = 1000;
    const at = (f: Buffer) => p.packet(f, 0, f.length, (ts += 0.01), 1, f.length);
    const a = new TcpConversation(C, S);
    const b = new TcpConversation({ ...C, port: 50002 }, S);
    [...a.handshake(), a.send(true, Buffer.from('ECHO a'))].forEach(at);
    const hole = a.sendAt(true, 0, Buffer.from('12345'));
    a.skip(true, 5);
    at(a.send(true, Buffer.from('tail'))); // held: 4 of the 10 bytes
    [...b.handshake(), b.send(true, Buffer.from('ECHO b'))].forEach(at);
    b.skip(true, 5);
    at(b.send(true, Buffer.from('abcdefgh'))); // 4 + 8 > 10: not held, its hole is lost now
    expect(p.counters.anomalies).toEqual({ 'tcp.reassembly_bound': 1 });
    at(hole); // a's hole filled: its held bytes go out in order
    const c = new TcpConversation({ ...C, port: 50003 }, S);
    [...c.handshake(), c.send(true, Buffer.from('ECHO c'))].forEach(at);
    c.skip(true, 5);
    at(c.send(true, Buffer.from('12345678'))); // the budget is free again: held until the end
    p.endCapture('mem', { format: 'pcap', compressed: false, packets: 0, bytesRead: 0, linkTypes: [1], interfaces: 1, skippedBlocks: 0 });
    const byFlow = (port: number) => sink.events.filter((e) => e.src.port === port).length;
    expect([byFlow(50001), byFlow(50002), byFlow(50003)]).toEqual([3, 2, 2]);
    expect(p.counters.anomalies).toEqual({ 'tcp.reassembly_bound': 1 });
    expect(log.map((r) => (r.kind === 'gap' ? `<gap ${r.gap}>` : r.bytes)).join('|')).toBe(
      'ECHO a|ECHO b|<gap 5>|abcdefgh|12345|tail|ECHO c|<gap 5>|12345678',
    );
  });

  it('ends a UDP flow idle past its timeout: a datagram after the silence starts a new flow, counted in it', () => {
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [] });
    const dgram = (from: typeof C, to: typeof C, ts: number) => {
      const f = ethernet(to.mac, from.mac, 0x0800, ipv4(from.ip, to.ip, 17, udp(from.port, to.port, Buffer.from('x'))));
      p.packet(f, 0, f.length, ts, 1, f.length);
    };
    dgram(C, S, 1000);
    dgram(S, C, 1000.01);
    dgram(C, S, 1000 + 301); // the default UDP idle timeout is 300 s
    dgram(S, C, 1000 + 301.01);
    p.endCapture('mem', { format: 'pcap', compressed: false, packets: 4, bytesRead: 0, linkTypes: [1], interfaces: 1, skippedBlocks: 0 });
    expect(sink.flows.map((f) => [f.firstSeen, f.lastSeen, f.packetsFromInitiator, f.packetsFromResponder])).toEqual([
      [1000, 1000.01, 1, 1],
      [1301, 1301.01, 1, 1],
    ]);
  });

  it('ends a closed TCP connection 10 s after its FIN while a busy flow keeps the other timeouts far away', () => {
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [] });
    const at = (f: Buffer, ts: number) => p.packet(f, 0, f.length, ts, 1, f.length);
    const c = new TcpConversation(C, S);
    c.handshake().forEach((f, i) => at(f, 1000 + i / 100));
    const closing = c.close();
    closing.forEach((f, i) => at(f, 1001 + i / 100));
    const P = { mac: '00:0e:8c:00:00:03', ip: '10.0.0.3', port: 47808 };
    for (let t = 1002; t <= 1030; t += 2) {
      const f = ethernet(P.mac, C.mac, 0x0800, ipv4(C.ip, P.ip, 17, udp(47808, 47808, Buffer.from('x'))));
      at(f, t);
    }
    // the closed connection ended at the sweep after 1011: the same 4-tuple's late ACK is a new flow
    at(closing[2], 1031);
    p.endCapture('mem', { format: 'pcap', compressed: false, packets: 0, bytesRead: 0, linkTypes: [1], interfaces: 1, skippedBlocks: 0 });
    const tcpFlows = sink.flows.filter((f) => f.flow.transport === 'tcp');
    expect(tcpFlows.map((f) => [f.firstSeen, f.lastSeen])).toEqual([
      [1000, 1001.02],
      [1031, 1031],
    ]);
    expect(sink.flows.indexOf(tcpFlows[0])).toBe(0); // ended by the sweep, before the end of the capture
  });

  it('ends a flow whose capture time went back at the sweep its new deadline calls for', () => {
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [] });
    const B = { mac: '00:0e:8c:00:00:03', ip: '10.0.0.3', port: 47808 };
    const dgram = (from: typeof C, to: typeof C, ts: number) => {
      const f = ethernet(to.mac, from.mac, 0x0800, ipv4(from.ip, to.ip, 17, udp(from.port, to.port, Buffer.from('x'))));
      p.packet(f, 0, f.length, ts, 1, f.length);
    };
    dgram(C, S, 1000);
    dgram(B, S, 1020); // a sweep: nothing to end
    dgram(C, S, 900); // merged captures: this flow's deadline moves back to 1200
    dgram(B, S, 1210); // the sweep that ends it
    dgram(C, S, 1295); // a new flow
    p.endCapture('mem', { format: 'pcap', compressed: false, packets: 0, bytesRead: 0, linkTypes: [1], interfaces: 1, skippedBlocks: 0 });
    const mine = sink.flows.filter((f) => f.flow.initiator.ip === C.ip);
    expect(mine.map((f) => [f.firstSeen, f.packetsFromInitiator])).toEqual([
      [1000, 2],
      [1295, 1],
    ]);
  });

  it("checkpoints report each open flow's traffic since the last one, oldest flow first, and keep the flows open", () => {
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [], flow: { maxFlows: 2 } });
    const dgram = (clientPort: number, ts: number) => {
      const f = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 17, udp(clientPort, 47808, Buffer.from('x'))));
      p.packet(f, 0, f.length, ts, 1, f.length);
    };
    dgram(40001, 1000);
    dgram(40002, 1001);
    dgram(40001, 1003); // the first flow is seen again
    p.checkpoint();
    const window = (s: FlowSummary) => [s.flow.initiator.port, s.firstSeen, s.lastSeen, s.packetsFromInitiator];
    expect(sink.flows.map(window)).toEqual([
      [40001, 1000, 1003, 2],
      [40002, 1001, 1001, 1],
    ]);
    dgram(40001, 1004);
    p.checkpoint(); // only the first flow has traffic since
    expect(sink.flows.slice(2).map(window)).toEqual([[40001, 1003, 1004, 1]]);
    expect(p.activeFlows).toBe(2);
    // a third flow fills the table: the first flow, seen since it was queued at its opening (1000), gets a
    // second chance whatever the checkpoints made of its first-seen time; the second, not seen since, ends
    dgram(40003, 1005);
    expect(p.counters.anomalies).toEqual({ 'flow.evicted': 1 });
    expect(sink.flows.slice(3).map(window)).toEqual([[40002, 1001, 1001, 0]]);
  });

  describe('a full flow table', () => {
    const client = (i: number) => ({ mac: C.mac, ip: `10.0.1.${i}`, port: 40000 + i });
    const setup = (maxFlows: number) => {
      const sink = new Collect();
      const p = new Pipeline(sink, { modules: [], flow: { maxFlows } });
      const at = (f: Buffer, ts: number) => p.packet(f, 0, f.length, ts, 1, f.length);
      const end = () =>
        p.endCapture('mem', {
          format: 'pcap',
          compressed: false,
          packets: 0,
          bytesRead: 0,
          linkTypes: [1],
          interfaces: 1,
          skippedBlocks: 0,
        });
      return { sink, p, at, end };
    };

    it('ends the oldest flows that never carried payload first (a scan), and keeps a conversation', () => {
      const { sink, p, at, end } = setup(4);
      const plc = new TcpConversation(client(1), S);
      plc.handshake().forEach((f, i) => at(f, 1000 + i / 100));
      at(plc.send(true, Buffer.from('poll')), 1000.1);
      for (let i = 2; i <= 7; i++) at(new TcpConversation(client(i), S).handshake()[0], 1001 + i); // SYNs only
      expect(p.counters.anomalies).toEqual({ 'flow.evicted': 3 });
      expect(sink.flows.map((f) => f.flow.initiator.ip)).toEqual(['10.0.1.2', '10.0.1.3', '10.0.1.4']); // ended early, oldest first
      at(plc.send(true, Buffer.from('poll')), 1010);
      end();
      const conversation = sink.flows.filter((f) => f.flow.initiator.ip === '10.0.1.1');
      expect(conversation.map((f) => f.packetsFromInitiator)).toEqual([4]); // one flow from its SYN to the end
    });

    it('when every flow carried payload, ends the oldest not seen since it was queued: talking earns a second chance', () => {
      const { sink, p, at, end } = setup(3);
      const convs = [1, 2, 3, 4].map((i) => new TcpConversation(client(i), S));
      convs.slice(0, 3).forEach((c, i) => at(c.send(true, Buffer.from('x')), 1000 + i));
      at(convs[0].send(true, Buffer.from('y')), 1005); // the oldest is the most recently seen
      at(convs[3].send(true, Buffer.from('x')), 1006);
      expect(p.counters.anomalies).toEqual({ 'flow.evicted': 1 });
      expect(sink.flows.map((f) => f.flow.initiator.ip)).toEqual(['10.0.1.2']);
      end();
      expect(sink.flows).toHaveLength(4);
    });

    it('keeps polling conversations whole through a scan whose probes carry payload', () => {
      // 40 pollers (more than any fixed sample of the oldest flows) and probes enough to cycle the table
      const { sink, p, at, end } = setup(60);
      const pollers = Array.from({ length: 40 }, (_, i) => new TcpConversation(client(i + 1), S));
      let ts = 1000;
      pollers.forEach((c) => c.handshake().forEach((f) => at(f, (ts += 0.001))));
      for (let round = 0; round < 10; round++) {
        for (const c of pollers) {
          at(c.send(true, Buffer.from('poll')), (ts += 0.001));
          at(c.send(false, Buffer.from('data')), (ts += 0.001));
        }
        for (let k = 0; k < 10; k++) {
          const probe = udp(50000, 1000 + round * 10 + k, Buffer.from('probe'));
          at(ethernet(S.mac, C.mac, 0x0800, ipv4('10.0.9.9', S.ip, 17, probe)), (ts += 0.001));
        }
      }
      end();
      expect(p.counters.anomalies['flow.evicted']).toBe(80); // 100 probes, 20 of which fit
      for (let i = 1; i <= 40; i++) {
        const theirs = sink.flows.filter((f) => f.flow.initiator.ip === `10.0.1.${i}`);
        expect(theirs.map((f) => f.packetsFromInitiator + f.packetsFromResponder)).toEqual([23]); // handshake + 10 polls and answers
      }
    });
  });

  it('contains a decoder that throws: counted, the flow stops decoding, the pipeline goes on', () => {
    const bad: ProtocolModule = {
      name: 'bad',
      transports: ['tcp'],
      ports: [9999],
      probe: () => true,
      createDecoder: () => ({
        onData() {
          throw new Error('boom');
        },
      }),
    };
    const c = new TcpConversation(C, S);
    const { p } = run([...c.handshake(), c.send(true, Buffer.from('a')), c.send(true, Buffer.from('b'))], 1, [bad]);
    expect(p.counters.anomalies).toEqual({ 'bad.decoder_exception': 1 });
  });
});

describe('IPv6 and IPv4 fragments', () => {
  it('tracks a TCP flow over IPv6 with its addresses', () => {
    const a = '2001:db8::10';
    const b = '2001:db8::20';
    const syn = ethernet(S.mac, C.mac, 0x86dd, ipv6(a, b, 6, tcp(40000, 4840, 5, 0, SYN)));
    const synAck = ethernet(C.mac, S.mac, 0x86dd, ipv6(b, a, 6, tcp(4840, 40000, 99, 6, SYN | ACK)));
    const { sink } = run([syn, synAck]);
    expect(sink.flows).toHaveLength(1);
    expect(sink.flows[0].flow.initiator.ip).toBe('2001:db8::10');
    expect(sink.flows[0].flow.responder).toMatchObject({ ip: '2001:db8::20', port: 4840 });
    expect(sink.flows[0].packetsFromResponder).toBe(1);
  });

  it('reassembles an IPv4-fragmented UDP datagram before the decoder sees it', () => {
    const log: Received[] = [];
    const mod = recordingModule('echo', [9999], 'ECHO', log, ['udp']);
    const dgram = udp(40000, 9999, Buffer.from('ECHO ' + 'x'.repeat(60) + ' end'));
    const part1 = dgram.subarray(0, 32);
    const part2 = dgram.subarray(32);
    const f1 = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 17, part1, { id: 77, moreFragments: true }));
    const f2 = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 17, part2, { id: 77, fragOffset: 32 }));
    const { p } = run([f2, f1], 1, [mod]); // out of order
    expect(p.counters.ipv4Fragments).toMatchObject({ fragments: 2, reassembled: 1 });
    expect(stream(log, true)).toBe('ECHO ' + 'x'.repeat(60) + ' end');
  });

  it('drops (and counts) a fragmented datagram whose other fragments never come', () => {
    const first = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 17, udp(40000, 9999, Buffer.alloc(40)), { id: 9, moreFragments: true }));
    const later = ethernet(S.mac, C.mac, 0x0800, ipv4(C.ip, S.ip, 17, udp(40000, 9999, Buffer.alloc(40)), { id: 10, moreFragments: true }));
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [] });
    p.packet(first, 0, first.length, 1000, 1, first.length);
    p.packet(later, 0, later.length, 1100, 1, later.length); // 100 s later: the first datagram's 30 s are long gone
    expect(p.counters.ipv4Fragments).toMatchObject({ fragments: 2, reassembled: 0, expired: 1 });
  });
});

describe('protocols directly over Ethernet', () => {
  it("hands frames of a module's EtherType (after VLAN tags) to one decoder per MAC pair", () => {
    const log: Received[] = [];
    const base = recordingModule('dcp', [], 'DCP', log);
    const mod: ProtocolModule = { ...base, ethertype: { type: 0x8892, createDecoder: base.createDecoder } };
    const req = ethernet('01:0e:cf:00:00:00', C.mac, 0x8892, Buffer.from('DCP identify'), [{ vid: 5 }]);
    const resp = ethernet(C.mac, S.mac, 0x8892, Buffer.from('DCP response'));
    const again = ethernet('01:0e:cf:00:00:00', C.mac, 0x8892, Buffer.from('DCP again'));
    const { sink, p } = run([req, resp, again], 1, [mod]);
    expect(log.map((r) => r.bytes)).toEqual(['DCP identify', 'DCP response', 'DCP again']);
    expect(sink.events.map((e) => `${e.src.mac}>${e.dst.mac} ${e.flow.transport}`)).toEqual([
      `${C.mac}>01:0e:cf:00:00:00 l2`,
      `${S.mac}>${C.mac} l2`,
      `${C.mac}>01:0e:cf:00:00:00 l2`,
    ]);
    expect(p.counters.frames.other_l3).toBe(3);
    expect(sink.events[0].src.vlan).toBe(5);
  });
});

describe('ARP', () => {
  it('turns requests and replies into MAC↔IP bindings', () => {
    const req = ethernet('ff:ff:ff:ff:ff:ff', C.mac, 0x0806, arp(1, C.mac, C.ip, '00:00:00:00:00:00', S.ip));
    const rep = ethernet(C.mac, S.mac, 0x0806, arp(2, S.mac, S.ip, C.mac, C.ip));
    const { sink, p } = run([req, rep]);
    expect(p.counters.frames.arp).toBe(2);
    expect(sink.bindings.map((b) => `${b.mac} ${b.ip} ${b.source}`).sort()).toEqual(
      [`${C.mac} ${C.ip} arp`, `${S.mac} ${S.ip} arp`].sort(),
    );
  });
});

describe('capture files through the pipeline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-pipe-'));
  const c = new TcpConversation(C, S);
  const frames = [...c.handshake(), c.send(true, Buffer.from('ECHO 1')), c.send(false, Buffer.from('2'))];
  const records = frames.map((data, i) => ({ data, sec: 1_700_000_000 + i, frac: 0 }));

  it('reads a big-endian nanosecond pcap like a little-endian microsecond one', async () => {
    const le = join(dir, 'le.pcap');
    const be = join(dir, 'be.pcap');
    writeFileSync(le, pcapFile(records));
    writeFileSync(be, pcapFile(records, { littleEndian: false, nano: true }));
    const a = new Collect();
    const b = new Collect();
    await runPipeline([le], a, { modules: [] });
    await runPipeline([be], b, { modules: [] });
    expect(b.flows).toEqual(a.flows.map((f) => ({ ...f, flow: { ...f.flow } })));
    expect(a.flows[0].packetsFromInitiator).toBe(3); // SYN, ACK, data
    expect(a.flows[0].packetsFromResponder).toBe(2); // SYN-ACK, data
  });

  it('a truncated capture gives what was readable and says where it broke', async () => {
    const whole = Buffer.concat([pcapHeader(), ...records.map((r) => pcapRecord(r))]);
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, whole.subarray(0, whole.length - 3));
    const sink = new Collect();
    const counters = await runPipeline([cut], sink, { modules: [] });
    expect(counters.packets).toBe(records.length - 1);
    expect(counters.files[0].error?.record).toBe(records.length);
    expect(counters.files[0].error?.offset).toBe(whole.length - (16 + frames[frames.length - 1].length));
    expect(sink.flows).toHaveLength(1);
  });
});

describe.skipIf(!corpusAvailable)('every corpus capture through the whole pipeline', () => {
  const files = corpusCaptures();
  it(`reads all ${files.length} captures with the oracle's packet count and no decoder exception`, async () => {
    const problems: string[] = [];
    for (const rel of files) {
      const counters = await runPipeline([corpusPath(rel)], new Collect());
      const want = oracleFor(rel).packets;
      if (counters.packets !== want) problems.push(`${rel}: ${counters.packets} packets, oracle ${want}`);
      if (counters.files[0].error) problems.push(`${rel}: ${counters.files[0].error.message}`);
      const ex = Object.entries(counters.anomalies).filter(([k]) => k.endsWith('.decoder_exception'));
      if (ex.length) problems.push(`${rel}: ${JSON.stringify(ex)}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('connection attempts', () => {
  // each flow on its own client port, ended at the end of the capture: its summary's attempt
  const attemptsOf = (flows: Buffer[][]): (string | undefined)[] => {
    const sink = new Collect();
    const p = new Pipeline(sink, { modules: [] });
    let ts = 1000;
    for (const frames of flows) for (const f of frames) p.packet(f, 0, f.length, (ts += 0.01), 1, f.length);
    p.endCapture('mem', { format: 'pcap', compressed: false, packets: 0, bytesRead: 0, linkTypes: [1], interfaces: 1, skippedBlocks: 0 });
    expect(p.counters.flows.unanswered).toBe(sink.flows.filter((s) => s.attempt === 'unanswered').length);
    expect(p.counters.flows.refused).toBe(sink.flows.filter((s) => s.attempt === 'refused').length);
    return sink.flows.sort((a, b) => a.flow.initiator.port - b.flow.initiator.port).map((s) => s.attempt);
  };
  const conv = (i: number) => new TcpConversation({ ...C, port: 41000 + i }, S);
  const from = (c: TcpConversation, client: boolean, flags: number) => {
    const [a, b] = client ? [c.client, c.server] : [c.server, c.client];
    return ethernet(b.mac, a.mac, 0x0800, ipv4(a.ip, b.ip, 6, tcp(a.port, b.port, 1, 1, flags)));
  };

  it('tells a SYN that got nothing back and one refused from conversations, with or without payload', () => {
    const c = [0, 1, 2, 3, 4, 5].map(conv);
    expect(
      attemptsOf([
        [from(c[0], true, SYN), from(c[0], true, SYN)], // retransmitted, never answered
        [from(c[1], true, SYN), from(c[1], false, RST | ACK)], // a closed port
        [...c[2].handshake(), from(c[2], true, RST | ACK)], // an open port, connected and dropped (a connect scan)
        [...c[3].handshake(), c[3].send(true, Buffer.from('poll'))], // a conversation
        [from(c[4], true, ACK), from(c[4], false, ACK)], // keepalives of a connection older than the capture
        [from(c[5], true, SYN), c[5].send(true, Buffer.from('hello'))], // one-way mirror: the client's side only
      ]),
    ).toEqual(['unanswered', 'refused', undefined, undefined, undefined, undefined]);
  });
});
