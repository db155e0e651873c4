/**
 * Real sockets: no DNP3 library exists on npm, so a master and outstations built here from the
 * specification (IEEE 1815-2012, via build.ts) talk over loopback TCP and UDP while tcpdump records them;
 * the capture then goes through the whole pipeline, so the bytes cross a real stack (segmentation, ACKs,
 * several frames per segment). The scripted session: link status, class 0 poll with confirm, device
 * attributes, select/operate of a CROB, direct operate of an analog output, a three-segment response,
 * enable unsolicited and an unsolicited response, cold restart; a second outstation on port 20001 (found
 * by the probe: other_ports); an outstation that dials out to its master (roles from DIR, not from TCP);
 * and a read over UDP. Where tshark is installed, its view of the capture is compared too.
 */
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { PipelineSink, ProtocolEvent } from '../../src/core/events.js';
import { attribute, crob, fragmentFrames, linkFrame, request, response } from '../helpers/dnp3/build.js';
import type { Dnp3Fields } from '../../src/protocols/dnp3/decoder.js';
import type { Dnp3Section } from '../../src/protocols/dnp3/stats.js';

const TCPDUMP = tcpdumpAvailable();
const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => existsSync(p));
if (!TCPDUMP) console.warn('[otwatch tests] tcpdump not found: the DNP3 real-socket test is skipped');

const MASTER = 1;
const OUTSTATION = 10;
const ALT_PORT = 20001;
const DIAL_PORT = 20003; // a master listening for outstations that dial in
const o = { master: MASTER, outstation: OUTSTATION };
const fromOut = { ...o, fromMaster: false };

/** Splits received bytes into link frames by the length field (clause 9.2.4.1), as a peer must. */
class FrameReader {
  private buf = Buffer.alloc(0);
  readonly frames: Buffer[] = [];
  push(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 10) {
      const data = this.buf[2]! - 5;
      const total = 10 + data + 2 * Math.ceil(data / 16);
      if (this.buf.length < total) return;
      this.frames.push(this.buf.subarray(0, total));
      this.buf = this.buf.subarray(total);
    }
  }
}

/** Writes each frame in a segment of its own and waits for `want` frames back. */
async function send(socket: Socket, reader: FrameReader, frames: Buffer[], want: number): Promise<Buffer[]> {
  const start = reader.frames.length;
  for (const f of frames) {
    socket.write(f);
    await new Promise((r) => setTimeout(r, 5));
  }
  const deadline = Date.now() + 3000;
  while (reader.frames.length < start + want) {
    if (Date.now() > deadline) throw new Error(`expected ${want} frames, got ${reader.frames.length - start}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 20));
  return reader.frames.slice(start);
}

/** An outstation answering each received frame with the next scripted answer (confirms get none). */
function outstation(answers: Buffer[][]): (socket: Socket) => void {
  return (socket) => {
    socket.setNoDelay(true);
    let next = 0;
    const reader = new FrameReader();
    socket.on('data', async (d) => {
      const before = reader.frames.length;
      reader.push(d);
      for (const f of reader.frames.slice(before)) {
        const userData = f.length > 12 ? f[12] : undefined; // application function of a one-block request
        if (userData === 0) continue; // confirm
        for (const out of answers[next++] ?? []) {
          socket.write(out);
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    });
    socket.on('error', () => {});
  };
}

async function listen(port: number, handler: (s: Socket) => void): Promise<Server> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

async function connect(port: number): Promise<{ socket: Socket; reader: FrameReader }> {
  const socket = new Socket();
  const reader = new FrameReader();
  socket.setNoDelay(true);
  socket.on('data', (d) => reader.push(d));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port }, () => resolve());
  });
  return { socket, reader };
}

async function close(socket: Socket): Promise<void> {
  socket.end();
  await new Promise((r) => socket.once('close', r));
}

const ATTRIBUTES = [
  ...attribute(252, 'otwatch test RTU maker'),
  ...attribute(250, 'RTU-42 model B'),
  ...attribute(248, 'SN-0042'),
  ...attribute(242, '5.2.1'),
];
const ANALOGS: number[] = [30, 1, 0x01, 0, 0, 99, 0];
for (let i = 0; i < 100; i++) ANALOGS.push(0x01, i, 0, 0, 0);

/** The session on port 20000: requests and the outstation's scripted answers, in order. */
function script(): { requests: Buffer[][]; answers: Buffer[][]; want: number[] } {
  // Transport sequence numbers count up per direction, as a real stack sends them (Wireshark 4.0 mixes up
  // fragments that reuse one, see corpus.test.ts).
  let ms = 0;
  let os = 0;
  const m = (app: Buffer): Buffer[] => {
    const f = fragmentFrames(app, { ...o, seq: ms });
    ms = (ms + f.length) & 0x3f;
    return f;
  };
  const out = (app: Buffer): Buffer[] => {
    const f = fragmentFrames(app, { ...fromOut, seq: os });
    os = (os + f.length) & 0x3f;
    return f;
  };
  const unsolicited = Buffer.from([0xf0, 130, 0x01, 0x00, 2, 1, 0x17, 1, 3, 0x81]); // FIR FIN CON UNS seq 0, g2v1 index 3
  const steps: [Buffer[], Buffer[][]][] = [
    [[linkFrame(0xc9, OUTSTATION, MASTER)], [[linkFrame(0x0b, MASTER, OUTSTATION)]]],
    [
      m(request(1, [60, 1, 0x06], 1)),
      [
        out(
          Buffer.from([0xe1, 129, 0, 0, 1, 2, 0x00, 0, 3, 0x81, 0x81, 0x01, 0x01, 30, 1, 0x00, 0, 1, 0x01, 5, 0, 0, 0, 0x01, 6, 0, 0, 0]),
        ),
      ],
    ],
    [m(Buffer.from([0xc1, 0])), []], // confirm (CON was set)
    [m(request(1, [0, 254, 0x06], 2)), [out(response(129, 0, ATTRIBUTES, 2))]],
    [m(request(3, crob(3, 0x03), 3)), [out(response(129, 0, crob(3, 0x03), 3))]],
    [m(request(4, crob(3, 0x03), 4)), [out(response(129, 0, crob(3, 0x03), 4))]],
    [m(request(5, [41, 2, 0x17, 1, 1, 0x2c, 0x01, 0], 5)), [out(response(129, 0, [41, 2, 0x17, 1, 1, 0x2c, 0x01, 0], 5))]],
    [m(request(1, [30, 1, 0x01, 0, 0, 99, 0], 6)), [out(response(129, 0, ANALOGS, 6))]],
    [m(request(20, [60, 2, 0x06], 7)), [out(response(129, 0, [], 7)), out(unsolicited)]],
    [m(Buffer.from([0xd0, 0])), []], // confirm of the unsolicited response
    [m(request(13, [], 8)), [out(response(129, 0x8000, [52, 2, 0x07, 1, 0xe8, 0x03], 8))]],
  ];
  return {
    requests: steps.map(([r]) => r),
    answers: steps.flatMap(([req, a]) => (req.length > 0 && a.length === 0 ? [] : [a.flat()])),
    want: steps.map(([, a]) => a.flat().length),
  };
}

describe.skipIf(!TCPDUMP)('DNP3 over real sockets (hand-built master and outstations on loopback, captured by tcpdump)', () => {
  it('decodes the session as the master and the outstation played it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-dnp3-'));
    const file = join(dir, 'dnp3.pcap');
    const servers: Server[] = [];
    const s = script();
    try {
      servers.push(await listen(20000, outstation(s.answers)));
      servers.push(
        await listen(
          ALT_PORT,
          outstation([
            [...fragmentFrames(response(129, 0, [1, 2, 0x00, 0, 0, 0x01], 0), { master: 2, outstation: 20, fromMaster: false })],
          ]),
        ),
      );
      // A master that waits for its outstation to dial in, then polls it.
      let dialled: Promise<void> = Promise.resolve();
      servers.push(
        await listen(DIAL_PORT, (socket) => {
          socket.setNoDelay(true);
          const reader = new FrameReader();
          socket.on('data', (d) => reader.push(d));
          dialled = send(socket, reader, fragmentFrames(request(1, [60, 1, 0x06], 0), { master: 3, outstation: 30 }), 1).then(() => {});
        }),
      );
      await recordLoopback({ file, filter: `port 20000 or port ${ALT_PORT} or port ${DIAL_PORT}` }, async () => {
        const { socket, reader } = await connect(20000);
        for (let i = 0; i < s.requests.length; i++) await send(socket, reader, s.requests[i]!, s.want[i]!);
        await close(socket);
        const alt = await connect(ALT_PORT);
        await send(alt.socket, alt.reader, fragmentFrames(request(1, [1, 2, 0x00, 0, 0], 0), { master: 2, outstation: 20 }), 1);
        await close(alt.socket);
        // The outstation opens the connection to its master and answers the master's poll.
        const dial = await connect(DIAL_PORT);
        dial.socket.on('data', () => {
          if (dial.reader.frames.length === 1)
            dial.socket.write(fragmentFrames(response(129, 0, [], 0), { master: 3, outstation: 30, fromMaster: false })[0]!);
        });
        await new Promise((r) => setTimeout(r, 300));
        await dialled;
        await close(dial.socket);
        // UDP: a read and its response, datagrams between two 20000 ports.
        const a = createSocket('udp4');
        const b = createSocket('udp4');
        await new Promise<void>((r) => b.bind(20000, '127.0.0.1', () => r()));
        await new Promise<void>((r) => a.bind(0, '127.0.0.1', () => r()));
        b.on('message', (_m, rinfo) =>
          b.send(fragmentFrames(response(129, 0, [], 9), { master: 4, outstation: 40, fromMaster: false })[0]!, rinfo.port, '127.0.0.1'),
        );
        const answered = new Promise((r) => a.once('message', r));
        a.send(fragmentFrames(request(1, [60, 1, 0x06], 9), { master: 4, outstation: 40 })[0]!, 20000, '127.0.0.1');
        await answered;
        a.close();
        b.close();
      });

      const events: ProtocolEvent<Dnp3Fields>[] = [];
      const sink: PipelineSink = {
        onEvent: (e) => {
          if (e.protocol === 'dnp3') events.push(e as ProtocolEvent<Dnp3Fields>);
        },
        onFlowEnd: () => {},
        onBinding: () => {},
      };
      await runPipeline([file], sink);
      const on = (port: number) => events.filter((e) => e.flow.transport === 'tcp' && (e.src.port === port || e.dst.port === port));
      expect(
        on(20000)
          .filter((e) => e.direction === 'request')
          .map((e) => [e.fn, e.operation, e.detail]),
      ).toEqual([
        ['link_request_link_status', 'diagnostic', 'link request link status 1→10'],
        ['read', 'read', 'read g60v1 1→10'],
        ['confirm', 'read', 'confirm 1→10'],
        ['read', 'read', 'read g0v254 1→10'],
        ['select', 'control', 'select g12v1 index 3 latch on 1→10'],
        ['operate', 'control', 'operate g12v1 index 3 latch on 1→10'],
        ['direct_operate', 'control', 'direct operate g41v2 index 1 value 300 1→10'],
        ['read', 'read', 'read g30v1 0-99 1→10'],
        ['enable_unsolicited', 'session', 'enable unsolicited g60v2 1→10'],
        ['confirm', 'read', 'confirm 1→10'],
        ['cold_restart', 'restart', 'cold restart 1→10'],
      ]);
      const responses = on(20000).filter((e) => e.direction === 'response');
      expect(responses.map((e) => [e.fn, e.fields.paired ?? false, e.fields.frames])).toEqual([
        ['link_status', false, 1],
        ['response', true, 1],
        ['response', true, 1],
        ['response', true, 1],
        ['response', true, 1],
        ['response', true, 1],
        ['response', true, 3],
        ['response', true, 1],
        ['unsolicited_response', false, 1],
        ['response', true, 1],
      ]);
      expect(responses[2]!.identity).toEqual([
        { about: 'src', attribute: 'vendor', value: 'otwatch test RTU maker' },
        { about: 'src', attribute: 'product', value: 'RTU-42 model B' },
        { about: 'src', attribute: 'serial', value: 'SN-0042' },
        { about: 'src', attribute: 'firmware', value: '5.2.1' },
      ]);
      expect(responses.at(-1)!.detail).toBe('response to cold restart iin device_restart g52v2 count 1 10→1');
      expect(events.every((e) => e.facts?.['auth'] === 'none')).toBe(true);
      // Dial-out: the outstation opened the connection, yet its frame is the response and the master's the request.
      expect(on(DIAL_PORT).map((e) => [e.fn, e.direction, e.fields.role, e.src.port === DIAL_PORT])).toEqual([
        ['read', 'request', 'master', true],
        ['response', 'response', 'outstation', false],
      ]);
      expect(events.filter((e) => e.flow.transport === 'udp').map((e) => [e.fn, e.direction])).toEqual([
        ['read', 'request'],
        ['response', 'response'],
      ]);

      const report = await statsForCaptures([file]);
      const sec = report['dnp3'] as Dnp3Section & { other_ports: Dnp3Section };
      const { other_ports: other, ...main } = sec;
      expect(main).toEqual({
        frames: 25,
        app_fragments: 21,
        functions: { 0: 2, 1: 4, 3: 1, 4: 1, 5: 1, 13: 1, 20: 1, 129: 9, 130: 1 },
        link_functions: { 'pri:4': 23, 'pri:9': 1, 'sec:11': 1 },
        masters: [1, 4],
        outstations: [10, 40],
        servers: ['127.0.0.1:20000'],
        clients: ['127.0.0.1'],
        object_groups: [
          'g0v242',
          'g0v248',
          'g0v250',
          'g0v252',
          'g0v254',
          'g1v2',
          'g2v1',
          'g12v1',
          'g30v1',
          'g41v2',
          'g52v2',
          'g60v1',
          'g60v2',
        ],
        control_ops: 3,
        restarts: 1,
        file_ops: 0,
        auth: 0,
      });
      expect(other).toMatchObject({ frames: 4, app_fragments: 4, masters: [2, 3], outstations: [20, 30] });
      // Servers off 20000 by DIR: the outstation that dialled out is the server, not the listening master.
      expect(other.servers).toHaveLength(2);
      expect(other.servers).toContain(`127.0.0.1:${ALT_PORT}`);
      expect(other.servers).not.toContain(`127.0.0.1:${DIAL_PORT}`);

      if (TSHARK) {
        // Wireshark's own count of the same capture (port 20000 only: its heuristic is off).
        const out = execFileSync(
          TSHARK,
          ['-r', file, '-Y', 'dnp3', '-T', 'fields', '-e', 'dnp3.ctl', '-e', 'dnp3.al.func', '-e', 'dnp3.al.obj'],
          {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          },
        );
        const functions: Record<string, number> = {};
        const types = new Set<number>();
        let frames = 0;
        for (const line of out.trim().split('\n')) {
          const [ctl, fc, obj] = line.split('\t');
          frames += ctl!.split(',').length;
          for (const f of fc ? fc.split(',') : []) functions[f] = (functions[f] ?? 0) + 1;
          for (const t of obj ? obj.split(',') : []) types.add(Number(t));
        }
        expect(frames).toBe(main.frames);
        expect(functions).toEqual(main.functions);
        expect([...types].sort((x, y) => x - y).map((t) => `g${t >> 8}v${t & 0xff}`)).toEqual(main.object_groups);
      }
    } finally {
      for (const srv of servers) await new Promise((r) => srv.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
