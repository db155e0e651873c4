/** The decoder over hand-built streams: framing, reassembly, roles by DIR, pairing, identity, facts, bad input. */
import { describe, expect, it } from 'vitest';
import { attribute, crob, fragmentFrames, linkFrame, request, response } from '../../../test/helpers/dnp3/build.js';
import { Dnp3Decoder } from './decoder.js';
import { fakeContext } from '../../../test/helpers/dnp3/fake-context.js';
import { Dnp3Stats } from './stats.js';

const MASTER = { ip: '10.0.0.1', port: 49152 };
const OUTSTATION = { ip: '10.0.0.2', port: 20000 };
const cat = (frames: Buffer[]) => Buffer.concat(frames);

describe('requests and responses', () => {
  it('pairs a read with its response and names master and outstation by the DIR bit', () => {
    const ctx = fakeContext(MASTER, OUTSTATION);
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat(fragmentFrames(request(1, [60, 2, 0x06, 60, 1, 0x06], 4))), 1);
    d.onData(false, cat(fragmentFrames(response(129, 0x0000, [30, 1, 0x00, 0, 0, 0x01, 7, 0, 0, 0], 4), { fromMaster: false })), 1.25);
    expect(ctx.anomalies).toEqual([]);
    const [req, resp] = ctx.events;
    expect(req).toMatchObject({
      direction: 'request',
      fn: 'read',
      operation: 'read',
      src: MASTER,
      detail: 'read g60v2, g60v1 1→10',
      facts: { auth: 'none' },
    });
    expect(req!.fields).toMatchObject({ frames: 1, role: 'master', app: { function: 1, seq: 4 } });
    expect(resp).toMatchObject({
      direction: 'response',
      fn: 'response',
      operation: 'read',
      src: OUTSTATION,
      detail: 'response to read g30v1 index 0 10→1',
    });
    expect(resp!.fields).toMatchObject({ paired: true, latency: 0.25, iin: 0, role: 'outstation' });
  });

  it('follows the DIR bit when the outstation opened the connection (dial-out)', () => {
    // The outstation is the TCP initiator here; its frames carry no DIR bit and are responses all the same.
    const ctx = fakeContext({ ip: '10.0.0.9', port: 20000 }, { ip: '10.0.0.1', port: 51000 });
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat(fragmentFrames(response(130, 0x0100, [2, 1, 0x17, 1, 4, 0x81], 0), { fromMaster: false })), 1);
    d.onData(false, cat(fragmentFrames(request(0, [], 0))), 2);
    expect(ctx.events.map((e) => [e.fn, e.direction, e.src.ip, e.fields.role])).toEqual([
      ['unsolicited_response', 'response', '10.0.0.9', 'outstation'],
      ['confirm', 'request', '10.0.0.1', 'master'],
    ]);
    const stats = new Dnp3Stats();
    for (const e of ctx.events) stats.onEvent(e);
    // The 20000 side is the server whatever opened the connection.
    expect(stats.section()).toMatchObject({ masters: [1], outstations: [10], servers: ['10.0.0.9:20000'], clients: ['10.0.0.1'] });
  });

  it('classifies controls with their points, restarts, file transfer, sessions, time and configuration', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    const name = Buffer.from('/upgrade.bin');
    const fileCmd = Buffer.alloc(26 + name.length);
    fileCmd.writeUInt16LE(26, 0);
    fileCmd.writeUInt16LE(name.length, 2);
    name.copy(fileCmd, 26);
    const reqs: [number, number[]][] = [
      [5, crob(3, 0x03)],
      [3, crob(4, 0x41)],
      [4, crob(4, 0x41)],
      [13, []],
      [14, []],
      [25, [70, 3, 0x5b, 1, fileCmd.length, 0, ...fileCmd]],
      [31, [110, 4, 0x5b, 1, 4, 0, 1, 2, 3, 4]],
      [20, [60, 2, 0x06]],
      [22, [60, 2, 0x06, 1, 0, 0x00, 0, 7]],
      [24, []],
      [18, []],
      [7, [20, 0, 0x06]],
    ];
    reqs.forEach(([fc, objs], i) => d.onData(true, cat(fragmentFrames(request(fc, objs, i))), i));
    expect(ctx.anomalies).toEqual([]);
    expect(ctx.events.map((e) => [e.fn, e.operation])).toEqual([
      ['direct_operate', 'control'],
      ['select', 'control'],
      ['operate', 'control'],
      ['cold_restart', 'restart'],
      ['warm_restart', 'restart'],
      ['open_file', 'program'],
      ['activate_configuration', 'program'],
      ['enable_unsolicited', 'session'],
      ['assign_class', 'session'],
      ['record_current_time', 'system'],
      ['stop_application', 'control'],
      ['immediate_freeze', 'control'],
    ]);
    expect(ctx.events[0]!.detail).toBe('direct operate g12v1 index 3 latch on 1→10');
    expect(ctx.events[0]!.fields.controls).toEqual([{ group: 12, variation: 1, index: 3, code: 'latch on', value: 1, status: 0 }]);
    expect(ctx.events[5]!.detail).toBe('open file /upgrade.bin 1→10');
    expect(ctx.events[8]!.detail).toBe('assign class g60v2, g1v0 0-7 1→10');
  });

  it('claims the identity of the outstation from device attributes in its response', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat(fragmentFrames(request(1, [0, 254, 0x06]))), 1);
    const attrs = [
      ...attribute(252, 'ACME Corp'),
      ...attribute(250, 'RTU-5000 rev B'),
      ...attribute(248, 'SN12345'),
      ...attribute(242, '3.1.4'),
      ...attribute(243, 'HW 2'),
      ...attribute(247, 'Pump station 7'),
    ];
    d.onData(false, cat(fragmentFrames(response(129, 0, attrs), { fromMaster: false })), 2);
    expect(ctx.events[1]!.identity).toEqual([
      { about: 'src', attribute: 'vendor', value: 'ACME Corp' },
      { about: 'src', attribute: 'product', value: 'RTU-5000 rev B' },
      { about: 'src', attribute: 'serial', value: 'SN12345' },
      { about: 'src', attribute: 'firmware', value: '3.1.4' },
      { about: 'src', attribute: 'hardware', value: 'HW 2' },
      { about: 'src', attribute: 'name', value: 'Pump station 7' },
    ]);
    expect(ctx.events[0]!.identity).toBeUndefined();
  });

  it('reports secure authentication on the flow from the first authentication PDU on', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat(fragmentFrames(request(5, crob(1, 3), 1))), 1);
    d.onData(false, cat(fragmentFrames(response(131, 0, [120, 1, 0x5b, 1, 8, 0, 1, 0, 0, 0, 1, 0, 4, 1], 1), { fromMaster: false })), 2);
    d.onData(true, cat(fragmentFrames(request(32, [120, 2, 0x5b, 1, 6, 0, 1, 0, 0, 0, 1, 0], 2))), 3);
    d.onData(true, cat(fragmentFrames(request(1, [60, 1, 0x06], 3))), 4);
    expect(ctx.events.map((e) => [e.fn, e.operation, e.facts?.['auth']])).toEqual([
      ['direct_operate', 'control', 'none'],
      ['authentication_response', 'auth', 'secure_authentication'],
      ['authentication_request', 'auth', 'secure_authentication'],
      ['read', 'read', 'secure_authentication'],
    ]);
  });
});

describe('link layer and transport', () => {
  it('emits link-only frames as their own events', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat([linkFrame(0xc9, 10, 1), linkFrame(0xc0, 10, 1)]), 1);
    d.onData(false, cat([linkFrame(0x0b, 1, 10), linkFrame(0x00, 1, 10)]), 2);
    expect(ctx.events.map((e) => [e.fn, e.direction, e.operation])).toEqual([
      ['link_request_link_status', 'request', 'diagnostic'],
      ['link_reset_link_states', 'request', 'session'],
      ['link_status', 'response', 'diagnostic'],
      ['link_ack', 'response', 'diagnostic'],
    ]);
  });

  it('reassembles a fragment of several segments delivered in arbitrary TCP pieces, across a sequence wrap', () => {
    const objects: number[] = [30, 1, 0x01, 0, 0, 119, 0];
    for (let i = 0; i < 120; i++) objects.push(0x01, i, 0, 0, 0);
    const frames = fragmentFrames(response(129, 0, objects), { fromMaster: false, seq: 62 });
    expect(frames.length).toBe(3);
    const bytes = cat(frames);
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    for (let p = 0, step = 1; p < bytes.length; p += step, step = ((step * 7) % 61) + 1) d.onData(false, bytes.subarray(p, p + step), 1);
    expect(ctx.anomalies).toEqual([]);
    expect(ctx.events).toHaveLength(1);
    expect(ctx.events[0]!.fields).toMatchObject({ frames: 3, linkControls: [0x44, 0x44, 0x44], objectTypes: [(30 << 8) | 1] });
    expect(ctx.events[0]!.fields.objectsStop).toBeUndefined();
  });

  it('reports segments that never make a fragment once, with their frames', () => {
    const frames = fragmentFrames(request(2, new Array(600).fill(0)), { seq: 10 });
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat([frames[0]!, frames[2]!]), 1); // the middle segment is missing
    d.onData(true, cat(fragmentFrames(request(1, [60, 1, 0x06], 1))), 2);
    expect(ctx.events.map((e) => [e.fn, e.operation, e.fields.frames])).toEqual([
      ['incomplete_fragment', 'write', 1],
      ['incomplete_fragment', 'other', 1],
      ['read', 'read', 1],
    ]);
    expect(ctx.events[0]!.fields.incomplete).toBe('segment 12 where 11 was due');
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_incomplete_fragment', 'dnp3_incomplete_fragment']);
    // An unfinished fragment at the end of the flow is reported when the flow ends.
    d.onData(true, frames[0]!, 3);
    d.onEnd(4);
    expect(ctx.events.at(-1)).toMatchObject({
      fn: 'incomplete_fragment',
      fields: { incomplete: 'the flow ended before the final segment' },
    });
  });

  it("counts a block CRC error, drops that frame's data and goes on", () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    const bad = fragmentFrames(request(1, [60, 1, 0x06]))[0]!;
    bad[11] ^= 0xff;
    d.onData(true, cat([bad, ...fragmentFrames(request(1, [60, 2, 0x06], 1))]), 1);
    expect(ctx.events.map((e) => [e.fn, e.fields.crcError])).toEqual([
      ['user_data_crc_error', true],
      ['read', undefined],
    ]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_data_crc_error']);
  });

  it('skips garbage and frames with a bad header CRC up to the next good frame', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    const badHeader = linkFrame(0xc9, 10, 1);
    badHeader[8] ^= 1;
    d.onData(true, cat([Buffer.from('xx\x05junk'), badHeader, ...fragmentFrames(request(1, [60, 1, 0x06]))]), 1);
    expect(ctx.events.map((e) => e.fn)).toEqual(['read']);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_header_crc_error', 'dnp3_garbage']);
  });

  it('resynchronises after a gap in the middle of a frame', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    const a = cat(fragmentFrames(request(1, [60, 1, 0x06], 1)));
    d.onData(true, a.subarray(0, 9), 1);
    d.onGap(true, 40);
    d.onData(true, cat([Buffer.from([1, 2, 3]), ...fragmentFrames(request(1, [60, 3, 0x06], 2))]), 2);
    expect(ctx.events.map((e) => e.detail)).toEqual(['read g60v3 1→10']);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_frame_lost_in_gap', 'dnp3_garbage']);
  });

  it('decodes several frames in one UDP datagram, and flags one cut short', () => {
    const ctx = fakeContext({ ip: '10.0.0.1', port: 20000 }, { ip: '10.0.0.2', port: 20000 }, 'udp');
    const d = new Dnp3Decoder(ctx);
    const two = cat([linkFrame(0xc9, 10, 1), ...fragmentFrames(request(1, [60, 1, 0x06]))]);
    d.onData(true, two, 1);
    d.onData(true, two.subarray(0, two.length - 3), 2);
    expect(ctx.events.map((e) => e.fn)).toEqual(['link_request_link_status', 'read', 'link_request_link_status']);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_truncated_frame']);
  });

  it('counts a fragment whose variation-0 header is followed by values, and reports only the headers it read', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    d.onData(true, cat(fragmentFrames(request(4, [0x0c, 0x00, 0x00, 0x00, 0x00, 0x03, 0x01, 0x64, 0, 0, 0, 0x64, 0, 0, 0, 0]))), 1);
    expect(ctx.events[0]!.fields.objectTypes).toEqual([0x0c00]);
    expect(ctx.events[0]!.fields.objectsStop).toMatch(/g12v0 objects unknown/);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_variation0_with_values']);
  });

  it('gives up on a direction that shows no frame in its first 4 KiB', () => {
    const ctx = fakeContext();
    const d = new Dnp3Decoder(ctx);
    d.onData(true, Buffer.alloc(5000, 0x41), 1);
    d.onData(true, cat(fragmentFrames(request(1, [60, 1, 0x06]))), 2);
    expect(ctx.events).toEqual([]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['dnp3_not_dnp3']);
  });
});
