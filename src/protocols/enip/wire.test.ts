import { describe, expect, it } from 'vitest';
import { parseCip, parseForwardOpen, parseForwardOpenReply, parseIdentityAttributeList, parseMsp, parseUnconnectedSend } from './cip.js';
import { classifyRequest, dominant } from './classify.js';
import { parseCpf, parseIdentityBody, parseListIdentityItem, plausibleHeader, readHeader, revisionText, serialText } from './encap.js';
import { describePath, parseEPath } from './epath.js';
import { identityClaims } from './identity.js';
import { probeEnip } from './probe.js';
import {
  cipReply,
  cipRequest,
  encap,
  forwardOpenData,
  forwardOpenReplyData,
  identityBody,
  ioDatagram,
  item,
  listIdentityReply,
  mspBody,
  path,
  tagPath,
  u16,
  unconnectedSend,
} from '../../../test/helpers/enip/test-helpers.js';

describe('EPATH', () => {
  it('reads 8-, 16- and 32-bit logical segments in order', () => {
    const b = Buffer.from([0x20, 0x01, 0x25, 0x00, 0x34, 0x12, 0x32, 0x00, 0x78, 0x56, 0x34, 0x12]);
    const p = parseEPath(b, 0, 6, b.length);
    expect(p.classes).toEqual([1]);
    expect(p.instance).toBe(0x1234);
    expect(p.attribute).toBe(0x12345678);
    expect(p.malformed).toBeUndefined();
    expect(describePath(p)).toBe('class 0x01 instance 4660 attribute 305419896');
  });

  it('keeps every class of a nested Logix path, in order', () => {
    const b = Buffer.from([0x20, 0x8e, 0x24, 0x01, 0x20, 0x74, 0x24, 0x01]);
    const p = parseEPath(b, 0, 4, b.length);
    expect(p.classes).toEqual([0x8e, 0x74]);
    expect(describePath(p)).toBe('class 0x8e instance 1 class 0x74 instance 1');
  });

  it('builds tag names from ANSI extended symbols and element members', () => {
    const bytes = tagPath('Program:Main.Motor[3].Speed');
    const b = Buffer.from(bytes);
    const p = parseEPath(b, 0, bytes.length / 2, b.length);
    expect(p.tag).toBe('Program:Main.Motor[3].Speed');
    expect(p.classes).toEqual([]);
    expect(p.malformed).toBeUndefined();
  });

  it('reads port segments as routes, extended link addresses padded', () => {
    // port 1 slot 0; port 2 with a 9-byte IP link address (padded to even)
    const ip = Buffer.from('10.0.0.9\0', 'latin1');
    const b = Buffer.from([0x01, 0x00, 0x12, ip.length, ...ip, 0x00, 0x20, 0x02, 0x24, 0x01]);
    const p = parseEPath(b, 0, b.length / 2, b.length);
    expect(p.route).toEqual(['1/0', '2/10.0.0.9']);
    expect(p.classes).toEqual([2]);
  });

  it('reads an electronic key', () => {
    const b = Buffer.from([0x34, 0x04, ...u16(1), ...u16(14), ...u16(54), 0x94, 0x14, 0x20, 0x04, 0x24, 0x65]);
    const p = parseEPath(b, 0, 7, b.length);
    expect(p.key).toEqual({ vendor: 1, deviceType: 14, productCode: 54, major: 20, minor: 20 });
    expect(p.classes).toEqual([4]);
  });

  it('flags a path that claims more words than the message holds, and segments cut short', () => {
    const b = Buffer.from([0x20, 0x01, 0x24]);
    const p = parseEPath(b, 0, 4, b.length);
    expect(p.classes).toEqual([1]);
    expect(p.malformed).toMatch(/runs past/);
    const sym = Buffer.from([0x91, 0x20, 0x41]);
    expect(parseEPath(sym, 0, 10, sym.length).malformed).toBeDefined();
    expect(parseEPath(Buffer.from([0xe0, 0]), 0, 1, 2).malformed).toMatch(/reserved/);
  });
});

describe('encapsulation and CPF', () => {
  it('reads the header, little-endian, and where the sender context is', () => {
    const m = encap(0x65, [1, 0, 0, 0], { session: 0xdeadbeef, context: 0x0102 });
    const h = readHeader(m, 0);
    expect(h).toEqual({ command: 0x65, length: 4, session: 0xdeadbeef, status: 0, contextAt: 12, options: 0 });
    expect(m.readUInt32LE(h.contextAt)).toBe(0x0102);
    expect(plausibleHeader(m, 0, m.length)).toBe(true);
  });

  it('refuses commands above 0xff and non-zero options', () => {
    expect(plausibleHeader(encap(0x0165), 0, 24)).toBe(false);
    expect(plausibleHeader(encap(0x65, [], { options: 1 }), 0, 24)).toBe(false);
  });

  it('parses CPF items and flags an item running past the message', () => {
    const b = Buffer.from([...u16(2), ...item(0x00a1, [1, 2, 3, 4]), ...item(0x00b1, [9, 9])]);
    const cpf = parseCpf(b, 0, b.length);
    expect(cpf.items.map((i) => [i.type, i.end - i.start])).toEqual([
      [0xa1, 4],
      [0xb1, 2],
    ]);
    expect(cpf.malformed).toBeUndefined();
    const cut = parseCpf(b, 0, b.length - 1);
    expect(cut.items).toHaveLength(1);
    expect(cut.malformed).toMatch(/runs past/);
    expect(parseCpf(Buffer.from([0xff, 0xff]), 0, 2).malformed).toBeDefined();
  });

  it('reads a ListIdentity item as Wireshark prints it', () => {
    const m = listIdentityReply(
      { vendor: 1, type: 12, code: 58, major: 4, minor: 3, serial: 0x00524d8e, name: '1756-ENBT/A' },
      [10, 1, 1, 164],
    );
    const cpf = parseCpf(m, 24, m.length);
    const r = parseListIdentityItem(m, cpf.items[0]!)!;
    expect(r).toMatchObject({
      vendorId: 1,
      deviceType: 12,
      productCode: 58,
      major: 4,
      minor: 3,
      serial: 0x00524d8e,
      productName: '1756-ENBT/A',
      state: 3,
    });
    expect(r.socket).toEqual({ ip: '10.1.1.164', port: 44818 });
    expect(revisionText(r.major, r.minor)).toBe('4.03');
    expect(serialText(r.serial)).toBe('0x00524d8e');
    const claims = identityClaims(r);
    expect(claims).toContainEqual({ about: 'src', attribute: 'vendor', value: 'Rockwell Automation/Allen-Bradley' });
    expect(claims).toContainEqual({ about: 'src', attribute: 'module_type', value: 'Communications Adapter' });
    expect(claims).toContainEqual({ about: 'src', attribute: 'firmware', value: '4.03' });
    expect(claims).toContainEqual({ about: 'src', attribute: 'serial', value: '0x00524d8e' });
    expect(claims).toContainEqual({ about: 'src', attribute: 'product', value: '1756-ENBT/A' });
  });

  it('refuses an identity whose product name runs past its item', () => {
    const body = Buffer.from(identityBody({ vendor: 1, type: 14, code: 1, major: 1, minor: 1, serial: 1, name: 'ABCDEF' }));
    expect(parseIdentityBody(body, 0, body.length - 2)).toBeUndefined();
    expect(parseIdentityBody(body, 0, 10)).toBeUndefined();
  });
});

describe('CIP messages', () => {
  it('reads a request: service, path, data bounds', () => {
    const b = Buffer.from(cipRequest(0x10, path({ cls: 0xf5, inst: 1, attr: 5 }), [1, 2, 3]));
    const m = parseCip(b, 0, b.length);
    expect(m?.kind).toBe('request');
    if (m?.kind !== 'request') return;
    expect(m.service).toBe(0x10);
    expect(m.path.classes).toEqual([0xf5]);
    expect(m.path.attribute).toBe(5);
    expect(b.subarray(m.dataStart, m.dataEnd)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('reads a reply with extended status, and flags one whose status words run past it', () => {
    const b = Buffer.from(cipReply(0x54, 0x01, [], [0x0100]));
    const m = parseCip(b, 0, b.length);
    expect(m).toMatchObject({ kind: 'reply', service: 0xd4, generalStatus: 1, extStatus: [0x0100] });
    const bad = Buffer.from([0xcc, 0, 0, 5, 1]);
    expect(parseCip(bad, 0, bad.length)?.malformed).toMatch(/extended status/);
    expect(parseCip(Buffer.from([0xcc, 0]), 0, 2)?.malformed).toBeDefined();
    expect(parseCip(Buffer.alloc(0), 0, 0)).toBeUndefined();
  });

  it('unpacks a Multiple Service Packet by its offsets', () => {
    const a = cipRequest(0x0e, path({ cls: 1, inst: 1, attr: 7 }));
    const c = cipRequest(0x4d, tagPath('Speed'), [0xc4, 0, 1, 0, 5, 0, 0, 0]);
    const b = Buffer.from(mspBody([a, c]));
    const msp = parseMsp(b, 0, b.length);
    expect(msp.malformed).toBeUndefined();
    expect(msp.parts.map(([s, e]) => [...b.subarray(s, e)])).toEqual([a, c]);
  });

  it('skips Multiple Service Packet offsets that point outside it', () => {
    const b = Buffer.from([...u16(2), ...u16(6), ...u16(200), 0x0e, 0x00]);
    const msp = parseMsp(b, 0, b.length);
    expect(msp.parts).toEqual([[6, 8]]);
    expect(msp.malformed).toMatch(/offset/);
    expect(parseMsp(Buffer.from([...u16(1000)]), 0, 2).malformed).toBeDefined();
  });

  it('unwraps Unconnected Send: embedded request (odd length padded) and route', () => {
    const emb = cipRequest(0x01, path({ cls: 1, inst: 1 }));
    const odd = [...emb, 0x99];
    const b = Buffer.from(unconnectedSend(odd, 3));
    const m = parseCip(b, 0, b.length);
    if (m?.kind !== 'request') throw new Error('not a request');
    const us = parseUnconnectedSend(b, m.dataStart, m.dataEnd)!;
    expect([...b.subarray(us.msgStart, us.msgEnd)]).toEqual(odd);
    expect(us.route?.route).toEqual(['1/3']);
    const cut = parseUnconnectedSend(b, m.dataStart, m.dataStart + 6);
    expect(cut?.malformed).toMatch(/runs past/);
  });

  it('reads Forward Open request and reply', () => {
    const data = Buffer.from(
      forwardOpenData({
        ot: 0,
        to: 0x80fe0013,
        serial: 0x14,
        vendor: 0x4d,
        origSerial: 0x32952bf3,
        rpiUs: 10_000,
        transport: 0x01,
        connPath: [0x01, 0x00, ...path({ cls: 4, inst: 1, cp: 100 })],
      }),
    );
    const fo = parseForwardOpen(data, 0, data.length, false)!;
    expect(fo).toMatchObject({
      toConnId: 0x80fe0013,
      connSerial: 0x14,
      vendorId: 0x4d,
      originatorSerial: 0x32952bf3,
      otRpi: 10_000,
      toRpi: 10_000,
      transportClass: 1,
    });
    expect(fo.path.route).toEqual(['1/0']);
    expect(fo.path.connectionPoint).toBe(100);
    expect(parseForwardOpen(data, 0, 20, false)).toBeUndefined();
    const rep = Buffer.from(forwardOpenReplyData({ ot: 0x11, to: 0x22, serial: 0x14, vendor: 0x4d, origSerial: 7, apiUs: 10_000 }));
    expect(parseForwardOpenReply(rep, 0, rep.length)).toMatchObject({ otConnId: 0x11, toConnId: 0x22, otApi: 10_000 });
    expect(parseForwardOpenReply(rep, 0, 20)).toBeUndefined();
  });

  it('reads Identity Get Attribute List replies, skipping failed attributes', () => {
    const name = Buffer.from('PLC');
    const b = Buffer.from([
      ...u16(3),
      ...u16(1),
      ...u16(0),
      ...u16(1),
      ...u16(0x65),
      ...u16(0x14),
      ...u16(7),
      ...u16(0),
      name.length,
      ...name,
    ]);
    const m = parseIdentityAttributeList(b, 0, b.length);
    expect([...m]).toEqual([
      [1, 1],
      [7, 'PLC'],
    ]);
  });
});

describe('classification', () => {
  const cls = (svc: number, p: number[]) => {
    const b = Buffer.from(p);
    return classifyRequest(svc, parseEPath(b, 0, p.length / 2, b.length));
  };
  it('names services by class', () => {
    expect(cls(0x4e, path({ cls: 6, inst: 1 }))).toEqual({ fn: 'forward_close', operation: 'session' });
    expect(cls(0x4e, tagPath('Counter'))).toEqual({ fn: 'read_modify_write_tag', operation: 'write' });
    expect(cls(0x52, tagPath('Big'))).toEqual({ fn: 'read_tag_fragmented', operation: 'read' });
    expect(cls(0x4c, tagPath('Speed'))).toEqual({ fn: 'read_tag', operation: 'read' });
    expect(cls(0x4d, path({ cls: 0x6b, inst: 5 }))).toEqual({ fn: 'write_tag', operation: 'write' });
    expect(cls(0x4f, path({ cls: 0x37, inst: 1 }))).toEqual({ fn: 'upload_transfer', operation: 'program' });
    expect(cls(0x4d, path({ cls: 0xa1, inst: 1 }))).toEqual({ fn: 'firmware_update_0x4d', operation: 'program' });
    expect(cls(0x05, path({ cls: 1, inst: 1 }))).toEqual({ fn: 'reset', operation: 'control' });
    expect(cls(0x07, path({ cls: 0x8e, inst: 1 }))).toEqual({ fn: 'stop', operation: 'control' });
    expect(cls(0x0e, path({ cls: 1, inst: 1, attr: 7 }))).toEqual({ fn: 'get_attribute_single', operation: 'identify' });
    expect(cls(0x0e, path({ cls: 0xf5, inst: 1, attr: 5 }))).toEqual({ fn: 'get_attribute_single', operation: 'read' });
    expect(cls(0x10, path({ cls: 0xf5, inst: 1, attr: 5 }))).toEqual({ fn: 'set_attribute_single', operation: 'write' });
    expect(cls(0x4c, path({ cls: 0x8e, inst: 1 }))).toEqual({ fn: 'class_0x8e_service_0x4c', operation: 'other' });
  });
  it('lets the weightiest embedded operation name a container', () => {
    expect(dominant(dominant('read', 'write'), 'identify')).toBe('write');
    expect(dominant('other', 'read')).toBe('read');
  });
});

describe('probe', () => {
  const tcp = (srcPort: number, dstPort: number) => ({ transport: 'tcp' as const, fromInitiator: true, srcPort, dstPort });
  it('accepts a plausible header on 44818 and refuses other bytes there', () => {
    expect(probeEnip(encap(0x65, [1, 0, 0, 0]), tcp(50000, 44818))).toBe(true);
    expect(probeEnip(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), tcp(50000, 44818))).toBe(false);
  });
  it('off-port, accepts only a whole opening message', () => {
    expect(probeEnip(encap(0x65, [1, 0, 0, 0]), tcp(50000, 12345))).toBe(true);
    expect(probeEnip(encap(0x65, [1, 0, 0, 0, 0]), tcp(50000, 12345))).toBe(false);
    expect(probeEnip(encap(0x00, []), tcp(50000, 12345))).toBe(false);
    expect(probeEnip(Buffer.alloc(24), tcp(50000, 12345))).toBe(false);
  });
  it('on UDP 2222, accepts CPF I/O that fills the datagram', () => {
    const udp = { transport: 'udp' as const, fromInitiator: true, srcPort: 2222, dstPort: 2222 };
    const d = ioDatagram(0x3a7b78, 1, [3, 0, 1, 2]);
    expect(probeEnip(d, udp)).toBe(true);
    expect(probeEnip(d.subarray(0, d.length - 1), udp)).toBe(false);
    expect(probeEnip(d, { ...udp, transport: 'tcp' })).toBe(false);
  });
});
