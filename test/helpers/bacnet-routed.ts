/**
 * A BACnet router scenario on real bytes for inventory and store tests: a workstation reads the identity of
 * an MS/TP device behind a router (network 3, MAC 0x1d, the Lithonia SYSC MLX of icsnpp bacnet_services) and
 * writes to another (MAC 0x6c); the router re-broadcasts the devices' I-Ams, and its own. The datagrams go
 * through the BACnet decoder, the events into the sink, as the pipeline would hand them over.
 */
import { bacnetModule } from '../../src/protocols/bacnet/index.js';
import { app, bvlc, close, ctx, fakeContext, oid, open, utf8 } from './bacnet/test-helpers.js';
import type { AddressBinding, Endpoint, FlowSummary, PipelineSink, ProtocolEvent } from '../../src/core/events.js';

export const WS: Endpoint = { ip: '10.0.0.50', port: 47808, mac: '00:e0:4b:04:bd:fa' };
export const ROUTER: Endpoint = { ip: '10.0.0.24', port: 47808, mac: '00:e0:c9:00:10:a5' };
export const BROADCAST: Endpoint = { ip: '10.0.0.255', port: 47808, mac: 'ff:ff:ff:ff:ff:ff' };

/** NPDU of a request to DNET/DADR (expecting reply, hop count 255) and of a message from SNET/SADR. */
const toRemote = (net: number, mac: number[]) => [0x01, 0x24, net >> 8, net & 0xff, mac.length, ...mac, 0xff];
const fromRemote = (net: number, mac: number[]) => [0x01, 0x08, net >> 8, net & 0xff, mac.length, ...mac];
const local = (expectingReply = false) => [0x01, expectingReply ? 0x04 : 0x00];

export const readProperty = (npdu: number[], invoke: number, instance: number, prop: number) =>
  bvlc(0x0a, [...npdu, 0x02, 0x03, invoke, 0x0c, ...ctx(0, oid(8, instance)), ...ctx(1, [prop])]);
export const readPropertyAck = (npdu: number[], invoke: number, instance: number, prop: number, value: number[]) =>
  bvlc(0x0a, [...npdu, 0x30, invoke, 0x0c, ...ctx(0, oid(8, instance)), ...ctx(1, [prop]), ...open(3), ...value, ...close(3)]);
export const iAm = (npdu: number[], instance: number, vendor: number) =>
  bvlc(0x0b, [...npdu, 0x10, 0x00, ...app(12, oid(8, instance)), ...app(2, [0x01, 0xe0]), ...app(9, [3]), ...app(2, [vendor])]);
/** WriteProperty analog-value 1 present-value := 21.5 and its Simple-ACK. */
export const writeProperty = (npdu: number[], invoke: number) =>
  bvlc(0x0a, [
    ...npdu,
    0x00,
    0x05,
    invoke,
    0x0f,
    ...ctx(0, oid(2, 1)),
    ...ctx(1, [85]),
    ...open(3),
    ...app(4, [0x41, 0xac, 0x00, 0x00]),
    ...close(3),
  ]);
export const simpleAck = (npdu: number[], invoke: number) => bvlc(0x0a, [...npdu, 0x20, invoke, 0x0f]);

/** Decodes datagrams of one UDP flow (initiator `a`) and hands events, bindings and the flow summary to `sink`. */
export function feedFlow(
  sink: PipelineSink,
  a: Endpoint,
  b: Endpoint,
  frames: [boolean, Buffer][],
  t0: number,
): { events: ProtocolEvent<object>[]; summary: FlowSummary } {
  const c = fakeContext(a, b);
  const d = bacnetModule.createDecoder(c);
  const counts = { pI: 0, pR: 0, bI: 0, bR: 0 };
  frames.forEach(([fromInitiator, buf], i) => {
    d.onData(fromInitiator, buf, t0 + i);
    // IP payload bytes, UDP header included, as the flow table counts them.
    if (fromInitiator) {
      counts.pI++;
      counts.bI += buf.length + 8;
    } else {
      counts.pR++;
      counts.bR += buf.length + 8;
    }
  });
  d.onEnd?.(t0 + frames.length);
  if (c.anomalies.length) throw new Error(`decoder anomalies: ${JSON.stringify(c.anomalies)}`);
  for (const ep of [a, b])
    if (ep.mac && !ep.mac.startsWith('ff')) sink.onBinding?.({ ts: t0, mac: ep.mac, ip: ep.ip, source: 'ip' } satisfies AddressBinding);
  for (const e of c.events) sink.onEvent(e);
  const summary: FlowSummary = {
    flow: c.flow,
    protocol: 'bacnet',
    decoded: true,
    firstSeen: t0,
    lastSeen: t0 + frames.length - 1,
    packetsFromInitiator: counts.pI,
    packetsFromResponder: counts.pR,
    bytesFromInitiator: counts.bI,
    bytesFromResponder: counts.bR,
  };
  sink.onFlowEnd(summary);
  return { events: c.events, summary };
}

/** The scenario: I-Ams at t0, identity reads of bacnet:3:1d and a write to bacnet:3:6c from t0 + 10. */
export function routedScenario(sink: PipelineSink, t0 = 1000): { summary: FlowSummary } {
  const D1 = [0x1d];
  const D2 = [0x6c];
  feedFlow(
    sink,
    ROUTER,
    BROADCAST,
    [
      [true, iAm(fromRemote(3, D1), 29, 42)], // Acuity Brands Lighting
      [true, iAm(local(), 4194303, 24)], // the router's own device object (Automated Logic)
      [true, iAm(fromRemote(1, [10, 0, 0, 50, 0xba, 0xc0]), 126, 42)], // the workstation's I-Am, echoed from B/IP network 1
    ],
    t0,
  );
  const { summary } = feedFlow(
    sink,
    WS,
    ROUTER,
    [
      [true, readProperty(toRemote(3, D1), 0x93, 29, 121)],
      [false, readPropertyAck(fromRemote(3, D1), 0x93, 29, 121, app(7, utf8('Lithonia Lighting, Inc.')))],
      [true, readProperty(toRemote(3, D1), 0x94, 29, 70)],
      [false, readPropertyAck(fromRemote(3, D1), 0x94, 29, 70, app(7, utf8('SYSC MLX')))],
      [true, readProperty(toRemote(3, D1), 0x95, 29, 44)],
      [false, readPropertyAck(fromRemote(3, D1), 0x95, 29, 44, app(7, utf8('2.62')))],
      [true, writeProperty(toRemote(3, D2), 0x96)],
      [false, simpleAck(fromRemote(3, D2), 0x96)],
    ],
    t0 + 10,
  );
  return { summary };
}

/** The workstation reads the router's own device object (no DNET): the router answers as a BACnet device. */
export function routerAsDevice(sink: PipelineSink, t0 = 2000): void {
  feedFlow(
    sink,
    { ...WS, port: 47809 },
    ROUTER,
    [
      [true, readProperty(local(true), 0x01, 4194303, 70)],
      [false, readPropertyAck(local(), 0x01, 77, 70, app(7, utf8('LGR25')))],
    ],
    t0,
  );
}
