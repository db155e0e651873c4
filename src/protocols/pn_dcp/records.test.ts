import { describe, expect, it } from 'vitest';
import { classify, identityClaims, ownAddress, setKind } from './classify.js';
import {
  ascii,
  block,
  dcp,
  deviceIdBlock,
  endTransaction,
  factoryReset,
  identifyResponse,
  instanceBlock,
  ipBlock,
  nameBlock,
  responseBlock,
  roleBlock,
  signalBlock,
  u16,
  vendorBlock,
} from '../../../test/helpers/pn_dcp/test-helpers.js';
import { asciiText, parseDcp } from './records.js';

const QUALIFIER_PERMANENT = [0, 1];

describe('DCP header', () => {
  it('reads an Identify request with a NameOfStation filter (no BlockInfo in requests) and its ResponseDelay', () => {
    const pdu = parseDcp(
      dcp({ frameId: 0xfefe, service: 5, type: 0, xid: 0x0300bf9a, delay: 0x0080, blocks: block(0x02, 0x02, ascii('switch3')) }),
    )!;
    expect(pdu).toMatchObject({ frameId: 0xfefe, serviceId: 5, serviceType: 0, xid: 0x0300bf9a, responseDelay: 0x80, dataLength: 12 });
    expect(pdu.blocks).toEqual([{ option: 2, suboption: 2, length: 7, text: 'switch3' }]);
    expect(pdu.malformed).toBeUndefined();
    expect(classify(pdu)).toEqual({ fn: 'identify', operation: 'discovery', detail: "identify request: NameOfStation 'switch3'" });
    // A search filter names the device looked for, not the sender.
    expect(identityClaims(pdu, '00:1b:1b:02:9a:c3')).toBeUndefined();
  });

  it('reads the All selector of an Identify-all request', () => {
    const pdu = parseDcp(dcp({ frameId: 0xfefe, service: 5, type: 0, blocks: block(0xff, 0xff, []) }))!;
    expect(pdu.blocks).toEqual([{ option: 0xff, suboption: 0xff, length: 0 }]);
    expect(classify(pdu).detail).toBe('identify request: all');
  });

  it('returns undefined for other frame ids and for a header cut short', () => {
    expect(parseDcp(Buffer.from([0x80, 0x00, ...new Array(40).fill(0)]))).toBeUndefined(); // cyclic RT data
    expect(parseDcp(Buffer.from([0xfc, 0x01, ...new Array(40).fill(0)]))).toBeUndefined(); // alarm
    expect(parseDcp(dcp({ frameId: 0xfefe, service: 5, type: 0 }).subarray(0, 11))).toBeUndefined();
  });

  it('keeps unknown services and service types, without blocks', () => {
    const pdu = parseDcp(dcp({ frameId: 0xfefd, service: 9, type: 0, blocks: nameBlock('x') }))!;
    expect(pdu).toMatchObject({ serviceId: 9, serviceType: 0, blocks: [] });
    expect(classify(pdu)).toEqual({ fn: 'service_9', operation: 'other', detail: 'service 9 type 0' });
    expect(parseDcp(dcp({ frameId: 0xfefd, service: 4, type: 3, blocks: nameBlock('x') }))!.blocks).toEqual([]);
  });
});

describe('Identify response (a device describing itself)', () => {
  const pdu = parseDcp(identifyResponse())!;

  it('reads BlockInfo, name, options, vendor value, device id, role and IP parameter', () => {
    expect(pdu.malformed).toBeUndefined();
    expect(pdu.blocks.map((b) => [b.option, b.suboption])).toEqual([
      [2, 2],
      [2, 5],
      [2, 1],
      [2, 3],
      [2, 4],
      [1, 2],
    ]);
    expect(pdu.blocks[0]).toEqual({ option: 2, suboption: 2, length: 16, info: 0, text: 'versamax-pns11' });
    expect(pdu.blocks[1]!.options).toEqual([0x0201, 0x0202, 0x0203, 0x0204, 0x0102, 0x0503]);
    expect(pdu.blocks[2]!.text).toBe('IC200PNS001');
    expect(pdu.blocks[3]).toMatchObject({ vendorId: 0x015a, deviceId: 0x0003 });
    expect(pdu.blocks[4]!.role).toBe(1);
    expect(pdu.blocks[5]).toMatchObject({ info: 1, ip: { ip: '192.168.1.2', mask: '255.255.255.0', gateway: '192.168.1.2' } });
  });

  it('claims identity about the sender, with the address it reports as its own', () => {
    const claims = identityClaims(pdu, '00:09:91:43:e0:67')!;
    expect(claims).toEqual([
      { about: 'src', attribute: 'name', value: 'versamax-pns11' },
      { about: 'src', attribute: 'vendor', value: 'IC200PNS001' },
      { about: 'src', attribute: 'vendor_id', value: '0x015a' },
      { about: 'src', attribute: 'product', value: '0x0003' },
      { about: 'src', attribute: 'description', value: 'PROFINET IO-Device' },
      // The address the device reports as its own, bound to its MAC.
      { about: 'src', attribute: 'name', value: 'versamax-pns11', ip: '192.168.1.2', mac: '00:09:91:43:e0:67' },
    ]);
    expect(classify(pdu).detail).toBe(
      "identify ok: NameOfStation 'versamax-pns11', DeviceVendorValue 'IC200PNS001', vendor 0x015a device 0x0003, IO-Device, IP 192.168.1.2/255.255.255.0 gw 192.168.1.2",
    );
  });

  it('binds no address that is not set, is 0.0.0.0, or is in conflict', () => {
    expect(ownAddress(parseDcp(identifyResponse({ ipInfo: 0 }))!)).toBeUndefined();
    expect(ownAddress(parseDcp(identifyResponse({ ip: ['0.0.0.0', '0.0.0.0', '0.0.0.0'] }))!)).toBeUndefined();
    expect(ownAddress(parseDcp(identifyResponse({ ipInfo: 0x81 }))!)).toBeUndefined();
    expect(ownAddress(parseDcp(identifyResponse({ ipInfo: 2 }))!)?.ip).toBe('192.168.1.2'); // set by DHCP
    const claims = identityClaims(parseDcp(identifyResponse({ ipInfo: 0 }))!, '00:09:91:43:e0:67')!;
    expect(claims.filter((c) => c.ip !== undefined || c.mac !== undefined)).toEqual([]);
  });

  it('cuts names at the first NUL (devices pad them) and shows octets above 0x7F as U+FFFD', () => {
    const padded = parseDcp(dcp({ frameId: 0xfeff, service: 5, type: 1, blocks: nameBlock('%n%n%n \0\0\0\0\0\0') }))!;
    expect(padded.blocks[0]!.text).toBe('%n%n%n ');
    expect(asciiText(Buffer.from([0x41, 0xae, 0x42, 0x00, 0x43]), 0, 5)).toBe('A\ufffdB');
  });

  it('reads device instance and roles with several bits', () => {
    const pdu2 = parseDcp(
      dcp({ frameId: 0xfeff, service: 5, type: 1, blocks: [...instanceBlock(1, 2), ...roleBlock(0x0a), ...nameBlock('plc')] }),
    )!;
    const claims = identityClaims(pdu2, '00:0e:8c:00:00:01')!;
    expect(claims.map((c) => [c.attribute, c.value])).toEqual([
      ['device_instance', '1.2'],
      ['description', 'PROFINET IO-Controller, IO-Supervisor'],
      ['name', 'plc'],
    ]);
  });
});

describe('Set (renames, re-addresses, flashes or resets a device)', () => {
  it('reads a Set of NameOfStation with its BlockQualifier and the End Transaction, as a write', () => {
    const pdu = parseDcp(
      dcp({ frameId: 0xfefd, service: 4, type: 0, blocks: [...nameBlock('%n%n%n ', QUALIFIER_PERMANENT), ...endTransaction()] }),
    )!;
    // 4 + 2 + 7 = 13 octets and a padding octet, then 6: the DCPDataLength of the real frame (20).
    expect(pdu.dataLength).toBe(20);
    expect(pdu.blocks).toEqual([
      { option: 2, suboption: 2, length: 9, qualifier: 1, text: '%n%n%n ' },
      { option: 5, suboption: 2, length: 2, qualifier: 0 },
    ]);
    expect(classify(pdu)).toEqual({
      fn: 'set_name',
      operation: 'write',
      detail: "set request: NameOfStation := '%n%n%n ' (permanent), end transaction (qualifier 0x0000)",
    });
    expect(identityClaims(pdu, '00:80:c8:38:a4:8b')).toBeUndefined();
  });

  it('classifies the Set response from the options it answers', () => {
    const pdu = parseDcp(dcp({ frameId: 0xfefd, service: 4, type: 1, blocks: [...responseBlock(2, 2), ...responseBlock(5, 2)] }))!;
    expect(pdu.blocks.map((b) => b.response)).toEqual([
      { option: 2, suboption: 2, error: 0 },
      { option: 5, suboption: 2, error: 0 },
    ]);
    expect(classify(pdu)).toEqual({ fn: 'set_name', operation: 'write', detail: 'set ok: NameOfStation ok, end transaction ok' });
    const refused = parseDcp(dcp({ frameId: 0xfefd, service: 4, type: 1, blocks: responseBlock(1, 2, 6) }))!;
    expect(classify(refused)).toMatchObject({ fn: 'set_ip', operation: 'write', detail: 'set ok: IP in operation, set not possible' });
  });

  it('reads a Set of the IP parameter (temporary) as a write', () => {
    const pdu = parseDcp(dcp({ frameId: 0xfefd, service: 4, type: 0, blocks: ipBlock('10.0.0.9', '255.0.0.0', '10.0.0.1', [0, 0]) }))!;
    expect(pdu.blocks[0]).toMatchObject({ qualifier: 0, ip: { ip: '10.0.0.9', mask: '255.0.0.0', gateway: '10.0.0.1' } });
    expect(classify(pdu)).toMatchObject({
      fn: 'set_ip',
      operation: 'write',
      detail: 'set request: IP := 10.0.0.9/255.0.0.0 gw 10.0.0.1 (temporary)',
    });
  });

  it('classifies Signal (flash LED) and a factory reset as control; a reset outranks a write', () => {
    expect(classify(parseDcp(dcp({ frameId: 0xfefd, service: 4, type: 0, blocks: signalBlock() }))!)).toEqual({
      fn: 'signal',
      operation: 'control',
      detail: 'set request: signal flash once',
    });
    expect(classify(parseDcp(dcp({ frameId: 0xfefd, service: 4, type: 0, blocks: factoryReset() }))!)).toMatchObject({
      fn: 'reset_to_factory',
      operation: 'control',
    });
    expect(
      setKind([
        [2, 2],
        [5, 5],
      ]),
    ).toEqual({ fn: 'factory_reset', operation: 'control' });
    expect(
      setKind([
        [2, 2],
        [1, 2],
        [5, 3],
      ]),
    ).toEqual({ fn: 'set_name_ip', operation: 'write' });
    expect(
      setKind([
        [5, 1],
        [5, 2],
      ]),
    ).toEqual({ fn: 'set_transaction', operation: 'control' });
  });
});

describe('Get and Hello', () => {
  it('reads Get selectors (option/suboption pairs without length) and a Get response with BlockInfo', () => {
    const req = parseDcp(dcp({ frameId: 0xfefd, service: 3, type: 0, blocks: [2, 2, 1, 2] }))!;
    expect(req.selectors).toEqual([0x0202, 0x0102]);
    expect(classify(req)).toEqual({ fn: 'get', operation: 'discovery', detail: 'get request: NameOfStation, IP' });
    const res = parseDcp(
      dcp({ frameId: 0xfefd, service: 3, type: 1, blocks: [...nameBlock('io-1'), ...ipBlock('10.1.1.5', '255.255.255.0', '10.1.1.1')] }),
    )!;
    expect(identityClaims(res, '00:0e:8c:00:00:05')!.map((c) => [c.attribute, c.value, c.ip])).toEqual([
      ['name', 'io-1', undefined],
      ['name', 'io-1', '10.1.1.5'],
    ]);
  });

  it('reads a Hello request as the device announcing itself', () => {
    const pdu = parseDcp(
      dcp({
        frameId: 0xfefc,
        service: 6,
        type: 0,
        blocks: [...nameBlock('et200sp'), ...deviceIdBlock(0x002a, 0x0313), ...ipBlock('172.16.0.20', '255.255.0.0', '0.0.0.0')],
      }),
    )!;
    expect(classify(pdu).operation).toBe('discovery');
    expect(identityClaims(pdu, '28:63:36:00:00:01')!.map((c) => `${c.attribute}=${c.value}@${c.ip}`)).toEqual([
      'name=et200sp@undefined',
      'vendor_id=0x002a@undefined',
      'product=0x0313@undefined',
      'name=et200sp@172.16.0.20',
    ]);
  });
});

describe('malformed blocks', () => {
  it('stops at a block longer than the frame, without its values', () => {
    const pdu = parseDcp(
      dcp({ frameId: 0xfeff, service: 5, type: 1, blocks: [...nameBlock('ok'), ...block(2, 1, [0, 0, ...ascii('abc')], 40)] }),
    )!;
    expect(pdu.blocks).toEqual([
      { option: 2, suboption: 2, length: 4, info: 0, text: 'ok' },
      { option: 2, suboption: 1, length: 40 },
    ]);
    expect(pdu.malformed).toMatch(/past the end of the frame/);
  });

  it('keeps a block that runs past DCPDataLength but stops there', () => {
    const blocks = [...vendorBlock('S7-300'), ...nameBlock('second')];
    const pdu = parseDcp(dcp({ frameId: 0xfeff, service: 5, type: 1, blocks, dataLength: 6 }))!;
    expect(pdu.blocks.map((b) => b.text)).toEqual(['S7-300']);
    expect(pdu.malformed).toMatch(/DCPDataLength/);
  });

  it('flags a text block shorter than its BlockInfo', () => {
    const pdu = parseDcp(dcp({ frameId: 0xfeff, service: 5, type: 1, blocks: block(2, 2, [0, 0, 0x41, 0x42], 1) }))!;
    expect(pdu.malformed).toMatch(/shorter than its BlockInfo/);
    expect(pdu.blocks).toEqual([{ option: 2, suboption: 2, length: 1 }]);
  });

  it('reads fixed-size blocks whatever their declared length, as Wireshark does', () => {
    const pdu = parseDcp(dcp({ frameId: 0xfeff, service: 5, type: 1, blocks: [2, 3, ...u16(0), 0, 0, 0, 0x2a, 1, 1] }))!;
    expect(pdu.blocks[0]).toMatchObject({ vendorId: 0x2a, deviceId: 0x0101 });
    expect(pdu.malformed).toBeUndefined();
  });
});
