import { beforeEach, describe, expect, it } from 'vitest';
import { clearConnections, connectionCount } from './connections.js';
import { EnipDecoder } from './decoder.js';
import { EnipStats } from './stats.js';
import {
  cipReply,
  cipRequest,
  encap,
  fakeContext,
  forwardOpenData,
  forwardOpenReplyData,
  identityBody,
  ioDatagram,
  listIdentityReply,
  mspBody,
  path,
  sendRR,
  sendUnit,
  tagPath,
  u16,
  u32,
  unconnectedSend,
} from '../../../test/helpers/enip/test-helpers.js';

beforeEach(() => clearConnections());

function decoder(transport: 'tcp' | 'udp' = 'tcp', client = { ip: '10.0.0.1', port: 50000 }, server = { ip: '10.0.0.2', port: 44818 }) {
  const c = fakeContext(client, server, transport);
  return { c, d: new EnipDecoder(c) };
}

describe('EtherNet/IP decoder: encapsulation', () => {
  it('RegisterSession request and reply are session events; every event says auth=none', () => {
    const { c, d } = decoder();
    d.onData(true, encap(0x65, [1, 0, 0, 0], { session: 0 }), 1);
    d.onData(false, encap(0x65, [1, 0, 0, 0], { session: 0x1234 }), 2);
    expect(c.events.map((e) => [e.direction, e.fn, e.operation, e.fields.encap])).toEqual([
      ['request', 'register_session', 'session', true],
      ['response', 'register_session', 'session', true],
    ]);
    expect(c.events[1]!.detail).toBe('register_session version 1 session 0x1234');
    expect(c.events.every((e) => e.facts?.auth === 'none')).toBe(true);
  });

  it('frames messages split across chunks and several in one chunk', () => {
    const { c, d } = decoder();
    const a = sendRR(cipRequest(0x0e, path({ cls: 0xf5, inst: 1, attr: 5 })), { context: 7 });
    const b = encap(0x66, []);
    const all = Buffer.concat([a, b, a]);
    // byte by byte through the first header, then the rest in uneven pieces
    let off = 0;
    for (const n of [1, 1, 1, 5, 13, 7, 30, all.length]) {
      d.onData(true, all.subarray(off, Math.min(all.length, off + n)), 1);
      off = Math.min(all.length, off + n);
    }
    expect(c.events.map((e) => e.fn)).toEqual(['get_attribute_single', 'unregister_session', 'get_attribute_single']);
    expect(c.anomalies).toEqual([]);
  });

  it('drops garbage to the end of its chunk and recovers on the next one; a gap drops the partial message', () => {
    const { c, d } = decoder();
    d.onData(true, Buffer.from('this is not enip at all, not even close'), 1);
    const m = sendRR(cipRequest(0x01, path({ cls: 1, inst: 1 })));
    d.onData(true, m.subarray(0, 30), 2);
    d.onGap(true, 100);
    d.onData(true, m, 3);
    expect(c.events.map((e) => e.fn)).toEqual(['get_attributes_all']);
    expect(c.anomalies.map((a) => a.kind)).toEqual(['enip_bad_encapsulation_header', 'enip_message_lost_in_gap']);
  });

  it('gives up on a flow that never shows a valid header', () => {
    const { c, d } = decoder();
    for (let i = 0; i < 20; i++) d.onData(true, Buffer.from([0xff, 0xff, 0, 0, 1, 2, 3]), i);
    expect(c.anomalies.filter((a) => a.kind === 'enip_bad_encapsulation_header')).toHaveLength(8);
    expect(c.anomalies.at(-1)!.kind).toBe('enip_not_enip');
  });

  it('counts an error reply without CIP once, and unknown commands by number', () => {
    const { c, d } = decoder();
    d.onData(false, encap(0x6f, [], { status: 0x64 }), 1);
    d.onData(true, encap(0x0001, []), 2);
    expect(c.events.map((e) => [e.fn, e.fields.command, e.fields.encap, e.fields.encapStatus])).toEqual([
      ['send_rr_data', 0x6f, true, 0x64],
      ['list_targets', 1, true, undefined],
    ]);
    expect(c.events[0]!.detail).toContain('invalid session handle');
  });
});

describe('EtherNet/IP decoder: CIP', () => {
  it('pairs an unconnected reply with its request by sender context, with status and latency', () => {
    const { c, d } = decoder();
    d.onData(true, sendRR(cipRequest(0x10, path({ cls: 0xf5, inst: 1, attr: 3 }), u32(2)), { context: 9 }), 10);
    d.onData(true, sendRR(cipRequest(0x0e, path({ cls: 0xf6, inst: 1, attr: 1 })), { context: 10 }), 10.5);
    d.onData(false, sendRR(cipReply(0x0e, 0, u32(100)), { context: 10 }), 11);
    d.onData(false, sendRR(cipReply(0x10, 0x0e), { context: 9 }), 12);
    const [, , r1, r2] = c.events;
    expect(r1).toMatchObject({
      direction: 'response',
      fn: 'get_attribute_single',
      operation: 'read',
      detail: 'get_attribute_single class 0xf6 instance 1 attribute 1: success',
    });
    expect(r2).toMatchObject({
      fn: 'set_attribute_single',
      operation: 'write',
      detail: 'set_attribute_single class 0xf5 instance 1 attribute 3: status 0x0e Attribute not settable',
    });
    expect(r2!.fields).toMatchObject({ service: 0x90, generalStatus: 0x0e, paired: true, latency: 2 });
  });

  it('keeps the tag name of Logix reads and writes, connected, paired by sequence count', () => {
    const { c, d } = decoder();
    d.onData(true, sendUnit(0x11, 5, cipRequest(0x4d, tagPath('Program:Main.Valve[2]'), [0xc1, 0, 1, 0, 1])), 1);
    d.onData(false, sendUnit(0x22, 5, cipReply(0x4d)), 2);
    expect(c.events[0]).toMatchObject({ fn: 'write_tag', operation: 'write', detail: 'write_tag tag Program:Main.Valve[2]' });
    expect(c.events[0]!.fields).toMatchObject({ connected: true, connId: 0x11, seq: 5, tag: 'Program:Main.Valve[2]', classes: [] });
    expect(c.events[1]).toMatchObject({ fn: 'write_tag', direction: 'response', detail: 'write_tag tag Program:Main.Valve[2]: success' });
  });

  it('unpacks a Multiple Service Packet: one event each, the container named by its weightiest request', () => {
    const { c, d } = decoder();
    const reqs = [
      cipRequest(0x4c, tagPath('A'), u16(1)),
      cipRequest(0x4d, tagPath('B'), [0xc4, 0, 1, 0, 0, 0, 0, 0]),
      cipRequest(0x0e, path({ cls: 1, inst: 1, attr: 7 })),
    ];
    d.onData(true, sendRR(cipRequest(0x0a, path({ cls: 2, inst: 1 }), mspBody(reqs)), { context: 3 }), 1);
    const replies = [cipReply(0x4c, 0, [0xc4, 0, 1, 0, 0, 0]), cipReply(0x4d, 0x05), cipReply(0x0e, 0, [3, ...Buffer.from('PLC')])];
    d.onData(false, sendRR(cipReply(0x0a, 0x1e, mspBody(replies)), { context: 3 }), 2);
    expect(c.events.map((e) => [e.direction, e.fn, e.operation, e.fields.via ?? '-', e.fields.encap ?? false])).toEqual([
      ['request', 'multiple_service_packet', 'write', '-', true],
      ['request', 'read_tag', 'read', 'multiple_service_packet', false],
      ['request', 'write_tag', 'write', 'multiple_service_packet', false],
      ['request', 'get_attribute_single', 'identify', 'multiple_service_packet', false],
      ['response', 'multiple_service_packet', 'write', '-', true],
      ['response', 'read_tag', 'read', 'multiple_service_packet', false],
      ['response', 'write_tag', 'write', 'multiple_service_packet', false],
      ['response', 'get_attribute_single', 'identify', 'multiple_service_packet', false],
    ]);
    expect(c.events[6]!.detail).toBe('write_tag tag B: status 0x05 Path destination unknown');
    // the embedded Identity attribute 7 read names the product
    expect(c.events[7]!.identity).toEqual([{ about: 'src', attribute: 'product', value: 'PLC' }]);
  });

  it('unwraps Unconnected Send: the embedded request is an event; the unwrapped reply pairs with it; identity claims', () => {
    const { c, d } = decoder();
    d.onData(true, sendRR(unconnectedSend(cipRequest(0x01, path({ cls: 1, inst: 1 })), 0), { context: 4 }), 1);
    const body = identityBody({
      vendor: 1,
      type: 14,
      code: 54,
      major: 20,
      minor: 11,
      serial: 0xc0ffee,
      name: '1756-L73/B LOGIX5573',
      state: 3,
    });
    d.onData(false, sendRR(cipReply(0x01, 0, [...body, 0, 0, 0]), { context: 4 }), 2);
    expect(c.events.map((e) => [e.fn, e.operation, e.fields.service, e.fields.via ?? '-'])).toEqual([
      ['unconnected_send', 'identify', 0x52, '-'],
      ['get_attributes_all', 'identify', 0x01, 'unconnected_send'],
      ['get_attributes_all', 'identify', 0x81, 'unconnected_send'],
    ]);
    expect(c.events[0]!.detail).toBe('unconnected_send route 1/0: get_attributes_all class 0x01 instance 1');
    expect(c.events[0]!.fields.route).toEqual(['1/0']);
    expect(c.events[2]!.identity).toEqual([
      { about: 'src', attribute: 'vendor_id', value: '1' },
      { about: 'src', attribute: 'vendor', value: 'Rockwell Automation/Allen-Bradley' },
      { about: 'src', attribute: 'module_type', value: 'Programmable Logic Controller' },
      { about: 'src', attribute: 'product', value: '1756-L73/B LOGIX5573' },
      { about: 'src', attribute: 'firmware', value: '20.11' },
      { about: 'src', attribute: 'serial', value: '0x00c0ffee' },
    ]);
  });

  it('an Unconnected Send that fails answers 0xd2 and pairs with the send itself', () => {
    const { c, d } = decoder();
    d.onData(true, sendRR(unconnectedSend(cipRequest(0x0e, path({ cls: 1, inst: 1, attr: 1 })), 5), { context: 8 }), 1);
    d.onData(false, sendRR([0xd2, 0, 0x01, 1, ...u16(0x0204), 0], { context: 8 }), 2);
    expect(c.events[2]).toMatchObject({ fn: 'unconnected_send', direction: 'response' });
    expect(c.events[2]!.fields).toMatchObject({ service: 0xd2, generalStatus: 1, extStatus: [0x0204] });
    expect(c.events[2]!.identity).toBeUndefined();
  });

  it('Forward Open ties the I/O on UDP 2222 to its connection; Forward Close forgets it', () => {
    const { c, d } = decoder();
    const fo = {
      ot: 0,
      to: 0x80fe0013,
      serial: 0x14,
      vendor: 0x4d,
      origSerial: 0x32952bf3,
      rpiUs: 10_000,
      transport: 0x01,
      connPath: [0x01, 0x00, ...path({ cls: 4, inst: 1, cp: 100 })],
    };
    d.onData(true, sendRR(cipRequest(0x54, path({ cls: 6, inst: 1 }), forwardOpenData(fo)), { context: 1 }), 1);
    d.onData(
      false,
      sendRR(
        cipReply(
          0x54,
          0,
          forwardOpenReplyData({ ot: 0x00790301, to: 0x80fe0013, serial: 0x14, vendor: 0x4d, origSerial: 0x32952bf3, apiUs: 10_000 }),
        ),
        { context: 1 },
      ),
      2,
    );
    expect(c.events[0]).toMatchObject({
      fn: 'forward_open',
      operation: 'session',
      detail: 'forward_open class 1 port 1/0 class 0x04 instance 1 connection point 100 RPI 10/10 ms',
    });
    expect(c.events[1]!.detail).toContain('O->T 0x790301 T->O 0x80fe0013');
    expect(connectionCount()).toBe(2);

    // The I/O flow: another decoder instance, UDP between the same hosts.
    const io = fakeContext({ ip: '10.0.0.1', port: 2222 }, { ip: '10.0.0.2', port: 2222 }, 'udp');
    const iod = new EnipDecoder(io);
    iod.onData(true, ioDatagram(0x00790301, 1, [1, 0, 0, 0, 0xaa]), 3); // originator → target: O->T id
    iod.onData(false, ioDatagram(0x80fe0013, 2, [0xbb]), 3.01); // target → originator: T->O id
    iod.onData(false, ioDatagram(0x12345678, 3, [0xcc]), 3.02); // unknown connection
    expect(io.events.map((e) => [e.fn, e.operation, e.direction, e.fields.io, e.fields.ioConnection])).toEqual([
      ['io_data', 'io', 'request', true, 'class 0x04 instance 1 connection point 100'],
      ['io_data', 'io', 'response', true, 'class 0x04 instance 1 connection point 100'],
      ['io_data', 'io', 'unknown', true, undefined],
    ]);
    expect(io.events[0]!.detail).toBe('io conn 0x00790301 seq 1 5 bytes class 1 O->T class 0x04 instance 1 connection point 100 API 10 ms');

    d.onData(
      true,
      sendRR(cipRequest(0x4e, path({ cls: 6, inst: 1 }), [0x0a, 0x0e, ...u16(0x14), ...u16(0x4d), ...u32(0x32952bf3), 0, 0]), {
        context: 2,
      }),
      4,
    );
    expect(c.events[2]).toMatchObject({ fn: 'forward_close', operation: 'session' });
    expect(connectionCount()).toBe(0);
  });

  it('ListIdentity over UDP: request, then a reply whose identity names the device', () => {
    const { c, d } = decoder('udp', { ip: '10.0.0.1', port: 50123 }, { ip: '10.0.0.255', port: 44818 });
    d.onData(true, encap(0x63, [], { session: 0 }), 1);
    const dev = fakeContext({ ip: '10.0.0.7', port: 44818 }, { ip: '10.0.0.1', port: 50123 }, 'udp');
    new EnipDecoder(dev).onData(
      true,
      listIdentityReply({ vendor: 1, type: 12, code: 58, major: 4, minor: 3, serial: 0x00524d8e, name: '1756-ENBT/A' }),
      2,
    );
    expect(c.events[0]).toMatchObject({ direction: 'request', fn: 'list_identity', operation: 'identify' });
    const r = dev.events[0]!;
    expect(r).toMatchObject({ direction: 'response', fn: 'list_identity', operation: 'identify' });
    expect(r.fields.listIdentity).toEqual([
      { vendor_id: 1, device_type: 12, product_code: 58, revision: '4.03', serial: '0x00524d8e', product_name: '1756-ENBT/A' },
    ]);
    expect(r.detail).toBe(
      'list_identity 1756-ENBT/A, Rockwell Automation/Allen-Bradley (1), Communications Adapter, rev 4.03, serial 0x00524d8e',
    );
    const stats = new EnipStats();
    for (const e of [...c.events, ...(r ? [r] : [])]) stats.onEvent(e);
    expect(stats.section()).toEqual({
      encap_commands: { '0x0063': 2 },
      list_identity: r.fields.listIdentity,
      cip_services: {},
      cip_classes: {},
      servers: ['10.0.0.7:44818'],
      clients: ['10.0.0.1'],
      io_frames: 0,
    });
  });

  it('flags malformed CIP but still counts the message', () => {
    const { c, d } = decoder();
    // path size says 9 words, only 2 bytes follow
    d.onData(true, sendRR([0x0e, 9, 0x20, 0x01]), 1);
    // Multiple Service Packet with an impossible count
    d.onData(true, sendRR(cipRequest(0x0a, path({ cls: 2, inst: 1 }), u16(5000))), 2);
    expect(c.events.map((e) => [e.fn, e.fields.encap, e.fields.malformed !== undefined])).toEqual([
      ['get_attribute_single', true, true],
      ['multiple_service_packet', true, true],
    ]);
    expect(c.anomalies.filter((a) => a.kind === 'enip_malformed')).toHaveLength(2);
  });
});

describe('EtherNet/IP stats', () => {
  it('counts services in containers, classes from requests only (first class), servers and clients', () => {
    const { c, d } = decoder();
    d.onData(true, sendRR(unconnectedSend(cipRequest(0x4c, [0x20, 0x8e, 0x24, 0x01, 0x20, 0x74, 0x24, 0x01])), { context: 1 }), 1);
    d.onData(false, sendRR(cipReply(0x4c), { context: 1 }), 2);
    d.onData(
      true,
      sendRR(
        cipRequest(
          0x0a,
          path({ cls: 2, inst: 1 }),
          mspBody([cipRequest(0x4c, tagPath('X')), cipRequest(0x03, path({ cls: 0x304, inst: 1 }), [...u16(1), ...u16(1)])]),
        ),
        { context: 2 },
      ),
      3,
    );
    const stats = new EnipStats();
    for (const e of c.events) stats.onEvent(e);
    expect(stats.section()).toEqual({
      encap_commands: { '0x006f': 3 },
      list_identity: [],
      cip_services: { '0x03': 1, '0x0a': 1, '0x4c': 2, '0x52': 1, '0xcc': 1 },
      cip_classes: { '0x02': 1, '0x06': 1, '0x8e': 1, '0x304': 1 },
      servers: ['10.0.0.2:44818'],
      clients: ['10.0.0.1'],
      io_frames: 0,
    });
  });
});
