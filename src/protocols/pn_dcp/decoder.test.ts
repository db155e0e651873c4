import { describe, expect, it } from 'vitest';
import { DcpDecoder } from './decoder.js';
import { DcpStats } from './stats.js';
import {
  block,
  dcp,
  endTransaction,
  identifyResponse,
  nameBlock,
  responseBlock,
  signalBlock,
  fakeL2Context,
} from '../../../test/helpers/pn_dcp/test-helpers.js';

const TOOL = '00:80:c8:38:a4:8b';
const DEVICE = '00:02:e3:17:c7:50';
const DCP_MULTICAST = '01:0e:cf:00:00:00';

describe('DcpDecoder', () => {
  it('emits one event per DCP PDU with direction, function, operation, detail and the auth=none fact', () => {
    const ctx = fakeL2Context(TOOL, DEVICE);
    const d = new DcpDecoder(ctx);
    d.onData(true, dcp({ frameId: 0xfefd, service: 4, type: 0, xid: 7, blocks: [...nameBlock('plc-2', [0, 1]), ...endTransaction()] }), 10);
    d.onData(false, dcp({ frameId: 0xfefd, service: 4, type: 1, xid: 7, blocks: [...responseBlock(2, 2), ...responseBlock(5, 2)] }), 10.01);
    d.onData(true, dcp({ frameId: 0xfefd, service: 4, type: 0, xid: 8, blocks: signalBlock() }), 11);
    expect(ctx.anomalies).toEqual([]);
    expect(ctx.events.map((e) => [e.direction, e.fn, e.operation, e.src.mac, e.dst.mac])).toEqual([
      ['request', 'set_name', 'write', TOOL, DEVICE],
      ['response', 'set_name', 'write', DEVICE, TOOL],
      ['request', 'signal', 'control', TOOL, DEVICE],
    ]);
    expect(ctx.events[0]!.detail).toBe("set request: NameOfStation := 'plc-2' (permanent), end transaction (qualifier 0x0000)");
    expect(ctx.events[1]!.fields.request_fn).toBe('set_name');
    expect(ctx.events[2]!.fields.request_fn).toBeUndefined();
    expect(ctx.events.every((e) => e.protocol === 'pn_dcp' && e.facts?.auth === 'none' && e.flow === ctx.flow)).toBe(true);
  });

  it('claims identity from a device Identify response about the device (src), and binds its own IP to its MAC', () => {
    const ctx = fakeL2Context(DEVICE, TOOL);
    new DcpDecoder(ctx).onData(true, identifyResponse({ name: 'io-7', ip: ['10.0.0.7', '255.255.255.0', '10.0.0.1'] }), 1);
    const e = ctx.events[0]!;
    expect(e).toMatchObject({ direction: 'response', fn: 'identify', operation: 'discovery' });
    expect(e.identity!.filter((c) => c.attribute === 'name')).toEqual([
      { about: 'src', attribute: 'name', value: 'io-7' },
      { about: 'src', attribute: 'name', value: 'io-7', ip: '10.0.0.7', mac: DEVICE },
    ]);
  });

  it('ignores the other PROFINET frames of the EtherType (cyclic data, alarms) and counts DCP PDUs cut short', () => {
    const ctx = fakeL2Context(TOOL, DCP_MULTICAST);
    const d = new DcpDecoder(ctx);
    d.onData(true, Buffer.from([0x80, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), 1);
    d.onData(true, Buffer.from([0xfc, 0x01, 0, 0]), 1);
    d.onData(true, Buffer.from([0xfe]), 1);
    d.onData(true, Buffer.from([0xfe, 0xfe, 5, 0, 0, 0]), 1);
    expect(ctx.events).toEqual([]);
    expect(ctx.anomalies).toEqual([{ kind: 'short_pdu', detail: '4 octets, the DCP header needs 10' }]);
  });

  it('counts a malformed block list and still emits what was read', () => {
    const ctx = fakeL2Context(DEVICE, TOOL);
    new DcpDecoder(ctx).onData(
      true,
      dcp({ frameId: 0xfeff, service: 5, type: 1, blocks: [...nameBlock('a'), ...block(2, 1, [0, 0, 0x41], 90)] }),
      1,
    );
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['malformed_block']);
    expect(ctx.events[0]!.fields.malformed).toMatch(/past the end/);
    expect(ctx.events[0]!.identity).toEqual([{ about: 'src', attribute: 'name', value: 'a' }]);
  });

  it('builds the pn_dcp stats section from the events', () => {
    const stats = new DcpStats();
    expect(stats.section()).toBeUndefined();
    const req = fakeL2Context(TOOL, DCP_MULTICAST);
    new DcpDecoder(req).onData(true, dcp({ frameId: 0xfefe, service: 5, type: 0, blocks: block(2, 2, [...Buffer.from('io-7')]) }), 1);
    const res = fakeL2Context(DEVICE, TOOL);
    new DcpDecoder(res).onData(true, identifyResponse({ name: 'io-7', vendor: 'S7-300EC', vendorId: 0x2a, deviceId: 0x101, role: 2 }), 1);
    for (const e of [...req.events, ...res.events]) stats.onEvent(e);
    stats.onEvent({ ...res.events[0]!, protocol: 'bacnet' }); // not ours
    expect(stats.section()).toEqual({
      services: { '5:0': 1, '5:1': 1 },
      station_names: ['io-7'],
      vendor_ids: ['0x002a'],
      device_ids: ['0x0101'],
      device_roles: ['0x02'],
      vendor_strings: ['S7-300EC'],
      ip_settings: ['192.168.1.2/255.255.255.0/192.168.1.2'],
      set_requests: 0,
      macs: [DEVICE],
    });
  });
});
