/**
 * A real peer: st-ethernet-ip (a Logix client library; it has no server) talks to a small CIP responder
 * built here from the spec on 127.0.0.2:44818 while tcpdump records loopback; the capture then goes
 * through the whole pipeline. The library registers a session, reads the Identity object through
 * Unconnected Send, reads an attribute, reads and writes a tag, both unconnected and (second client)
 * connected after a Forward Open it closes again. A raw socket adds what the library does not send:
 * ListIdentity over TCP and UDP, a class 1 Forward Open, then cyclic I/O on UDP 2222 in both directions.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { StatsCollector } from '../../src/pipeline/statistics.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { PipelineSink, ProtocolEvent } from '../../src/core/events.js';
import { clearConnections } from '../../src/protocols/enip/connections.js';
import type { EnipFields } from '../../src/protocols/enip/decoder.js';
import { enipModule } from '../../src/protocols/enip/index.js';
import {
  cipReply,
  cipRequest,
  encap,
  forwardOpenData,
  identityBody,
  ioDatagram,
  item,
  path,
  sendRR,
  u16,
  u32,
} from '../helpers/enip/test-helpers.js';

const require = createRequire(import.meta.url);
const TCPDUMP = tcpdumpAvailable();
if (!TCPDUMP) console.warn('[otwatch tests] tcpdump not found: the EtherNet/IP real-peer test is skipped');

const SERVER_IP = '127.0.0.2';
const CLIENT_IP = '127.0.0.1';
const IDENTITY = { vendor: 1, type: 14, code: 166, major: 33, minor: 11, serial: 0x60a1b2c3, name: '1769-L33ER/A LOGIX5333ER', state: 3 };
const SPEED = 1500;

// ---- the hand-built responder (CIP Vol. 1 and 2 layouts, little-endian) ----

/** The reply to one CIP request (service, path size, path, data). */
function answer(req: Buffer): Buffer {
  const service = req[0]!;
  const words = req[1]!;
  const p = req.subarray(2, 2 + words * 2);
  const data = req.subarray(2 + words * 2);
  const cls = p[0] === 0x20 ? p[1] : undefined;
  const attr = p.length >= 6 && p[4] === 0x30 ? p[5] : undefined;
  if (service === 0x52 && cls === 0x06) {
    // Unconnected Send: answer the embedded request directly (a successful send has no reply of its own)
    const size = data.readUInt16LE(2);
    return answer(data.subarray(4, 4 + size));
  }
  if (service === 0x54 && cls === 0x06) {
    // Forward Open: the target picks the O->T id; echo T->O, serial triad, RPIs as actual intervals
    const ot = 0x7e000000 + data.readUInt16LE(10);
    return Buffer.from(
      cipReply(0x54, 0, [
        ...u32(ot),
        ...data.subarray(6, 10),
        ...data.subarray(10, 18),
        ...data.subarray(22, 26),
        ...data.subarray(28, 32),
        0,
        0,
      ]),
    );
  }
  if (service === 0x4e && cls === 0x06) return Buffer.from(cipReply(0x4e, 0, [...data.subarray(2, 10), 0, 0]));
  if (service === 0x01 && cls === 0x01) return Buffer.from(cipReply(0x01, 0, [...identityBody(IDENTITY), 0, 0, 0]));
  if (service === 0x0e && cls === 0x01 && attr === 7)
    return Buffer.from(cipReply(0x0e, 0, [IDENTITY.name.length, ...Buffer.from(IDENTITY.name)]));
  if (service === 0x0e) return Buffer.from(cipReply(0x0e, 0, u32(0x12345678)));
  if (service === 0x4c) return Buffer.from(cipReply(0x4c, 0, [0xc4, 0x00, ...u32(SPEED)])); // DINT
  if (service === 0x4d) return Buffer.from(cipReply(0x4d));
  return Buffer.from(cipReply(service, 0x08)); // service not supported
}

/** CPF items of a SendRRData/SendUnitData body (after interface handle and timeout). */
function items(body: Buffer): { type: number; data: Buffer }[] {
  const out: { type: number; data: Buffer }[] = [];
  let i = 8;
  for (let n = body.readUInt16LE(6); n > 0 && i + 4 <= body.length; n--) {
    const len = body.readUInt16LE(i + 2);
    out.push({ type: body.readUInt16LE(i), data: body.subarray(i + 4, i + 4 + len) });
    i += 4 + len;
  }
  return out;
}

const identityItem = () => {
  const sock = [0x00, 0x02, 0xaf, 0x12, 127, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0];
  return [...u16(1), ...item(0x000c, [...u16(1), ...sock, ...identityBody(IDENTITY)])];
};

/** One encapsulation message in, its reply out (same session and sender context). */
function respond(msg: Buffer): Buffer | undefined {
  const cmd = msg.readUInt16LE(0);
  const context = msg.subarray(12, 20);
  const reply = (command: number, body: number[] | Buffer, session = msg.readUInt32LE(4)) => {
    const r = encap(command, body, { session });
    context.copy(r, 12);
    return r;
  };
  const body = msg.subarray(24);
  switch (cmd) {
    case 0x65:
      return reply(0x65, body, 0x5e551011);
    case 0x63:
      return reply(0x63, identityItem(), 0);
    case 0x6f: {
      const data = items(body).find((x) => x.type === 0x00b2);
      return data ? reply(0x6f, [...u32(0), ...u16(0), ...u16(2), ...item(0x0000), ...item(0x00b2, answer(data.data))]) : undefined;
    }
    case 0x70: {
      const all = items(body);
      const data = all.find((x) => x.type === 0x00b1);
      if (!data) return undefined;
      const seq = data.data.subarray(0, 2);
      return reply(0x70, [
        ...u32(0),
        ...u16(0),
        ...u16(2),
        ...item(0x00a1, u32(0x7f000001)),
        ...item(0x00b1, [...seq, ...answer(data.data.subarray(2))]),
      ]);
    }
    default:
      return undefined;
  }
}

async function startResponder(): Promise<{ tcp: Server; udp: UdpSocket }> {
  const tcp = createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      while (buf.length >= 24 && buf.length >= 24 + buf.readUInt16LE(2)) {
        const n = 24 + buf.readUInt16LE(2);
        const unregister = buf.readUInt16LE(0) === 0x66;
        const r = respond(buf.subarray(0, n));
        buf = buf.subarray(n);
        if (r) sock.write(r);
        if (unregister) sock.end(); // the target closes the session's connection
      }
    });
    sock.on('error', () => {});
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(44818, SERVER_IP, () => resolve());
  });
  const udp = createSocket('udp4');
  udp.on('message', (m, from) => {
    const r = m.length >= 24 ? respond(m) : undefined;
    if (r) udp.send(r, from.port, from.address);
  });
  await new Promise<void>((resolve) => udp.bind(44818, SERVER_IP, () => resolve()));
  return { tcp, udp };
}

/** Send messages one at a time on a raw TCP connection, waiting for each reply. */
async function raw(messages: Buffer[]): Promise<Buffer[]> {
  const sock = new Socket();
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.connect({ host: SERVER_IP, port: 44818, localAddress: CLIENT_IP }, () => resolve());
  });
  const replies: Buffer[] = [];
  for (const m of messages) {
    if (m.readUInt16LE(0) === 0x66) {
      // UnregisterSession has no reply: the target closes the connection
      const closed = new Promise((resolve) => sock.once('end', resolve));
      sock.write(m);
      await closed;
      continue;
    }
    const got = new Promise<Buffer>((resolve) => sock.once('data', resolve));
    sock.write(m);
    replies.push(await got);
  }
  sock.end();
  return replies;
}

async function clientSession(connected: boolean): Promise<{ name: string; speed: unknown; attr: Buffer }> {
  const { Controller, Tag } = require('st-ethernet-ip');
  const plc = new Controller(connected);
  await plc.connect(SERVER_IP, 0, false);
  await plc.readControllerProps();
  const attr: Buffer = await plc.getAttributeSingle(0xf5, 1, 5);
  const tag = new Tag('Speed');
  await plc.readTag(tag);
  const speed = tag.value; // as read: writeTag below updates tag.value
  await plc.writeTag(tag, 1750);
  const name = plc.properties.name as string;
  await plc.disconnect();
  return { name, speed, attr };
}

describe.skipIf(!TCPDUMP)('EtherNet/IP real peer: st-ethernet-ip against a spec-built responder, recorded on loopback', () => {
  it('decodes the recorded conversation: services, tags, identity, Forward Open tied to UDP 2222 I/O', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-enip-'));
    const file = join(dir, 'enip.pcap');
    const { tcp, udp } = await startResponder();
    let unconnected: Awaited<ReturnType<typeof clientSession>>;
    let connected: Awaited<ReturnType<typeof clientSession>>;
    try {
      // the cyclic I/O comes last: a tcpdump starved of CPU (CI runs tests side by side) must have longer than
      // the default to write it before it is stopped
      await recordLoopback({ file, filter: 'port 44818 or udp port 2222', settleMs: 2500 }, async () => {
        unconnected = await clientSession(false);
        connected = await clientSession(true);
        // ListIdentity over TCP, a class 1 Forward Open to assembly connection point 100, UnregisterSession
        const fo = forwardOpenData({
          ot: 0,
          to: 0x10000001,
          serial: 0x77,
          vendor: 0x4d,
          origSerial: 0xabcdef,
          rpiUs: 20_000,
          transport: 0x01,
          connPath: [0x01, 0x00, ...path({ cls: 4, inst: 1, cp: 100 })],
        });
        const [, , foReply] = await raw([
          encap(0x63, [], { session: 0 }),
          encap(0x65, [1, 0, 0, 0], { session: 0 }),
          sendRR(cipRequest(0x54, path({ cls: 6, inst: 1 }), fo), { context: 5 }),
          encap(0x66, []),
        ]);
        const otId = foReply!.readUInt32LE(44);
        // ListIdentity over UDP
        const q = createSocket('udp4');
        await new Promise<void>((r) => q.bind(0, CLIENT_IP, () => r()));
        const got = new Promise((r) => q.once('message', r));
        q.send(encap(0x63, [], { session: 0 }), 44818, SERVER_IP);
        await got;
        q.close();
        // cyclic I/O: originator → target with the O->T id, target → originator with the T->O id
        const o = createSocket('udp4');
        const t = createSocket('udp4');
        await new Promise<void>((r) => o.bind(2222, CLIENT_IP, () => r()));
        await new Promise<void>((r) => t.bind(2222, SERVER_IP, () => r()));
        const sent = (s: UdpSocket, b: Buffer, ip: string) => new Promise<void>((r, j) => s.send(b, 2222, ip, (e) => (e ? j(e) : r())));
        for (let i = 1; i <= 3; i++) {
          await sent(o, ioDatagram(otId, i, [...u16(i), 1, 0, 0, 0, 0x55]), SERVER_IP);
          await sent(t, ioDatagram(0x10000001, i, [...u16(i), 0xaa, 0xbb]), CLIENT_IP);
          await new Promise((r) => setTimeout(r, 20));
        }
        o.close();
        t.close();
      });
    } finally {
      tcp.close();
      udp.close();
    }
    try {
      // the library itself understood the responder
      expect(unconnected!.name).toBe(IDENTITY.name);
      expect(unconnected!.speed).toBe(SPEED);
      expect(connected!.speed).toBe(SPEED);
      expect(unconnected!.attr.readUInt32LE(0)).toBe(0x12345678);

      clearConnections();
      const events: ProtocolEvent<EnipFields>[] = [];
      const tap: PipelineSink = { onEvent: (e) => events.push(e as ProtocolEvent<EnipFields>), onFlowEnd: () => {}, onBinding: () => {} };
      const collector = new StatsCollector([enipModule], tap);
      await runPipeline([file], collector, { modules: [enipModule] });
      const section = collector.sections()['enip'] as Record<string, unknown>;

      const reqs = events.filter((e) => e.direction === 'request' && e.fields.service !== undefined);
      const details = reqs.map((e) => e.detail);
      expect(details).toContain('unconnected_send route 1/0: get_attributes_all class 0x01 instance 1');
      // the library sends Get Attribute Single straight to the message router, not through Unconnected Send
      expect(details).toContain('get_attribute_single class 0xf5 instance 1 attribute 5');
      expect(details).toContain('unconnected_send route 1/0: read_tag tag Speed');
      expect(details).toContain('unconnected_send route 1/0: write_tag tag Speed');
      // connected: the library's tag reads and writes travel in SendUnitData after its Forward Open
      const conn = reqs.filter((e) => e.fields.connected);
      expect(conn.map((e) => e.fn)).toEqual(
        expect.arrayContaining(['get_attributes_all', 'get_attribute_single', 'read_tag', 'write_tag']),
      );
      expect(reqs.filter((e) => e.fn === 'forward_open')).toHaveLength(2);
      expect(reqs.filter((e) => e.fn === 'forward_close')).toHaveLength(1);
      expect(reqs.find((e) => e.fn === 'write_tag')!.operation).toBe('write');

      // replies paired, identity claimed by the responder's address
      const writes = events.filter((e) => e.direction === 'response' && e.fn === 'write_tag');
      expect(writes.length).toBe(2);
      expect(writes.every((e) => e.fields.paired && e.detail === 'write_tag tag Speed: success')).toBe(true);
      const claims = events.flatMap((e) => (e.identity ?? []).map((c) => `${e.src.ip} ${c.attribute}=${c.value}`));
      expect(new Set(claims)).toEqual(
        new Set([
          `${SERVER_IP} vendor_id=1`,
          `${SERVER_IP} vendor=Rockwell Automation/Allen-Bradley`,
          `${SERVER_IP} module_type=Programmable Logic Controller`,
          `${SERVER_IP} product=${IDENTITY.name}`,
          `${SERVER_IP} firmware=33.11`,
          `${SERVER_IP} serial=0x60a1b2c3`,
        ]),
      );

      // I/O tied to the class 1 Forward Open across flows
      const io = events.filter((e) => e.operation === 'io');
      expect(io).toHaveLength(6);
      expect(io.map((e) => e.direction).sort()).toEqual(['request', 'request', 'request', 'response', 'response', 'response']);
      expect(io.every((e) => e.fields.ioConnection === 'class 0x04 instance 1 connection point 100')).toBe(true);

      expect(section).toMatchObject({
        list_identity: [
          { vendor_id: 1, device_type: 14, product_code: 166, revision: '33.11', serial: '0x60a1b2c3', product_name: IDENTITY.name },
        ],
        servers: [`${SERVER_IP}:44818`],
        clients: [CLIENT_IP],
        io_frames: 6,
      });
      expect(Object.keys(section['encap_commands'] as object).sort()).toEqual(['0x0063', '0x0065', '0x0066', '0x006f', '0x0070']);
      // three Unconnected Sends, two Forward Opens, one Forward Close
      expect((section['cip_classes'] as Record<string, number>)['0x06']).toBe(6);
      expect(events.every((e) => e.facts?.auth === 'none')).toBe(true);
    } finally {
      if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
