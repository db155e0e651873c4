import { describe, expect, it } from 'vitest';
import {
  anyItem,
  ascii,
  blockParam,
  connect,
  dataItem,
  dt,
  frame,
  piParam,
  plcStopParam,
  s7,
  setupParam,
  szl11Record,
  szl1cRecord,
  szlAnswer,
  tpkt,
  u16,
  udData,
  udParam,
  varParam,
} from '../../../test/helpers/s7comm/build.js';
import { S7Decoder } from './decoder.js';
import { bytesHash } from './var-memo.js';
import { fakeContext } from '../../../test/helpers/s7comm/fake-context.js';
import { probeS7 } from './probe.js';
import { S7Stats } from './stats.js';

function run(chunks: [boolean, Buffer][]) {
  const ctx = fakeContext();
  const d = new S7Decoder(ctx);
  for (const [fromInit, b] of chunks) d.onData(fromInit, b, 1);
  d.onEnd();
  return ctx;
}

const readJob = frame(s7(1, 0x0100, varParam(0x04, [anyItem(2, 4, 1, 0x84, 0, 0)])));
const readAck = frame(s7(3, 0x0100, [0x04, 0x01], dataItem(0xff, 4, [1, 2, 3, 4])));

describe('TPKT framing', () => {
  it('decodes several TPKTs in one segment', () => {
    const ctx = run([[true, Buffer.concat([readJob, frame(s7(1, 2, setupParam(480)))])]]);
    expect(ctx.events.map((e) => e.fn)).toEqual(['read_var', 'setup_communication']);
    expect(ctx.anomalies).toEqual([]);
  });

  it('decodes a TPKT delivered one byte at a time', () => {
    const ctx = run([...readJob].map((b) => [true, Buffer.from([b])] as [boolean, Buffer]));
    expect(ctx.events).toHaveLength(1);
    expect(ctx.events[0]).toMatchObject({ fn: 'read_var', operation: 'read', direction: 'request', detail: 'DB1.DBX0.0 len 4' });
  });

  it('resynchronises after garbage and counts it', () => {
    const ctx = run([[true, Buffer.concat([Buffer.from('garbage!'), readJob])]]);
    expect(ctx.events.map((e) => e.fn)).toEqual(['read_var']);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['s7comm.tpkt_resync']);
  });

  it('after a gap, drops the partial PDU and finds the next header', () => {
    const ctx = fakeContext();
    const d = new S7Decoder(ctx);
    d.onData(true, readJob.subarray(0, 10), 1);
    d.onGap(true, 100, 2);
    // the rest of a lost PDU, then a whole one
    d.onData(true, Buffer.concat([Buffer.from([0x00, 0x12, 0x34, 0x03]), readJob]), 3);
    expect(ctx.events.map((e) => e.fn)).toEqual(['read_var']);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['s7comm.stream_gap', 's7comm.tpkt_resync']);
  });
});

describe('COTP', () => {
  it('connection request and confirm → TSAP fields, client type, rack/slot facts', () => {
    const ctx = run([
      [true, connect('CR', '0100', '0102')],
      [false, connect('CC', '0100', '0102')],
    ]);
    expect(ctx.events[0]).toMatchObject({
      fn: 'cotp_connect_request',
      operation: 'session',
      direction: 'request',
      detail: 'pg rack 0 slot 2',
      fields: { src_tsap: '0100', dst_tsap: '0102', client_type: 'pg', rack: 0, slot: 2, tpdu_size: 1024 },
      facts: { s7_client_type: 'pg', s7_rack_slot: '0/2' },
    });
    expect(ctx.events[1]).toMatchObject({ fn: 'cotp_connect_confirm', direction: 'response', src: { port: 102 } });
  });

  it('text TSAPs of S7-1200/1500 name an HMI client', () => {
    const ctx = run([[true, connect('CR', '0100', Buffer.from('SIMATIC-ROOT-HMI').toString('hex'))]]);
    expect(ctx.events[0].fields).toMatchObject({ tsap_text: 'SIMATIC-ROOT-HMI', client_type: 'op' });
  });

  it('reassembles an S7 PDU fragmented over DT TPDUs on the end-of-TSDU bit', () => {
    const pdu = s7(1, 9, varParam(0x04, [anyItem(2, 4, 1, 0x84, 0, 0), anyItem(2, 8, 2, 0x84, 4, 0)]));
    const ctx = run([
      [true, tpkt(dt(pdu.subarray(0, 7), false, 0))],
      [true, tpkt(dt(pdu.subarray(7), true, 1))],
    ]);
    expect(ctx.events).toHaveLength(1);
    expect(ctx.events[0].detail).toBe('DB1.DBX0.0 len 4, DB2.DBX4.0 len 8');
  });

  it('ignores empty DTs (keep-alives) and never glues them to the next PDU', () => {
    const ctx = run([[true, Buffer.concat([tpkt(dt([], false)), readJob, tpkt(dt([], true))])]]);
    expect(ctx.events.map((e) => e.fn)).toEqual(['read_var']);
    expect(ctx.anomalies).toEqual([]);
  });
});

describe('job / ack_data', () => {
  it('pairs read var job and ack_data; the response keeps the job detail and return codes', () => {
    const ctx = run([
      [true, readJob],
      [false, readAck],
    ]);
    expect(ctx.events[1]).toMatchObject({
      fn: 'read_var',
      operation: 'read',
      direction: 'response',
      detail: 'DB1.DBX0.0 len 4',
      src: { port: 102 },
      fields: { rosctr: 3, function_code: '0x04', return_codes: ['0xff'], error_class: 0 },
    });
  });

  it('read var answers with the same item heads share their codes and items; other heads get their own', () => {
    const ack = (ref: number, data: number[]) => frame(s7(3, ref, [0x04, 0x02], data));
    const twoItems = (a: number[], b: number[], ret = 0xff) => [
      ...dataItem(0xff, 4, a, false),
      ...dataItem(ret, ret === 0xff ? 4 : 0, ret === 0xff ? b : []),
    ];
    const ctx = run([
      [false, ack(1, twoItems([1, 2], [3, 4]))],
      [false, ack(2, twoItems([5, 6], [7, 8]))], // same heads, other values
      [false, ack(3, twoItems([5, 6], [], 0x0a))], // the second item failed
    ]);
    const [a, b, c] = ctx.events.map((e) => e.fields);
    expect(b!.data_items).toBe(a!.data_items);
    expect(b!.return_codes).toBe(a!.return_codes);
    expect(c!.data_items).not.toBe(a!.data_items);
    expect(a).toEqual({
      rosctr: 3,
      rosctr_name: 'ack_data',
      pdu_ref: 1,
      param_length: 2,
      data_length: 12,
      error_class: 0,
      error_code: 0,
      function_code: '0x04',
      item_count: 2,
      return_codes: ['0xff', '0xff'],
      data_items: [
        { return_code: '0xff', transport_size: 4, length: 2 },
        { return_code: '0xff', transport_size: 4, length: 2 },
      ],
    });
    expect(Object.keys(a!)).toEqual([
      'rosctr',
      'rosctr_name',
      'pdu_ref',
      'param_length',
      'data_length',
      'error_class',
      'error_code',
      'function_code',
      'item_count',
      'return_codes',
      'data_items',
    ]);
    expect(c).toMatchObject({
      pdu_ref: 3,
      return_codes: ['0xff', '0x0a'],
      data_items: [
        { return_code: '0xff', transport_size: 4, length: 2 },
        { return_code: '0x0a', transport_size: 0, length: 0 },
      ],
    });
    expect(ctx.anomalies).toEqual([]);
  });

  it('connections polling the same items share what their parameters give; another parameter in the same memo slot gets its own', () => {
    const param = (db: number) => varParam(0x04, [anyItem(2, 4, db, 0x84, 0, 0)]);
    // a parameter whose bytes hash to the same slot of the process-wide memo as DB1's (var-memo.ts)
    const slot = (db: number) => bytesHash(Buffer.from(param(db)), 0, param(db).length) & 63;
    let other = 2;
    while (slot(other) !== slot(1)) other++;
    const job = (ref: number, db: number) => frame(s7(1, ref, param(db)));
    const a = run([[true, job(1, 1)]]);
    const b = run([[true, job(1, 1)]]); // another connection, same request
    const c = run([
      [true, job(1, other)],
      [true, job(2, 1)],
    ]);
    expect(b.events[0].fields.items).toBe(a.events[0].fields.items);
    expect(c.events[0].detail).toBe(`DB${other}.DBX0.0 len 4`);
    expect(c.events[1].detail).toBe('DB1.DBX0.0 len 4');
    expect(c.events[1].fields.items).toEqual(a.events[0].fields.items);
  });

  it('a malformed header keeps its place among the fields of read var jobs and answers', () => {
    const job = s7(1, 5, varParam(0x04, [anyItem(2, 4, 1, 0x84, 0, 0)]));
    job.writeUInt16BE(3, 8); // data length beyond the PDU
    const ack = s7(3, 5, [0x04, 0x01], [0xff, 0x04, 0x00, 0x20, 1, 2, 3]); // value one byte short
    ack.writeUInt16BE(9, 8);
    const ctx = run([
      [true, frame(job)],
      [false, frame(ack)],
    ]);
    expect(ctx.events.map((e) => Object.keys(e.fields))).toEqual([
      ['rosctr', 'rosctr_name', 'pdu_ref', 'param_length', 'data_length', 'malformed', 'function_code', 'item_count', 'items'],
      [
        'rosctr',
        'rosctr_name',
        'pdu_ref',
        'param_length',
        'data_length',
        'error_class',
        'error_code',
        'malformed',
        'function_code',
        'item_count',
        'return_codes',
        'data_items',
      ],
    ]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['s7comm.data_beyond_pdu', 's7comm.data_beyond_pdu', 's7comm.data_item_truncated']);
  });

  it('onBytes decodes the range it is given of a larger buffer, as onData decodes it as a Buffer of its own', () => {
    const readAck2 = frame(s7(3, 0x0100, [0x04, 0x01], dataItem(0xff, 4, [9, 9, 9, 9])));
    const chunks: [boolean, Buffer][] = [
      [true, Buffer.concat([connect('CR', '0100', '0102'), readJob])],
      [false, readAck],
      [false, readAck2],
    ];
    const viaData = run(chunks);
    const ctx = fakeContext();
    const d = new S7Decoder(ctx);
    // junk (a plausible TPKT start) on both sides: nothing outside [start, end) may be read
    const junk = Buffer.from([0x03, 0x00, 0x00, 0x07, 0x02, 0xf0, 0x80]);
    for (const [fromInit, b] of chunks) {
      const cut = 5;
      const first = Buffer.concat([junk, b.subarray(0, cut), junk]);
      d.onBytes(fromInit, first, junk.length, junk.length + cut, 1);
      const rest = Buffer.concat([junk, junk, b.subarray(cut), junk]);
      d.onBytes(fromInit, rest, 2 * junk.length, 2 * junk.length + b.length - cut, 1);
    }
    d.onEnd();
    expect(ctx.events).toEqual(viaData.events);
    expect(ctx.events.map((e) => e.fn)).toEqual(['cotp_connect_request', 'read_var', 'read_var', 'read_var']);
    expect(ctx.anomalies).toEqual([]);
  });

  it('write var: items and the values written', () => {
    const job = frame(s7(1, 3, varParam(0x05, [anyItem(2, 2, 5, 0x84, 10, 0)]), dataItem(0x00, 4, [0xbe, 0xef])));
    const ctx = run([[true, job]]);
    expect(ctx.events[0]).toMatchObject({ fn: 'write_var', operation: 'write', detail: 'DB5.DBX10.0 len 2' });
    expect(ctx.events[0].fields.data_items).toEqual([{ transport_size: 4, length: 2, value_hex: 'beef' }]);
  });

  it('download sequence → program operations with block names', () => {
    const ctx = run([
      [true, frame(s7(1, 1, blockParam(0x1a, 0, '_0800001P', '1000124000028')))],
      [true, frame(s7(1, 2, blockParam(0x1b, 0, '_0800001P')))],
      [true, frame(s7(1, 3, blockParam(0x1c, 0, '_0800001P')))],
      [true, frame(s7(1, 4, piParam('_INSE', '0000010800001P')))],
    ]);
    expect(ctx.events.map((e) => [e.fn, e.operation, e.detail])).toEqual([
      ['request_download', 'program', 'OB1'],
      ['download_block', 'program', 'OB1'],
      ['download_ended', 'program', 'OB1'],
      ['pi_service', 'program', '_INSE OB1'],
    ]);
  });

  it('PLC stop and PI services that control the CPU', () => {
    const ctx = run([
      [true, frame(s7(1, 1, plcStopParam()))],
      [false, frame(s7(3, 1, [0x29]))],
      [true, frame(s7(1, 2, piParam('P_PROGRAM', 'C ')))],
      [true, frame(s7(1, 3, piParam('_MODU', 'EP')))],
    ]);
    expect(ctx.events.map((e) => [e.fn, e.operation, e.direction, e.fields.pi_service])).toEqual([
      ['plc_stop', 'control', 'request', 'P_PROGRAM'],
      ['plc_stop', 'control', 'response', undefined],
      ['pi_service', 'control', 'request', 'P_PROGRAM'],
      ['pi_service', 'control', 'request', '_MODU'],
    ]);
  });

  it('an ack without data is named after the job it answers', () => {
    const ctx = run([
      [true, frame(s7(1, 0x600, blockParam(0x1d, 0, '_0B00000A')))],
      [false, frame(s7(2, 0x600, [], [], [0xd2, 0x41]))],
    ]);
    expect(ctx.events[1]).toMatchObject({
      fn: 'start_upload',
      operation: 'program',
      direction: 'response',
      fields: { rosctr: 2, error_class: 0xd2, function_code: '0x1d' },
    });
  });

  it('a non-S7 payload inside DT is counted, not emitted', () => {
    const ctx = run([[true, frame([0x99, 1, 2, 3, 4, 5, 6, 7, 8, 9])]]);
    expect(ctx.events).toEqual([]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['s7comm.not_s7comm']);
  });
});

describe('userdata', () => {
  it('SZL read request and module identification answer → identity about the PLC', () => {
    const req = frame(s7(7, 0x100, udParam(4, 4, 1), udData(0xff, [...u16(0x0011), ...u16(0)])));
    const answer = szlAnswer(0x0011, 0, 28, [
      szl11Record(1, '6ES7 315-2EH14-0AB0', 4, 1),
      szl11Record(7, '', 0x5603, 0x0206),
      szl11Record(0x81, 'Boot Loader', 0x4120, 0x0909),
    ]);
    const res = frame(s7(7, 0x100, udParam(8, 4, 1, 1), udData(0xff, answer)));
    const ctx = run([
      [true, req],
      [false, res],
    ]);
    expect(ctx.events[0]).toMatchObject({ fn: 'read_szl', operation: 'identify', direction: 'request', detail: 'SZL 0x0011 index 0x0000' });
    expect(ctx.events[1].fields.order_numbers).toEqual(['6ES7 315-2EH14-0AB0', 'Boot Loader']);
    expect(ctx.events[1].identity).toEqual([
      { about: 'src', attribute: 'order_number', value: '6ES7 315-2EH14-0AB0' },
      { about: 'src', attribute: 'hardware', value: '4' },
      { about: 'src', attribute: 'firmware', value: 'V3.2.6' },
    ]);
  });

  it('reassembles an SZL answer spread over several data units', () => {
    const records = [1, 2, 3, 4, 5, 7].map((i) => szl1cRecord(i, `text${i}`));
    const full = szlAnswer(0x001c, 0, 34, records);
    const cut = 100;
    const first = frame(s7(7, 1, udParam(8, 4, 1, 1, 0x17, 1), udData(0xff, full.slice(0, cut))));
    const follow = frame(s7(7, 2, udParam(4, 4, 1, 1).concat([]), udData(0x0a, [])));
    const last = frame(s7(7, 2, udParam(8, 4, 1, 1, 0x17, 0), udData(0xff, full.slice(cut))));
    const ctx = run([
      [false, first],
      [true, follow],
      [false, last],
    ]);
    expect(ctx.events).toHaveLength(3);
    expect(ctx.events[0].fields.szl_id).toBe('0x001c');
    expect(ctx.events[0].identity).toBeUndefined();
    expect(ctx.events[2].identity?.map((c) => c.value)).toEqual(['text1', 'text2', 'text3', 'text4', 'text5', 'text7']);
  });

  it('password: the legitimation is a session event that never keeps the password', () => {
    const pw = [0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48];
    const ctx = run([[true, frame(s7(7, 1, udParam(4, 5, 1), udData(0xff, pw)))]]);
    expect(ctx.events[0]).toMatchObject({ fn: 'plc_password', operation: 'session', fields: { password_length: 8 } });
    expect(JSON.stringify(ctx.events[0])).not.toMatch(/4142|ABCD/);
  });

  it('clock set is a write with the time, clock read a read; mode transition names the mode', () => {
    const clock = [0x00, 0x19, 0x21, 0x03, 0x04, 0x05, 0x06, 0x07, 0x00, 0x01];
    const ctx = run([
      [true, frame(s7(7, 1, udParam(4, 7, 2), udData(0xff, clock)))],
      [true, frame(s7(7, 2, udParam(4, 7, 1), udData(0x0a, [])))],
      [false, frame(s7(7, 0, udParam(0, 0, 0x02), udData(0xff, [])))],
    ]);
    expect(ctx.events.map((e) => [e.fn, e.operation, e.detail])).toEqual([
      ['set_clock', 'write', '2021-03-04 05:06:07.000'],
      ['read_clock', 'read', undefined],
      ['mode_transition', 'diagnostic', 'run'],
    ]);
  });

  it('block functions browse the program; programmer commands that modify are writes', () => {
    const ctx = run([
      [true, frame(s7(7, 1, udParam(4, 3, 3), udData(0xff, ascii('0A00001A'))))],
      [true, frame(s7(7, 2, udParam(4, 1, 0x08), udData(0xff, [1, 2])))],
    ]);
    expect(ctx.events.map((e) => [e.fn, e.operation])).toEqual([
      ['get_block_info', 'browse'],
      ['modify_variable', 'write'],
    ]);
    expect(ctx.events[0].fields).toMatchObject({ block_type: '0A', block_number: 1 });
  });
});

describe('S7comm-plus', () => {
  it('is emitted as s7commplus with opcode and function, not as S7comm', () => {
    const plus = [0x72, 0x01, 0x00, 0x10, 0x31, 0x00, 0x00, 0x05, 0x4c, 0x00, 0x00, 0x00, 0x02];
    const ctx = run([
      [true, frame(plus)],
      [true, Buffer.concat([frame(plus), frame(plus)])],
    ]);
    expect(ctx.events.map((e) => [e.protocol, e.fn, e.operation, e.direction, e.fields.segment_start])).toEqual([
      ['s7commplus', 'get_multi_variables', 'read', 'request', true],
      ['s7commplus', 'get_multi_variables', 'read', 'request', true],
      ['s7commplus', 'get_multi_variables', 'read', 'request', false],
    ]);
  });
});

describe('stats', () => {
  it('builds the oracle section from events', () => {
    const ctx = run([
      [true, connect('CR', '0100', '0102')],
      [true, readJob],
      [false, readAck],
      [true, frame(s7(1, 5, plcStopParam()))],
      [true, frame(s7(7, 6, udParam(4, 4, 1), udData(0xff, [...u16(0x0424), ...u16(0)])))],
      [false, frame(s7(7, 0, udParam(0, 0, 0x08), udData(0xff, [])))],
      [true, frame([0x72, 0x03, 0x00, 0x00])],
    ]);
    const st = new S7Stats();
    for (const e of ctx.events) st.onEvent(e);
    st.onEvent({ ...ctx.events[1], protocol: 'modbus' }); // not ours
    expect(st.section()).toEqual({
      pdus: 5,
      by_rosctr: { '1': 2, '2': 0, '3': 1, '7': 2 },
      job_functions: { '0x04': 1, '0x29': 1 },
      ackdata_functions: { '0x04': 1 },
      userdata: { '4:1': 1, '0:8': 1 },
      szl_ids: ['0x0424'],
      order_numbers: [],
      plc_stop: 1,
      pi_services: ['P_PROGRAM'],
      servers: ['10.0.0.2:102'],
      clients: ['10.0.0.1'],
      s7commplus_frames: 1,
    });
  });

  it('has no section when nothing S7 was seen (COTP alone does not count)', () => {
    const st = new S7Stats();
    for (const e of run([[true, connect('CR', '0100', '0102')]]).events) st.onEvent(e);
    expect(st.section()).toBeUndefined();
  });
});

describe('probe', () => {
  it('claims TPKT+COTP connect and DT with S7comm or S7comm-plus, nothing else', () => {
    const info = { transport: 'tcp' as const, fromInitiator: true, srcPort: 50000, dstPort: 102 };
    expect(probeS7(connect('CR', '0100', '0102'), info)).toBe(true);
    expect(probeS7(readJob, info)).toBe(true);
    expect(probeS7(frame([0x72, 1, 0, 0]), info)).toBe(true);
    expect(probeS7(frame([0x60, 0x80, 1, 2]), info)).toBe(false); // MMS over ISO-on-TCP
    expect(probeS7(Buffer.from('GET / HTTP/1.1\r\n'), info)).toBe(false);
  });
});
