/**
 * The OPC UA decoder on hand-built bytes: transport messages, secure channel states (None, Sign,
 * SignAndEncrypt), service bodies encoded by node-opcua, chunking, splitting, gaps, mid-stream starts
 * and malformed lengths.
 */
import { describe, expect, it } from 'vitest';
import { opcuaModule } from './index.js';
import { OpcuaStats } from './stats.js';
import {
  ack,
  BASIC256SHA256,
  chunk,
  encodeBody,
  error,
  FakeContext,
  hello,
  make,
  msg,
  NONE,
  opn,
  reverseHello,
} from '../../../test/helpers/opcua/testing.js';
import { looksLikeOpcUa, parseHeader, readTypeId } from './records.js';

function decode(segments: Array<[boolean, Buffer]>, ctx = new FakeContext()) {
  const dec = opcuaModule.createDecoder(ctx);
  segments.forEach(([fromInitiator, data], i) => dec.onData(fromInitiator, data, 1000 + i));
  dec.onEnd?.(2000);
  return ctx;
}

const opnRequest = (mode: string) =>
  encodeBody('OpenSecureChannelRequest', {
    requestType: 0,
    securityMode: mode === 'None' ? 1 : mode === 'Sign' ? 2 : 3,
    requestedLifetime: 600000,
  });
const opnResponse = (channelId: number) =>
  encodeBody('OpenSecureChannelResponse', { securityToken: { channelId, tokenId: 1, revisedLifetime: 600000 } });

function endpoint(policy: string, mode: number, level: number) {
  return {
    endpointUrl: 'opc.tcp://plc1:4840/ua',
    server: { applicationUri: 'urn:acme:plc1', productUri: 'urn:acme:ua-server', applicationName: { text: 'PLC1 UA' }, applicationType: 0 },
    securityMode: mode,
    securityPolicyUri: policy,
    securityLevel: level,
    userIdentityTokens: [
      { policyId: 'anon', tokenType: 0 },
      { policyId: 'user', tokenType: 1, securityPolicyUri: BASIC256SHA256 },
    ],
    transportProfileUri: 'http://opcfoundation.org/UA-Profile/Transport/uatcp-uasc-uabinary',
  };
}

/** A None channel: HEL, ACK, OPN request/response. */
function handshake(channelId = 7): Array<[boolean, Buffer]> {
  return [
    [true, hello('opc.tcp://plc1:4840/ua')],
    [false, ack()],
    [true, opn(0, NONE, opnRequest('None'))],
    [false, opn(channelId, NONE, opnResponse(channelId))],
  ];
}

describe('wire functions', () => {
  it('parses headers and rejects implausible ones', () => {
    expect(parseHeader(hello('opc.tcp://x'), 0)).toMatchObject({ type: 'HEL', chunk: 0x46 });
    expect(parseHeader(chunk('HEL', 'C', Buffer.alloc(30)), 0)).toBeUndefined(); // HEL is never chunked
    expect(parseHeader(chunk('MSG', 'F', Buffer.alloc(4)), 0)).toBeUndefined(); // smaller than a MSG can be
    expect(parseHeader(chunk('MSG', 'X', Buffer.alloc(30)), 0)).toBeUndefined();
    expect(parseHeader(chunk('MSG', 'F', Buffer.alloc(30), 0x7fffffff), 0)).toBeUndefined();
    expect(parseHeader(Buffer.from('GET / HTTP/1.1\r\n'), 0)).toBeUndefined();
  });

  it('reads namespace-0 type ids in the three numeric encodings', () => {
    expect(readTypeId(Buffer.from([0x01, 0x00, 0x77, 0x02]), 0)).toEqual({ id: 631, len: 4 });
    expect(readTypeId(Buffer.from([0x00, 0x2a]), 0)).toEqual({ id: 42, len: 2 });
    expect(readTypeId(Buffer.from([0x02, 0x00, 0x00, 0xb3, 0x2f, 0x00, 0x00]), 0)).toEqual({ id: 12211, len: 7 });
    expect(readTypeId(Buffer.from([0x01, 0x02, 0x77, 0x02]), 0)).toBeUndefined(); // namespace 2: not a service
    expect(readTypeId(Buffer.from([0x01, 0x00]), 0)).toBeUndefined(); // short
  });

  it('probes OPC UA on any port by header, and nothing else', () => {
    const info = { transport: 'tcp' as const, fromInitiator: true, srcPort: 50000, dstPort: 12001 };
    expect(opcuaModule.probe(hello('opc.tcp://h:12001'), info)).toBe(true);
    expect(opcuaModule.probe(ack(), { ...info, fromInitiator: false })).toBe(true);
    expect(opcuaModule.probe(msg(5, 9, encodeBody('ReadRequest', {})), info)).toBe(true);
    expect(opcuaModule.probe(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), info)).toBe(false);
    expect(opcuaModule.probe(Buffer.from('000100000006010300000001', 'hex'), info)).toBe(false); // Modbus
    expect(opcuaModule.probe(Buffer.from('HEL'), info)).toBe(false);
    expect(opcuaModule.probe(hello('opc.tcp://h'), { ...info, transport: 'udp' })).toBe(false);
    expect(looksLikeOpcUa(Buffer.alloc(0))).toBe(false);
  });
});

describe('transport messages', () => {
  it('decodes HEL, ACK, ERR and RHE', () => {
    const ctx = decode([
      [true, hello('opc.tcp://plc1:4840/ua', [8192, 16384, 1048576, 32])],
      [false, ack([65535, 65535, 0, 0])],
      [false, error(0x80820000, 'Timeout waiting for OPN')],
      [false, reverseHello('urn:acme:plc1', 'opc.tcp://plc1:4840')],
    ]);
    expect(ctx.anomalies).toEqual([]);
    const [hel, ackEv, err, rhe] = ctx.events;
    expect(hel).toMatchObject({
      fn: 'Hello',
      direction: 'request',
      operation: 'session',
      src: { port: 50001 },
      detail: 'opc.tcp://plc1:4840/ua',
      fields: {
        msgType: 'HEL',
        receiveBufferSize: 8192,
        sendBufferSize: 16384,
        maxMessageSize: 1048576,
        maxChunkCount: 32,
        endpointUrl: 'opc.tcp://plc1:4840/ua',
      },
    });
    expect(ackEv).toMatchObject({ fn: 'Acknowledge', direction: 'response', fields: { msgType: 'ACK', receiveBufferSize: 65535 } });
    expect(err).toMatchObject({ fn: 'Error', fields: { msgType: 'ERR', error: '0x80820000', reason: 'Timeout waiting for OPN' } });
    expect(err!.detail).toBe('0x80820000 Timeout waiting for OPN');
    expect(rhe).toMatchObject({
      fn: 'ReverseHello',
      fields: { msgType: 'RHE', serverUri: 'urn:acme:plc1', endpointUrl: 'opc.tcp://plc1:4840' },
    });
  });

  it('flags a HEL whose URL length runs past the message', () => {
    const bad = hello('opc.tcp://plc1:4840');
    bad.writeInt32LE(5000, 28); // string length field of the endpoint URL
    const ctx = decode([
      [true, bad],
      [true, hello('opc.tcp://ok')],
    ]);
    expect(ctx.kinds()).toContain('opcua_malformed');
    expect(ctx.fields()[0]).toMatchObject({ msgType: 'HEL', malformed: true });
    expect(ctx.fields()[1]).toMatchObject({ endpointUrl: 'opc.tcp://ok' });
  });
});

describe('secure channel with policy None', () => {
  it('reads the OPN headers and body, and sets the channel facts', () => {
    const ctx = decode(handshake(7));
    const [, , req, res] = ctx.events;
    expect(req).toMatchObject({
      fn: 'OpenSecureChannelRequest',
      direction: 'request',
      operation: 'session',
      fields: { msgType: 'OPN', typeId: 446, securityPolicyUri: NONE, senderCertificate: false, requestType: 'Issue', securityMode: 1 },
      facts: { security_policy: 'None', security_mode: 'None' },
    });
    expect(res).toMatchObject({ fn: 'OpenSecureChannelResponse', fields: { typeId: 449, secureChannelId: 7 } });
  });

  it('names every service, decodes GetEndpoints, CreateSession, ActivateSession, Write, Call', () => {
    const password = 'Secr3t-Passw0rd!';
    const ctx = decode([
      ...handshake(7),
      [true, msg(7, 2, encodeBody('GetEndpointsRequest', { endpointUrl: 'opc.tcp://plc1:4840/ua' }))],
      [false, msg(7, 2, encodeBody('GetEndpointsResponse', { endpoints: [endpoint(NONE, 1, 0), endpoint(BASIC256SHA256, 3, 100)] }))],
      [
        true,
        msg(
          7,
          3,
          encodeBody('CreateSessionRequest', {
            clientDescription: {
              applicationUri: 'urn:scada:hmi',
              productUri: 'urn:scada:product',
              applicationName: { text: 'HMI 3' },
              applicationType: 1,
            },
            endpointUrl: 'opc.tcp://plc1:4840/ua',
            sessionName: 'hmi-session',
          }),
        ),
      ],
      [false, msg(7, 3, encodeBody('CreateSessionResponse', { serverEndpoints: [endpoint(NONE, 1, 0)] }))],
      [
        true,
        msg(
          7,
          4,
          encodeBody('ActivateSessionRequest', {
            userIdentityToken: make('UserNameIdentityToken', { policyId: 'user', userName: 'operator', password: Buffer.from(password) }),
          }),
        ),
      ],
      [true, msg(7, 5, encodeBody('ReadRequest', { nodesToRead: [{ nodeId: 'ns=2;s=Temp', attributeId: 13 }] }))],
      [false, msg(7, 5, encodeBody('ReadResponse', { results: [] }))],
      [
        true,
        msg(
          7,
          6,
          encodeBody('WriteRequest', {
            nodesToWrite: [
              { nodeId: 'ns=2;s=Setpoint', attributeId: 13, value: { value: { dataType: 11, value: 42.5 } } },
              { nodeId: 'ns=3;i=1001', attributeId: 13, value: { value: { dataType: 6, value: 1 } } },
            ],
          }),
        ),
      ],
      [
        true,
        msg(
          7,
          7,
          encodeBody('CallRequest', { methodsToCall: [{ objectId: 'ns=2;s=Pump1', methodId: 'ns=2;s=Pump1.Start', inputArguments: [] }] }),
        ),
      ],
      [false, msg(7, 7, encodeBody('ServiceFault', { responseHeader: { serviceResult: 0x80340000 } }))],
      [true, msg(7, 8, encodeBody('BrowseRequest', {}))],
      [true, msg(7, 9, encodeBody('CreateMonitoredItemsRequest', {}))],
      [true, msg(7, 10, encodeBody('FindServersRequest', { endpointUrl: 'opc.tcp://plc1:4840' }))],
      [true, msg(7, 11, encodeBody('CloseSecureChannelRequest', {}), { type: 'CLO' })],
    ]);
    expect(ctx.anomalies).toEqual([]);
    const byFn = (fn: string) => ctx.events.find((e) => e.fn === fn)!;

    const ge = byFn('GetEndpointsResponse');
    expect(ge).toMatchObject({ operation: 'discovery', direction: 'response', src: { port: 4840 } });
    expect(ge.fields.endpoints).toEqual([
      expect.objectContaining({
        url: 'opc.tcp://plc1:4840/ua',
        securityMode: 1,
        securityPolicyUri: NONE,
        securityLevel: 0,
        userTokenTypes: ['anonymous', 'username'],
      }),
      expect.objectContaining({
        securityMode: 3,
        securityPolicyUri: BASIC256SHA256,
        securityLevel: 100,
        userTokenPolicyUris: [BASIC256SHA256],
      }),
    ]);
    expect(ge.fields.endpoints![0]!.server).toEqual({
      applicationUri: 'urn:acme:plc1',
      productUri: 'urn:acme:ua-server',
      name: 'PLC1 UA',
      type: 'Server',
    });
    expect(ge.identity).toEqual([
      { about: 'src', attribute: 'application_uri', value: 'urn:acme:plc1' },
      { about: 'src', attribute: 'product_uri', value: 'urn:acme:ua-server' },
      { about: 'src', attribute: 'name', value: 'PLC1 UA' },
    ]);
    expect(ge.detail).toBe('2 endpoints: None/None, Basic256Sha256/SignAndEncrypt');

    const cs = byFn('CreateSessionRequest');
    expect(cs).toMatchObject({ operation: 'session', fields: { sessionName: 'hmi-session', endpointUrl: 'opc.tcp://plc1:4840/ua' } });
    expect(cs.identity).toContainEqual({ about: 'src', attribute: 'application_uri', value: 'urn:scada:hmi' });
    expect(byFn('CreateSessionResponse').identity).toContainEqual({ about: 'src', attribute: 'product_uri', value: 'urn:acme:ua-server' });

    const as = byFn('ActivateSessionRequest');
    expect(as).toMatchObject({
      fields: { auth: 'username', userTokenPolicyId: 'user' },
      detail: 'auth username',
      facts: { security_policy: 'None', security_mode: 'None', auth: 'username' },
    });
    // Never a password, in any form, anywhere in what is emitted.
    const all = JSON.stringify(ctx.events);
    expect(all).not.toContain(password);
    expect(all).not.toContain(Buffer.from(password).toString('base64'));
    expect(all).not.toContain(Buffer.from(password).toString('hex'));
    // The auth fact stays on the channel's later events.
    expect(byFn('ReadRequest').facts).toMatchObject({ auth: 'username' });

    expect(byFn('ReadRequest')).toMatchObject({ operation: 'read', fields: { typeId: 631 } });
    expect(byFn('ReadResponse')).toMatchObject({ operation: 'read', direction: 'response', fields: { typeId: 634 } });
    const w = byFn('WriteRequest');
    expect(w).toMatchObject({ operation: 'write', fields: { count: 2, nodeIds: ['ns=2;s=Setpoint', 'ns=3;i=1001'] } });
    expect(w.detail).toBe('ns=2;s=Setpoint, ns=3;i=1001');
    const c = byFn('CallRequest');
    expect(c).toMatchObject({ operation: 'call', fields: { calls: [{ objectId: 'ns=2;s=Pump1', methodId: 'ns=2;s=Pump1.Start' }] } });
    expect(c.detail).toBe('ns=2;s=Pump1.Start on ns=2;s=Pump1');
    expect(byFn('ServiceFault')).toMatchObject({ operation: 'other', fields: { typeId: 397, status: '0x80340000' } });
    expect(byFn('BrowseRequest').operation).toBe('browse');
    expect(byFn('CreateMonitoredItemsRequest').operation).toBe('subscribe');
    expect(byFn('FindServersRequest')).toMatchObject({ operation: 'discovery', fields: { endpointUrl: 'opc.tcp://plc1:4840' } });
    expect(byFn('CloseSecureChannelRequest')).toMatchObject({ fields: { msgType: 'CLO', typeId: 452 } });
  });

  it('gives the same events whether bytes come whole, together or one at a time', () => {
    const segs = [
      ...handshake(7),
      [true, msg(7, 2, encodeBody('WriteRequest', { nodesToWrite: [{ nodeId: 'ns=2;s=A', attributeId: 13 }] }))] as [boolean, Buffer],
    ];
    const whole = decode(segs);
    const initiatorBytes = Buffer.concat(segs.filter((s) => s[0]).map((s) => s[1]));
    const responderBytes = Buffer.concat(segs.filter((s) => !s[0]).map((s) => s[1]));
    const bytewise: Array<[boolean, Buffer]> = [];
    for (let i = 0; i < initiatorBytes.length; i++) bytewise.push([true, initiatorBytes.subarray(i, i + 1)]);
    for (let i = 0; i < responderBytes.length; i++) bytewise.push([false, responderBytes.subarray(i, i + 1)]);
    const split = decode(bytewise);
    const together = decode([
      [true, initiatorBytes],
      [false, responderBytes],
    ]);
    const shape = (c: FakeContext) => c.events.map((e) => [e.fn, JSON.stringify(e.fields)]).sort();
    expect(shape(split)).toEqual(shape(whole));
    expect(shape(together)).toEqual(shape(whole));
    expect(split.anomalies).toEqual([]);
  });
});

describe('chunked messages', () => {
  it('reassembles C, C, F chunks of one request into one event counting three chunks', () => {
    const body = encodeBody('WriteRequest', {
      nodesToWrite: Array.from({ length: 20 }, (_, i) => ({ nodeId: `ns=2;s=Tag${i}`, attributeId: 13 })),
    });
    const a = body.subarray(0, 100),
      b = body.subarray(100, 200),
      c = body.subarray(200);
    const ctx = decode([
      ...handshake(7),
      [true, msg(7, 9, a, { chunkType: 'C' })],
      [true, msg(7, 9, b, { chunkType: 'C' })],
      [true, msg(7, 9, c, { chunkType: 'F' })],
    ]);
    const w = ctx.events.filter((e) => e.fn === 'WriteRequest');
    expect(w).toHaveLength(1);
    expect(w[0]!.fields).toMatchObject({ chunks: 3, count: 20 });
    expect(w[0]!.fields.nodeIds![19]).toBe('ns=2;s=Tag19');
  });

  it('reports an aborted message with its chunks and no service', () => {
    const body = encodeBody('ReadRequest', { nodesToRead: [{ nodeId: 'i=2258', attributeId: 13 }] });
    const ctx = decode([
      ...handshake(7),
      [true, msg(7, 3, body.subarray(0, 10), { chunkType: 'C' })],
      [true, msg(7, 3, uaAbort(), { chunkType: 'A' })],
    ]);
    const last = ctx.events.at(-1)!;
    expect(last).toMatchObject({ fn: 'aborted', fields: { msgType: 'MSG', chunks: 2, aborted: true } });
    expect(last.fields.typeId).toBeUndefined();
  });

  it('bounds reassembly: too many chunks are dropped as an anomaly, counted, not kept', () => {
    const piece = Buffer.alloc(4, 1);
    const segs: Array<[boolean, Buffer]> = [...handshake(7), [true, msg(7, 3, encodeBody('ReadRequest', {}), { chunkType: 'C' })]];
    for (let i = 0; i < 4100; i++) segs.push([true, msg(7, 3, piece, { chunkType: 'C' })]);
    const ctx = decode(segs);
    expect(ctx.kinds()).toContain('opcua_reassembly_limit');
    const total = ctx
      .fields()
      .filter((f) => f.msgType === 'MSG')
      .reduce((n, f) => n + (f.chunks as number), 0);
    expect(total).toBe(4101);
  });
});

/** Body of an abort chunk: status code and reason. */
function uaAbort(): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32LE(0x80000000, 0);
  b.writeInt32LE(-1, 4);
  return b;
}

describe('secured channels', () => {
  it('SignAndEncrypt: keeps policy and certificate presence, counts bodies as opaque', () => {
    const cert = Buffer.alloc(900, 0x30);
    const ctx = decode([
      [true, hello('opc.tcp://plc1:4840')],
      [false, ack()],
      [true, opn(0, BASIC256SHA256, Buffer.alloc(256, 0xa5), { cert })],
      [false, opn(9, BASIC256SHA256, Buffer.alloc(256, 0x5a), { cert })],
      [true, msg(9, 0x12345678, Buffer.alloc(96, 0xc3))],
      [false, msg(9, 0x9abcdef0, Buffer.alloc(128, 0x3c))],
      [true, msg(9, 0x11111111, Buffer.alloc(64, 0x77), { type: 'CLO' })],
    ]);
    const opns = ctx.events.filter((e) => e.fields.msgType === 'OPN');
    expect(opns.map((e) => e.fields)).toEqual([
      expect.objectContaining({ securityPolicyUri: BASIC256SHA256, senderCertificate: true, opaque: true }),
      expect.objectContaining({ securityPolicyUri: BASIC256SHA256, senderCertificate: true, opaque: true, secureChannelId: 9 }),
    ]);
    const msgs = ctx.events.filter((e) => e.fields.msgType === 'MSG');
    expect(msgs.map((e) => e.fn)).toEqual(['encrypted', 'encrypted']);
    expect(msgs.every((e) => e.fields.opaque === true && e.fields.typeId === undefined)).toBe(true);
    expect(msgs[1]!.facts).toEqual({ security_policy: 'Basic256Sha256', security_mode: 'SignAndEncrypt' });
    expect(ctx.events.at(-1)).toMatchObject({ fn: 'CloseSecureChannel', fields: { msgType: 'CLO', opaque: true } });
  });

  it('Sign: bodies are readable, the mode is inferred, signatures are cut before joining chunks', () => {
    const sig = Buffer.alloc(32, 0xee);
    const body = encodeBody('WriteRequest', {
      nodesToWrite: [
        { nodeId: 'ns=2;s=Valve', attributeId: 13 },
        { nodeId: 'ns=2;s=Pump', attributeId: 13 },
      ],
    });
    const ctx = decode([
      [true, opn(0, BASIC256SHA256, Buffer.alloc(256, 0xa5), { cert: Buffer.alloc(100, 1) })],
      [false, opn(4, BASIC256SHA256, Buffer.alloc(256, 0x5a), { cert: Buffer.alloc(100, 1) })],
      [true, msg(4, 2, Buffer.concat([encodeBody('ReadRequest', {}), sig]))],
      [true, msg(4, 3, Buffer.concat([body.subarray(0, 40), sig]), { chunkType: 'C' })],
      [true, msg(4, 3, Buffer.concat([body.subarray(40), sig]))],
    ]);
    expect(ctx.events[2]).toMatchObject({ fn: 'ReadRequest', facts: { security_policy: 'Basic256Sha256', security_mode: 'Sign' } });
    expect(ctx.events[3]).toMatchObject({ fn: 'WriteRequest', fields: { chunks: 2, nodeIds: ['ns=2;s=Valve', 'ns=2;s=Pump'] } });
  });
});

describe('resynchronisation and malformed input', () => {
  it('a capture that starts mid-message finds the next header', () => {
    const read = msg(7, 5, encodeBody('ReadRequest', { nodesToRead: [{ nodeId: 'i=2258', attributeId: 13 }] }));
    const ctx = decode([[true, Buffer.concat([read.subarray(30), read, read])]]);
    expect(ctx.events.map((e) => e.fn)).toEqual(['ReadRequest', 'ReadRequest']);
    expect(ctx.kinds()).toEqual(['opcua_midstream']);
    expect(ctx.events[0]!.facts).toBeUndefined(); // no OPN seen: the policy is not guessed
  });

  it('after a gap, drops the partial chunk and message and resumes at the next header of the channel', () => {
    const ctx = new FakeContext();
    const dec = opcuaModule.createDecoder(ctx);
    for (const [i, s] of handshake(7).entries()) dec.onData(s[0], s[1], i);
    const read = msg(7, 5, encodeBody('ReadRequest', {}));
    dec.onData(true, msg(7, 4, encodeBody('WriteRequest', {}), { chunkType: 'C' }), 10);
    dec.onData(true, read.subarray(0, 20), 11);
    dec.onGap!(true, 500, 12);
    // The bytes after the gap: the tail of a chunk holding a fake header of another channel, then a real one.
    const decoy = msg(99, 1, Buffer.alloc(10));
    dec.onData(true, Buffer.concat([Buffer.alloc(13, 0x20), decoy, read]), 13);
    dec.onEnd!(14);
    const after = ctx.events.slice(4);
    expect(after.map((e) => [e.fn, e.fields.chunks])).toEqual([
      ['incomplete', 1],
      ['ReadRequest', 1],
    ]);
    expect(ctx.kinds()).toEqual(['opcua_gap', 'opcua_resync']);
  });

  it('a bad header in a synchronised stream is an anomaly, then framing resumes', () => {
    const read = msg(7, 5, encodeBody('ReadRequest', {}));
    const ctx = decode([...handshake(7), [true, Buffer.concat([chunk('MSG', 'F', Buffer.alloc(4), 12), read])]]);
    expect(ctx.kinds()).toContain('opcua_bad_header');
    expect(ctx.events.at(-1)!.fn).toBe('ReadRequest');
  });

  it('a truncated service body is flagged malformed but still named', () => {
    const body = encodeBody('GetEndpointsResponse', { endpoints: [endpoint(NONE, 1, 0)] });
    const ctx = decode([...handshake(7), [false, msg(7, 2, body.subarray(0, body.length - 40))]]);
    expect(ctx.events.at(-1)).toMatchObject({ fn: 'GetEndpointsResponse', fields: { typeId: 431, malformed: true } });
    expect(ctx.kinds()).toContain('opcua_malformed');
  });

  it('an incomplete chunk at the end of the capture is counted as truncated', () => {
    const read = msg(7, 5, encodeBody('ReadRequest', {}));
    const ctx = decode([...handshake(7), [true, read.subarray(0, read.length - 3)]]);
    expect(ctx.kinds()).toEqual(['opcua_truncated']);
    expect(ctx.events).toHaveLength(4);
  });
});

describe('bytes in place (onBytes)', () => {
  /**
   * A conversation with every framing path: handshake, a read and its response in one segment, a
   * two-chunk write, a chunk split over three segments, a bad header, a gap with resync, and a direction
   * that starts mid-message. Segments are [fromInitiator, bytes] or a gap of n bytes.
   */
  function conversation(): Array<[boolean, Buffer] | number> {
    const read = msg(7, 5, encodeBody('ReadRequest', { nodesToRead: [{ nodeId: 'i=2258', attributeId: 13 }] }));
    const response = msg(7, 5, encodeBody('ReadResponse', { results: [{ value: { dataType: 'Double', value: 1.5 } }] }));
    const write = encodeBody('WriteRequest', {
      nodesToWrite: [{ nodeId: 'ns=2;s=Valve', attributeId: 13, value: { value: { dataType: 'Boolean', value: true } } }],
    });
    const browse = msg(7, 9, encodeBody('BrowseRequest', {}));
    return [
      ...handshake(7),
      [true, Buffer.concat([read, read])],
      [false, Buffer.concat([response, response.subarray(0, 5)])],
      [false, response.subarray(5, 30)],
      [false, response.subarray(30)],
      [true, msg(7, 6, write.subarray(0, 12), { chunkType: 'C' })],
      [true, Buffer.concat([msg(7, 6, write.subarray(12)), chunk('MSG', 'F', Buffer.alloc(4), 12), browse])],
      [true, browse.subarray(0, 20)],
      500,
      [true, Buffer.concat([Buffer.alloc(13, 0x20), msg(99, 1, Buffer.alloc(10)), browse])],
    ];
  }

  function run(feed: (dec: ReturnType<typeof opcuaModule.createDecoder>, from: boolean, seg: Buffer, ts: number) => void) {
    const ctx = new FakeContext();
    const dec = opcuaModule.createDecoder(ctx);
    // The responder's first bytes are the tail of a message: its direction starts mid-stream.
    const tail = msg(7, 1, encodeBody('ReadResponse', {}));
    feed(dec, false, Buffer.concat([tail.subarray(9), tail]), 1);
    conversation().forEach((s, i) => (typeof s === 'number' ? dec.onGap!(true, s, 10 + i) : feed(dec, s[0], s[1], 10 + i)));
    dec.onEnd!(99);
    return ctx;
  }

  it('decodes ranges of a larger buffer exactly as the same bytes given as Buffers', () => {
    const byData = run((dec, from, seg, ts) => dec.onData(from, seg, ts));
    // Each segment in the middle of a buffer whose other bytes look like OPC UA: reading outside the range shows.
    const noise = msg(7, 77, encodeBody('ReadRequest', {}));
    const byBytes = run((dec, from, seg, ts) => {
      const buf = Buffer.concat([noise, seg, noise]);
      dec.onBytes!(from, buf, noise.length, noise.length + seg.length, ts);
      buf.fill(0xee); // the range is valid only during the call: nothing may be kept of it
    });
    expect(byData.events.map((e) => e.fn)).toEqual([
      'ReadResponse',
      'Hello',
      'Acknowledge',
      'OpenSecureChannelRequest',
      'OpenSecureChannelResponse',
      'ReadRequest',
      'ReadRequest',
      'ReadResponse',
      'ReadResponse',
      'WriteRequest',
      'BrowseRequest',
      'BrowseRequest',
    ]);
    expect(byData.kinds()).toEqual(['opcua_midstream', 'opcua_bad_header', 'opcua_resync', 'opcua_gap', 'opcua_resync']);
    expect(JSON.stringify(byBytes.events)).toBe(JSON.stringify(byData.events));
    expect(byBytes.anomalies).toEqual(byData.anomalies);
  });

  it('frames a range that ends inside a header, then completes it from the next call', () => {
    const read = msg(7, 5, encodeBody('ReadRequest', {}));
    const ctx = new FakeContext();
    const dec = opcuaModule.createDecoder(ctx);
    for (const [i, s] of handshake(7).entries()) dec.onData(s[0], s[1], i);
    const buf = Buffer.concat([Buffer.alloc(3), read, read]);
    dec.onBytes!(true, buf, 3, 3 + read.length + 6, 10); // one whole chunk, then 6 bytes of the next header
    dec.onBytes!(true, buf, 3 + read.length + 6, buf.length, 11);
    dec.onEnd!(12);
    expect(ctx.events.slice(4).map((e) => [e.fn, e.ts, e.fields.requestId])).toEqual([
      ['ReadRequest', 10, 5],
      ['ReadRequest', 11, 5],
    ]);
    expect(ctx.anomalies).toEqual([]);
  });
});

describe('stats section', () => {
  it('counts messages per chunk, services per message, and names servers with IPv6 brackets', () => {
    const flow = { id: 'tcp v6', transport: 'tcp' as const, initiator: { ip: '::1', port: 50500 }, responder: { ip: '::1', port: 12001 } };
    const ctx = new FakeContext(flow);
    const body = encodeBody('ReadRequest', {});
    decode(
      [
        ...handshake(3),
        [true, msg(3, 2, body.subarray(0, 10), { chunkType: 'C' })],
        [true, msg(3, 2, body.subarray(10))],
        [false, msg(3, 2, encodeBody('GetEndpointsResponse', { endpoints: [endpoint(BASIC256SHA256, 2, 5)] }))],
      ],
      ctx,
    );
    const stats = new OpcuaStats();
    for (const e of ctx.events) stats.onEvent(e);
    stats.onEvent({ ...ctx.events[0]!, protocol: 'modbus' }); // not ours: ignored
    expect(stats.section()).toEqual({
      messages: { HEL: 1, ACK: 1, OPN: 2, MSG: 3, CLO: 0, ERR: 0 },
      services: { 431: 1, 446: 1, 449: 1, 631: 1 },
      security_policies: [NONE],
      endpoint_security_policies: [BASIC256SHA256],
      security_modes: [1, 2],
      application_uris: ['urn:acme:plc1'],
      product_uris: ['urn:acme:ua-server'],
      endpoint_urls: ['opc.tcp://plc1:4840/ua'],
      servers: ['[::1]:12001'],
      clients: ['::1'],
    });
    expect(new OpcuaStats().section()).toBeUndefined();
  });
});
