/**
 * A real peer: a jsmodbus TCP server and client talk on loopback while tcpdump records them; the
 * capture then goes through the whole pipeline. One server listens on 502 (the oracle keys), one on
 * 15020 (found by the probe, reported under other_ports). The client reads and writes every area,
 * asks for the device identification (answered by jsmodbus with objects built here). A raw socket
 * then sends a UMAS PLC stop, which jsmodbus ignores (it does not answer function codes it does not
 * know), and a device identification request with an invalid read code, which it refuses with
 * exception 3 (in the non-standard form [0xab][MEI type][code]).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { PipelineSink, ProtocolEvent } from '../../src/core/events.js';
import { adu } from '../helpers/modbus/fake-context.js';
import type { ModbusFields } from '../../src/protocols/modbus/records.js';

const require = createRequire(import.meta.url);
const TCPDUMP = tcpdumpAvailable();
if (!TCPDUMP) console.warn('[otwatch tests] tcpdump not found: the Modbus real-peer test is skipped');

const ALT_PORT = 15020;
const VENDOR = 'otwatch test vendor';
const PRODUCT_CODE = 'OTW-PLC-3';
const REVISION = '4.2';

/** A jsmodbus server on `port`, with a device identification answer built from jsmodbus's own response body. */
async function startServer(port: number): Promise<Server> {
  const Modbus = require('jsmodbus');
  const net = createServer();
  const holding = Buffer.alloc(200);
  holding.writeUInt16BE(1234, 0);
  const server = new Modbus.server.TCP(net, { holding, coils: Buffer.alloc(64), discrete: Buffer.alloc(64), input: Buffer.alloc(64) });
  server.on('readDeviceIdentification', (request: { id: number; unitId: number }, cb: (b: Buffer) => void) => {
    const body = new Modbus.responses.ReadDeviceIdentificationResponseBody(1, 0x81, 0, 0, [
      { id: 0, value: Buffer.from(VENDOR) },
      { id: 1, value: Buffer.from(PRODUCT_CODE) },
      { id: 2, value: Buffer.from(REVISION) },
    ]);
    cb(adu(request.id, request.unitId, body.createPayload()));
  });
  await new Promise<void>((resolve, reject) => {
    net.once('error', reject);
    net.listen(port, '127.0.0.1', () => resolve());
  });
  return net;
}

async function session(port: number, unit: number): Promise<void> {
  const Modbus = require('jsmodbus');
  const socket = new Socket();
  const client = new Modbus.client.TCP(socket, unit, 3000);
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port }, () => resolve());
  });
  await client.readHoldingRegisters(0, 10);
  await client.writeMultipleRegisters(0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  await client.writeSingleRegister(19, 4242);
  await client.readCoils(0, 16);
  await client.writeSingleCoil(5, true);
  await client.readDiscreteInputs(7, 8);
  await client.readInputRegisters(2, 3);
  const id = await client.readDeviceIdentification(1, 0);
  expect(id.response.body.objects.map((o: { value: Buffer }) => o.value.toString())).toEqual([VENDOR, PRODUCT_CODE, REVISION]);
  socket.end();
  await new Promise((r) => socket.once('close', r));
}

/** One hand-built ADU over a raw socket; the answer, or an empty buffer when none comes within 500 ms. */
async function exchange(port: number, request: Buffer): Promise<Buffer> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect({ host: '127.0.0.1', port }, () => resolve());
  });
  const answer = new Promise<Buffer>((resolve) => socket.once('data', resolve));
  socket.write(request);
  const got = await Promise.race([answer, new Promise<Buffer>((r) => setTimeout(() => r(Buffer.alloc(0)), 500))]);
  socket.end();
  await new Promise((r) => socket.once('close', r));
  return got;
}

describe.skipIf(!TCPDUMP)('Modbus real peer (jsmodbus on loopback, captured by tcpdump)', () => {
  it('decodes what the client did, on 502 and on 15020', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-modbus-'));
    const file = join(dir, 'modbus.pcap');
    const servers: Server[] = [];
    try {
      servers.push(await startServer(502), await startServer(ALT_PORT));
      await recordLoopback({ file, filter: `tcp port 502 or tcp port ${ALT_PORT}` }, async () => {
        await session(502, 1);
        await session(ALT_PORT, 3);
        expect(await exchange(502, adu(0x77, 0, [90, 0x00, 0x41, 0xff, 0x00]))).toHaveLength(0);
        const refused = await exchange(502, adu(0x78, 1, [43, 14, 9, 0]));
        expect(refused.subarray(7).toString('hex')).toBe('ab0e03'); // 43 | 0x80, MEI 14, illegal data value
      });

      const events: ProtocolEvent<ModbusFields>[] = [];
      const sink: PipelineSink = {
        onEvent: (e) => {
          if (e.protocol === 'modbus') events.push(e as ProtocolEvent<ModbusFields>);
        },
        onFlowEnd: () => {},
        onBinding: () => {},
      };
      await runPipeline([file], sink);
      const requests = (port: number) =>
        events.filter((e) => e.direction === 'request' && e.dst.port === port).map((e) => [e.fn, e.operation, e.detail]);
      const performed = (unit: number) => [
        ['read_holding_registers', 'read', `HR 40001-40010 unit ${unit}`],
        ['write_multiple_registers', 'write', `HR 40001-40010 unit ${unit}`],
        ['write_single_register', 'write', `HR 40020 := 4242 unit ${unit}`],
        ['read_coils', 'read', `coils 00001-00016 unit ${unit}`],
        ['write_single_coil', 'write', `coils 00006 := ON unit ${unit}`],
        ['read_discrete_inputs', 'read', `DI 10008-10015 unit ${unit}`],
        ['read_input_registers', 'read', `IR 30003-30005 unit ${unit}`],
        ['read_device_identification', 'identify', `device identification basic unit ${unit}`],
      ];
      expect(requests(502)).toEqual([
        ...performed(1),
        ['umas_plc_stop', 'control', 'UMAS plc_stop unit 0'],
        ['read_device_identification', 'identify', 'device identification 9 unit 1'],
      ]);
      expect(requests(ALT_PORT)).toEqual(performed(3));

      // Every request but the UMAS one answered, and each answer paired with its request.
      const responses = events.filter((e) => e.direction === 'response');
      expect(responses).toHaveLength(17);
      expect(responses.every((r) => r.fields.paired)).toBe(true);
      expect(responses.filter((r) => r.fields.exceptionCode !== undefined).map((r) => r.detail)).toEqual([
        'device identification 9 unit 1 exception 3 illegal_data_value',
      ]);
      const ident = responses.filter((r) => r.identity);
      expect(ident.map((r) => [r.src.port, r.identity])).toEqual(
        [502, ALT_PORT].map((port) => [
          port,
          [
            { about: 'src', attribute: 'vendor', value: VENDOR },
            { about: 'src', attribute: 'order_number', value: PRODUCT_CODE },
            { about: 'src', attribute: 'firmware', value: REVISION },
          ],
        ]),
      );

      const report = await statsForCaptures([file]);
      const sec = report['modbus'] as Record<string, any>;
      const functions = { 1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 16: 2, 43: 2 };
      expect({ ...sec, other_ports: undefined }).toEqual({
        pdus: 19,
        requests: 10,
        responses: 9,
        unknown_dir: 0,
        by_function: { ...functions, 43: 4, 90: 1 },
        exceptions: { '43:3': 1 },
        device_identification: [REVISION, PRODUCT_CODE, VENDOR].sort(),
        servers: ['127.0.0.1:502'],
        clients: ['127.0.0.1'],
        unit_ids: [0, 1],
        other_ports: undefined,
      });
      expect(sec['other_ports']).toMatchObject({
        pdus: 16,
        requests: 8,
        responses: 8,
        by_function: functions,
        servers: [`127.0.0.1:${ALT_PORT}`],
        unit_ids: [3],
      });
    } finally {
      for (const s of servers) await new Promise((r) => s.close(r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
