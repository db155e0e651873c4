import { describe, expect, it } from 'vitest';
import { createLlcDecoder, bacnetModule } from './index.js';
import { BacnetStats } from './stats.js';
import { app, bvlc, close, ctx, fakeContext, oid, open, unicast, utf8 } from '../../../test/helpers/bacnet/test-helpers.js';

const info = { transport: 'udp' as const, fromInitiator: true, srcPort: 50000, dstPort: 50001 };

function run(frames: [boolean, Buffer][]) {
  const c = fakeContext();
  const d = bacnetModule.createDecoder(c);
  frames.forEach(([fromInitiator, b], i) => d.onData(fromInitiator, b, 1000 + i));
  d.onEnd?.(2000);
  return c;
}

describe('BACnet decoder: discovery and identity', () => {
  it('Who-Is / I-Am: device instance, max APDU, segmentation, vendor (named from the ASHRAE list)', () => {
    const c = run([
      [true, bvlc(0x0b, [0x01, 0x00, 0x10, 0x08, ...ctx(0, [0x00]), ...ctx(1, [0x03, 0xe8])])],
      [false, unicast([0x10, 0x00, ...app(12, oid(8, 260001)), ...app(2, [0x05, 0xc4]), ...app(9, [0x03]), ...app(2, [0x05])])],
    ]);
    expect(c.events.map((e) => [e.fn, e.operation, e.direction])).toEqual([
      ['who_is', 'discovery', 'request'],
      ['i_am', 'discovery', 'response'],
    ]);
    expect(c.events[0]!.fields).toMatchObject({ bvlc: 0x0b, apdu_type: 1, service: 8, low: 0, high: 1000 });
    expect(c.events[1]!.fields).toMatchObject({ device_instance: 260001, max_apdu: 1476, segmentation: 'none', vendor_id: 5 });
    expect(c.events[1]!.identity).toEqual([
      { about: 'src', attribute: 'device_instance', value: '260001' },
      { about: 'src', attribute: 'vendor_id', value: '5' },
      { about: 'src', attribute: 'vendor', value: 'Johnson Controls, Inc.' },
    ]);
    expect(c.events[1]!.src.ip).toBe('10.0.0.2');
    expect(c.anomalies).toEqual([]);
  });

  it('ReadProperty ack of the device object names the responder: vendor, model, firmware, serial', () => {
    const rpAck = (invoke: number, prop: number, value: number[]) =>
      unicast([
        0x30,
        invoke,
        0x0c,
        ...ctx(0, oid(8, 77)),
        ...ctx(1, prop < 256 ? [prop] : [prop >> 8, prop & 0xff]),
        ...open(3),
        ...value,
        ...close(3),
      ]);
    const c = run([
      [true, unicast([0x00, 0x05, 0x01, 0x0c, ...ctx(0, oid(8, 77)), ...ctx(1, [121])])],
      [false, rpAck(1, 121, app(7, utf8('Acme Controls')))],
      [false, rpAck(2, 70, app(7, [4, ...Buffer.from('MX-9', 'utf16le').swap16()]))], // UCS-2
      [false, rpAck(3, 44, app(7, [5, 0x76, 0x32, 0xe9]))], // ISO 8859-1
      [false, rpAck(4, 372, app(7, utf8('SN123')))],
      [false, rpAck(5, 120, app(2, [0x01, 0x04]))],
      [false, rpAck(6, 12, app(7, utf8('app 1.0')))],
    ]);
    expect(c.events[0]).toMatchObject({ fn: 'read_property', operation: 'read', direction: 'request', detail: 'device:77.vendor-name' });
    const claims = c.events
      .slice(1)
      .map((e) => e.identity?.filter((i) => i.attribute !== 'device_instance').map((i) => `${i.attribute}=${i.value}`));
    expect(claims).toEqual([
      ['vendor=Acme Controls'],
      ['model=MX-9'],
      ['firmware=v2é'],
      ['serial=SN123'],
      ['vendor_id=260', 'vendor=BACnet Stack at SourceForge'],
      [],
    ]);
    expect(c.events[1]!.identity?.[0]).toEqual({ about: 'src', attribute: 'device_instance', value: '77' });
    expect(c.events[6]!.fields.values).toEqual(['app 1.0']);
    expect(c.events[1]!.fields.char_strings).toEqual(['Acme Controls']);
  });

  it('a routed I-Am (SNET/SADR) claims its identity for the device behind the router, never for the router IP', () => {
    const c = run([
      [
        false,
        bvlc(0x0a, [
          0x01,
          0x08,
          0x00,
          0x05,
          0x01,
          0x11,
          0x10,
          0x00,
          ...app(12, oid(8, 42)),
          ...app(2, [50]),
          ...app(9, [3]),
          ...app(2, [42]),
        ]),
      ],
    ]);
    expect(c.events[0]!.fields).toMatchObject({ snet: 5, sadr: '11', device_instance: 42 });
    expect(c.events[0]!.src.ip).toBe('10.0.0.2');
    expect(c.events[0]!.identity).toEqual([
      { about: 'src', device: 'bacnet:5:11', attribute: 'device_instance', value: '42' },
      { about: 'src', device: 'bacnet:5:11', attribute: 'vendor_id', value: '42' },
      { about: 'src', device: 'bacnet:5:11', attribute: 'vendor', value: 'Acuity Brands Lighting, Inc.' },
    ]);
  });

  it('a ReadProperty ack routed from network 3 (bytes of icsnpp bacnet_services frames 631/632) names device bacnet:3:1d', () => {
    // Request: NPDU control 0x24 (DNET present, expecting reply), DNET 3, DLEN 1, DADR 0x1d, hop count 255.
    const rp = (invoke: number, prop: number) =>
      bvlc(0x0a, [0x01, 0x24, 0x00, 0x03, 0x01, 0x1d, 0xff, 0x02, 0x03, invoke, 0x0c, ...ctx(0, oid(8, 29)), ...ctx(1, [prop])]);
    // Ack: control 0x08 (SNET present), SNET 3, SLEN 1, SADR 0x1d.
    const ack = (invoke: number, prop: number, value: number[]) =>
      bvlc(0x0a, [
        0x01,
        0x08,
        0x00,
        0x03,
        0x01,
        0x1d,
        0x30,
        invoke,
        0x0c,
        ...ctx(0, oid(8, 29)),
        ...ctx(1, [prop]),
        ...open(3),
        ...value,
        ...close(3),
      ]);
    const c = run([
      [true, rp(0x93, 121)],
      [false, ack(0x93, 121, app(7, utf8('Lithonia Lighting, Inc.')))],
      [true, rp(0x94, 70)],
      [false, ack(0x94, 70, app(7, utf8('SYSC MLX')))],
      [true, rp(0x95, 44)],
      [false, ack(0x95, 44, app(7, utf8('2.62')))],
    ]);
    expect(c.events[0]!.fields).toMatchObject({ dnet: 3, dadr: '1d', hop_count: 255 });
    expect(c.events[0]!.identity).toBeUndefined();
    const claims = c.events.filter((e) => e.direction === 'response').flatMap((e) => e.identity ?? []);
    expect(new Set(claims.map((x) => `${x.about} ${x.device}`))).toEqual(new Set(['src bacnet:3:1d']));
    expect(claims.filter((x) => x.attribute !== 'device_instance').map((x) => `${x.attribute}=${x.value}`)).toEqual([
      'vendor=Lithonia Lighting, Inc.',
      'model=SYSC MLX',
      'firmware=2.62',
    ]);
    expect(claims.filter((x) => x.attribute === 'device_instance').map((x) => x.value)).toEqual(['29', '29', '29']);
    expect(c.anomalies).toEqual([]);
  });

  it('an ack without SNET to a request routed to DNET/DADR names the addressed device; a later unrouted request with the same invoke id does not', () => {
    const rp = (invoke: number, routed: boolean) =>
      bvlc(0x0a, [
        0x01,
        ...(routed ? [0x24, 0x00, 0x07, 0x02, 0xab, 0xcd, 0xff] : [0x04]),
        0x00,
        0x05,
        invoke,
        0x0c,
        ...ctx(0, oid(8, 4194303)),
        ...ctx(1, [70]),
      ]);
    const ack = (invoke: number) =>
      unicast([0x30, invoke, 0x0c, ...ctx(0, oid(8, 12)), ...ctx(1, [70]), ...open(3), ...app(7, utf8('M-1')), ...close(3)]);
    const c = run([
      [true, rp(1, true)],
      [false, ack(1)],
      [true, rp(1, false)],
      [false, ack(1)],
      [false, ack(2)],
    ]);
    expect(c.events[1]!.identity?.map((x) => x.device)).toEqual(['bacnet:7:abcd', 'bacnet:7:abcd']);
    expect(c.events[3]!.identity?.map((x) => x.device)).toEqual([undefined, undefined]);
    expect(c.events[4]!.identity?.[0]).toEqual({ about: 'src', attribute: 'device_instance', value: '12' });
  });

  it('SNET with an empty SADR (indeterminate source) claims nothing, and DNET 0xFFFF names no device', () => {
    const c = run([
      [
        false,
        bvlc(0x0a, [0x01, 0x08, 0x00, 0x05, 0x00, 0x10, 0x00, ...app(12, oid(8, 42)), ...app(2, [50]), ...app(9, [3]), ...app(2, [42])]),
      ],
      [true, bvlc(0x0a, [0x01, 0x24, 0xff, 0xff, 0x00, 0xff, 0x00, 0x05, 0x09, 0x0c, ...ctx(0, oid(8, 4194303)), ...ctx(1, [70])])],
      [false, unicast([0x30, 0x09, 0x0c, ...ctx(0, oid(8, 12)), ...ctx(1, [70]), ...open(3), ...app(7, utf8('M-2')), ...close(3)])],
    ]);
    expect(c.events[0]!.identity).toBeUndefined();
    expect(c.anomalies.map((a) => a.detail)).toContain('slen 0');
    expect(c.events[2]!.identity?.every((x) => x.device === undefined)).toBe(true);
  });

  it('a forwarded NPDU is attributed to its original sender, the BBMD kept as relay', () => {
    const c = run([
      [
        false,
        bvlc(0x04, [
          192,
          168,
          5,
          9,
          0xba,
          0xc0,
          0x01,
          0x00,
          0x10,
          0x00,
          ...app(12, oid(8, 9)),
          ...app(2, [50]),
          ...app(9, [3]),
          ...app(2, [7]),
        ]),
      ],
    ]);
    expect(c.events[0]!.src).toEqual({ ip: '192.168.5.9', port: 47808 });
    expect(c.events[0]!.fields.relay).toBe('10.0.0.2:47808');
    expect(c.events[0]!.identity?.[0]).toEqual({ about: 'src', attribute: 'device_instance', value: '9' });
  });

  it('Who-Has by name and I-Have', () => {
    const c = run([
      [true, bvlc(0x0b, [0x01, 0x00, 0x10, 0x07, ...ctx(3, utf8('AHU-1'))])],
      [false, bvlc(0x0b, [0x01, 0x00, 0x10, 0x01, ...app(12, oid(8, 12)), ...app(12, oid(0, 3)), ...app(7, utf8('AHU-1'))])],
    ]);
    expect(c.events.map((e) => e.fn)).toEqual(['who_has', 'i_have']);
    expect(c.events[1]!.fields).toMatchObject({ object: 'analog-input:3', object_name: 'AHU-1', object_names: ['AHU-1'] });
  });
});

describe('BACnet decoder: reads, writes, control, program, subscribe', () => {
  it('ReadPropertyMultiple request and ack with values and a property error', () => {
    const c = run([
      [true, unicast([0x00, 0x05, 0x02, 0x0e, ...ctx(0, oid(0, 1)), ...open(1), ...ctx(0, [77]), ...ctx(0, [85]), ...close(1)])],
      [
        false,
        unicast([
          0x30,
          0x02,
          0x0e,
          ...ctx(0, oid(0, 1)),
          ...open(1),
          ...ctx(2, [77]),
          ...open(4),
          ...app(7, utf8('Zone Temp')),
          ...close(4),
          ...ctx(2, [85]),
          ...open(4),
          ...app(4, [0x41, 0xb0, 0, 0]),
          ...close(4),
          ...ctx(2, [28]),
          ...open(5),
          ...app(9, [2]),
          ...app(9, [32]),
          ...close(5),
          ...close(1),
        ]),
      ],
    ]);
    expect(c.events[0]!.fields.references).toEqual(['analog-input:1.object-name', 'analog-input:1.present-value']);
    expect(c.events[1]!.fields).toMatchObject({
      object_names: ['Zone Temp'],
      char_strings: ['Zone Temp'],
      errors: ['analog-input:1.description: 2/32'],
    });
    expect(c.events[1]!.fields.results).toEqual([
      { object: 'analog-input:1', property: 'object-name', values: ['Zone Temp'] },
      { object: 'analog-input:1', property: 'present-value', values: [22] },
    ]);
    expect(c.anomalies).toEqual([]);
  });

  it('WriteProperty with priority and its simple ack', () => {
    const c = run([
      [
        true,
        unicast([
          0x00,
          0x05,
          0x03,
          0x0f,
          ...ctx(0, oid(1, 2)),
          ...ctx(1, [85]),
          ...open(3),
          ...app(4, [0x42, 0x48, 0, 0]),
          ...close(3),
          ...ctx(4, [8]),
        ]),
      ],
      [false, unicast([0x20, 0x03, 0x0f])],
    ]);
    expect(c.events[0]).toMatchObject({
      fn: 'write_property',
      operation: 'write',
      detail: 'analog-output:2.present-value',
      fields: { values: [50], priority: 8 },
    });
    expect(c.events[1]).toMatchObject({ fn: 'write_property_ack', operation: 'write', direction: 'response' });
  });

  it('ReinitializeDevice and DeviceCommunicationControl never keep the password', () => {
    const c = run([
      [true, unicast([0x00, 0x05, 0x04, 0x14, ...ctx(0, [1]), ...ctx(1, utf8('s3cret!'))])],
      [true, unicast([0x00, 0x05, 0x05, 0x11, ...ctx(0, [0x00, 0x3c]), ...ctx(1, [1]), ...ctx(2, utf8('s3cret!'))])],
    ]);
    expect(c.events[0]).toMatchObject({
      fn: 'reinitialize_device',
      operation: 'control',
      fields: { state: 'warmstart', password_present: true },
    });
    expect(c.events[1]).toMatchObject({
      fn: 'device_communication_control',
      operation: 'control',
      fields: { state: 'disable', duration_min: 60, password_present: true },
    });
    expect(JSON.stringify(c.events)).not.toContain('s3cret');
  });

  it('AtomicWriteFile, CreateObject, DeleteObject are program operations; AtomicReadFile a read', () => {
    const c = run([
      [
        true,
        unicast([0x00, 0x05, 0x06, 0x07, ...app(12, oid(10, 1)), ...open(0), ...app(3, [0]), ...app(6, [1, 2, 3, 4, 5]), ...close(0)]),
      ],
      [
        true,
        unicast([
          0x00,
          0x05,
          0x07,
          0x0a,
          ...open(0),
          ...ctx(0, [2]),
          ...close(0),
          ...open(1),
          ...ctx(0, [77]),
          ...open(2),
          ...app(7, utf8('New AV')),
          ...close(2),
          ...close(1),
        ]),
      ],
      [true, unicast([0x00, 0x05, 0x08, 0x0b, ...app(12, oid(2, 9))])],
      [true, unicast([0x00, 0x05, 0x09, 0x06, ...app(12, oid(10, 1)), ...open(1), ...app(3, [0]), ...app(2, [10]), ...close(1)])],
    ]);
    expect(c.events.map((e) => [e.fn, e.operation, e.detail])).toEqual([
      ['atomic_write_file', 'program', 'file:1 stream @0 5 bytes'],
      ['create_object', 'program', 'analog-value'],
      ['delete_object', 'program', 'analog-value:9'],
      ['atomic_read_file', 'read', 'file:1 record @0 n=10'],
    ]);
    expect(c.events[1]!.fields.object_names).toEqual(['New AV']);
  });

  it('SubscribeCOV and a COV notification are subscribe operations', () => {
    const c = run([
      [true, unicast([0x00, 0x05, 0x0a, 0x05, ...ctx(0, [18]), ...ctx(1, oid(0, 4)), ...ctx(2, [1]), ...ctx(3, [0x0e, 0x10])])],
      [
        false,
        unicast([
          0x10,
          0x02,
          ...ctx(0, [18]),
          ...ctx(1, oid(8, 5)),
          ...ctx(2, oid(0, 4)),
          ...ctx(3, [0]),
          ...open(4),
          ...ctx(0, [85]),
          ...open(2),
          ...app(4, [0x41, 0xb0, 0, 0]),
          ...close(2),
          ...close(4),
        ]),
      ],
    ]);
    expect(c.events[0]).toMatchObject({
      fn: 'subscribe_cov',
      operation: 'subscribe',
      fields: { process_id: 18, confirmed: true, lifetime_s: 3600, cancel: false },
    });
    expect(c.events[1]).toMatchObject({
      fn: 'unconfirmed_cov_notification',
      operation: 'subscribe',
      fields: { values: [{ object: 'analog-input:4', property: 'present-value', values: [22] }] },
    });
  });

  it('Reject and Abort are classified by the request they answer; Error carries class and code', () => {
    const c = run([
      [true, unicast([0x00, 0x05, 0x11, 0x14, ...ctx(0, [0])])],
      [false, unicast([0x60, 0x11, 0x04])],
      [true, unicast([0x00, 0x05, 0x12, 0x0f, ...ctx(0, oid(1, 2)), ...ctx(1, [85]), ...open(3), ...app(4, [0, 0, 0, 0]), ...close(3)])],
      [false, unicast([0x71, 0x12, 0x04])],
      [false, unicast([0x50, 0x13, 0x0c, ...app(9, [2]), ...app(9, [31])])],
    ]);
    expect(
      c.events.filter((_, i) => i % 2 === 1 || i === 4).map((e) => [e.fn, e.operation, e.direction, e.fields.answers ?? null]),
    ).toEqual([
      ['reject', 'control', 'response', 'reinitialize_device'],
      ['abort', 'write', 'response', 'write_property'],
      ['read_property_error', 'read', 'response', null],
    ]);
    expect(c.events[4]!.fields).toMatchObject({ error_class: 2, error_code: 31 });
  });
});

describe('BACnet decoder: network layer, BVLC management, segmentation, LLC, malformed input', () => {
  it('network-layer messages are not APDUs', () => {
    const c = run([
      [true, bvlc(0x0b, [0x01, 0x80, 0x00])],
      [false, bvlc(0x0b, [0x01, 0x80, 0x01, 0x00, 0x05, 0x00, 0x06])],
    ]);
    expect(c.events.map((e) => [e.fn, e.operation, e.fields.apdu_type])).toEqual([
      ['who_is_router_to_network', 'discovery', undefined],
      ['i_am_router_to_network', 'discovery', undefined],
    ]);
    expect(c.events[1]!.fields.networks).toEqual([5, 6]);
  });

  it('BVLC management functions become events', () => {
    const c = run([
      [true, bvlc(0x05, [0x00, 0x3c])],
      [false, bvlc(0x00, [0x00, 0x00])],
      [true, bvlc(0x02, [])],
    ]);
    expect(c.events.map((e) => [e.fn, e.operation, e.direction])).toEqual([
      ['register_foreign_device', 'session', 'request'],
      ['bvlc_result', 'other', 'response'],
      ['read_broadcast_distribution_table', 'read', 'request'],
    ]);
    expect(c.events[1]!.fields.result).toBe('successful_completion');
  });

  it('reassembles a segmented ReadProperty ack, decoding it on the last segment', () => {
    const data = [...ctx(0, oid(8, 1)), ...ctx(1, [77]), ...open(3), ...app(7, utf8('Long device name')), ...close(3)];
    const c = run([
      [true, unicast([0x02, 0x05, 0x01, 0x0c, ...ctx(0, oid(8, 1)), ...ctx(1, [77])])],
      [false, unicast([0x3c, 0x01, 0x00, 0x02, 0x0c, ...data.slice(0, 10)])],
      [true, unicast([0x40, 0x01, 0x00, 0x02])],
      [false, unicast([0x38, 0x01, 0x01, 0x02, 0x0c, ...data.slice(10)])],
    ]);
    expect(c.events.map((e) => e.fn)).toEqual(['read_property', 'read_property_ack', 'segment_ack', 'read_property_ack']);
    expect(c.events[1]!.fields.values).toBeUndefined();
    expect(c.events[3]!.fields).toMatchObject({
      reassembled_segments: 2,
      values: ['Long device name'],
      object_names: ['Long device name'],
    });
    expect(c.events[3]!.identity).toContainEqual({ about: 'src', attribute: 'name', value: 'Long device name' });
    expect(c.events[2]).toMatchObject({ operation: 'read', direction: 'request' });
  });

  it('drops a segmented message with a gap and bounds the number of segments', () => {
    const seg = (seq: number, more: boolean) => unicast([more ? 0x3c : 0x38, 0x01, seq, 0x02, 0x0c, 0x00]);
    const gap = run([
      [false, seg(0, true)],
      [false, seg(2, false)],
    ]);
    expect(gap.anomalies.map((a) => a.kind)).toEqual(['bacnet_segment_gap']);
    const frames: [boolean, Buffer][] = [];
    for (let i = 0; i < 300; i++) frames.push([false, seg(i & 0xff, true)]);
    const big = run(frames);
    expect(big.anomalies.map((a) => a.kind)).toContain('bacnet_segmentation_too_large');
  });

  it('decodes BACnet over LLC (with or without the LLC header)', () => {
    const c = fakeContext({ ip: '', port: 0, mac: '00:e0:c9:00:10:a5' }, { ip: '', port: 0, mac: 'ff:ff:ff:ff:ff:ff' });
    const d = createLlcDecoder(c);
    d.onData(true, Buffer.from([0x82, 0x82, 0x03, 0x01, 0x00, 0x10, 0x08]), 1);
    d.onData(true, Buffer.from([0x01, 0x80, 0x01, 0x00, 0x01]), 2);
    expect(c.events.map((e) => [e.fn, e.fields.link, e.fields.bvlc])).toEqual([
      ['who_is', 'llc', undefined],
      ['i_am_router_to_network', 'llc', undefined],
    ]);
  });

  it('counts anomalies for malformed lengths and never throws', () => {
    const c = run([
      [true, bvlc(0x0a, [0x01, 0x00, 0x00, 0x05], 40)], // BVLC length beyond datagram, APDU header truncated
      [true, bvlc(0x0a, [0x02, 0x00])], // NPDU version 2
      [true, unicast([0x00, 0x05, 0x01, 0x0c, 0x0c, 0x02, 0x00])], // ReadProperty object id cut short
      [true, unicast([0x30, 0x01, 0x0c, ...ctx(0, oid(8, 1)), ...ctx(1, [77]), ...open(3), ...app(7, utf8('x'))])], // unclosed value
      [true, Buffer.from('not bacnet at all')],
    ]);
    expect(c.anomalies.map((a) => a.kind)).toEqual([
      'bacnet_bvlc_malformed',
      'bacnet_apdu_malformed',
      'bacnet_npdu_malformed',
      'bacnet_service_malformed',
      'bacnet_service_malformed',
      'bacnet_not_bvlc',
    ]);
    expect(c.events).toHaveLength(4);
  });

  it('probe: lenient on BACnet ports, exact on others', () => {
    const shortLen = bvlc(0x0a, [0x01, 0x00, 0x10, 0x08, 0x00], 8);
    expect(bacnetModule.probe(shortLen, { ...info, dstPort: 47808 })).toBe(true);
    expect(bacnetModule.probe(shortLen, info)).toBe(false);
    expect(bacnetModule.probe(bvlc(0x0a, [0x01, 0x00, 0x10, 0x08]), info)).toBe(true);
    expect(bacnetModule.probe(bvlc(0x0a, [0x01, 0x00, 0x10, 0x08]), { ...info, transport: 'tcp' })).toBe(false);
  });

  it('stats: oracle keys from events', () => {
    const c = run([
      [true, bvlc(0x0b, [0x01, 0x00, 0x10, 0x08])],
      [false, unicast([0x10, 0x00, ...app(12, oid(8, 7)), ...app(2, [50]), ...app(9, [3]), ...app(2, [15])])],
      [true, bvlc(0x0b, [0x01, 0x80, 0x00])],
      [false, unicast([0x30, 0x01, 0x0c, ...ctx(0, oid(8, 7)), ...ctx(1, [77]), ...open(3), ...app(7, utf8('Dev7')), ...close(3)])],
    ]);
    const s = new BacnetStats();
    for (const e of c.events) s.onEvent(e);
    expect(s.section()).toEqual({
      apdus: 3,
      by_type: { 1: 2, 3: 1 },
      confirmed: { 12: 1 },
      unconfirmed: { 0: 1, 8: 1 },
      bvlc_functions: { '0x0a': 2, '0x0b': 2 },
      network_messages: { 0: 1 },
      iam_devices: [7],
      vendor_ids: [15],
      devices: ['10.0.0.2:47808'],
      object_names: ['Dev7'],
      char_strings: ['Dev7'],
    });
    expect(new BacnetStats().section()).toBeUndefined();
  });
});
