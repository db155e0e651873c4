/**
 * Records real peer traffic on loopback for the plant scenario: each industrial protocol spoken by
 * the real libraries in node_modules (a server and a client of the same library), captured by
 * tcpdump into fixtures/plant/peers/<protocol>.pcap. build-plant.ts rewrites these recordings into
 * the plant; the small pcaps are committed so that building the plant needs neither the peers nor
 * root. Run as root (tcpdump on lo, ports 102/502):
 *
 *   npx tsx test/plant/record-peers.ts [modbus|s7|opcua|bacnet ...]
 *
 * Every session below is one TCP connection (or, for BACnet, one device's datagrams); build-plant.ts
 * finds them again in the order they start, so the order here is part of the contract with
 * SESSIONS in scenario.ts.
 */
import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Socket, Server } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordLoopback } from '../helpers/tcpdump.js';
import { PEER_ADDR, PEER_FILES } from './peer-addresses.js';

const require = createRequire(import.meta.url);
/** The plant's data (capture, peers, policy) lives in fixtures/plant; this folder holds the code that makes it. */
const here = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/plant');
export const PEERS_DIR = join(here, 'peers');

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Record `filter` on lo into `file` while `body` runs (test/helpers/tcpdump.ts), then report the size. */
async function record(file: string, filter: string, body: () => Promise<void>): Promise<void> {
  // A full second after the traffic lets the last ACKs and FINs through before tcpdump stops.
  await recordLoopback({ file, filter, settleMs: 1000 }, body);
  console.log(`${file}: ${statSync(file).size} bytes`);
}

// ---------------------------------------------------------------- Modbus/TCP (jsmodbus)

async function modbusSession(body: (c: any) => Promise<void>, unitId: number): Promise<void> {
  const Modbus = require('jsmodbus');
  const socket = new Socket();
  const client = new Modbus.client.TCP(socket, unitId, 2000);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
    socket.connect({ host: PEER_ADDR.modbusServer, port: 502, localAddress: PEER_ADDR.modbusClient });
  });
  try {
    await body(client);
  } finally {
    socket.end();
    await sleep(150);
  }
}

async function recordModbus(): Promise<void> {
  const Modbus = require('jsmodbus');
  const net = new Server();
  const holding = Buffer.alloc(200);
  const input = Buffer.alloc(40);
  for (let i = 0; i < 20; i++) holding.writeUInt16BE(1000 + i * 7, i * 2);
  for (let i = 0; i < 10; i++) input.writeUInt16BE(200 + i * 3, i * 2);
  const coils = Buffer.from([0b10100101, 0b00001111, 0, 0]);
  const discrete = Buffer.from([0b01010011, 0b11000000, 0, 0]);
  const server = new Modbus.server.TCP(net, { holding, input, coils, discrete });
  // FC 43/14: jsmodbus answers only when the application supplies the objects (a Schneider-like M251).
  server.on('readDeviceIdentification', (request: any, cb: (b: Buffer) => void) => {
    const basic = [
      { id: 0, value: Buffer.from('Schneider Electric') },
      { id: 1, value: Buffer.from('TM251MESE') },
      { id: 2, value: Buffer.from('V5.1.9.34') },
    ];
    const regular = [
      ...basic,
      { id: 3, value: Buffer.from('www.se.com') },
      { id: 4, value: Buffer.from('Modicon M251') },
      { id: 5, value: Buffer.from('TM251MESE') },
    ];
    const objects = request.body.readDeviceIdCode === 1 ? basic : regular;
    const body = new Modbus.responses.ReadDeviceIdentificationResponseBody(request.body.readDeviceIdCode, 0x82, 0, 0, objects);
    cb(Modbus.ModbusTCPResponse.fromRequest(request, body).createPayload());
  });
  await new Promise<void>((r) => net.listen(502, PEER_ADDR.modbusServer, r));
  try {
    await record(join(PEERS_DIR, PEER_FILES.modbus), `host ${PEER_ADDR.modbusServer} and tcp port 502`, async () => {
      // Session 0: an HMI polling process values, then setting points (reads and writes).
      await modbusSession(async (c) => {
        for (let cycle = 0; cycle < 6; cycle++) {
          await c.readHoldingRegisters(0, 10);
          await c.readInputRegisters(0, 4);
          await c.readCoils(0, 16);
          await c.readDiscreteInputs(0, 8);
          await sleep(60);
        }
        await c.writeSingleRegister(4, 1250);
        await c.writeMultipleRegisters(10, [300, 301, 302]);
        await c.writeSingleCoil(3, true);
        await c.writeMultipleCoils(8, [true, false, true, true]);
        await c.readHoldingRegisters(0, 10);
      }, 1);
      // Session 1: device identification (FC 43/14 basic and regular), as an asset scanner does.
      await modbusSession(async (c) => {
        await c.readDeviceIdentification(1, 0);
        await c.readDeviceIdentification(2, 0);
      }, 1);
      // Session 2: a read-only poller (historian / reporting client).
      await modbusSession(async (c) => {
        for (let i = 0; i < 5; i++) {
          await c.readHoldingRegisters(0, 8);
          await sleep(60);
        }
      }, 1);
      // Session 3: a single write from an unexpected client (the Purdue bypass source).
      await modbusSession(async (c) => {
        await c.readHoldingRegisters(0, 4);
        await c.writeSingleRegister(2, 0);
      }, 1);
    });
  } finally {
    await new Promise((r) => net.close(r));
  }
}

// ---------------------------------------------------------------- S7comm (snap7 server and client)

/** A minimal MC7 block image (36-byte header, a few code bytes, 36-byte footer) of FC `number`, as snap7's Download expects. */
function mc7Block(number: number): Buffer {
  const code = Buffer.from('70000200fb7c0000651c0000', 'hex'); // a few MC7 words (L/T/BE); opaque to the wire
  const b = Buffer.alloc(36 + code.length + 36);
  b[0] = 0x70; // 'p' block signature
  b[1] = 0x70;
  b[2] = 0x01; // version
  b[3] = 0x01; // block flags
  b[4] = 0x01; // language: STL
  b[5] = 0x0c; // sub block type: FC
  b.writeUInt16BE(number, 6);
  b.writeUInt32BE(b.length, 8); // load memory length
  b.writeUInt16BE(code.length, 34); // MC7 code length
  code.copy(b, 36);
  return b;
}

function s7Client(): any {
  const snap7 = require('node-snap7');
  const c = new snap7.S7Client();
  if (!c.ConnectTo(PEER_ADDR.s7Server, 0, 2)) throw new Error(`S7 connect: ${c.ErrorText(c.LastError())}`);
  return c;
}

async function recordS7(): Promise<void> {
  const snap7 = require('node-snap7');
  const server = new snap7.S7Server();
  const db1 = Buffer.alloc(64);
  db1.write('LINE2', 0);
  db1.writeFloatBE(72.5, 8);
  server.RegisterArea(server.srvAreaDB, 1, db1);
  server.RegisterArea(server.srvAreaDB, 2, Buffer.alloc(32));
  if (!server.StartTo(PEER_ADDR.s7Server)) throw new Error('S7 server did not start');
  try {
    await record(join(PEERS_DIR, PEER_FILES.s7), `host ${PEER_ADDR.s7Server} and tcp port 102`, async () => {
      // Session 0: an HMI reading DB1 and writing set points into DB2.
      let c = s7Client();
      for (let i = 0; i < 6; i++) {
        c.DBRead(1, 0, 16);
        await sleep(60);
      }
      c.DBWrite(2, 0, 4, Buffer.from([0x42, 0x48, 0x00, 0x00]));
      c.DBWrite(2, 4, 2, Buffer.from([0x00, 0x01]));
      c.DBRead(1, 0, 16);
      c.Disconnect();
      await sleep(150);
      // Session 1: an engineering tool: identify (SZL 0x0011, 0x001C), stop, download a block, restart.
      c = s7Client();
      c.ReadSZL(0x0011, 0);
      c.GetCpuInfo();
      await sleep(100);
      c.PlcStop();
      await sleep(100);
      c.Download(5, mc7Block(5)); // refused by snap7 (protection level), but the request is on the wire
      await sleep(100);
      c.PlcHotStart();
      c.Disconnect();
      await sleep(150);
      // Session 2: a read-only client (historian collector).
      c = s7Client();
      for (let i = 0; i < 4; i++) {
        c.DBRead(1, 8, 4);
        await sleep(60);
      }
      c.Disconnect();
      await sleep(150);
      // Session 3: an integrator laptop writing a DB (on the temporary conduit).
      c = s7Client();
      c.DBRead(2, 0, 6);
      c.DBWrite(2, 0, 4, Buffer.from([0x42, 0x4a, 0x00, 0x00]));
      c.Disconnect();
    });
  } finally {
    server.Stop();
  }
}

// ---------------------------------------------------------------- OPC UA (node-opcua, policy None, anonymous)

async function recordOpcua(): Promise<void> {
  const ua = await import('node-opcua');
  const { OPCUAServer, OPCUAClient, MessageSecurityMode, SecurityPolicy, AttributeIds, DataType, Variant, StatusCodes } = ua;
  const server = new OPCUAServer({
    port: 4840,
    hostname: PEER_ADDR.opcuaServer,
    securityModes: [MessageSecurityMode.None],
    securityPolicies: [SecurityPolicy.None],
    allowAnonymous: true,
    serverInfo: {
      applicationUri: 'urn:plant:scada:opcua01',
      productUri: 'urn:plant:opcua01',
      applicationName: { text: 'OPCUA01 line server' },
    },
    buildInfo: { productName: 'OPCUA01 line server', manufacturerName: 'otwatch demo plant', softwareVersion: '1.0.0' },
  });
  await server.initialize();
  const space = server.engine.addressSpace!;
  const ns = space.getOwnNamespace();
  let setpoint = 72.5;
  ns.addVariable({
    organizedBy: space.rootFolder.objects,
    browseName: 'Line2Setpoint',
    nodeId: 's=Line2.Setpoint',
    dataType: 'Double',
    minimumSamplingInterval: 500,
    value: {
      get: () => new Variant({ dataType: DataType.Double, value: setpoint }),
      set: (v: InstanceType<typeof Variant>) => {
        setpoint = v.value as number;
        return StatusCodes.Good;
      },
    },
  });
  ns.addVariable({
    organizedBy: space.rootFolder.objects,
    browseName: 'Line2Temperature',
    nodeId: 's=Line2.Temperature',
    dataType: 'Double',
    minimumSamplingInterval: 500,
    value: { get: () => new Variant({ dataType: DataType.Double, value: 71.8 }) },
  });
  await server.start();
  const url = `opc.tcp://${PEER_ADDR.opcuaServer}:4840`;
  const read = (s: any, id: string) => s.read({ nodeId: `ns=1;s=${id}`, attributeId: AttributeIds.Value });
  try {
    await record(join(PEERS_DIR, PEER_FILES.opcua), `host ${PEER_ADDR.opcuaServer} and tcp port 4840`, async () => {
      // Session 0 (and the discovery channel node-opcua opens first): an HMI reading and writing a set point.
      let client = OPCUAClient.create({
        applicationName: 'HMI02',
        securityMode: MessageSecurityMode.None,
        securityPolicy: SecurityPolicy.None,
        endpointMustExist: false,
        connectionStrategy: { maxRetry: 0 },
      });
      await client.connect(url);
      let session = await client.createSession(); // anonymous user token
      for (let i = 0; i < 4; i++) {
        await read(session, 'Line2.Temperature');
        await sleep(60);
      }
      await session.write({
        nodeId: 'ns=1;s=Line2.Setpoint',
        attributeId: AttributeIds.Value,
        value: { value: { dataType: DataType.Double, value: 74 } },
      });
      await read(session, 'Line2.Setpoint');
      await session.close();
      await client.disconnect();
      await sleep(150);
      // Session 1: a reporting client (MES) reading only.
      client = OPCUAClient.create({
        applicationName: 'MES01',
        securityMode: MessageSecurityMode.None,
        securityPolicy: SecurityPolicy.None,
        endpointMustExist: false,
        connectionStrategy: { maxRetry: 0 },
      });
      await client.connect(url);
      session = await client.createSession();
      for (let i = 0; i < 3; i++) {
        await read(session, 'Line2.Temperature');
        await sleep(60);
      }
      await session.close();
      await client.disconnect();
    });
  } finally {
    await server.shutdown();
  }
}

// ---------------------------------------------------------------- BACnet/IP (@bacnet-js/client)

interface BacnetDevice {
  addr: string;
  instance: number;
  vendorId: number;
  name: string;
  vendor: string;
  model: string;
  firmware: string;
}

async function recordBacnet(): Promise<void> {
  const Bacnet = require('@bacnet-js/client').default;
  const { ObjectType, PropertyIdentifier, ApplicationTag, Segmentation, ConfirmedServiceChoice } = require('@bacnet-js/client');
  const devices: BacnetDevice[] = [
    {
      addr: PEER_ADDR.bacnetDeviceA,
      instance: 4001,
      vendorId: 5,
      name: 'AHU-01',
      vendor: 'Johnson Controls',
      model: 'FX-PCG2611',
      firmware: '8.2.1',
    },
    {
      addr: PEER_ADDR.bacnetDeviceB,
      instance: 4002,
      vendorId: 5,
      name: 'LIGHT-03',
      vendor: 'Johnson Controls',
      model: 'FX-PCV1930',
      firmware: '8.1.0',
    },
  ];
  const peers = devices.map((d) => {
    const dev = new Bacnet({ port: 47808, interface: d.addr, broadcastAddress: d.addr, apduTimeout: 2000 });
    const values: Record<number, { type: number; value: unknown }> = {
      [PropertyIdentifier.OBJECT_NAME]: { type: ApplicationTag.CHARACTER_STRING, value: d.name },
      [PropertyIdentifier.VENDOR_NAME]: { type: ApplicationTag.CHARACTER_STRING, value: d.vendor },
      [PropertyIdentifier.MODEL_NAME]: { type: ApplicationTag.CHARACTER_STRING, value: d.model },
      [PropertyIdentifier.FIRMWARE_REVISION]: { type: ApplicationTag.CHARACTER_STRING, value: d.firmware },
      [PropertyIdentifier.PRESENT_VALUE]: { type: ApplicationTag.REAL, value: 21.5 },
    };
    dev.on('whoIs', (msg: any) =>
      dev.iAmResponse({ address: msg.header.sender.address }, d.instance, Segmentation.NO_SEGMENTATION, d.vendorId),
    );
    dev.on('readProperty', (msg: any) => {
      const { objectId, property } = msg.payload;
      const v = values[property.id] ?? values[PropertyIdentifier.PRESENT_VALUE];
      dev.readPropertyResponse({ address: msg.header.sender.address }, msg.invokeId, objectId, property, [v]);
    });
    dev.on('writeProperty', (msg: any) =>
      dev.simpleAckResponse({ address: msg.header.sender.address }, ConfirmedServiceChoice.WRITE_PROPERTY, msg.invokeId),
    );
    return dev;
  });
  const supervisor = new Bacnet({
    port: 47808,
    interface: PEER_ADDR.bacnetClient,
    broadcastAddress: PEER_ADDR.bacnetClient,
    apduTimeout: 2000,
  });
  await sleep(300);
  const props = [
    PropertyIdentifier.OBJECT_NAME,
    PropertyIdentifier.VENDOR_NAME,
    PropertyIdentifier.MODEL_NAME,
    PropertyIdentifier.FIRMWARE_REVISION,
  ];
  try {
    await record(join(PEERS_DIR, PEER_FILES.bacnet), `udp port 47808 and host ${PEER_ADDR.bacnetClient}`, async () => {
      for (const d of devices) {
        supervisor.whoIs({ address: `${d.addr}:47808` });
        await sleep(100);
      }
      for (const d of devices) {
        const dev = { type: ObjectType.DEVICE, instance: d.instance };
        for (const p of props) await supervisor.readProperty({ address: `${d.addr}:47808` }, dev, p);
        for (let i = 0; i < 3; i++) {
          await supervisor.readProperty(
            { address: `${d.addr}:47808` },
            { type: ObjectType.ANALOG_INPUT, instance: 1 },
            PropertyIdentifier.PRESENT_VALUE,
          );
          await sleep(60);
        }
      }
      // A set-point write (priority 8) to the air handler: the write the scada-bms conduit does not allow.
      await supervisor.writeProperty(
        { address: `${devices[0]!.addr}:47808` },
        { type: ObjectType.ANALOG_VALUE, instance: 3 },
        PropertyIdentifier.PRESENT_VALUE,
        [{ type: ApplicationTag.REAL, value: 23 }],
        { priority: 8 },
      );
    });
  } finally {
    supervisor.close();
    for (const p of peers) p.close();
  }
}

const RECORDERS: Record<string, () => Promise<void>> = { modbus: recordModbus, s7: recordS7, opcua: recordOpcua, bacnet: recordBacnet };

async function main(): Promise<void> {
  const which = process.argv.slice(2);
  for (const name of which.length ? which : Object.keys(RECORDERS)) {
    const r = RECORDERS[name];
    if (!r) throw new Error(`unknown peer ${name}: one of ${Object.keys(RECORDERS).join(', ')}`);
    await r();
  }
}

main().then(
  () => process.exit(0), // node-opcua and snap7 keep handles open after shutdown
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
