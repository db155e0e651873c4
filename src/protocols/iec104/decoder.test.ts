/** The decoder over hand-built exchanges: events, directions and roles, details, identity, anomalies. */
import { describe, expect, it } from 'vitest';
import { asdu, cp56, f32, i16, iFrame, ioa, sFrame, uFrame } from '../../../test/helpers/iec104/build.js';
import { U_STARTDT_ACT, U_STARTDT_CON, U_STOPDT_ACT, U_TESTFR_ACT, U_TESTFR_CON } from './constants.js';
import { Iec104Decoder } from './decoder.js';
import { fakeContext } from '../../../test/helpers/iec104/fake-context.js';

const CA = 7;
const T = new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 600));

/** A controlling station (initiator, to 2404) and a controlled one, scripted APDU by APDU. */
function session() {
  const ctx = fakeContext();
  const d = new Iec104Decoder(ctx);
  let ts = 100;
  const send = (fromMaster: boolean, ...frames: Buffer[]) => d.onData(fromMaster, Buffer.concat(frames), (ts += 1));
  return { ctx, d, send };
}

const rows = (ctx: ReturnType<typeof fakeContext>) => ctx.events.map((e) => [e.direction, e.fn, e.operation, e.detail]);

describe('decoder', () => {
  it('decodes a start, a general interrogation, spontaneous data and a select/execute command', () => {
    const { ctx, d, send } = session();
    send(true, uFrame(U_STARTDT_ACT));
    send(false, uFrame(U_STARTDT_CON));
    send(true, iFrame(0, 0, asdu({ type: 100, cause: 6, ca: CA }, [...ioa(0), 20])));
    send(
      false,
      iFrame(0, 1, asdu({ type: 100, cause: 7, ca: CA }, [...ioa(0), 20])),
      iFrame(1, 1, asdu({ type: 1, cause: 20, ca: CA, count: 2, sq: true }, [...ioa(100), 0x01, 0x00])),
      iFrame(2, 1, asdu({ type: 100, cause: 10, ca: CA }, [...ioa(0), 20])),
    );
    send(true, sFrame(3));
    send(false, iFrame(3, 1, asdu({ type: 36, cause: 3, ca: CA }, [...ioa(4001), ...f32(12.5), 0x00, ...cp56(T)])));
    send(true, iFrame(1, 4, asdu({ type: 45, cause: 6, ca: CA }, [...ioa(300), 0x81])));
    send(false, iFrame(4, 2, asdu({ type: 45, cause: 7, ca: CA }, [...ioa(300), 0x81])));
    send(true, iFrame(2, 5, asdu({ type: 45, cause: 6, ca: CA }, [...ioa(300), 0x01])));
    send(
      false,
      iFrame(5, 3, asdu({ type: 45, cause: 7, ca: CA }, [...ioa(300), 0x01])),
      iFrame(6, 3, asdu({ type: 45, cause: 10, ca: CA }, [...ioa(300), 0x01])),
    );
    send(true, uFrame(U_TESTFR_ACT));
    send(false, uFrame(U_TESTFR_CON));
    d.onEnd();

    expect(rows(ctx)).toEqual([
      ['request', 'startdt_act', 'session', 'STARTDT act'],
      ['response', 'startdt_con', 'session', 'STARTDT con'],
      ['request', 'interrogation', 'read', 'C_IC_NA_1 station CA 7 act'],
      ['response', 'interrogation', 'read', 'C_IC_NA_1 station CA 7 actcon'],
      ['response', 'single_point', 'read', 'M_SP_NA_1 IOA[2] 100-101 CA 7 inrogen'],
      ['response', 'interrogation', 'read', 'C_IC_NA_1 station CA 7 actterm'],
      ['request', 'supervisory', 'session', 'S N(R)=3'],
      ['response', 'measured_float_time56', 'read', 'M_ME_TF_1 IOA 4001 = 12.5 CA 7 spont'],
      ['request', 'single_command', 'control', 'C_SC_NA_1 select IOA 300 := on CA 7 act'],
      ['response', 'single_command', 'control', 'C_SC_NA_1 select IOA 300 := on CA 7 actcon'],
      ['request', 'single_command', 'control', 'C_SC_NA_1 execute IOA 300 := on CA 7 act'],
      ['response', 'single_command', 'control', 'C_SC_NA_1 execute IOA 300 := on CA 7 actcon'],
      ['response', 'single_command', 'control', 'C_SC_NA_1 execute IOA 300 := on CA 7 actterm'],
      ['request', 'testfr_act', 'session', 'TESTFR act'],
      ['response', 'testfr_con', 'session', 'TESTFR con'],
    ]);
    expect(ctx.events.every((e) => e.facts?.auth === 'none')).toBe(true);
    expect(ctx.events[7]!.fields.objects).toEqual([{ ioa: 4001, value: 12.5, quality: 0, time: '2024-01-02T03:04:05.600' }]);
    expect(ctx.events[8]!.fields).toMatchObject({ format: 'I', sendSeq: 1, recvSeq: 4, typeId: 45, station: 'controlling' });
    // The controlled station's common address, claimed once, by the first ASDU that names it (from the master: about dst).
    expect(ctx.events.flatMap((e) => e.identity ?? [])).toEqual([{ about: 'dst', attribute: 'name', value: 'IEC-104 CA 7' }]);
    expect(ctx.anomalies).toEqual([]);
  });

  it('tells the stations apart by what they send, not by the port or the TCP side', () => {
    // Neither side on 2404, and the TCP responder is the one that sends STARTDT act and commands.
    const ctx = fakeContext({ ip: '10.0.0.1', port: 40000 }, { ip: '10.0.0.9', port: 12404 });
    const d = new Iec104Decoder(ctx);
    d.onData(true, uFrame(U_TESTFR_ACT), 1); // says nothing about roles, and no port decides
    d.onData(false, uFrame(U_STARTDT_ACT), 2);
    d.onData(true, uFrame(U_STARTDT_CON), 3);
    d.onData(true, sFrame(0), 4); // S frames come from either side: the flow's roles decide
    d.onData(false, iFrame(0, 0, asdu({ type: 103, cause: 6, ca: 300 }, [...ioa(0), ...cp56(T)])), 5);
    d.onData(true, iFrame(0, 1, asdu({ type: 103, cause: 7, ca: 300 }, [...ioa(0), ...cp56(T)])), 6);
    expect(ctx.events.map((e) => [e.src.port, e.direction, e.fields.station ?? '-', e.detail])).toEqual([
      [40000, 'unknown', '-', 'TESTFR act'],
      [12404, 'request', 'controlling', 'STARTDT act'],
      [40000, 'response', 'controlled', 'STARTDT con'],
      [40000, 'response', 'controlled', 'S N(R)=0'],
      [12404, 'request', 'controlling', 'C_CS_NA_1 2024-01-02T03:04:05.600 CA 300 act'],
      [40000, 'response', 'controlled', 'C_CS_NA_1 2024-01-02T03:04:05.600 CA 300 actcon'],
    ]);
    expect(ctx.events[4]!.operation).toBe('system');
    expect(ctx.events[4]!.identity).toEqual([{ about: 'dst', attribute: 'name', value: 'IEC-104 CA 300' }]);
  });

  it('classifies station services, parameters, set-points and regulating steps', () => {
    const { ctx, send } = session();
    send(
      true,
      iFrame(0, 0, asdu({ type: 105, cause: 6, ca: CA }, [...ioa(0), 1])),
      iFrame(1, 0, asdu({ type: 104, cause: 6, ca: CA }, [...ioa(0), 0xaa, 0x55])),
      iFrame(2, 0, asdu({ type: 107, cause: 6, ca: CA }, [...ioa(0), 0x34, 0x12, ...cp56(T)])),
      iFrame(3, 0, asdu({ type: 102, cause: 5, ca: CA }, [...ioa(4001)])),
      iFrame(4, 0, asdu({ type: 101, cause: 6, ca: CA }, [...ioa(0), 5])),
      iFrame(5, 0, asdu({ type: 49, cause: 6, ca: CA }, [...ioa(77), ...i16(-5), 0x80])),
      iFrame(6, 0, asdu({ type: 60, cause: 8, ca: CA }, [...ioa(78), 0x01, ...cp56(T)])),
      iFrame(7, 0, asdu({ type: 111, cause: 6, ca: CA }, [...ioa(79), ...i16(100), 1])),
      uFrame(U_STOPDT_ACT),
    );
    expect(rows(ctx)).toEqual([
      ['request', 'reset_process', 'system', 'C_RP_NA_1 general_reset CA 7 act'],
      ['request', 'test', 'system', 'C_TS_NA_1 21930 CA 7 act'],
      ['request', 'test_time56', 'system', 'C_TS_TA_1 4660 CA 7 act'],
      ['request', 'read', 'read', 'C_RD_NA_1 IOA 4001 CA 7 req'],
      ['request', 'counter_interrogation', 'read', 'C_CI_NA_1 group 5 freeze 0 CA 7 act'],
      ['request', 'setpoint_scaled', 'control', 'C_SE_NB_1 select IOA 77 := -5 CA 7 act'],
      ['request', 'regulating_step_command_time56', 'control', 'C_RC_TA_1 execute IOA 78 := lower CA 7 deact'],
      ['request', 'parameter_scaled', 'write', 'P_ME_NB_1 IOA 79 = 100 CA 7 act'],
      ['request', 'stopdt_act', 'session', 'STOPDT act'],
    ]);
  });

  it('follows send sequence numbers per direction and resynchronises after a gap', () => {
    const { ctx, d, send } = session();
    const gi = (ns: number) => iFrame(ns, 0, asdu({ type: 100, cause: 6, ca: CA }, [...ioa(0), 20]));
    send(true, gi(0), gi(1), gi(5));
    expect(ctx.anomalies).toEqual([{ kind: 'iec104_send_sequence', detail: 'N(S) 5, expected 2' }]);
    expect(ctx.events[2]!.fields.expectedSendSeq).toBe(2);
    // A gap in the middle of an APDU: the held half is dropped, the next APDU decodes.
    const next = gi(6);
    send(true, next.subarray(0, 9));
    d.onGap(true, 30);
    send(true, gi(9));
    expect(ctx.anomalies.slice(1)).toEqual([{ kind: 'iec104_apdu_lost_in_gap', detail: '9 octets held, 30 missing' }]);
    expect(ctx.events.map((e) => e.fields.sendSeq)).toEqual([0, 1, 5, 9]);
  });

  it('emits an event for a short ASDU, claims nothing from it, and counts it', () => {
    const { ctx, send } = session();
    send(false, iFrame(0, 0, [0x01, 0x01, 0x03, 0x00, 0x09]));
    expect(ctx.events).toHaveLength(1);
    expect(ctx.events[0]!.fields).toMatchObject({ typeId: 1, cause: 3, originator: 0, malformed: 'ASDU ends inside the common address' });
    expect(ctx.events[0]!.identity).toBeUndefined();
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['iec104_malformed_asdu']);
  });

  it('counts unknown U bit patterns, bad control fields and APDUs shorter than 4 octets', () => {
    const { ctx, send } = session();
    send(true, Buffer.from([0x68, 0x04, 0x17, 0, 0, 0]), Buffer.from([0x68, 0x04, 0x43, 0, 1, 0]));
    // Two garbage octets make "68 02" a 6-octet PDU: consumed without a format, the S frame after it decodes.
    send(true, Buffer.from([0, 0, 0x68, 0x02, 0x01, 0x00]), sFrame(1));
    // Without them the PDU would be 4 octets: the rest of the segment is dropped, as Wireshark does.
    send(true, Buffer.from([0x68, 0x02, 0x01, 0x00]), sFrame(2));
    expect(ctx.events.map((e) => [e.fn, e.fields.format, e.detail])).toEqual([
      ['u_0x05', 'U', '0x05'],
      ['testfr_act', 'U', 'TESTFR act'],
      ['supervisory', 'S', 'S N(R)=1'],
    ]);
    expect(ctx.anomalies.map((a) => a.kind)).toEqual([
      'iec104_unknown_u_function',
      'iec104_control_field',
      'iec104_garbage_skipped',
      'iec104_short_apdu',
      'iec104_bad_length',
    ]);
  });

  it('reports a conflict of roles once and keeps the first roles', () => {
    const { ctx, send } = session();
    send(true, uFrame(U_STARTDT_ACT));
    send(true, uFrame(U_STARTDT_CON));
    send(true, uFrame(U_STARTDT_CON));
    send(false, sFrame(0));
    expect(ctx.anomalies.map((a) => a.kind)).toEqual(['iec104_role_conflict']);
    expect(ctx.events.map((e) => e.direction)).toEqual(['request', 'response', 'response', 'response']);
  });

  it('flushes a partial APDU at the end of the flow as an anomaly', () => {
    const { ctx, d, send } = session();
    send(true, uFrame(U_STARTDT_ACT).subarray(0, 4));
    d.onEnd();
    expect(ctx.events).toHaveLength(0);
    expect(ctx.anomalies).toEqual([{ kind: 'iec104_truncated_apdu', detail: '4 octets at end of flow' }]);
  });

  it('claims each common address once per flow, never the global or unused address', () => {
    const { ctx, send } = session();
    const sp = (ns: number, ca: number) => iFrame(ns, 0, asdu({ type: 1, cause: 3, ca }, [...ioa(1), 1]));
    send(false, sp(0, 1), sp(1, 2), sp(2, 1), sp(3, 0xffff), sp(4, 0), sp(5, 2));
    expect(ctx.events.flatMap((e) => e.identity ?? []).map((c) => [c.about, c.value])).toEqual([
      ['src', 'IEC-104 CA 1'],
      ['src', 'IEC-104 CA 2'],
    ]);
  });

  it('says auth=secure_authentication once the connection carries IEC 62351-5 authentication ASDUs', () => {
    const { ctx, send } = session();
    send(true, iFrame(0, 0, asdu({ type: 45, cause: 6, ca: CA }, [...ioa(300), 0x81])));
    send(false, iFrame(0, 1, [81, 1, 14, 0, CA, 0, ...ioa(0), 1, 0, 0, 0, 1, 0, 4, 0x10, 0, 0xaa, 0xbb]));
    send(true, iFrame(1, 1, [82, 1, 14, 0, CA, 0, ...ioa(0), 1, 0, 0, 0, 1, 0, 2, 0, 0xcc, 0xdd]));
    expect(ctx.events.map((e) => [e.fn, e.operation, e.facts?.auth])).toEqual([
      ['single_command', 'control', 'none'],
      ['authentication_challenge', 'auth', 'secure_authentication'],
      ['authentication_reply', 'auth', 'secure_authentication'],
    ]);
  });
});
