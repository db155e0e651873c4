import { describe, expect, it } from 'vitest';
import {
  anyItem,
  ascii,
  blockParam,
  connect,
  dataItem,
  piParam,
  plcStopParam,
  s7,
  setupParam,
  szl11Record,
  szl1cRecord,
  szlAnswer,
  u16,
  udData,
  udParam,
  varParam,
} from '../../../test/helpers/s7comm/build.js';
import { CotpHead, parseCotp, readCotp, tsapInfo, tsapText } from '../tpkt-cotp/cotp.js';
import { parseS7Plus } from './plus.js';
import {
  formatAddress,
  parseBlockTransfer,
  parseDataItems,
  parsePiService,
  parsePlcStop,
  parseS7Pdu,
  parseSetupCommunication,
  parseVarRequest,
  readS7Pdu,
  S7PduHead,
} from './records.js';
import { decodeIdentitySzl, moduleVersion, text } from './szl.js';
import { plausibleTpkt } from '../tpkt-cotp/tpkt.js';
import { parseBlockInfoRequest, parseClock, parseSzlRequest, parseSzlResponse, parseUserdataData, parseUserdataParam } from './userdata.js';

const P = 10; // parameter offset of a job / userdata PDU
const PA = 12; // parameter offset of an ack_data PDU

describe('COTP', () => {
  it('reads a connection request with TPDU size and TSAPs', () => {
    const b = connect('CR', '0100', '0102');
    const c = parseCotp(b, 4, b.length)!;
    expect(c).toMatchObject({ type: 0xe0, dstRef: 0, srcRef: 1, classOption: 0, tpduSize: 1024, srcTsap: '0100', dstTsap: '0102' });
    expect(c.malformed).toBeUndefined();
  });

  it('reads DT end-of-TSDU and TPDU number', () => {
    const b = Buffer.from([0x02, 0xf0, 0x80, 0x32]);
    expect(parseCotp(b, 0, 4)).toMatchObject({ type: 0xf0, eot: true, tpduNr: 0, dataOffset: 3 });
    expect(parseCotp(Buffer.from([0x02, 0xf0, 0x05]), 0, 3)).toMatchObject({ eot: false, tpduNr: 5 });
  });

  it('flags a length indicator beyond the TPKT and a truncated parameter', () => {
    expect(parseCotp(Buffer.from([0x09, 0xf0, 0x80]), 0, 3)?.malformed).toBe('cotp_length_beyond_tpkt');
    const b = Buffer.from([0x09, 0xe0, 0, 0, 0, 1, 0, 0xc1, 0x05, 0x01]); // TSAP announces 5 bytes, has 1
    expect(parseCotp(b, 0, b.length)?.malformed).toBe('cotp_parameter_truncated');
    expect(parseCotp(Buffer.from([0x02]), 0, 1)).toBeUndefined();
  });

  it('readCotp: one head read again and again keeps nothing of the previous TPDU', () => {
    const h = new CotpHead();
    const framed = Buffer.concat([Buffer.from([0xaa, 0xaa]), Buffer.from([0x02, 0xf0, 0x85, 0x32])]);
    expect(readCotp(framed, 2, framed.length, h)).toBe(true);
    expect(h).toMatchObject({ li: 2, type: 0xf0, dataOffset: 5, tpduNr: 5, eot: true, malformed: undefined });
    expect(readCotp(Buffer.from([0x09, 0xf0, 0x80]), 0, 3, h)).toBe(true);
    expect(h).toMatchObject({ type: 0xf0, dataOffset: 3, tpduNr: 0, eot: false, malformed: 'cotp_length_beyond_tpkt' });
    const cr = connect('CR', '0100', '0102');
    expect(readCotp(cr, 4, cr.length, h)).toBe(true);
    expect(h).toMatchObject({ type: 0xe0, dataOffset: cr.length, tpduNr: 0, eot: false, malformed: undefined });
    expect(readCotp(Buffer.from([0x02]), 0, 1, h)).toBe(false);
  });

  it('reads client type, rack and slot from a TSAP', () => {
    expect(tsapInfo('0102')).toEqual({ connectionType: 'pg', rack: 0, slot: 2 });
    expect(tsapInfo('0223')).toEqual({ connectionType: 'op', rack: 1, slot: 3 });
    expect(tsapInfo('0301')).toEqual({ connectionType: 's7_basic', rack: 0, slot: 1 });
    expect(tsapInfo('1000')?.connectionType).toBe('other');
    expect(tsapText(Buffer.from('SIMATIC-ROOT-HMI').toString('hex'))).toBe('SIMATIC-ROOT-HMI');
    expect(tsapText('0102')).toBeUndefined();
  });
});

describe('TPKT plausibility', () => {
  it('accepts a real header and refuses garbage', () => {
    expect(plausibleTpkt(Buffer.from([3, 0, 0, 7, 2, 0xf0, 0x80]), 0, 7)).toBe(true);
    expect(plausibleTpkt(Buffer.from([3, 0, 0, 6, 2, 0xf0]), 0, 6)).toBe(false); // too short for COTP
    expect(plausibleTpkt(Buffer.from([3, 1, 0, 7, 2, 0xf0, 0x80]), 0, 7)).toBe(false);
    expect(plausibleTpkt(Buffer.from([3, 0, 0, 7, 2, 0x30, 0x80]), 0, 7)).toBe(false); // unknown TPDU code
    expect(plausibleTpkt(Buffer.from([3, 0, 0, 8, 9, 0xf0, 0x80, 0]), 0, 8)).toBe(false); // LI beyond the TPKT
  });
});

describe('S7 header', () => {
  it('reads job and ack_data headers with lengths and error fields', () => {
    const job = s7(1, 0x1234, setupParam(480));
    const j = parseS7Pdu(job, 0, job.length)!;
    expect(j.header).toMatchObject({ rosctr: 1, pduRef: 0x1234, paramLength: 8, dataLength: 0, headerLength: 10 });
    expect(j.header.errorClass).toBeUndefined();
    const ack = s7(3, 7, [0x04, 0x01], [0xff, 0x04, 0x00, 0x08, 0x2a], [0x81, 0x04]);
    const a = parseS7Pdu(ack, 0, ack.length)!;
    expect(a.header).toMatchObject({ rosctr: 3, errorClass: 0x81, errorCode: 0x04, headerLength: 12 });
    expect([a.paramOffset, a.paramEnd, a.dataOffset, a.dataEnd]).toEqual([12, 14, 14, 19]);
  });

  it('readS7Pdu: one head read again and again keeps nothing of the previous PDU', () => {
    const h = new S7PduHead();
    const ack = Buffer.concat([Buffer.from([0xee]), s7(3, 7, [0x04, 0x01], [0xff, 0x04, 0x00, 0x08, 0x2a], [0x81, 0x04])]);
    ack.writeUInt16BE(9, 1 + 8); // data length beyond the PDU
    expect(readS7Pdu(ack, 1, ack.length, h)).toBe(true);
    expect(h).toMatchObject({
      rosctr: 3,
      pduRef: 7,
      errorClass: 0x81,
      errorCode: 0x04,
      headerLength: 12,
      paramOffset: 13,
      paramEnd: 15,
      dataOffset: 15,
      dataEnd: ack.length,
      malformed: 'data_beyond_pdu',
    });
    const job = s7(1, 0x1234, setupParam(480));
    expect(readS7Pdu(job, 0, job.length, h)).toBe(true);
    expect(h).toMatchObject({
      rosctr: 1,
      pduRef: 0x1234,
      errorClass: undefined,
      errorCode: undefined,
      headerLength: 10,
      malformed: undefined,
    });
    const short = s7(2, 1, []).subarray(0, 10); // ack cut after 10 bytes: no error class and code
    expect(readS7Pdu(short, 0, short.length, h)).toBe(true);
    expect(h).toMatchObject({ rosctr: 2, errorClass: undefined, malformed: 'header_truncated' });
    expect(readS7Pdu(Buffer.from([0x32, 5, 0, 0, 0, 0, 0, 0, 0, 0]), 0, 10, h)).toBe(false);
  });

  it('refuses what is not S7comm and flags lengths beyond the PDU', () => {
    expect(parseS7Pdu(Buffer.from([0x72, 1, 0, 0, 0, 0, 0, 0, 0, 0]), 0, 10)).toBeUndefined();
    expect(parseS7Pdu(Buffer.from([0x32, 5, 0, 0, 0, 0, 0, 0, 0, 0]), 0, 10)).toBeUndefined(); // no ROSCTR 5
    expect(parseS7Pdu(Buffer.from([0x32, 1, 0, 0]), 0, 4)).toBeUndefined();
    const b = s7(1, 1, [0x04, 0x01]);
    b.writeUInt16BE(40, 6); // parameter length beyond the PDU
    const p = parseS7Pdu(b, 0, b.length)!;
    expect(p.malformed).toBe('parameter_beyond_pdu');
    expect(p.paramEnd).toBe(b.length);
  });
});

describe('job and ack_data parameters', () => {
  it('setup communication: PDU size and parallel jobs', () => {
    const b = s7(1, 0, setupParam(960));
    expect(parseSetupCommunication(b, P, b.length)).toEqual({ maxAmqCalling: 1, maxAmqCalled: 1, pduSize: 960 });
    expect(parseSetupCommunication(b, P, P + 5)).toBeUndefined();
  });

  it('read var: S7ANY items with area, DB, byte.bit and length', () => {
    const b = s7(1, 1, varParam(0x04, [anyItem(2, 4, 1, 0x84, 0, 0), anyItem(1, 1, 0, 0x83, 10, 3), anyItem(29, 2, 0, 29, 5, 0)]));
    const r = parseVarRequest(b, P, b.length);
    expect(r.malformed).toBeUndefined();
    expect(r.items.map((i) => i.address)).toEqual(['DB1.DBX0.0', 'M10.3', 'T5']);
    expect(r.items[0]).toMatchObject({
      syntaxId: 0x10,
      transportSize: 2,
      length: 4,
      dbNumber: 1,
      area: 0x84,
      byteAddress: 0,
      bitAddress: 0,
    });
    expect(r.items[1]).toMatchObject({ transportSize: 1, byteAddress: 10, bitAddress: 3 });
  });

  it('read var: a count larger than the items present is flagged', () => {
    const p = varParam(0x04, [anyItem(2, 4, 1, 0x84, 0, 0)]);
    p[1] = 3;
    const b = s7(1, 1, p);
    const r = parseVarRequest(b, P, b.length);
    expect(r.items).toHaveLength(1);
    expect(r.malformed).toBe('item_truncated');
  });

  it('read var: non-S7ANY items (symbolic 1200 access) are kept by syntax id', () => {
    const b = s7(1, 1, [0x04, 0x01, 0x12, 0x04, 0xb2, 0x01, 0x02, 0x03]);
    expect(parseVarRequest(b, P, b.length).items).toEqual([{ syntaxId: 0xb2 }]);
  });

  it('data items: lengths in bits or bytes, fill bytes, failed items without value', () => {
    const data = [...dataItem(0xff, 4, [1, 2, 3], false), ...dataItem(0x0a, 0, []), ...dataItem(0xff, 9, [9, 8])];
    const b = Buffer.from(data);
    const r = parseDataItems(b, 0, b.length, 3, true);
    expect(r.malformed).toBeUndefined();
    expect(r.items).toEqual([
      { returnCode: 0xff, transportSize: 4, length: 3, valueHex: '010203' },
      { returnCode: 0x0a, transportSize: 0, length: 0 },
      { returnCode: 0xff, transportSize: 9, length: 2, valueHex: '0908' },
    ]);
    // a failed item whose length field is not zero carries no value (snap7 answers 0a 00 00 04)
    const snap = Buffer.from([0x0a, 0x00, 0x00, 0x04, 0x0a, 0x00, 0x00, 0x04]);
    expect(parseDataItems(snap, 0, snap.length, 2, false).items.map((i) => i.length)).toEqual([0, 0]);
  });

  it('data items: a value running past the data part is flagged', () => {
    const b = Buffer.from([0xff, 0x04, 0x00, 0x40, 1, 2]);
    expect(parseDataItems(b, 0, b.length, 1, false).malformed).toBe('data_item_truncated');
  });

  it('request download: file name, block and lengths', () => {
    const b = s7(1, 1, blockParam(0x1a, 0, '_0A00001P', '1000124000028'));
    expect(parseBlockTransfer(b, P, b.length, 0x1a, true)).toMatchObject({
      fileName: '_0A00001P',
      blockType: 'DB',
      blockNumber: 1,
      destFileSystem: 'P',
      loadMemoryLength: 124,
      mc7Length: 28,
    });
  });

  it('start upload ack and upload: upload id and block length', () => {
    const ack = s7(3, 1, [0x1d, 0x00, 0x01, 0x00, 0, 0, 0, 7, 7, ...ascii('0000216')]);
    expect(parseBlockTransfer(ack, PA, ack.length, 0x1d, false)).toMatchObject({ uploadId: 7, blockLength: 216 });
    const up = s7(1, 2, blockParam(0x1e, 7));
    expect(parseBlockTransfer(up, P, up.length, 0x1e, true)).toMatchObject({ uploadId: 7 });
    const short = s7(1, 2, [0x1b, 0x00, 0x00]);
    expect(parseBlockTransfer(short, P, short.length, 0x1b, true).malformed).toBe('parameter_truncated');
  });

  it('PI service: name, parameter block and blocks named in it', () => {
    const b = s7(1, 1, piParam('_INSE', '0000170A00001P'));
    expect(parsePiService(b, P, b.length)).toEqual({ service: '_INSE', parameter: '0000170A00001P', blocks: ['DB1'] });
    const m = s7(1, 1, piParam('_MODU', 'EP'));
    expect(parsePiService(m, P, m.length)).toMatchObject({ service: '_MODU', parameter: 'EP' });
    const cut = s7(1, 1, piParam('_DELE', '0A00001P').slice(0, 14));
    expect(parsePiService(cut, P, cut.length).malformed).toBeDefined();
  });

  it('PLC stop: the P_PROGRAM service name', () => {
    const b = s7(1, 1, plcStopParam());
    expect(parsePlcStop(b, P, b.length)).toEqual({ service: 'P_PROGRAM' });
    const bad = s7(1, 1, [0x29, 0, 0, 0, 0, 0, 40, 0x50]);
    expect(parsePlcStop(bad, P, bad.length).malformed).toBe('service_name_truncated');
  });

  it('formats addresses of every area class', () => {
    expect(formatAddress(0x85, 3, 2, 1, 2)).toBe('DI3.DIX2.1');
    expect(formatAddress(0x81, 0, 0, 0, 1)).toBe('I0.0');
    expect(formatAddress(28, 0, 7, 0, 28)).toBe('C7');
    expect(formatAddress(0x99, 0, 1, 0, 2)).toBe('area0x991.0');
  });
});

describe('userdata', () => {
  it('reads request and response parameters', () => {
    const req = Buffer.from(udParam(4, 4, 1, 0));
    expect(parseUserdataParam(req, 0, req.length)).toEqual({
      paramHead: 0x000112,
      paramLength: 4,
      method: 0x11,
      type: 4,
      group: 4,
      subfunction: 1,
      sequence: 0,
    });
    const res = Buffer.from(udParam(8, 4, 1, 3, 5, 1));
    expect(parseUserdataParam(res, 0, res.length)).toMatchObject({ type: 8, dataUnitRef: 5, lastDataUnit: 1, errorCode: 0 });
    expect(parseUserdataParam(req, 0, 6)).toBeUndefined();
  });

  it('reads the data head and flags a length beyond the PDU', () => {
    const d = Buffer.from(udData(0xff, [0, 0x11, 0, 0]));
    expect(parseUserdataData(d, 0, d.length)).toMatchObject({
      returnCode: 0xff,
      transportSize: 9,
      length: 4,
      payloadOffset: 4,
      payloadEnd: 8,
    });
    expect(parseUserdataData(d, 0, 6)?.malformed).toBe('userdata_data_truncated');
  });

  it('SZL request and response heads', () => {
    const q = Buffer.from([...u16(0x0011), ...u16(0x0001)]);
    expect(parseSzlRequest(q, 0, 4)).toEqual({ szlId: 0x11, szlIndex: 1 });
    const a = Buffer.from(szlAnswer(0x001c, 0, 34, [szl1cRecord(1, 'PLC1')]));
    expect(parseSzlResponse(a, 0, a.length)).toEqual({ szlId: 0x1c, szlIndex: 0, recordLength: 34, recordCount: 1, recordsOffset: 8 });
  });

  it('clock values in BCD', () => {
    const c = Buffer.from([0x00, 0x19, 0x14, 0x08, 0x20, 0x11, 0x59, 0x43, 0x91, 0x25]);
    expect(parseClock(c, 0, c.length)).toBe('2014-08-20 11:59:43.912');
    const bad = Buffer.from(c);
    bad[3] = 0x1a;
    expect(parseClock(bad, 0, bad.length)).toBeUndefined();
  });

  it('block info request: type and number', () => {
    const b = Buffer.from(ascii('0A00001A'));
    expect(parseBlockInfoRequest(b, 0, b.length)).toEqual({ blockType: '0A', blockNumber: 1 });
  });
});

describe('SZL identity', () => {
  const modules = [
    szl11Record(0x0001, '6ES7 315-2EH14-0AB0', 4, 1),
    szl11Record(0x0006, '6ES7 315-2EH14-0AB0', 4, 1),
    szl11Record(0x0007, '', 0x5603, 0x0206),
    szl11Record(0x0081, 'Boot Loader', 0x4120, 0x0909),
  ];

  it('module identification: order number, hardware from index 6, firmware from index 7', () => {
    const b = Buffer.from(modules.flat());
    const id = decodeIdentitySzl(0x0011, b, 0, b.length, 28, 4)!;
    expect(id.modules!.map((m) => m.mlfb)).toEqual(['6ES7 315-2EH14-0AB0', '6ES7 315-2EH14-0AB0', '', 'Boot Loader']);
    expect(id.identity).toEqual([
      { attribute: 'order_number', value: '6ES7 315-2EH14-0AB0' },
      { attribute: 'hardware', value: '4' },
      { attribute: 'firmware', value: 'V3.2.6' },
    ]);
  });

  it('reads only whole records when the answer is cut short', () => {
    const b = Buffer.from(modules.flat()).subarray(0, 28 * 2 + 10);
    expect(decodeIdentitySzl(0x0011, b, 0, b.length, 28, 4)!.modules).toHaveLength(2);
  });

  it('component identification → name, product, serial, module type, plant designation', () => {
    const b = Buffer.from(
      [
        szl1cRecord(1, 'SNAP7-SERVER'),
        szl1cRecord(2, 'CPU 315-2 PN/DP'),
        szl1cRecord(3, 'Plant A'),
        szl1cRecord(4, 'Original Siemens Equipment'),
        szl1cRecord(5, 'S C-C2UR28922012'),
        szl1cRecord(7, 'CPU 315-2 PN/DP'),
      ].flat(),
    );
    const id = decodeIdentitySzl(0x001c, b, 0, b.length, 34, 6)!;
    expect(id.identity).toEqual([
      { attribute: 'name', value: 'SNAP7-SERVER' },
      { attribute: 'product', value: 'CPU 315-2 PN/DP' },
      { attribute: 'plant_designation', value: 'Plant A' },
      { attribute: 'description', value: 'Original Siemens Equipment' },
      { attribute: 'serial', value: 'S C-C2UR28922012' },
      { attribute: 'module_type', value: 'CPU 315-2 PN/DP' },
    ]);
  });

  it('other SZL ids and too-short records give nothing', () => {
    const b = Buffer.from(modules.flat());
    expect(decodeIdentitySzl(0x0424, b, 0, b.length, 28, 4)).toBeUndefined();
    expect(decodeIdentitySzl(0x0011, b, 0, b.length, 10, 4)).toBeUndefined();
  });

  it('versions and texts', () => {
    expect(moduleVersion({ index: 7, mlfb: '', bgTyp: 0, ausbg: 0x5604, ausbe: 0x0400 })).toBe('V4.4.0');
    expect(moduleVersion({ index: 0x81, mlfb: '', bgTyp: 0, ausbg: 0x4120, ausbe: 0x0909 })).toBeUndefined();
    expect(text(Buffer.from('ab\x01c  \0zz'), 0, 9)).toBe('abc');
  });
});

describe('S7comm-plus', () => {
  it('V1: opcode and function right after the header', () => {
    const b = Buffer.from([0x72, 0x01, 0x00, 0x20, 0x31, 0x00, 0x00, 0x04, 0xca, 0x00, 0x00, 0x00, 0x01]);
    expect(parseS7Plus(b, 0, b.length)).toEqual({
      version: 1,
      dataLength: 0x20,
      integrity: false,
      opcode: 0x31,
      functionCode: 0x04ca,
      sequence: 1,
    });
  });

  it('V3: opcode after the 32-byte integrity digest', () => {
    const b = Buffer.from([0x72, 0x03, 0x00, 0x59, 0x20, ...new Array(32).fill(0xab), 0x31, 0, 0, 0x04, 0xf2, 0, 0, 0x83, 0x1a]);
    expect(parseS7Plus(b, 0, b.length)).toMatchObject({
      version: 3,
      integrity: true,
      opcode: 0x31,
      functionCode: 0x04f2,
      sequence: 0x831a,
    });
  });

  it('not 0x72 is not S7comm-plus; unreadable opcodes are left out', () => {
    expect(parseS7Plus(Buffer.from([0x32, 1, 0, 0]), 0, 4)).toBeUndefined();
    expect(parseS7Plus(Buffer.from([0x72, 0x03, 0, 4, 0x99]), 0, 5)).toEqual({ version: 3, dataLength: 4, integrity: false });
  });
});
