/** Link layer: CRC, header check, frame length, user data with block CRCs, on real and hand-built bytes. */
import { describe, expect, it } from 'vitest';
import { linkFrame } from '../../../test/helpers/dnp3/build.js';
import { dnp3Crc } from './crc.js';
import {
  checkHeader,
  frameLength,
  HEADER_BAD_CRC,
  HEADER_BAD_LENGTH,
  HEADER_NO_START,
  HEADER_OK,
  linkFunctionKey,
  linkFunctionName,
  parseHeader,
  userData,
} from './link.js';
import { probeDnp3 } from './probe.js';

// A read request as captured (ICS-Security-Tools EIP-ViewDeviceStatus.pcap, frame 4): header, then one
// block "c0 cb 01" (transport FIR+FIN seq 0, application FIR+FIN+seq 11, function 1) and its CRC.
const CAPTURED = Buffer.from('056408c4020000009d1cc0cb01527f', 'hex');

describe('DNP3 CRC', () => {
  it('matches the CRCs of a captured frame', () => {
    expect(dnp3Crc(CAPTURED, 0, 8)).toBe(0x1c9d);
    expect(dnp3Crc(CAPTURED, 10, 13)).toBe(0x7f52);
  });
  it('changes when any bit of the header changes', () => {
    const base = dnp3Crc(CAPTURED, 0, 8);
    for (let i = 0; i < 64; i++) {
      const b = Buffer.from(CAPTURED);
      b[i >> 3] ^= 1 << (i & 7);
      expect(dnp3Crc(b, 0, 8)).not.toBe(base);
    }
  });
});

describe('link header', () => {
  it('parses the captured header: DIR, PRM, unconfirmed user data, 0 → 2', () => {
    expect(checkHeader(CAPTURED, 0)).toBe(HEADER_OK);
    const h = parseHeader(CAPTURED, 0);
    expect(h).toEqual({ length: 8, control: 0xc4, dir: true, prm: true, fcb: false, fcv: false, function: 4, destination: 2, source: 0 });
    expect(linkFunctionKey(h.control)).toBe('pri:4');
    expect(linkFunctionName(h.control)).toBe('link_unconfirmed_user_data');
    expect(linkFunctionKey(0x0b)).toBe('sec:11');
    expect(linkFunctionName(0x0b)).toBe('link_status');
    expect(linkFunctionName(0x4d)).toBe('link_primary_13');
  });
  it('refuses wrong start octets, a wrong CRC, a length below 5', () => {
    const noStart = Buffer.from(CAPTURED);
    noStart[1] = 0x65;
    expect(checkHeader(noStart, 0)).toBe(HEADER_NO_START);
    const badCrc = Buffer.from(CAPTURED);
    badCrc[8] ^= 1;
    expect(checkHeader(badCrc, 0)).toBe(HEADER_BAD_CRC);
    const short = linkFrame(0xc9, 1, 2);
    short[2] = 4;
    short.writeUInt16LE(dnp3Crc(short, 0, 8), 8);
    expect(checkHeader(short, 0)).toBe(HEADER_BAD_LENGTH);
  });
  it('computes frame lengths with one CRC per 16-octet block', () => {
    expect(frameLength(5)).toBe(10);
    expect(frameLength(8)).toBe(15);
    expect(frameLength(21)).toBe(10 + 16 + 2);
    expect(frameLength(22)).toBe(10 + 17 + 4);
    expect(frameLength(255)).toBe(10 + 250 + 32);
    expect(linkFrame(0xc4, 1, 2, new Array(250).fill(7)).length).toBe(292);
  });
});

describe('user data', () => {
  it('drops the block CRCs', () => {
    const data = Array.from({ length: 40 }, (_, i) => i);
    const f = linkFrame(0xc4, 10, 1, data);
    const out = Buffer.alloc(250);
    expect(userData(f, 0, f[2]!, out)).toBe(40);
    expect([...out.subarray(0, 40)]).toEqual(data);
  });
  it('names the first block whose CRC is wrong', () => {
    const f = linkFrame(
      0xc4,
      10,
      1,
      Array.from({ length: 40 }, (_, i) => i),
    );
    f[10 + 18 + 3] ^= 0x10; // a data octet of the second block
    expect(userData(f, 0, f[2]!, Buffer.alloc(250))).toBe(-2);
  });
});

describe('probe', () => {
  const off = { transport: 'tcp' as const, fromInitiator: true, srcPort: 40000, dstPort: 20001 };
  const on = { ...off, dstPort: 20000 };
  it('accepts a frame with a good header CRC anywhere', () => {
    expect(probeDnp3(CAPTURED, off)).toBe(true);
    expect(probeDnp3(linkFrame(0xc9, 1, 100), off)).toBe(true);
  });
  it('refuses a bad header CRC, other start octets, random bytes', () => {
    const bad = Buffer.from(CAPTURED);
    bad[9] ^= 0x80;
    expect(probeDnp3(bad, on)).toBe(false);
    expect(probeDnp3(Buffer.from('GET / HTTP/1.1\r\n'), on)).toBe(false);
    expect(probeDnp3(Buffer.from([0x05, 0x64, 0, 0, 0, 0, 0, 0, 0, 0]), off)).toBe(false);
  });
  it('takes a first payload shorter than a header only on port 20000', () => {
    expect(probeDnp3(CAPTURED.subarray(0, 6), on)).toBe(true);
    expect(probeDnp3(CAPTURED.subarray(0, 6), off)).toBe(false);
  });
});
