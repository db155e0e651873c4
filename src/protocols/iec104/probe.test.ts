/** The heuristic: lenient on 2404, strict elsewhere; never fires on other protocols' first payloads. */
import { describe, expect, it } from 'vitest';
import { asdu, iFrame, ioa, sFrame, uFrame } from '../../../test/helpers/iec104/build.js';
import { U_STARTDT_ACT, U_TESTFR_CON } from './constants.js';
import { probeIec104 } from './probe.js';

const off = { transport: 'tcp', fromInitiator: true, srcPort: 50000, dstPort: 12404 } as const;
const on = { ...off, dstPort: 2404 } as const;
const gi = iFrame(0, 0, asdu({ type: 100, cause: 6, ca: 1 }, [...ioa(0), 20]));

describe('probe', () => {
  it('accepts whole APDUs off port: U, S, I, and several in a row', () => {
    expect(probeIec104(uFrame(U_STARTDT_ACT), off)).toBe(true);
    expect(probeIec104(uFrame(U_TESTFR_CON), off)).toBe(true);
    expect(probeIec104(sFrame(5), off)).toBe(true);
    expect(probeIec104(gi, off)).toBe(true);
    expect(probeIec104(Buffer.concat([sFrame(1), gi]), off)).toBe(true);
  });

  it('refuses implausible APDUs off port', () => {
    expect(probeIec104(Buffer.from([0x68, 0x04, 0x17, 0, 0, 0]), off)).toBe(false); // two U functions
    expect(probeIec104(Buffer.from([0x68, 0x04, 0x07, 0, 0, 1]), off)).toBe(false); // U with dirty octets
    expect(probeIec104(Buffer.from([0x68, 0x05, 0x07, 0, 0, 0, 0]), off)).toBe(false); // U of length 5
    expect(probeIec104(gi.subarray(0, 10), off)).toBe(false); // incomplete
    expect(probeIec104(Buffer.concat([gi, Buffer.from([0x16])]), off)).toBe(false); // followed by something else
    expect(probeIec104(iFrame(0, 0, asdu({ type: 200, cause: 6, ca: 1 }, [...ioa(0), 20])), off)).toBe(false); // unknown type
    expect(probeIec104(iFrame(0, 0, asdu({ type: 100, cause: 63, ca: 1 }, [...ioa(0), 20])), off)).toBe(false); // undefined cause
    expect(probeIec104(iFrame(0, 0, asdu({ type: 100, cause: 6, ca: 1, count: 0 }, [...ioa(0), 20])), off)).toBe(false);
    expect(probeIec104(iFrame(0, 0, asdu({ type: 36, cause: 3, ca: 1 }, [...ioa(1), 0])), off)).toBe(false); // object too short
    expect(probeIec104(uFrame(U_STARTDT_ACT), { ...off, transport: 'udp' })).toBe(false);
  });

  it('never fires on other protocols first payloads', () => {
    const others = [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.from('000000000006010300000001', 'hex'), // Modbus read
      Buffer.from('0300001611e00000000100c0010ac1020100c2020102', 'hex'), // COTP CR
      Buffer.from('4a524d4900024b', 'hex'), // Java RMI
      Buffer.from('0564050ec9fffe000000000000', 'hex'), // DNP3
      Buffer.from('48454c46', 'hex'),
      Buffer.from('68656c6c6f20776f726c64', 'hex'), // "hello world": 0x68 then length 0x65
    ];
    for (const p of others) expect(probeIec104(p, off)).toBe(false);
  });

  it('on 2404 accepts a start octet anywhere or a payload too short to judge, and refuses TLS', () => {
    expect(probeIec104(Buffer.from('0000006804430000', 'hex'), on)).toBe(true);
    expect(probeIec104(Buffer.from('00', 'hex'), on)).toBe(true);
    expect(probeIec104(Buffer.from('0102030405060708', 'hex'), on)).toBe(false);
    expect(probeIec104(Buffer.from('160301020001000168', 'hex'), on)).toBe(false); // TLS ClientHello (IEC 62351-3)
    expect(probeIec104(uFrame(U_STARTDT_ACT), { ...on, srcPort: 2404, dstPort: 50000 })).toBe(true);
  });
});
