import { describe, expect, it } from 'vitest';
import { decodeException, decodeRequest, decodeResponse, mbapLength, type ModbusFields } from './records.js';

function req(bytes: number[]): ModbusFields {
  const f: ModbusFields = { transactionId: 0, unitId: 1, functionCode: bytes[0]! & 0x7f };
  decodeRequest(Buffer.from(bytes), 0, bytes.length, f);
  return f;
}
function res(bytes: number[], request?: ModbusFields): ModbusFields {
  const f: ModbusFields = { transactionId: 0, unitId: 1, functionCode: bytes[0]! & 0x7f };
  decodeResponse(Buffer.from(bytes), 0, bytes.length, f, request);
  return f;
}

describe('MBAP header', () => {
  it('accepts protocol id 0 and length 2..255 only (255: one over the specification, as real PLCs send)', () => {
    expect(mbapLength(Buffer.from([0, 1, 0, 0, 0, 6]), 0)).toBe(6);
    expect(mbapLength(Buffer.from([0, 1, 0, 0, 0, 2]), 0)).toBe(2);
    expect(mbapLength(Buffer.from([0, 1, 0, 0, 0, 254]), 0)).toBe(254);
    expect(mbapLength(Buffer.from([0, 1, 0, 0, 0, 255]), 0)).toBe(255);
    expect(mbapLength(Buffer.from([0, 1, 0, 0, 1, 0]), 0)).toBe(-1);
    expect(mbapLength(Buffer.from([0, 1, 0, 0, 0, 1]), 0)).toBe(-1);
    expect(mbapLength(Buffer.from([0, 1, 0, 1, 0, 6]), 0)).toBe(-1);
    expect(mbapLength(Buffer.from([0x47, 0x45, 0x54, 0x20, 0x2f, 0x20]), 0)).toBe(-1); // "GET / "
  });
});

describe('read functions 1-4', () => {
  it('decodes address and quantity of a request', () => {
    expect(req([3, 0x00, 0x00, 0x00, 0x0a])).toMatchObject({ address: 0, quantity: 10 });
    expect(req([1, 0x00, 0x13, 0x00, 0x25])).toMatchObject({ address: 19, quantity: 37 });
    expect(req([4, 0x00, 0x08, 0x00, 0x01]).malformed).toBeUndefined();
  });
  it('flags short, long and out-of-range requests', () => {
    expect(req([3, 0, 0, 0]).malformed).toMatch(/needs at least 5/);
    expect(req([3, 0, 0, 0, 1, 9]).malformed).toMatch(/expected 5/);
    expect(req([3, 0, 0, 0, 126]).malformed).toMatch(/quantity 126/);
    expect(req([1, 0, 0, 0x07, 0xd1]).malformed).toMatch(/quantity 2001/);
    expect(req([2, 0, 0, 0, 0]).malformed).toMatch(/quantity 0/);
  });
  it('checks the response byte count against the PDU and the request', () => {
    const r = req([3, 0, 0x6b, 0, 3]);
    expect(res([3, 6, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64], r)).toMatchObject({ byteCount: 6 });
    expect(res([3, 6, 0x02, 0x2b, 0x00, 0x00, 0x00, 0x64], r).malformed).toBeUndefined();
    expect(res([3, 4, 0, 1, 0, 2], r).malformed).toMatch(/request asked for 6/);
    expect(res([3, 3, 0, 1, 0]).malformed).toMatch(/odd byte count/);
    expect(res([3, 6, 0, 1]).malformed).toMatch(/expected 8/);
    expect(res([1, 3, 0xcd, 0x6b, 0x05], req([1, 0, 0x13, 0, 0x13])).malformed).toBeUndefined();
  });
});

describe('single writes 5 and 6', () => {
  it('decodes coil on/off and register value', () => {
    expect(req([5, 0, 0xac, 0xff, 0x00])).toMatchObject({ address: 172, value: 0xff00 });
    expect(res([5, 0, 0xac, 0x00, 0x00])).toMatchObject({ address: 172, value: 0 });
    expect(req([6, 0, 1, 0, 3])).toMatchObject({ address: 1, value: 3 });
  });
  it('flags a coil value other than 0xff00/0 and wrong lengths', () => {
    expect(req([5, 0, 1, 0x12, 0x34]).malformed).toMatch(/coil value 0x1234/);
    expect(req([6, 0, 1, 0]).malformed).toMatch(/needs at least 5/);
    expect(req([6, 0, 1, 0, 3, 0]).malformed).toMatch(/expected 5/);
  });
});

describe('multiple writes 15, 16 and 23', () => {
  it('decodes FC15 and checks byte count against quantity', () => {
    expect(req([15, 0, 0x13, 0, 0x0a, 2, 0xcd, 0x01])).toMatchObject({ address: 19, quantity: 10, byteCount: 2 });
    expect(req([15, 0, 0x13, 0, 0x0a, 1, 0xcd]).malformed).toMatch(/byte count 1, quantity needs 2/);
    expect(res([15, 0, 0x13, 0, 0x0a])).toMatchObject({ address: 19, quantity: 10 });
  });
  it('decodes FC16 and flags a truncated value list', () => {
    expect(req([16, 0, 1, 0, 2, 4, 0, 0x0a, 1, 2])).toMatchObject({ address: 1, quantity: 2, byteCount: 4 });
    expect(req([16, 0, 1, 0, 2, 4, 0, 0x0a]).malformed).toMatch(/expected 10/);
    expect(req([16, 0, 1, 0, 124, 248]).malformed).toMatch(/quantity 124/);
  });
  it('decodes FC23 read and write ranges', () => {
    const f = req([23, 0, 3, 0, 6, 0, 0x0e, 0, 3, 6, 0, 0xff, 0, 0xff, 0, 0xff]);
    expect(f).toMatchObject({ readAddress: 3, readQuantity: 6, writeAddress: 14, writeQuantity: 3, byteCount: 6 });
    expect(f.malformed).toBeUndefined();
    expect(req([23, 0, 3, 0, 6, 0, 0x0e, 0, 3, 4, 0, 0, 0, 0]).malformed).toMatch(/write quantity needs 6/);
    const r = res([23, 12, 0, 0xfe, 0x0a, 0xcd, 0, 1, 0, 3, 0, 0x0d, 0, 0xff], f);
    expect(r.malformed).toBeUndefined();
  });
});

describe('diagnostic functions 7, 8, 11, 12', () => {
  it('decodes FC7 and its status byte', () => {
    expect(req([7]).malformed).toBeUndefined();
    expect(req([7, 0]).malformed).toMatch(/expected 1/);
    expect(res([7, 0x6d])).toMatchObject({ status: 0x6d });
  });
  it('decodes FC8 sub-functions', () => {
    expect(req([8, 0, 4, 0, 0])).toMatchObject({ subFunction: 4 });
    expect(res([8, 0, 0, 0xa5, 0x37])).toMatchObject({ subFunction: 0 });
    expect(req([8, 0]).malformed).toMatch(/needs at least 3/);
  });
  it('decodes FC11 and FC12 counters', () => {
    expect(res([11, 0xff, 0xff, 0x01, 0x08])).toMatchObject({ status: 0xffff, eventCount: 264 });
    expect(res([12, 8, 0, 0, 1, 8, 1, 0x21, 0x20, 0])).toMatchObject({ byteCount: 8, eventCount: 264, messageCount: 289 });
    expect(res([12, 8, 0, 0, 1, 8]).malformed).toMatch(/needs at least 8/);
  });
});

describe('FC17 report server id', () => {
  it('decodes server id, run indicator and printable additional data', () => {
    const text = [...Buffer.from('PLC-3 v1')];
    const f = res([17, 2 + text.length, 0x42, 0xff, ...text]);
    expect(f).toMatchObject({ serverId: 0x42, runIndicator: 'on', serverIdText: 'PLC-3 v1' });
    expect(res([17, 5, 1, 0]).malformed).toMatch(/expected 7/);
  });
});

describe('file records 20 and 21, mask write 22, FIFO 24', () => {
  it('decodes FC20 sub-requests', () => {
    const f = req([20, 14, 6, 0, 4, 0, 1, 0, 2, 6, 0, 3, 0, 9, 0, 2]);
    expect(f.fileRecords).toEqual([
      { referenceType: 6, fileNumber: 4, recordNumber: 1, recordLength: 2 },
      { referenceType: 6, fileNumber: 3, recordNumber: 9, recordLength: 2 },
    ]);
    expect(req([20, 6, 6, 0, 4, 0, 1, 0]).malformed).toMatch(/multiple of 7/);
  });
  it('decodes FC21 groups with data and catches data past the end', () => {
    const f = req([21, 13, 6, 0, 4, 0, 7, 0, 3, 0x06, 0xaf, 0x04, 0xbe, 0x10, 0x0d]);
    expect(f.fileRecords).toEqual([{ referenceType: 6, fileNumber: 4, recordNumber: 7, recordLength: 3 }]);
    expect(f.malformed).toBeUndefined();
    expect(req([21, 9, 6, 0, 4, 0, 7, 0, 3, 0x06, 0xaf]).malformed).toMatch(/past the end/);
  });
  it('decodes FC22 masks and flags a short PDU (as in Digital Bond part2 frame 62)', () => {
    expect(req([22, 0, 4, 0, 0xf2, 0, 0x25])).toMatchObject({ address: 4, andMask: 0xf2, orMask: 0x25 });
    expect(req([22, 0, 0, 0, 0]).malformed).toMatch(/needs at least 7/);
  });
  it('decodes FC24', () => {
    expect(req([24, 0x04, 0xde])).toMatchObject({ address: 0x4de });
    expect(res([24, 0, 6, 0, 2, 1, 0xb8, 0x12, 0x84])).toMatchObject({ byteCount: 6, fifoCount: 2 });
  });
});

describe('FC43 MEI 14 read device identification', () => {
  it('decodes the request', () => {
    expect(req([43, 14, 1, 0])).toMatchObject({ meiType: 14, readDeviceIdCode: 1, objectId: 0 });
    expect(req([43, 14, 9, 0]).malformed).toMatch(/read device id code 9/);
  });
  it('decodes objects into names and values', () => {
    const obj = (id: number, s: string) => [id, s.length, ...Buffer.from(s)];
    const pdu = [
      43,
      14,
      3,
      0x83,
      0,
      0,
      4,
      ...obj(0, 'Schneider Electric'),
      ...obj(1, 'BMX P34 2020'),
      ...obj(2, 'v2.7'),
      ...obj(0x80, 'line 3'),
    ];
    const f = res(pdu);
    expect(f.malformed).toBeUndefined();
    expect(f.conformityLevel).toBe(0x83);
    expect(f.moreFollows).toBe(false);
    expect(f.objects).toEqual([
      { id: 0, name: 'vendor_name', value: 'Schneider Electric' },
      { id: 1, name: 'product_code', value: 'BMX P34 2020' },
      { id: 2, name: 'major_minor_revision', value: 'v2.7' },
      { id: 0x80, name: 'private_0x80', value: 'line 3' },
    ]);
  });
  it('shows binary private objects as hex and stops at an object running past the PDU', () => {
    expect(res([43, 14, 4, 0x83, 0, 0, 1, 0x81, 2, 0x01, 0xfe]).objects).toEqual([{ id: 0x81, name: 'private_0x81', value: 'hex:01fe' }]);
    const f = res([43, 14, 1, 1, 0, 0, 2, 0, 3, 0x41, 0x42, 0x43, 1, 9, 0x41]);
    expect(f.objects).toHaveLength(1);
    expect(f.malformed).toMatch(/runs past the PDU/);
    expect(res([43, 14, 1, 1, 0, 0, 3]).malformed).toMatch(/object 1 of 3 missing/);
  });
});

describe('FC90 UMAS', () => {
  it('decodes session and UMAS function of a request, status of a response', () => {
    expect(req([90, 0x00, 0x41, 0xff, 0x00])).toMatchObject({ umasSession: 0, umasFunction: 0x41 });
    expect(res([90, 0x00, 0xfe, 0x00])).toMatchObject({ umasStatus: 'ok' });
    expect(res([90, 0x00, 0xfd, 0x00])).toMatchObject({ umasStatus: 'error' });
    expect(res([90, 0x00, 0x12]).malformed).toMatch(/UMAS status/);
    expect(req([90, 0]).malformed).toMatch(/needs at least 3/);
  });
});

describe('exception responses', () => {
  it('decodes code and name, flags unknown codes and bad lengths', () => {
    const f: ModbusFields = { transactionId: 0, unitId: 1, functionCode: 3 };
    decodeException(Buffer.from([0x83, 2]), 0, 2, f);
    expect(f).toMatchObject({ exceptionCode: 2, exception: 'illegal_data_address' });
    const g: ModbusFields = { transactionId: 0, unitId: 1, functionCode: 3 };
    decodeException(Buffer.from([0x83, 0x63]), 0, 2, g);
    expect(g.malformed).toMatch(/unknown exception code 99/);
    const h: ModbusFields = { transactionId: 0, unitId: 1, functionCode: 3 };
    decodeException(Buffer.from([0x83]), 0, 1, h);
    expect(h.exceptionCode).toBeUndefined();
    expect(h.malformed).toMatch(/needs at least 2/);
  });
  it('reads the FC43 exception form that carries the MEI type before the code (jsmodbus)', () => {
    const f: ModbusFields = { transactionId: 0, unitId: 1, functionCode: 43 };
    decodeException(Buffer.from([0xab, 0x0e, 0x03]), 0, 3, f);
    expect(f).toMatchObject({ meiType: 14, exceptionCode: 3, exception: 'illegal_data_value' });
    expect(f.malformed).toBeUndefined();
    const g: ModbusFields = { transactionId: 0, unitId: 1, functionCode: 43 };
    decodeException(Buffer.from([0xab, 0x04]), 0, 2, g);
    expect(g).toMatchObject({ exceptionCode: 4, exception: 'server_device_failure' });
  });
});
