import { describe, expect, it } from 'vitest';
import { directionOf, ModbusDecoder } from './decoder.js';
import { adu, fakeContext } from '../../../test/helpers/modbus/fake-context.js';

const T0 = 1_700_000_000;

function run(chunks: [boolean, Buffer][], ctx = fakeContext()) {
  const d = new ModbusDecoder(ctx);
  let ts = T0;
  for (const [fromClient, data] of chunks) d.onData(fromClient, data, (ts += 0.01));
  d.onEnd();
  return ctx;
}

describe('MBAP framing over a stream', () => {
  const r1 = adu(1, 1, [3, 0, 0, 0, 10]);
  const r2 = adu(2, 1, [1, 0, 0x13, 0, 0x25]);
  const r3 = adu(3, 2, [6, 0, 5, 0, 11]);

  it('splits several ADUs carried in one segment', () => {
    const ctx = run([[true, Buffer.concat([r1, r2, r3])]]);
    expect(ctx.events.map((e) => [e.fields.transactionId, e.fn])).toEqual([
      [1, 'read_holding_registers'],
      [2, 'read_coils'],
      [3, 'write_single_register'],
    ]);
    expect(ctx.anomalies).toEqual([]);
  });

  it('joins an ADU split at every possible byte, including inside the MBAP header', () => {
    const stream = Buffer.concat([r1, r2, r3]);
    for (let cut = 1; cut < stream.length; cut++) {
      const ctx = run([
        [true, stream.subarray(0, cut)],
        [true, stream.subarray(cut)],
      ]);
      expect(ctx.events.map((e) => e.fields.transactionId)).toEqual([1, 2, 3]);
    }
  });

  it('survives a stream fed one byte at a time', () => {
    const stream = Buffer.concat([r1, r2, r3]);
    const ctx = run([...stream].map((b) => [true, Buffer.from([b])] as [boolean, Buffer]));
    expect(ctx.events).toHaveLength(3);
    expect(ctx.anomalies).toEqual([]);
  });

  it("does not keep a reference to the caller's buffer between calls", () => {
    const ctx = fakeContext();
    const d = new ModbusDecoder(ctx);
    const chunk = Buffer.from(r1.subarray(0, 9));
    d.onData(true, chunk, T0);
    chunk.fill(0xee); // the pipeline reuses its buffers
    d.onData(true, Buffer.from(r1.subarray(9)), T0 + 0.1);
    expect(ctx.events[0]!.fields).toMatchObject({ address: 0, quantity: 10 });
  });

  it('onBytes decodes the range it is given of a larger buffer, as onData decodes it as a Buffer of its own', () => {
    const resp = adu(1, 1, [3, 20, ...new Array<number>(20).fill(7)]);
    const viaData = run([
      [true, Buffer.concat([r1, r2])],
      [false, resp],
    ]);
    const ctx = fakeContext();
    const d = new ModbusDecoder(ctx);
    // junk on both sides of each range: nothing outside [start, end) may be read
    const junk = Buffer.alloc(11, 0xff);
    const a = Buffer.concat([junk, r1, r2, junk]);
    d.onBytes(true, a, junk.length, junk.length + r1.length + r2.length, T0 + 0.01);
    const b = Buffer.concat([junk, junk, resp.subarray(0, 9), junk]);
    d.onBytes(false, b, 2 * junk.length, 2 * junk.length + 9, T0 + 0.02);
    d.onBytes(false, Buffer.concat([junk, resp.subarray(9)]), junk.length, junk.length + resp.length - 9, T0 + 0.02);
    d.onEnd();
    expect(ctx.events).toEqual(viaData.events);
    expect(ctx.events[2]!.fields).toEqual({
      transactionId: 1,
      unitId: 1,
      functionCode: 3,
      paired: true,
      latency: ctx.events[2]!.fields.latency,
      byteCount: 20,
    });
    expect(Object.keys(ctx.events[0]!.fields)).toEqual(['transactionId', 'unitId', 'functionCode', 'address', 'quantity']);
    expect(ctx.anomalies).toEqual([]);
  });

  it('drops the rest of a chunk after a bad header and resynchronises on the next chunk', () => {
    const ctx = run([
      [true, Buffer.concat([r1, Buffer.from('GET / HTTP/1.1\r\n'), r2])],
      [true, r3],
    ]);
    expect(ctx.events.map((e) => e.fields.transactionId)).toEqual([1, 3]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['modbus_bad_mbap_header']);
  });

  it('rejects protocol id != 0 and lengths outside 2..255', () => {
    const ctx = run([
      [true, adu(1, 1, [3, 0, 0, 0, 1], undefined, 1)],
      [true, adu(2, 1, [3, 0, 0, 0, 1], 256)],
      [true, adu(3, 1, [3, 0, 0, 0, 1], 1)],
      [true, r3],
    ]);
    expect(ctx.events.map((e) => e.fields.transactionId)).toEqual([3]);
    expect(ctx.anomalies.filter((a) => a.kind === 'modbus_bad_mbap_header')).toHaveLength(3);
  });

  it('decodes an MBAP length of 255 (a PDU of 254 octets), counts it as oversized and decodes what follows in the segment', () => {
    // A UMAS request (fc 90) of 254 octets, as a Modicon executed one, then a read in the same segment.
    const umas = [90, 0, 0x10, ...Array.from({ length: 251 }, (_, i) => i & 0xff)];
    expect(umas).toHaveLength(254);
    const big = adu(9, 1, umas);
    expect(big.readUInt16BE(4)).toBe(255);
    const ctx = run([
      [true, Buffer.concat([big, r1])],
      [false, adu(9, 1, [90, 0, 0xfe])],
    ]);
    expect(ctx.events.map((e) => [e.fields.transactionId, e.fields.functionCode, e.direction])).toEqual([
      [9, 90, 'request'],
      [1, 3, 'request'],
      [9, 90, 'response'],
    ]);
    expect(ctx.events[2]!.fields.paired).toBe(true);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['modbus_oversized_pdu']);
    expect(ctx.anomalies[0]!.detail).toBe('fc 90: a PDU of 254 octets (at most 253)');
  });

  it('does not give up on a direction whose first ADUs are oversized, only on garbage', () => {
    const chunks: [boolean, Buffer][] = [];
    for (let i = 0; i < 12; i++) chunks.push([true, adu(100 + i, 1, [90, 0, 0x10, ...new Array<number>(251).fill(0)])]);
    chunks.push([true, r1]);
    const ctx = run(chunks);
    expect(ctx.events).toHaveLength(13);
    expect(ctx.anomalies.filter((a) => a.kind === 'modbus_oversized_pdu')).toHaveLength(12);
    expect(ctx.anomalies.filter((a) => a.kind === 'modbus_not_modbus' || a.kind === 'modbus_bad_mbap_header')).toEqual([]);
  });

  it('resynchronises after a gap that cut an ADU', () => {
    const ctx = fakeContext();
    const d = new ModbusDecoder(ctx);
    d.onData(true, Buffer.concat([r1, r2.subarray(0, 5)]), T0);
    d.onGap(true, 200);
    d.onData(true, r3, T0 + 1);
    expect(ctx.events.map((e) => e.fields.transactionId)).toEqual([1, 3]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['modbus_adu_lost_in_gap']);
  });

  it('gives up on a direction that never carried Modbus', () => {
    const noise = Buffer.from('\x16\x03\x01\x00\x85\x01\x00\x00\x81\x03\x03', 'latin1');
    const chunks: [boolean, Buffer][] = [];
    for (let i = 0; i < 20; i++) chunks.push([true, noise]);
    chunks.push([true, r1]); // a lucky valid header later is not believed any more
    const ctx = run(chunks);
    expect(ctx.events).toHaveLength(0);
    expect(ctx.anomalies.filter((a) => a.kind === 'modbus_not_modbus')).toHaveLength(1);
    expect(ctx.anomalies.filter((a) => a.kind === 'modbus_bad_mbap_header')).toHaveLength(8);
  });

  it('reports an ADU cut by the end of the flow', () => {
    const ctx = run([[true, r1.subarray(0, 10)]]);
    expect(ctx.events).toHaveLength(0);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['modbus_truncated_adu']);
  });
});

describe('pairing and classification', () => {
  it('pairs responses by transaction and unit id, with latency and the request detail', () => {
    const ctx = run([
      [true, Buffer.concat([adu(7, 1, [3, 0, 0, 0, 10]), adu(8, 2, [3, 0, 0, 0, 2])])],
      [false, adu(8, 2, [3, 4, 0, 1, 0, 2])],
      [false, adu(7, 1, [3, 20, ...new Array(20).fill(0)])],
    ]);
    const [q7, q8, a8, a7] = ctx.events;
    expect(q7).toMatchObject({ direction: 'request', fn: 'read_holding_registers', operation: 'read', detail: 'HR 40001-40010 unit 1' });
    expect(q8!.detail).toBe('HR 40001-40002 unit 2');
    expect(a8).toMatchObject({ direction: 'response', detail: 'HR 40001-40002 unit 2', fields: { paired: true, byteCount: 4 } });
    expect(a7).toMatchObject({ direction: 'response', detail: 'HR 40001-40010 unit 1', fields: { paired: true } });
    expect(a7!.fields.latency).toBeCloseTo(0.02, 6);
    expect(a8!.src).toEqual({ ip: '10.0.0.2', port: 502 });
    expect(a8!.dst).toEqual({ ip: '10.0.0.1', port: 49152 });
  });

  it('does not pair a response whose unit id differs', () => {
    const ctx = run([
      [true, adu(7, 1, [3, 0, 0, 0, 1])],
      [false, adu(7, 9, [3, 2, 0, 1])],
    ]);
    expect(ctx.events[1]!.fields.paired).toBeUndefined();
  });

  it('names exception responses after the request and counts nothing as malformed', () => {
    const ctx = run([
      [true, adu(1, 1, [16, 0x9c, 0x40, 0, 2, 4, 0, 1, 0, 2])],
      [false, adu(1, 1, [0x90, 2])],
    ]);
    expect(ctx.events[0]).toMatchObject({ fn: 'write_multiple_registers', operation: 'write', detail: 'HR 440001-440002 unit 1' });
    expect(ctx.events[1]).toMatchObject({
      direction: 'response',
      fn: 'write_multiple_registers',
      operation: 'write',
      detail: 'HR 440001-440002 unit 1 exception 2 illegal_data_address',
      fields: { functionCode: 16, exceptionCode: 2, exception: 'illegal_data_address' },
    });
    expect(ctx.anomalies).toEqual([]);
  });

  it('writes conventional references for every area', () => {
    const ctx = run([
      [
        true,
        Buffer.concat([
          adu(1, 1, [1, 0, 0, 0, 16]),
          adu(2, 1, [2, 0, 7, 0, 1]),
          adu(3, 1, [4, 0, 0, 0, 2]),
          adu(4, 1, [5, 0, 5, 0xff, 0]),
          adu(5, 1, [15, 0, 0x13, 0, 10, 2, 0xcd, 1]),
          adu(6, 1, [22, 0, 4, 0, 0xf2, 0, 0x25]),
          adu(7, 1, [23, 0, 3, 0, 6, 0, 0x0e, 0, 3, 6, 0, 0xff, 0, 0xff, 0, 0xff]),
          adu(8, 1, [24, 0x04, 0xde]),
          adu(9, 1, [20, 7, 6, 0, 4, 0, 1, 0, 2]),
        ]),
      ],
    ]);
    expect(ctx.events.map((e) => [e.fn, e.operation, e.detail])).toEqual([
      ['read_coils', 'read', 'coils 00001-00016 unit 1'],
      ['read_discrete_inputs', 'read', 'DI 10008 unit 1'],
      ['read_input_registers', 'read', 'IR 30001-30002 unit 1'],
      ['write_single_coil', 'write', 'coils 00006 := ON unit 1'],
      ['write_multiple_coils', 'write', 'coils 00020-00029 unit 1'],
      ['mask_write_register', 'write', 'HR 40005 and 0x00f2 or 0x0025 unit 1'],
      ['read_write_multiple_registers', 'write', 'read HR 40004-40009, write HR 40015-40017 unit 1'],
      ['read_fifo_queue', 'read', 'FIFO HR 41247 unit 1'],
      ['read_file_record', 'read', 'file 4 record 1 len 2 unit 1'],
    ]);
  });

  it('classifies diagnostics sub-functions: listen-only is control, restart is restart', () => {
    const ctx = run([
      [
        true,
        Buffer.concat([
          adu(1, 1, [8, 0, 4, 0, 0]),
          adu(2, 1, [8, 0, 1, 0xff, 0]),
          adu(3, 1, [8, 0, 0, 0xa5, 0x37]),
          adu(4, 1, [7]),
          adu(5, 1, [11]),
          adu(6, 1, [17]),
        ]),
      ],
    ]);
    expect(ctx.events.map((e) => [e.fn, e.operation])).toEqual([
      ['force_listen_only_mode', 'control'],
      ['restart_communications_option', 'restart'],
      ['diagnostics', 'diagnostic'],
      ['read_exception_status', 'diagnostic'],
      ['get_comm_event_counter', 'diagnostic'],
      ['report_server_id', 'identify'],
    ]);
  });

  it('decodes UMAS requests and names their responses from the request', () => {
    const ctx = run([
      [true, adu(1, 0, [90, 0x00, 0x10, 0x3f, 0x00])],
      [false, adu(1, 0, [90, 0x00, 0xfe, 0x1c])],
      [true, adu(2, 0, [90, 0x1c, 0x41, 0xff, 0x00])],
      [false, adu(2, 0, [90, 0x1c, 0xfe])],
      [true, adu(3, 0, [90, 0x1c, 0x31, 0x01, 0x00, 0x01, 0x00])],
      [true, adu(4, 0, [90, 0x1c, 0x40, 0xff, 0x00])],
      [true, adu(5, 0, [90, 0x1c, 0x99])],
    ]);
    expect(ctx.events.map((e) => [e.direction, e.fn, e.operation, e.detail])).toEqual([
      ['request', 'umas_take_plc_reservation', 'session', 'UMAS take_plc_reservation unit 0'],
      ['response', 'umas_take_plc_reservation', 'session', 'UMAS take_plc_reservation unit 0'],
      ['request', 'umas_plc_stop', 'control', 'UMAS plc_stop unit 0'],
      ['response', 'umas_plc_stop', 'control', 'UMAS plc_stop unit 0'],
      ['request', 'umas_program_download_block', 'program', 'UMAS program_download_block unit 0'],
      ['request', 'umas_plc_start', 'control', 'UMAS plc_start unit 0'],
      ['request', 'umas_0x99', 'other', 'UMAS 0x99 unit 0'],
    ]);
    expect(ctx.events[3]!.fields).toMatchObject({ umasStatus: 'ok', umasFunction: 0x41, paired: true });
  });

  it('turns a device identification answer into identity claims about the server', () => {
    const obj = (id: number, s: string) => [id, s.length, ...Buffer.from(s)];
    const ctx = run([
      [true, adu(5, 1, [43, 14, 1, 0])],
      [
        false,
        adu(5, 1, [
          43,
          14,
          1,
          0x81,
          0,
          0,
          4,
          ...obj(0, 'Schneider Electric'),
          ...obj(1, 'BMX P34 2020'),
          ...obj(2, 'v2.7'),
          ...obj(0x80, 'x'),
        ]),
      ],
    ]);
    expect(ctx.events[0]).toMatchObject({
      fn: 'read_device_identification',
      operation: 'identify',
      detail: 'device identification basic unit 1',
    });
    expect(ctx.events[1]!.detail).toBe('device id Schneider Electric / BMX P34 2020 / v2.7 / x unit 1');
    expect(ctx.events[1]!.identity).toEqual([
      { about: 'src', attribute: 'vendor', value: 'Schneider Electric' },
      { about: 'src', attribute: 'order_number', value: 'BMX P34 2020' },
      { about: 'src', attribute: 'firmware', value: 'v2.7' },
    ]);
  });

  it('counts unknown function codes and malformed PDUs but still reports them', () => {
    const ctx = run([[true, Buffer.concat([adu(1, 1, [0x47, 0, 0, 0]), adu(2, 1, [0x1d, 0, 0, 0, 0]), adu(3, 1, [22, 0, 0, 0, 0])])]]);
    expect(ctx.events.map((e) => [e.fn, e.operation])).toEqual([
      ['user_defined_71', 'other'],
      ['function_29', 'other'],
      ['mask_write_register', 'write'],
    ]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['modbus_unknown_function', 'modbus_malformed_pdu']);
  });
});

describe('direction', () => {
  it('follows port 502 first, then the exception bit, then the conversation initiator', () => {
    expect(directionOf(false, 49152, 502, 3)).toBe('request'); // mid-stream guess was wrong: the port decides
    expect(directionOf(true, 502, 49152, 3)).toBe('response');
    expect(directionOf(true, 5020, 5020, 0x83)).toBe('response');
    expect(directionOf(true, 40000, 5020, 3)).toBe('request');
    expect(directionOf(false, 5020, 40000, 3)).toBe('response');
  });

  it('decodes Modbus on another port with the initiator as client', () => {
    const ctx = run(
      [
        [true, adu(1, 1, [3, 0, 9, 0, 1])],
        [false, adu(1, 1, [3, 2, 0, 7])],
      ],
      fakeContext({ ip: '10.0.0.5', port: 40001 }, { ip: '10.0.0.6', port: 5020 }),
    );
    expect(ctx.events.map((e) => [e.direction, e.detail, e.fields.paired])).toEqual([
      ['request', 'HR 40010 unit 1', undefined],
      ['response', 'HR 40010 unit 1', true],
    ]);
  });
});
