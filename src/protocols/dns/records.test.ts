import { describe, expect, it } from 'vitest';
import { namedAddresses } from './names.js';
import { a, aResponse, encodeName, header, ptr, QR, question, record, u16 } from '../../../test/helpers/dns/testing.js';
import { isHostName, parseMessage, readName, recordTarget, reverseNameAddress } from './records.js';

const HDR = header(1, 0, 1, 0, 0, 0);

describe('readName', () => {
  it('reads plain labels and says where the name ends', () => {
    const buf = Buffer.concat([HDR, encodeName('hmi-01.plant.local'), u16(1)]);
    expect(readName(buf, 12)).toEqual({ name: 'hmi-01.plant.local', next: 12 + 20 });
  });

  it('follows a backward compression pointer, ending after the pointer', () => {
    const buf = Buffer.concat([HDR, encodeName('plant.local'), Buffer.from([3]), Buffer.from('plc'), ptr(12)]);
    const at = 12 + 13;
    expect(readName(buf, at)).toEqual({ name: 'plc.plant.local', next: at + 6 });
  });

  it('rejects a pointer to itself, a two-pointer loop, a forward pointer and a loop back into its own labels', () => {
    expect(readName(Buffer.concat([HDR, ptr(12)]), 12)).toBeUndefined();
    // name at 12 points to 14, name at 14 points to 12: whichever is read first, the second jump is not below the first target
    const loop = Buffer.concat([HDR, ptr(14), ptr(12)]);
    expect(readName(loop, 12)).toBeUndefined();
    expect(readName(loop, 14)).toBeUndefined();
    expect(readName(Buffer.concat([HDR, ptr(20), Buffer.alloc(8)]), 12)).toBeUndefined();
    // label 'a' at 12 then a pointer back to 12: each pass would re-read 'a' forever
    expect(readName(Buffer.concat([HDR, Buffer.from([1, 0x61]), ptr(12)]), 12)).toBeUndefined();
    // and reached through an outer pointer: 'x' + ptr(12) where 12 holds 'a' + ptr(12)
    const nested = Buffer.concat([HDR, Buffer.from([1, 0x61]), ptr(12), Buffer.from([1, 0x78]), ptr(12)]);
    expect(readName(nested, 16)).toBeUndefined();
  });

  it('rejects names over 255 bytes, extended label types and names cut short', () => {
    const long = Buffer.concat([
      HDR,
      ...Array.from({ length: 5 }, () => Buffer.concat([Buffer.from([60]), Buffer.alloc(60, 0x61)])),
      Buffer.from([0]),
    ]);
    expect(readName(long, 12)).toBeUndefined();
    expect(readName(Buffer.concat([HDR, Buffer.from([0x41, 0, 0])]), 12)).toBeUndefined();
    expect(readName(Buffer.concat([HDR, Buffer.from([5, 0x61, 0x62])]), 12)).toBeUndefined();
    expect(readName(Buffer.concat([HDR, Buffer.from([0xc0])]), 12)).toBeUndefined();
    expect(readName(HDR, 12)).toBeUndefined();
  });
});

describe('parseMessage', () => {
  it('reads questions and all three record sections', () => {
    const buf = Buffer.concat([
      header(0x1234, QR, 1, 2, 1, 1),
      question('www.plant.local', 1),
      record(ptr(12), 5, encodeName('web.plant.local')),
      record('web.plant.local', 1, a('10.0.0.8')),
      record('plant.local', 2, encodeName('ns.plant.local')),
      record('ns.plant.local', 1, a('10.0.0.53')),
    ]);
    const m = parseMessage(buf)!;
    expect(m.malformed).toBeUndefined();
    expect(m.header).toMatchObject({ id: 0x1234, response: true, opcode: 0, rcode: 0, qdcount: 1, ancount: 2 });
    expect(m.questions.map((q) => [q.name, q.type])).toEqual([['www.plant.local', 1]]);
    expect(m.answers.map((r) => [r.name, r.type, r.rdLen])).toEqual([
      ['www.plant.local', 5, 17],
      ['web.plant.local', 1, 4],
    ]);
    expect(recordTarget(buf, m.answers[0]!)).toBe('web.plant.local');
    expect(m.authority[0]!.name).toBe('plant.local');
    expect(m.additional[0]!.name).toBe('ns.plant.local');
  });

  it('keeps the records before a truncated one and says where it stopped', () => {
    const whole = aResponse(7, 'plc.plant.local', ['10.0.0.1', '10.0.0.2']);
    const m = parseMessage(whole.subarray(0, whole.length - 2))!;
    expect(m.answers).toHaveLength(1);
    expect(m.malformed).toBe(`answer 2: bad record at ${whole.length - 16}`);
    expect(parseMessage(Buffer.alloc(11))).toBeUndefined();
  });

  it('stops at an RDATA length running past the end', () => {
    const buf = Buffer.concat([header(1, QR, 0, 1, 0, 0), encodeName('x.local'), u16(1), u16(1), Buffer.alloc(4), u16(40), a('10.0.0.1')]);
    expect(parseMessage(buf)!.malformed).toMatch(/^answer 1: bad record/);
  });
});

describe('names from answers', () => {
  it('pairs A, AAAA and reverse PTR answers with their addresses', () => {
    const v6 = Buffer.from('fd000000000000000000000000000011', 'hex');
    const buf = Buffer.concat([
      header(9, QR, 0, 3, 0, 0),
      record('hmi-01.plant.local', 1, a('10.20.1.11')),
      record('hmi-01.plant.local', 28, v6),
      record('11.1.20.10.in-addr.arpa', 12, encodeName('hmi-01.plant.local')),
    ]);
    expect(namedAddresses(buf, parseMessage(buf)!)).toEqual([
      { ip: '10.20.1.11', name: 'hmi-01.plant.local' },
      { ip: 'fd00::11', name: 'hmi-01.plant.local' },
    ]);
  });

  it('names nothing from a query, an error answer, a non-IN class or a service instance', () => {
    const q = Buffer.concat([header(1, 0, 0, 1, 0, 0), record('x.local', 1, a('10.0.0.1'))]);
    expect(namedAddresses(q, parseMessage(q)!)).toEqual([]);
    const nx = Buffer.concat([header(1, QR | 3, 0, 1, 0, 0), record('x.local', 1, a('10.0.0.1'))]);
    expect(namedAddresses(nx, parseMessage(nx)!)).toEqual([]);
    const chaos = Buffer.concat([header(1, QR, 0, 1, 0, 0), record('x.local', 1, a('10.0.0.1'), 3)]);
    expect(namedAddresses(chaos, parseMessage(chaos)!)).toEqual([]);
    const sd = Buffer.concat([header(1, QR, 0, 1, 0, 0), record('LDS-x._opcua-tcp._tcp.local', 1, a('10.0.0.1'))]);
    expect(namedAddresses(sd, parseMessage(sd)!)).toEqual([]);
  });

  it('accepts the mDNS cache-flush bit in the class', () => {
    const buf = Buffer.concat([header(0, QR | 0x0400, 0, 1, 0, 0), record('plc-7.local', 1, a('192.168.0.7'), 0x8001)]);
    expect(namedAddresses(buf, parseMessage(buf)!)).toEqual([{ ip: '192.168.0.7', name: 'plc-7.local' }]);
  });

  it('turns reverse names into addresses and refuses partial ones', () => {
    expect(reverseNameAddress('11.1.20.10.in-addr.arpa')).toBe('10.20.1.11');
    expect(reverseNameAddress('1.20.10.in-addr.arpa')).toBeUndefined();
    expect(reverseNameAddress('256.1.20.10.in-addr.arpa')).toBeUndefined();
    expect(reverseNameAddress('0/25.1.20.10.in-addr.arpa')).toBeUndefined();
    const nibbles = '1.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa';
    expect(reverseNameAddress(nibbles)).toBe('fd00::11');
    expect(isHostName('a b.local')).toBe(false);
    expect(isHostName('plc.local')).toBe(true);
  });
});
