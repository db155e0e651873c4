/**
 * Real peers, hand-built from the standard (no IEC 104 library exists on npm): a controlled station
 * listening on 2404 and a controlling station talk over a real loopback TCP connection while tcpdump
 * records them; the capture then goes through the whole pipeline. The exchange is the one every 104
 * link starts with and the ones an auditor looks for: STARTDT, a general interrogation answered by
 * several APDUs in one segment, spontaneous measurements, a single command select then execute (the
 * execute split across two segments), a clock synchronisation, TESTFR, and S acknowledgements both ways.
 * Where tshark is installed, Wireshark's reading of the same capture is compared with ours.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { PipelineSink, ProtocolEvent } from '../../src/core/events.js';
import { asdu, cp56, f32, iFrame, ioa, sFrame, uFrame } from '../helpers/iec104/build.js';
import type { Iec104Fields } from '../../src/protocols/iec104/classify.js';
import { U_STARTDT_ACT, U_STARTDT_CON, U_TESTFR_ACT, U_TESTFR_CON } from '../../src/protocols/iec104/constants.js';

const TCPDUMP = tcpdumpAvailable();
const TSHARK = ['/usr/bin/tshark', '/usr/local/bin/tshark'].find((p) => existsSync(p));
if (!TCPDUMP) console.warn('[otwatch tests] tcpdump not found: the IEC 104 real-peer test is skipped');

const PORT = 2404;
const CA = 4711;
const CLOCK = new Date(Date.UTC(2024, 2, 14, 9, 30, 15, 250));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** APDUs out of a byte stream (the peers' own framing: start octet, length, body). */
class Apdus {
  private buf = Buffer.alloc(0);
  private readonly waiting: ((b: Buffer) => void)[] = [];
  private readonly ready: Buffer[] = [];

  constructor(socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      while (this.buf.length >= 2 && this.buf.length >= 2 + this.buf[1]!) {
        if (this.buf[0] !== 0x68) throw new Error(`peer got garbage ${this.buf.toString('hex')}`);
        const a = this.buf.subarray(0, 2 + this.buf[1]!);
        this.buf = this.buf.subarray(a.length);
        const w = this.waiting.shift();
        if (w) w(a);
        else this.ready.push(a);
      }
    });
  }

  next(): Promise<Buffer> {
    const r = this.ready.shift();
    if (r) return Promise.resolve(r);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('peer: no APDU within 3 s')), 3000);
      this.waiting.push((b) => {
        clearTimeout(t);
        resolve(b);
      });
    });
  }
}

/** N(S)/N(R) bookkeeping of one station. */
class Station {
  ns = 0;
  nr = 0;
  constructor(private readonly socket: Socket) {}
  i(body: number[]): Buffer {
    return iFrame(this.ns++, this.nr, body);
  }
  send(...frames: Buffer[]): void {
    this.socket.write(Buffer.concat(frames));
  }
  received(apdu: Buffer): Buffer {
    if ((apdu[2]! & 1) === 0) this.nr++;
    return apdu;
  }
}

/** The controlled station: answers what the standard says it answers. */
function outstation(socket: Socket): void {
  socket.setNoDelay(true);
  const st = new Station(socket);
  const rx = new Apdus(socket);
  void (async () => {
    for (;;) {
      const a = st.received(await rx.next().catch(() => Buffer.alloc(0)));
      if (a.length === 0) return;
      const c0 = a[2]!;
      if ((c0 & 3) === 3) {
        const fn = c0 >> 2;
        if (fn === U_STARTDT_ACT) {
          st.send(uFrame(U_STARTDT_CON));
          await sleep(20);
          // Spontaneous data once the transfer is started.
          st.send(st.i(asdu({ type: 13, cause: 3, ca: CA }, [...ioa(5001), ...f32(49.98), 0x00])));
        } else if (fn === U_TESTFR_ACT) st.send(uFrame(U_TESTFR_CON));
        continue;
      }
      if ((c0 & 1) === 1) continue; // S frame
      const type = a[6]!;
      const cause = a[8]! & 0x3f;
      const body = [...a.subarray(6)];
      body[2] = (body[2]! & 0xc0) | 7; // the same ASDU as activation confirmation
      if (type === 100 && cause === 6) {
        // Confirmation, the interrogated points, termination: one write, several APDUs in one segment.
        st.send(
          st.i(body),
          st.i(asdu({ type: 1, cause: 20, ca: CA, count: 3, sq: true }, [...ioa(1001), 0x01, 0x00, 0x01])),
          st.i(asdu({ type: 13, cause: 20, ca: CA, count: 2 }, [...ioa(5001), ...f32(49.98), 0x00, ...ioa(5002), ...f32(230.5), 0x00])),
          st.i(asdu({ type: 100, cause: 10, ca: CA }, [...ioa(0), 20])),
        );
      } else if (type === 45 && cause === 6) {
        const select = (a[a.length - 1]! & 0x80) !== 0;
        st.send(st.i(body));
        if (!select) {
          const term = [...body];
          term[2] = 10;
          st.send(st.i(term), st.i(asdu({ type: 30, cause: 11, ca: CA }, [...ioa(1001), 0x00, ...cp56(CLOCK)])));
        }
      } else if (type === 103 && cause === 6) {
        st.send(st.i(body), sFrame(st.nr));
      }
    }
  })();
}

/** The controlling station's script. */
async function master(): Promise<void> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port: PORT }, () => resolve());
  });
  socket.setNoDelay(true);
  const st = new Station(socket);
  const rx = new Apdus(socket);
  const expectApdu = async (check: (a: Buffer) => boolean, what: string) => {
    const a = st.received(await rx.next());
    if (!check(a)) throw new Error(`expected ${what}, got ${a.toString('hex')}`);
  };
  const isI = (type: number, cause: number) => (a: Buffer) => (a[2]! & 1) === 0 && a[6] === type && (a[8]! & 0x3f) === cause;

  st.send(uFrame(U_STARTDT_ACT));
  await expectApdu((a) => a[2] === ((U_STARTDT_CON << 2) | 3), 'STARTDT con');
  await expectApdu(isI(13, 3), 'spontaneous M_ME_NC_1');
  st.send(st.i(asdu({ type: 100, cause: 6, ca: CA }, [...ioa(0), 20])));
  for (const [t, c] of [
    [100, 7],
    [1, 20],
    [13, 20],
    [100, 10],
  ] as const)
    await expectApdu(isI(t, c), `${t}/${c}`);
  st.send(sFrame(st.nr));
  st.send(st.i(asdu({ type: 45, cause: 6, ca: CA }, [...ioa(2001), 0x81]))); // select ON
  await expectApdu(isI(45, 7), 'select confirmation');
  const execute = st.i(asdu({ type: 45, cause: 6, ca: CA }, [...ioa(2001), 0x01])); // execute ON
  socket.write(execute.subarray(0, 7));
  await sleep(50); // the rest in a second segment
  socket.write(execute.subarray(7));
  await expectApdu(isI(45, 7), 'execute confirmation');
  await expectApdu(isI(45, 10), 'execute termination');
  await expectApdu(isI(30, 11), 'return information');
  st.send(st.i(asdu({ type: 103, cause: 6, ca: CA }, [...ioa(0), ...cp56(CLOCK)])));
  await expectApdu(isI(103, 7), 'clock confirmation');
  await expectApdu((a) => a[2] === 0x01, 'S frame');
  st.send(uFrame(U_TESTFR_ACT));
  await expectApdu((a) => a[2] === ((U_TESTFR_CON << 2) | 3), 'TESTFR con');
  st.send(sFrame(st.nr));
  await sleep(50);
  socket.end();
  await new Promise((r) => socket.once('close', r));
}

/** Wireshark's counts of the same capture, from the fields the oracle is made of. */
function tsharkCounts(file: string): { apci: Record<string, number>; types: Record<string, number>; causes: Record<string, number> } {
  const out = execFileSync(
    TSHARK!,
    [
      '-r',
      file,
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=,',
      '-e',
      'iec60870_104.type',
      '-e',
      'iec60870_asdu.typeid',
      '-e',
      'iec60870_asdu.causetx',
    ],
    { encoding: 'utf8' },
  );
  const apci: Record<string, number> = {};
  const types: Record<string, number> = {};
  const causes: Record<string, number> = {};
  const add = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  for (const line of out.split('\n')) {
    const [t, ty, ca] = line.split('\t');
    for (const v of t ? t.split(',') : []) add(apci, ['I', 'S', '?', 'U'][Number(v) & 3]!);
    for (const v of ty ? ty.split(',') : []) add(types, String(Number(v)));
    for (const v of ca ? ca.split(',') : []) add(causes, String(Number(v)));
  }
  return { apci, types, causes };
}

describe.skipIf(!TCPDUMP)('IEC 104 real peers (hand-built stations on loopback, captured by tcpdump)', () => {
  it('decodes what the stations did, and counts it as Wireshark does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-iec104-'));
    const file = join(dir, 'iec104.pcap');
    let server: Server | undefined;
    try {
      server = createServer(outstation);
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(PORT, '127.0.0.1', () => resolve());
      });
      await recordLoopback({ file, filter: `tcp port ${PORT}` }, master);

      const events: ProtocolEvent<Iec104Fields>[] = [];
      const sink: PipelineSink = {
        onEvent: (e) => {
          if (e.protocol === 'iec104') events.push(e as ProtocolEvent<Iec104Fields>);
        },
        onFlowEnd: () => {},
        onBinding: () => {},
      };
      const counters = await runPipeline([file], sink);
      expect(Object.keys(counters.anomalies).filter((k) => k.includes('iec104'))).toEqual([]);
      const requests = events.filter((e) => e.direction === 'request').map((e) => [e.fn, e.operation, e.detail]);
      expect(requests).toEqual([
        ['startdt_act', 'session', 'STARTDT act'],
        ['interrogation', 'read', `C_IC_NA_1 station CA ${CA} act`],
        ['supervisory', 'session', 'S N(R)=5'],
        ['single_command', 'control', `C_SC_NA_1 select IOA 2001 := on CA ${CA} act`],
        ['single_command', 'control', `C_SC_NA_1 execute IOA 2001 := on CA ${CA} act`],
        ['clock_synchronisation', 'system', `C_CS_NA_1 2024-03-14T09:30:15.250 CA ${CA} act`],
        ['testfr_act', 'session', 'TESTFR act'],
        ['supervisory', 'session', 'S N(R)=10'],
      ]);
      const responses = events.filter((e) => e.direction === 'response');
      expect(responses.map((e) => e.fields.format).join('')).toBe('UIIIIIIIIIISU');
      expect(responses.map((e) => e.fields.sendSeq).filter((n) => n !== undefined)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(responses.find((e) => e.fields.typeId === 1)!.fields.objects).toEqual([
        { ioa: 1001, value: 'on', quality: 0 },
        { ioa: 1002, value: 'off', quality: 0 },
        { ioa: 1003, value: 'on', quality: 0 },
      ]);
      expect(responses.find((e) => e.fields.typeId === 30)!.detail).toBe(`M_SP_TB_1 IOA 1001 = off CA ${CA} retrem`);
      expect(events.every((e) => (e.src.port === PORT ? e.fields.station !== 'controlling' : e.fields.station !== 'controlled'))).toBe(
        true,
      );
      expect(events.flatMap((e) => e.identity ?? [])).toEqual([{ about: 'src', attribute: 'name', value: `IEC-104 CA ${CA}` }]);
      expect(events.every((e) => e.facts?.auth === 'none')).toBe(true);

      const report = await statsForCaptures([file]);
      const sec = report['iec104'] as Record<string, unknown>;
      const expected = {
        apci: { I: 14, S: 3, U: 4 },
        u_functions: { 'STARTDT act': 1, 'STARTDT con': 1, 'TESTFR act': 1, 'TESTFR con': 1 },
        type_ids: { 1: 1, 13: 2, 30: 1, 45: 5, 100: 3, 103: 2 },
        causes: { 3: 1, 6: 4, 7: 4, 10: 2, 11: 1, 20: 2 },
        common_addresses: [CA],
        commands: 5,
        system_commands: { 100: 3, 103: 2 },
        servers: [`127.0.0.1:${PORT}`],
        clients: ['127.0.0.1'],
      };
      expect(sec).toEqual(expected);
      if (TSHARK) {
        const ws = tsharkCounts(file);
        expect(ws.apci).toEqual(expected.apci);
        expect(ws.types).toEqual(expected.type_ids);
        expect(ws.causes).toEqual(expected.causes);
        // The execute command really crossed in two segments (7 octets, then the rest).
        expect(
          execFileSync(TSHARK, ['-r', file, '-Y', 'tcp.dstport == 2404 && tcp.len == 7', '-T', 'fields', '-e', 'frame.number'], {
            encoding: 'utf8',
          }).trim(),
        ).not.toBe('');
      }
    } finally {
      if (server) await new Promise((r) => server!.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
