/**
 * Benchmark capture generator: N packets of mixed industrial traffic (Modbus/TCP, S7comm, OPC UA binary,
 * BACnet/IP) on many concurrent flows, with real TCP handshakes and sequence numbers that advance with
 * the payload, written as a classic pcap in bounded memory (4 MiB buffer) whatever N is.
 *
 *   node dist/bench/generate.js <out.pcap> [packets=1000000] [flows=4000]
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ACK, PSH, SYN, ethernet, ipv4, tcp, udp } from './gen/packets.js';
import { mulberry32 as rng } from './gen/rng.js';

type Kind = 'modbus' | 's7comm' | 'opcua' | 'bacnet';

interface GenFlow {
  kind: Kind;
  client: { mac: string; ip: string; port: number };
  server: { mac: string; ip: string; port: number };
  cSeq: number;
  sSeq: number;
  step: number; // 0 = handshake not sent yet
  tid: number; // transaction id / PDU reference / request handle / invoke id
}

function macFor(i: number): string {
  return `00:1d:9c:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;
}

// ---- protocol payloads (real encodings) ----

function modbusRequest(tid: number, write: boolean): Buffer {
  if (write) {
    // FC16 write multiple registers: addr 10, 2 registers
    const b = Buffer.from([0, 0, 0, 0, 0, 11, 1, 16, 0, 10, 0, 2, 4, 0, 1, 0, 2]);
    b.writeUInt16BE(tid & 0xffff, 0);
    return b;
  }
  const b = Buffer.from([0, 0, 0, 0, 0, 6, 1, 3, 0, 0, 0, 10]); // FC3 read 10 holding registers at 0
  b.writeUInt16BE(tid & 0xffff, 0);
  return b;
}

function modbusResponse(tid: number, write: boolean): Buffer {
  if (write) {
    const b = Buffer.from([0, 0, 0, 0, 0, 6, 1, 16, 0, 10, 0, 2]);
    b.writeUInt16BE(tid & 0xffff, 0);
    return b;
  }
  const b = Buffer.alloc(9 + 20);
  b.writeUInt16BE(tid & 0xffff, 0);
  b.writeUInt16BE(3 + 20, 4);
  b[6] = 1;
  b[7] = 3;
  b[8] = 20;
  for (let i = 0; i < 20; i++) b[9 + i] = (tid + i) & 255;
  return b;
}

function tpkt(cotpAndS7: Buffer): Buffer {
  const h = Buffer.from([3, 0, 0, 0]);
  h.writeUInt16BE(4 + cotpAndS7.length, 2);
  return Buffer.concat([h, cotpAndS7]);
}

const COTP_DT = Buffer.from([0x02, 0xf0, 0x80]);

function s7ReadRequest(ref: number): Buffer {
  // S7 job: read var, 1 item: DB1.DBB0 byte x4
  const hdr = Buffer.from([0x32, 0x01, 0, 0, 0, 0, 0, 14, 0, 0]);
  hdr.writeUInt16BE(ref & 0xffff, 4);
  const param = Buffer.from([0x04, 0x01, 0x12, 0x0a, 0x10, 0x02, 0x00, 0x04, 0x00, 0x01, 0x84, 0x00, 0x00, 0x00]);
  return tpkt(Buffer.concat([COTP_DT, hdr, param]));
}

function s7ReadResponse(ref: number): Buffer {
  const hdr = Buffer.from([0x32, 0x03, 0, 0, 0, 0, 0, 2, 0, 8, 0, 0]);
  hdr.writeUInt16BE(ref & 0xffff, 4);
  const param = Buffer.from([0x04, 0x01]);
  const data = Buffer.from([0xff, 0x04, 0x00, 0x20, ref & 255, 1, 2, 3]);
  return tpkt(Buffer.concat([COTP_DT, hdr, param, data]));
}

function s7Setup(ref: number, ack: boolean): Buffer {
  const hdr = ack ? Buffer.from([0x32, 0x03, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0]) : Buffer.from([0x32, 0x01, 0, 0, 0, 0, 0, 8, 0, 0]);
  hdr.writeUInt16BE(ref & 0xffff, 4);
  const param = Buffer.from([0xf0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xe0]);
  return tpkt(Buffer.concat([COTP_DT, hdr, param]));
}

function cotpConnect(confirm: boolean): Buffer {
  // CR/CC with source/destination TSAPs (0x0100 PG, rack 0 slot 2) and TPDU size 1024
  const params = Buffer.from([0xc0, 1, 0x0a, 0xc1, 2, 0x01, 0x00, 0xc2, 2, 0x01, 0x02]);
  const head = Buffer.from([6 + params.length, confirm ? 0xd0 : 0xe0, 0, confirm ? 1 : 0, 0, 1, 0]);
  return tpkt(Buffer.concat([head, params]));
}

function uaString(s: string | null): Buffer {
  if (s === null) return Buffer.from([0xff, 0xff, 0xff, 0xff]);
  const v = Buffer.from(s, 'utf8');
  const l = Buffer.alloc(4);
  l.writeInt32LE(v.length, 0);
  return Buffer.concat([l, v]);
}

function uaChunk(type: string, body: Buffer, channel: number, seq: number, req: number): Buffer {
  // MSG/F header, symmetric security header (token id), sequence header
  const h = Buffer.alloc(24);
  h.write(type, 0, 'latin1');
  h.write('F', 3, 'latin1');
  h.writeUInt32LE(24 + body.length, 4);
  h.writeUInt32LE(channel, 8);
  h.writeUInt32LE(1, 12);
  h.writeUInt32LE(seq, 16);
  h.writeUInt32LE(req, 20);
  return Buffer.concat([h, body]);
}

function uaHello(url: string): Buffer {
  const fields = Buffer.alloc(20);
  fields.writeUInt32LE(0, 0);
  fields.writeUInt32LE(65536, 4);
  fields.writeUInt32LE(65536, 8);
  fields.writeUInt32LE(0, 12);
  fields.writeUInt32LE(0, 16);
  const body = Buffer.concat([fields, uaString(url)]);
  const h = Buffer.alloc(8);
  h.write('HELF', 0, 'latin1');
  h.writeUInt32LE(8 + body.length, 4);
  return Buffer.concat([h, body]);
}

function uaAck(): Buffer {
  const b = Buffer.alloc(28);
  b.write('ACKF', 0, 'latin1');
  b.writeUInt32LE(28, 4);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(65536, 12);
  b.writeUInt32LE(65536, 16);
  b.writeUInt32LE(0, 20);
  b.writeUInt32LE(0, 24);
  return b;
}

function uaReadRequest(handle: number): Buffer {
  const typeId = Buffer.from([0x01, 0x00, 0x77, 0x02]); // ns0;i=631 ReadRequest_Encoding_DefaultBinary
  const rh = Buffer.alloc(2 + 8 + 4 + 4);
  rh.writeUInt16LE(0, 0); // authenticationToken: null two-byte NodeId
  rh.writeBigUInt64LE(133000000000000000n, 2);
  rh.writeUInt32LE(handle, 10);
  rh.writeUInt32LE(0, 14);
  const tail = Buffer.alloc(4 + 3);
  tail.writeUInt32LE(10000, 0); // timeoutHint
  // additionalHeader: null ExtensionObject (two-byte NodeId 0, encoding 0)
  const body = Buffer.alloc(8 + 4 + 4);
  body.writeDoubleLE(0, 0); // maxAge
  body.writeInt32LE(2, 8); // timestampsToReturn Both
  body.writeInt32LE(1, 12); // one node
  const node = Buffer.from([0x01, 0x02, 0x10, 0x27, 13, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff]); // ns=2;i=10000 Value
  return Buffer.concat([typeId, rh, uaString(null), tail, body, node]);
}

function uaReadResponse(handle: number, value: number): Buffer {
  const typeId = Buffer.from([0x01, 0x00, 0x7a, 0x02]); // ns0;i=634 ReadResponse
  const rh = Buffer.alloc(8 + 4 + 4 + 1 + 4 + 3);
  rh.writeBigUInt64LE(133000000000000000n, 0);
  rh.writeUInt32LE(handle, 8);
  rh.writeUInt32LE(0, 12); // Good
  rh[16] = 0; // no diagnostics
  rh.writeInt32LE(-1, 17); // stringTable null
  const results = Buffer.alloc(4 + 1 + 1 + 8 + 4);
  results.writeInt32LE(1, 0);
  results[4] = 0x01; // DataValue: value present
  results[5] = 11; // Variant Double
  results.writeDoubleLE(value, 6);
  results.writeInt32LE(-1, 14); // diagnosticInfos null
  return Buffer.concat([typeId, rh, results]);
}

function bacnetReadProperty(invoke: number): Buffer {
  // BVLC original-unicast, NPDU expecting reply, confirmed ReadProperty analog-input,1 present-value
  const b = Buffer.from([0x81, 0x0a, 0x00, 0x11, 0x01, 0x04, 0x00, 0x05, invoke & 255, 0x0c, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x19, 0x55]);
  return b;
}

function bacnetReadPropertyAck(invoke: number, value: number): Buffer {
  const apdu = Buffer.from([0x30, invoke & 255, 0x0c, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x19, 0x55, 0x3e, 0x44, 0, 0, 0, 0, 0x3f]);
  apdu.writeFloatBE(value, 12);
  const b = Buffer.concat([Buffer.from([0x81, 0x0a, 0x00, 0x00, 0x01, 0x00]), apdu]);
  b.writeUInt16BE(b.length, 2);
  return b;
}

// ---- the writer ----

class PcapStreamWriter {
  private buf = Buffer.alloc(4 << 20);
  private pos = 0;
  private fd: number;
  constructor(path: string) {
    this.fd = openSync(path, 'w');
    const h = Buffer.alloc(24);
    h.writeUInt32LE(0xa1b2c3d4, 0);
    h.writeUInt16LE(2, 4);
    h.writeUInt16LE(4, 6);
    h.writeUInt32LE(65535, 16);
    h.writeUInt32LE(1, 20);
    writeSync(this.fd, h);
  }
  write(ts: number, frame: Buffer): void {
    if (this.pos + 16 + frame.length > this.buf.length) this.flush();
    const sec = Math.floor(ts);
    this.buf.writeUInt32LE(sec, this.pos);
    this.buf.writeUInt32LE(Math.round((ts - sec) * 1e6) % 1000000, this.pos + 4);
    this.buf.writeUInt32LE(frame.length, this.pos + 8);
    this.buf.writeUInt32LE(frame.length, this.pos + 12);
    frame.copy(this.buf, this.pos + 16);
    this.pos += 16 + frame.length;
  }
  flush(): void {
    writeSync(this.fd, this.buf, 0, this.pos);
    this.pos = 0;
  }
  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

function tcpFrame(f: GenFlow, fromClient: boolean, flags: number, payload?: Buffer): Buffer {
  const a = fromClient ? f.client : f.server;
  const b = fromClient ? f.server : f.client;
  const seq = fromClient ? f.cSeq : f.sSeq;
  const ack = fromClient ? f.sSeq : f.cSeq;
  const len = payload?.length ?? 0;
  if (fromClient) f.cSeq = (f.cSeq + len + (flags & SYN ? 1 : 0)) >>> 0;
  else f.sSeq = (f.sSeq + len + (flags & SYN ? 1 : 0)) >>> 0;
  return ethernet(b.mac, a.mac, 0x0800, ipv4(a.ip, b.ip, 6, tcp(a.port, b.port, seq, ack, flags, payload)));
}

/** The next frames of one flow's conversation (a request and its response, or setup). */
function nextFrames(f: GenFlow, r: () => number): Buffer[] {
  const step = f.step++;
  if (f.kind === 'bacnet') {
    const id = f.tid++ & 255;
    const c = f.client;
    const s = f.server;
    return [
      ethernet(s.mac, c.mac, 0x0800, ipv4(c.ip, s.ip, 17, udp(c.port, s.port, bacnetReadProperty(id)))),
      ethernet(c.mac, s.mac, 0x0800, ipv4(s.ip, c.ip, 17, udp(s.port, c.port, bacnetReadPropertyAck(id, r() * 100)))),
    ];
  }
  if (step === 0) {
    const syn = tcpFrame(f, true, SYN);
    const synAck = tcpFrame(f, false, SYN | ACK);
    return [syn, synAck, tcpFrame(f, true, ACK)];
  }
  const t = f.tid++;
  switch (f.kind) {
    case 'modbus': {
      const write = t % 10 === 9;
      return [tcpFrame(f, true, PSH | ACK, modbusRequest(t, write)), tcpFrame(f, false, PSH | ACK, modbusResponse(t, write))];
    }
    case 's7comm':
      if (step === 1) return [tcpFrame(f, true, PSH | ACK, cotpConnect(false)), tcpFrame(f, false, PSH | ACK, cotpConnect(true))];
      if (step === 2) return [tcpFrame(f, true, PSH | ACK, s7Setup(t, false)), tcpFrame(f, false, PSH | ACK, s7Setup(t, true))];
      return [tcpFrame(f, true, PSH | ACK, s7ReadRequest(t)), tcpFrame(f, false, PSH | ACK, s7ReadResponse(t))];
    case 'opcua':
      if (step === 1)
        return [tcpFrame(f, true, PSH | ACK, uaHello(`opc.tcp://${f.server.ip}:4840`)), tcpFrame(f, false, PSH | ACK, uaAck())];
      return [
        tcpFrame(f, true, PSH | ACK, uaChunk('MSG', uaReadRequest(t), 7, t, t)),
        tcpFrame(f, false, PSH | ACK, uaChunk('MSG', uaReadResponse(t, r()), 7, t, t)),
        // a pure ACK now and then, as real stacks send
        ...(t % 4 === 0 ? [tcpFrame(f, true, ACK)] : []),
      ];
  }
  return [];
}

export function generateBenchCapture(out: string, packets: number, flowCount: number, seed = 62443): { packets: number; flows: number } {
  const r = rng(seed);
  const flows: GenFlow[] = [];
  const kinds: Kind[] = ['modbus', 'modbus', 'modbus', 'modbus', 's7comm', 's7comm', 'opcua', 'bacnet', 'bacnet', 'modbus'];
  const ports: Record<Kind, number> = { modbus: 502, s7comm: 102, opcua: 4840, bacnet: 47808 };
  const servers = Math.max(1, Math.floor(flowCount / 8));
  for (let i = 0; i < flowCount; i++) {
    const kind = kinds[i % kinds.length];
    const s = i % servers;
    const c = 1000 + Math.floor(i / 4);
    flows.push({
      kind,
      client: {
        mac: macFor(c),
        ip: `10.${20 + ((c >> 16) & 7)}.${(c >> 8) & 255}.${c & 255}`,
        port: kind === 'bacnet' ? 47808 : 30000 + (i % 30000),
      },
      server: { mac: macFor(s + 1), ip: `10.30.${(s >> 8) & 255}.${s & 255}`, port: ports[kind] },
      cSeq: Math.floor(r() * 4294967295),
      sSeq: Math.floor(r() * 4294967295),
      step: 0,
      tid: 1,
    });
  }
  const w = new PcapStreamWriter(out);
  let n = 0;
  let ts = 1_732_000_000;
  while (n < packets) {
    const f = flows[Math.floor(r() * flows.length)];
    for (const frame of nextFrames(f, r)) {
      if (n >= packets) break;
      ts += 0.0005; // 2,000 packets/s of plant traffic
      w.write(ts, frame);
      n++;
    }
  }
  w.close();
  return { packets: n, flows: flowCount };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, ''))) {
  const [out, count, flows] = process.argv.slice(2);
  if (!out) {
    console.error('usage: generate <out.pcap> [packets=1000000] [flows=4000]');
    process.exit(2);
  }
  const res = generateBenchCapture(out, Number(count ?? 1_000_000), Number(flows ?? 4000));
  console.log(JSON.stringify(res));
}
