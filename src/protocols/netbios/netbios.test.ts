import { describe, expect, it } from 'vitest';
import { a, fakeContext, header, ptr, u16 } from '../../../test/helpers/dns/testing.js';
import { NbdsDecoder, NbnsDecoder } from './decoder.js';
import { nbdsModule, nbnsModule } from './index.js';
import { decodeFirstLevel } from './names.js';

/** RFC 1001 14.1 first-level encoding: name padded to 15 with spaces, suffix, each half-byte as 'A'+n. */
function encoded(name: string, suffix: number): Buffer {
  const raw = Buffer.concat([Buffer.from(name.padEnd(15, ' '), 'latin1'), Buffer.from([suffix])]);
  const out = Buffer.alloc(34);
  out[0] = 32;
  for (let i = 0; i < 16; i++) {
    out[1 + 2 * i] = 0x41 + (raw[i]! >> 4);
    out[2 + 2 * i] = 0x41 + (raw[i]! & 15);
  }
  return out;
}

const nb = (entries: [number, string][]): Buffer => Buffer.concat(entries.map(([flags, ip]) => Buffer.concat([u16(flags), a(ip)])));
function rr(name: Buffer, type: number, rdata: Buffer): Buffer {
  const ttl = Buffer.alloc(4);
  ttl.writeUInt32BE(300000);
  return Buffer.concat([name, u16(type), u16(1), ttl, u16(rdata.length), rdata]);
}
const NB = 0x20;
const NBSTAT = 0x21;

/** A registration request (opcode 5, broadcast): question name, additional NB record pointing back to it. */
function registration(name: string, suffix: number, flags: number, ip: string, opcode = 5): Buffer {
  return Buffer.concat([
    header(0x8001, (opcode << 11) | 0x0110, 1, 0, 0, 1),
    encoded(name, suffix),
    u16(NB),
    u16(1),
    rr(ptr(12), NB, nb([[flags, ip]])),
  ]);
}

const HOST = { ip: '10.20.1.11', port: 137 };
const BCAST = { ip: '10.20.1.255', port: 137 };

describe('NetBIOS names', () => {
  it('decodes first-level encoding and refuses letters outside A..P', () => {
    expect(decodeFirstLevel(encoded('PLC-LINE3', 0x20), 1)).toEqual({ name: 'PLC-LINE3', suffix: 0x20 });
    const bad = encoded('X', 0);
    bad[5] = 0x5a; // 'Z'
    expect(decodeFirstLevel(bad, 1)).toBeUndefined();
    expect(decodeFirstLevel(encoded('X', 0), 10)).toBeUndefined(); // runs past the end
  });
});

describe('NetBIOS name service', () => {
  it('claims a unique workstation registration and refresh for the NB address', () => {
    const ctx = fakeContext(HOST, BCAST);
    const d = new NbnsDecoder(ctx);
    d.onData(true, registration('HMI-01', 0x00, 0x0000, '10.20.1.11'), 1);
    d.onData(true, registration('HMI-01', 0x20, 0x0000, '10.20.1.11', 8), 2);
    expect(ctx.anomalies).toEqual([]);
    expect(ctx.events.map((e) => [e.protocol, e.fn, e.direction, e.detail])).toEqual([
      ['netbios-ns', 'registration', 'request', 'registration HMI-01<00> = 10.20.1.11'],
      ['netbios-ns', 'refresh', 'request', 'refresh HMI-01<20> = 10.20.1.11'],
    ]);
    expect(ctx.events.map((e) => e.identity)).toEqual([
      [{ about: 'src', ip: '10.20.1.11', attribute: 'name', value: 'HMI-01' }],
      [{ about: 'src', ip: '10.20.1.11', attribute: 'name', value: 'HMI-01' }],
    ]);
  });

  it('claims nothing for group names, other suffixes, releases or a negative answer', () => {
    const ctx = fakeContext(HOST, BCAST);
    const d = new NbnsDecoder(ctx);
    d.onData(true, registration('WORKGROUP', 0x00, 0x8000, '10.20.1.11'), 1);
    d.onData(true, registration('WORKGROUP', 0x1d, 0x0000, '10.20.1.11'), 2);
    d.onData(true, registration('HMI-01', 0x00, 0x0000, '10.20.1.11', 6), 3);
    const negative = Buffer.concat([
      header(0x8002, 0x8000 | (5 << 11) | 0x0400 | 6, 0, 1, 0, 0),
      rr(encoded('HMI-01', 0), NB, nb([[0, '10.20.1.99']])),
    ]);
    d.onData(false, negative, 4);
    expect(ctx.events.map((e) => [e.fn, e.identity])).toEqual([
      ['registration', undefined],
      ['registration', undefined],
      ['release', undefined],
      ['registration_response', undefined],
    ]);
  });

  it('claims a positive query answer for each unique address it gives', () => {
    const ctx = fakeContext({ ip: '10.20.1.5', port: 137 }, { ip: '10.20.1.2', port: 137 });
    const answer = Buffer.concat([
      header(0x10, 0x8000 | 0x0400 | 0x0100, 0, 1, 0, 0),
      rr(
        encoded('PLC-LINE3', 0x00),
        NB,
        nb([
          [0x6000, '10.20.1.10'],
          [0x6000, '10.20.2.10'],
        ]),
      ),
    ]);
    new NbnsDecoder(ctx).onData(false, answer, 1);
    expect(ctx.events[0]!.fn).toBe('name_query_response');
    expect(ctx.events[0]!.identity!.map((c) => `${c.ip} ${c.value}`)).toEqual(['10.20.1.10 PLC-LINE3', '10.20.2.10 PLC-LINE3']);
  });

  it('claims the unique host names of a node status answer for its sender', () => {
    const names = Buffer.concat([
      Buffer.from([3]),
      Buffer.from('PLC-LINE3      \x00', 'latin1'),
      u16(0x0400),
      Buffer.from('PLANT          \x00', 'latin1'),
      u16(0x8400),
      Buffer.from('PLC-LINE3      \x03', 'latin1'),
      u16(0x0400),
      Buffer.from([0x00, 0x0e, 0x8c, 0x11, 0x22, 0x33]),
    ]);
    const answer = Buffer.concat([header(0x11, 0x8400, 0, 1, 0, 0), rr(encoded('*', 0), NBSTAT, names)]);
    const ctx = fakeContext({ ip: '10.20.1.5', port: 50000 }, { ip: '10.20.1.10', port: 137 });
    new NbnsDecoder(ctx).onData(false, answer, 1);
    expect(ctx.events[0]!.fn).toBe('node_status_response');
    expect(ctx.events[0]!.identity).toEqual([{ about: 'src', attribute: 'name', value: 'PLC-LINE3' }]);
  });

  it('counts a datagram too short for a header and a malformed record', () => {
    const ctx = fakeContext(HOST, BCAST);
    const d = new NbnsDecoder(ctx);
    d.onData(true, Buffer.alloc(6), 1);
    const r = registration('HMI-01', 0, 0, '10.20.1.11');
    d.onData(true, r.subarray(0, r.length - 3), 2);
    expect(ctx.anomalies.map((x) => x.kind)).toEqual(['short_message', 'malformed']);
    expect(ctx.events[0]!.identity).toBeUndefined();
  });
});

describe('NetBIOS datagram service', () => {
  function datagram(type: number, srcIp: string, src: Buffer, dst: Buffer): Buffer {
    const h = Buffer.alloc(14);
    h[0] = type;
    h[1] = 0x02;
    h.writeUInt16BE(0x1234, 2);
    a(srcIp).copy(h, 4);
    h.writeUInt16BE(138, 8);
    h.writeUInt16BE(68 + 10, 10);
    return Buffer.concat([h, src, dst, Buffer.from('\xffSMB', 'latin1')]);
  }

  it('claims the source name for the source IP of the header', () => {
    const ctx = fakeContext({ ip: '10.20.1.11', port: 138 }, { ip: '10.20.1.255', port: 138 });
    const d = new NbdsDecoder(ctx);
    d.onData(true, datagram(0x11, '10.20.1.11', encoded('HMI-01', 0x00), encoded('WORKGROUP', 0x1d)), 1);
    d.onData(true, datagram(0x11, '10.20.1.11', encoded('WORKGROUP', 0x1d), encoded('WORKGROUP', 0x1e)), 2);
    d.onData(true, Buffer.from([0x42, 0, 0]), 3);
    expect(ctx.events.map((e) => [e.fn, e.detail, e.identity])).toEqual([
      [
        'direct_group',
        'direct_group HMI-01<00> to WORKGROUP<1d>',
        [{ about: 'src', ip: '10.20.1.11', attribute: 'name', value: 'HMI-01' }],
      ],
      ['direct_group', 'direct_group WORKGROUP<1d> to WORKGROUP<1e>', undefined],
    ]);
    expect(ctx.anomalies.map((x) => x.kind)).toEqual(['not_netbios_datagram']);
  });
});

describe('probes', () => {
  const info = (port: number) => ({ transport: 'udp' as const, fromInitiator: true, srcPort: port, dstPort: port });
  it('accept their own messages on their own port only', () => {
    const reg = registration('HMI-01', 0, 0, '10.20.1.11');
    expect(nbnsModule.probe(reg, info(137))).toBe(true);
    expect(nbnsModule.probe(reg, info(138))).toBe(false);
    expect(nbnsModule.probe(Buffer.concat([header(1, 0, 1, 0, 0, 0), Buffer.from([3, 0x61, 0x62, 0x63, 0, 0, 1, 0, 1])]), info(137))).toBe(
      false,
    );
    expect(nbdsModule.probe(Buffer.from([0x11, 2, 0, 0, 10, 0, 0, 1, 0, 138, 0, 10, 0, 0, 32, 0x5a]), info(138))).toBe(false);
  });
});
