import { describe, expect, it } from 'vitest';
import { DnsDecoder } from './decoder.js';
import { probeDns } from './probe.js';
import { a, aResponse, fakeContext, header, QR, question, record, u16 } from '../../../test/helpers/dns/testing.js';

const HMI = { ip: '10.20.1.11', port: 51000 };
const RESOLVER = { ip: '10.20.1.1', port: 53 };
const query = (id: number, name: string): Buffer => Buffer.concat([header(id, 0x0100, 1, 0, 0, 0), question(name, 1)]);

describe('DNS over UDP', () => {
  it('emits a query and an answer whose A record names the answered address, not the resolver', () => {
    const ctx = fakeContext(HMI, RESOLVER);
    const d = new DnsDecoder(ctx, 'dns');
    d.onData(true, query(0x42, 'hmi-01.plant.local'), 1);
    d.onData(false, aResponse(0x42, 'hmi-01.plant.local', ['10.20.1.11']), 2);
    expect(ctx.anomalies).toEqual([]);
    expect(ctx.events.map((e) => [e.fn, e.direction, e.operation, e.detail])).toEqual([
      ['query', 'request', 'discovery', 'A hmi-01.plant.local'],
      ['response', 'response', 'discovery', 'A hmi-01.plant.local = 10.20.1.11'],
    ]);
    expect(ctx.events[0]!.identity).toBeUndefined();
    expect(ctx.events[1]!.identity).toEqual([{ about: 'src', ip: '10.20.1.11', attribute: 'name', value: 'hmi-01.plant.local' }]);
    expect(ctx.events[1]!.src).toBe(RESOLVER);
    expect(ctx.events[1]!.fields).toMatchObject({
      id: 0x42,
      rcode: 'NOERROR',
      answers: [{ name: 'hmi-01.plant.local', type: 'A', data: '10.20.1.11' }],
    });
  });

  it('reports NXDOMAIN without claims, an mDNS announcement with its protocol name, and counts a short datagram', () => {
    const ctx = fakeContext({ ip: '192.168.0.7', port: 5353 }, { ip: '224.0.0.251', port: 5353 });
    const d = new DnsDecoder(ctx, 'mdns');
    d.onData(true, Buffer.concat([header(0, QR | 0x0400, 0, 1, 0, 0), record('plc-7.local', 1, a('192.168.0.7'), 0x8001, 120)]), 1);
    d.onData(true, Buffer.concat([header(5, QR | 3, 1, 0, 0, 0), question('nope.local', 1)]), 2);
    d.onData(true, Buffer.alloc(5), 3);
    expect(ctx.events.map((e) => [e.protocol, e.fn, e.detail])).toEqual([
      ['mdns', 'announcement', 'announce plc-7.local = 192.168.0.7'],
      ['mdns', 'response', 'A nope.local NXDOMAIN'],
    ]);
    expect(ctx.events[0]!.identity).toEqual([{ about: 'src', ip: '192.168.0.7', attribute: 'name', value: 'plc-7.local' }]);
    expect(ctx.events[1]!.identity).toBeUndefined();
    expect(ctx.anomalies).toEqual([{ kind: 'short_message', detail: '5 bytes' }]);
  });

  it('keeps the answers before a malformed record and counts it', () => {
    const ctx = fakeContext(HMI, RESOLVER);
    const whole = aResponse(3, 'plc.plant.local', ['10.0.0.1', '10.0.0.2']);
    new DnsDecoder(ctx, 'dns').onData(false, whole.subarray(0, whole.length - 1), 1);
    expect(ctx.events[0]!.identity).toEqual([{ about: 'src', ip: '10.0.0.1', attribute: 'name', value: 'plc.plant.local' }]);
    expect(ctx.anomalies.map((x) => x.kind)).toEqual(['malformed']);
  });
});

describe('DNS over TCP', () => {
  const framed = (m: Buffer): Buffer => Buffer.concat([u16(m.length), m]);

  it('reassembles a message split across segments and splits two in one segment', () => {
    const ctx = fakeContext(HMI, RESOLVER, 'tcp');
    const d = new DnsDecoder(ctx, 'dns');
    const r1 = framed(aResponse(1, 'a.plant.local', ['10.0.0.1']));
    const r2 = framed(aResponse(2, 'b.plant.local', ['10.0.0.2']));
    d.onData(false, r1.subarray(0, 1), 1);
    d.onData(false, r1.subarray(1, 20), 1);
    d.onData(false, Buffer.concat([r1.subarray(20), r2]), 2);
    d.onEnd();
    expect(ctx.events.map((e) => e.identity?.[0]?.value)).toEqual(['a.plant.local', 'b.plant.local']);
    expect(ctx.anomalies).toEqual([]);
  });

  it('after a gap waits for a chunk that starts a message, and counts a bad length', () => {
    const ctx = fakeContext(HMI, RESOLVER, 'tcp');
    const d = new DnsDecoder(ctx, 'dns');
    const r = framed(aResponse(1, 'a.plant.local', ['10.0.0.1']));
    d.onData(false, r.subarray(0, 10), 1);
    d.onGap(false);
    d.onData(false, r.subarray(30), 2); // the lost message's tail: dropped
    d.onData(false, framed(aResponse(2, 'b.plant.local', ['10.0.0.2'])), 3);
    expect(ctx.events.map((e) => e.identity?.[0]?.value)).toEqual(['b.plant.local']);
    d.onData(true, Buffer.from([0, 3, 1, 2, 3]), 4);
    expect(ctx.anomalies).toEqual([{ kind: 'bad_length', detail: 'TCP message length 3' }]);
  });

  it('counts a stream that ends inside a message', () => {
    const ctx = fakeContext(HMI, RESOLVER, 'tcp');
    const d = new DnsDecoder(ctx, 'dns');
    d.onData(true, framed(query(1, 'x.local')).subarray(0, 8), 1);
    d.onEnd();
    expect(ctx.anomalies.map((x) => x.kind)).toEqual(['truncated_message']);
  });
});

describe('probe', () => {
  const udp = (srcPort: number, dstPort: number) => ({ transport: 'udp' as const, fromInitiator: true, srcPort, dstPort });

  it('accepts a query or answer on its own port only', () => {
    expect(probeDns(query(1, 'plc.local'), udp(50000, 53), 53)).toBe(true);
    expect(probeDns(aResponse(1, 'plc.local', ['10.0.0.1']), udp(53, 50000), 53)).toBe(true);
    expect(probeDns(query(1, 'plc.local'), udp(50000, 5353), 53)).toBe(false);
    const tcpQ = Buffer.concat([u16(query(1, 'plc.local').length), query(1, 'plc.local')]);
    expect(probeDns(tcpQ, { transport: 'tcp', fromInitiator: true, srcPort: 50000, dstPort: 53 }, 53)).toBe(true);
  });

  it('refuses what is not a DNS header: empty counts, counts that cannot fit, unknown opcodes, a broken first name', () => {
    expect(probeDns(header(1, 0, 0, 0, 0, 0), udp(50000, 53), 53)).toBe(false);
    expect(probeDns(Buffer.concat([header(1, 0, 40, 0, 0, 0), question('x', 1)]), udp(50000, 53), 53)).toBe(false);
    expect(probeDns(Buffer.concat([header(1, 3 << 11, 1, 0, 0, 0), question('x', 1)]), udp(50000, 53), 53)).toBe(false);
    expect(probeDns(Buffer.concat([header(1, 0, 1, 0, 0, 0), Buffer.from([0xc0, 0x0c, 0, 1, 0, 1])]), udp(50000, 53), 53)).toBe(false);
    // a Modbus read request on port 53
    expect(probeDns(Buffer.from('000100000006010300000010', 'hex'), udp(50000, 53), 53)).toBe(false);
  });
});
