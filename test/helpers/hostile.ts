/** Hostile strings a device can put in its names (issue 18): for tests of the output sanitiser. */
import { pcapFile, type PcapRecord } from './capture-build.js';
import { adu } from './modbus/fake-context.js';
import { app, close, ctx, oid, open, unicast, utf8 } from './bacnet/test-helpers.js';
import { ack, encodeBody, hello, msg, NONE, opn } from './opcua/testing.js';

/** ESC[2J, an OSC 0 title, an OSC 8 link, ESC[8m, a CR+LF fake row, U+202E and a C1 control (NEL). */
export const HOSTILE =
  'ACME\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\\x1b[8mhidden\r\nplc9  plc  1  10.9.9.9\u202eevil\u0085';

/** Anything a terminal would act on: C0 (but LF where allowed by the caller), DEL, C1, bidi controls. */
export const TERMINAL_ACTIVE = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

// ---- a capture in which three devices name themselves with HOSTILE ----

/** One Ethernet/IPv4 frame carrying a TCP segment (PSH ACK) or a UDP datagram; checksums left zero. */
function frame(proto: 'tcp' | 'udp', src: string, sport: number, dst: string, dport: number, payload: Buffer, seq = 1): Buffer {
  const l4 = proto === 'tcp' ? 20 : 8;
  const f = Buffer.alloc(14 + 20 + l4 + payload.length);
  const last = (ip: string) => Number(ip.split('.')[3]);
  Buffer.from([0x00, 0x80, 0xf4, 0, 0, last(dst), 0x00, 0x80, 0xf4, 0, 0, last(src), 0x08, 0x00]).copy(f, 0);
  f[14] = 0x45;
  f.writeUInt16BE(20 + l4 + payload.length, 16);
  f[22] = 64;
  f[23] = proto === 'tcp' ? 6 : 17;
  Buffer.from([...src.split('.').map(Number), ...dst.split('.').map(Number)]).copy(f, 26);
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  if (proto === 'tcp') {
    f.writeUInt32BE(seq >>> 0, 38);
    f[46] = 0x50;
    f[47] = 0x18;
    f.writeUInt16BE(8192, 48);
  } else f.writeUInt16BE(8 + payload.length, 38);
  payload.copy(f, 14 + 20 + l4);
  return f;
}

/** A TCP conversation from its payloads (client first unless false), sequence numbers kept per side. */
function tcpTalk(client: string, cport: number, server: string, sport: number, parts: [boolean, Buffer][], t0: number): PcapRecord[] {
  let cseq = 1000;
  let sseq = 5000;
  return parts.map(([fromClient, data], i) => {
    const f = fromClient ? frame('tcp', client, cport, server, sport, data, cseq) : frame('tcp', server, sport, client, cport, data, sseq);
    if (fromClient) cseq += data.length;
    else sseq += data.length;
    return { data: f, sec: t0, frac: i * 1000 };
  });
}

/**
 * A pcap in which a Modbus server (10.0.0.2) answers Read Device Identification with HOSTILE as vendor
 * name and user application name, a BACnet device (10.0.0.4) gives HOSTILE as its object-name and vendor-name,
 * and an OPC UA server (10.0.0.6) gives HOSTILE as its application name in GetEndpoints.
 */
export function hostileCapture(name = HOSTILE): Buffer {
  const t = Buffer.from(name, 'utf8');
  const obj = (id: number) => [id, t.length, ...t];
  const modbus = tcpTalk(
    '10.0.0.1',
    50000,
    '10.0.0.2',
    502,
    [
      [true, adu(1, 1, [0x2b, 0x0e, 0x01, 0x00])],
      [false, adu(1, 1, [0x2b, 0x0e, 0x01, 0x01, 0x00, 0x00, 2, ...obj(0), ...obj(6)])], // two fit in 253 octets
    ],
    1_700_000_000,
  );
  const rpAck = (invoke: number, prop: number) =>
    unicast([0x30, invoke, 0x0c, ...ctx(0, oid(8, 77)), ...ctx(1, [prop]), ...open(3), ...app(7, utf8(name)), ...close(3)]);
  const bacnet: PcapRecord[] = [
    frame(
      'udp',
      '10.0.0.4',
      47808,
      '10.0.0.3',
      47808,
      unicast([0x10, 0x00, ...app(12, oid(8, 77)), ...app(2, [0x05, 0xc4]), ...app(9, [0x03]), ...app(2, [0x05])]),
    ),
    frame('udp', '10.0.0.3', 47808, '10.0.0.4', 47808, unicast([0x00, 0x05, 0x01, 0x0c, ...ctx(0, oid(8, 77)), ...ctx(1, [77])])),
    frame('udp', '10.0.0.4', 47808, '10.0.0.3', 47808, rpAck(1, 77)),
    frame('udp', '10.0.0.3', 47808, '10.0.0.4', 47808, unicast([0x00, 0x05, 0x02, 0x0c, ...ctx(0, oid(8, 77)), ...ctx(1, [121])])),
    frame('udp', '10.0.0.4', 47808, '10.0.0.3', 47808, rpAck(2, 121)),
  ].map((data, i) => ({ data, sec: 1_700_000_001, frac: i * 1000 }));
  const server = { applicationUri: 'urn:hostile', productUri: 'urn:hostile:ua', applicationName: { text: name }, applicationType: 0 };
  const opcua = tcpTalk(
    '10.0.0.5',
    50001,
    '10.0.0.6',
    4840,
    [
      [true, hello('opc.tcp://10.0.0.6:4840')],
      [false, ack()],
      [true, opn(0, NONE, encodeBody('OpenSecureChannelRequest', { requestType: 0, securityMode: 1, requestedLifetime: 600000 }))],
      [
        false,
        opn(7, NONE, encodeBody('OpenSecureChannelResponse', { securityToken: { channelId: 7, tokenId: 1, revisedLifetime: 600000 } })),
      ],
      [true, msg(7, 2, encodeBody('GetEndpointsRequest', { endpointUrl: 'opc.tcp://10.0.0.6:4840' }))],
      [
        false,
        msg(
          7,
          2,
          encodeBody('GetEndpointsResponse', {
            endpoints: [{ endpointUrl: 'opc.tcp://10.0.0.6:4840', server, securityMode: 1, securityPolicyUri: NONE }],
          }),
        ),
      ],
    ],
    1_700_000_002,
  );
  return pcapFile([...modbus, ...bacnet, ...opcua]);
}
