import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../../test/helpers/dns/testing.js';
import { DhcpDecoder } from './decoder.js';
import { probeDhcp } from './probe.js';
import { dhcpMessage, ipBytes } from '../../../test/helpers/dhcp/testing.js';
import { parseDhcp } from './records.js';

const PLC_MAC = '00:0e:8c:11:22:33';
const CLIENT = { ip: '0.0.0.0', port: 68 };
const BCAST = { ip: '255.255.255.255', port: 67 };
const type = (t: number): [number, number[]] => [53, [t]];

describe('DHCP messages', () => {
  it('reads the fixed header and the options it uses', () => {
    const m = parseDhcp(
      dhcpMessage({
        op: 1,
        chaddr: PLC_MAC,
        options: [
          type(3),
          [50, ipBytes('10.20.1.10')],
          [54, ipBytes('10.20.1.1')],
          [12, 'PLC-LINE3\0'],
          [60, 'Siemens S7-1500'],
          [61, [1, 0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33]],
          [55, [1, 3, 6]],
        ],
      }),
    )!;
    expect(m).toMatchObject({
      op: 1,
      xid: 0x3903f326,
      chaddr: PLC_MAC,
      messageType: 3,
      requestedIp: '10.20.1.10',
      serverId: '10.20.1.1',
      hostName: 'PLC-LINE3',
      vendorClass: 'Siemens S7-1500',
      clientId: `mac ${PLC_MAC}`,
    });
    expect(m.malformed).toBeUndefined();
  });

  it('reads client FQDN in ASCII and in DNS wire format (also a partial name), and a text client id', () => {
    const ascii = parseDhcp(dhcpMessage({ op: 1, options: [type(1), [81, [0, 0, 0, ...Buffer.from('hmi-01.plant.local')]]] }))!;
    expect(ascii.fqdn).toBe('hmi-01.plant.local');
    const wire = parseDhcp(dhcpMessage({ op: 1, options: [[81, [0x05, 0, 0, 3, 0x68, 0x6d, 0x69, 5, ...Buffer.from('plant'), 0]]] }))!;
    expect(wire.fqdn).toBe('hmi.plant');
    const partial = parseDhcp(dhcpMessage({ op: 1, options: [[81, [0x04, 0, 0, 3, 0x68, 0x6d, 0x69]]] }))!;
    expect(partial.fqdn).toBe('hmi');
    const looped = parseDhcp(dhcpMessage({ op: 1, options: [[81, [0x04, 0, 0, 0xc0, 0x00]]] }))!;
    expect(looped.fqdn).toBeUndefined();
    expect(parseDhcp(dhcpMessage({ op: 1, options: [[61, [0, ...Buffer.from('plc-line3')]]] }))!.clientId).toBe('plc-line3');
  });

  it('reads options moved into the file field by option 52', () => {
    const file = Buffer.concat([Buffer.from([12, 4]), Buffer.from('PLC7'), Buffer.from([255])]);
    expect(parseDhcp(dhcpMessage({ op: 1, file, options: [type(1), [52, [1]]] }))!.hostName).toBe('PLC7');
    // without option 52 the file field is a file name, not options
    expect(parseDhcp(dhcpMessage({ op: 1, file, options: [type(1)] }))!.hostName).toBeUndefined();
  });

  it('flags an option running past the end, keeps the options before it, and refuses non-DHCP', () => {
    const m = parseDhcp(
      Buffer.concat([dhcpMessage({ op: 1, options: [type(1), [12, 'PLC']], noEnd: true }), Buffer.from([60, 30, 0x41])]),
    )!;
    expect(m.hostName).toBe('PLC');
    expect(m.malformed).toBe('options: option 60 length 30 runs past the end');
    expect(parseDhcp(dhcpMessage({ op: 1, options: [], cookie: 0x01020304 }))).toBeUndefined();
    expect(parseDhcp(dhcpMessage({ op: 3, options: [] }))).toBeUndefined();
    expect(parseDhcp(Buffer.alloc(100))).toBeUndefined();
    expect(parseDhcp(dhcpMessage({ op: 1, hlen: 17, options: [] }))).toBeUndefined();
  });

  it('refuses host names with control characters', () => {
    expect(parseDhcp(dhcpMessage({ op: 1, options: [[12, 'PLC\x01X']] }))!.hostName).toBeUndefined();
  });
});

describe('DHCP decoder', () => {
  it('claims the requested address for the DISCOVER names, with the client MAC', () => {
    const ctx = fakeContext(CLIENT, BCAST);
    const d = new DhcpDecoder(ctx);
    d.onData(true, dhcpMessage({ op: 1, chaddr: PLC_MAC, options: [type(1), [12, 'PLC-LINE3'], [60, 'Siemens S7-1500']] }), 1);
    d.onData(true, dhcpMessage({ op: 1, chaddr: PLC_MAC, options: [type(3), [50, ipBytes('10.20.1.10')]] }), 2);
    expect(ctx.events.map((e) => [e.fn, e.direction, e.operation, e.detail])).toEqual([
      ['discover', 'request', 'discovery', `discover for ${PLC_MAC} (PLC-LINE3)`],
      ['request', 'request', 'discovery', `request 10.20.1.10 for ${PLC_MAC} (PLC-LINE3)`],
    ]);
    expect(ctx.events[0]!.identity).toBeUndefined(); // no address yet
    expect(ctx.events[1]!.identity).toEqual([
      { about: 'src', ip: '10.20.1.10', mac: PLC_MAC, attribute: 'name', value: 'PLC-LINE3' },
      { about: 'src', ip: '10.20.1.10', mac: PLC_MAC, attribute: 'description', value: 'Siemens S7-1500' },
    ]);
  });

  it('claims an ACK for its yiaddr, and nothing for an OFFER, NAK or DECLINE', () => {
    const ctx = fakeContext({ ip: '10.20.1.1', port: 67 }, { ip: '255.255.255.255', port: 68 });
    const d = new DhcpDecoder(ctx);
    d.onData(true, dhcpMessage({ op: 2, chaddr: PLC_MAC, yiaddr: '10.20.1.10', options: [type(2), [12, 'PLC-LINE3']] }), 1);
    d.onData(true, dhcpMessage({ op: 2, chaddr: PLC_MAC, yiaddr: '10.20.1.10', options: [type(5), [12, 'PLC-LINE3']] }), 2);
    d.onData(true, dhcpMessage({ op: 2, chaddr: PLC_MAC, options: [type(6), [12, 'PLC-LINE3']] }), 3);
    d.onData(true, dhcpMessage({ op: 1, chaddr: PLC_MAC, options: [type(4), [50, ipBytes('10.20.1.10')], [12, 'PLC-LINE3']] }), 4);
    expect(ctx.events.map((e) => [e.fn, e.identity?.map((c) => `${c.ip} ${c.mac} ${c.value}`)])).toEqual([
      ['offer', undefined],
      ['ack', [`10.20.1.10 ${PLC_MAC} PLC-LINE3`]],
      ['nak', undefined],
      ['decline', undefined],
    ]);
  });

  it('claims a renewal for ciaddr and a plain BOOTP reply for yiaddr; counts garbage', () => {
    const ctx = fakeContext({ ip: '10.20.1.10', port: 68 }, { ip: '10.20.1.1', port: 67 });
    const d = new DhcpDecoder(ctx);
    d.onData(
      true,
      dhcpMessage({
        op: 1,
        chaddr: PLC_MAC,
        ciaddr: '10.20.1.10',
        options: [type(3), [81, [0, 0, 0, ...Buffer.from('plc-line3.plant.local')]]],
      }),
      1,
    );
    d.onData(false, dhcpMessage({ op: 2, chaddr: PLC_MAC, yiaddr: '10.20.1.12', options: [[12, 'OLDPLC']] }), 2);
    d.onData(false, Buffer.from('not dhcp'), 3);
    expect(ctx.events.map((e) => [e.fn, e.identity?.map((c) => `${c.ip} ${c.attribute}=${c.value}`)])).toEqual([
      ['request', ['10.20.1.10 name=plc-line3.plant.local']],
      ['bootp_reply', ['10.20.1.12 name=OLDPLC']],
    ]);
    expect(ctx.anomalies.map((x) => x.kind)).toEqual(['not_dhcp']);
  });

  it('leaves out the MAC when the hardware address is not Ethernet', () => {
    const ctx = fakeContext(CLIENT, BCAST);
    new DhcpDecoder(ctx).onData(
      true,
      dhcpMessage({ op: 1, htype: 6, hlen: 6, chaddr: PLC_MAC, options: [type(3), [50, ipBytes('10.0.0.9')], [12, 'TR']] }),
      1,
    );
    expect(ctx.events[0]!.identity).toEqual([{ about: 'src', ip: '10.0.0.9', attribute: 'name', value: 'TR' }]);
  });
});

describe('probe', () => {
  const info = (srcPort: number, dstPort: number) => ({ transport: 'udp' as const, fromInitiator: true, srcPort, dstPort });
  it('accepts BOOTP with the magic cookie on the DHCP ports only', () => {
    const m = dhcpMessage({ op: 1, options: [type(1)] });
    expect(probeDhcp(m, info(68, 67))).toBe(true);
    expect(probeDhcp(m, info(67, 68))).toBe(true);
    expect(probeDhcp(m, info(40000, 47808))).toBe(false);
    expect(probeDhcp(dhcpMessage({ op: 1, options: [], cookie: 0 }), info(68, 67))).toBe(false);
  });
});
