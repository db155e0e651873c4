/**
 * A real peer: a node-opcua server and client talk on loopback on an unusual port while tcpdump
 * records them; the capture then goes through the whole pipeline. First run: a None channel with
 * GetEndpoints, CreateSession, ActivateSession (anonymous), Read and Write. Second run: a
 * SignAndEncrypt Basic256Sha256 channel, whose bodies must stay opaque while its policy is kept.
 * Where tshark is installed, its counts of the same capture are compared too.
 */
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { runPipeline } from '../../src/pipeline/pipeline.js';
import { statsForCaptures } from '../../src/pipeline/statistics.js';
import { recordLoopback, tcpdumpAvailable } from '../helpers/tcpdump.js';
import type { ProtocolEvent } from '../../src/core/events.js';
import { opcuaModule } from '../../src/protocols/opcua/index.js';

const require = createRequire(import.meta.url);
const TCPDUMP = tcpdumpAvailable();
const TSHARK = ['/usr/bin/tshark'].find((p) => existsSync(p));
if (!TCPDUMP) console.warn('[otwatch tests] tcpdump not found: the OPC UA real-peer test is skipped');

const APP_URI = 'urn:otwatch:test:server';
const PRODUCT_URI = 'urn:otwatch:test:product';

/** Run a server and a client session against it; returns the capture file. */
async function converse(dir: string, port: number, secure: boolean): Promise<string> {
  const ua = require('node-opcua');
  const pki = (name: string) =>
    new ua.OPCUACertificateManager({ rootFolder: join(dir, name), automaticallyAcceptUnknownCertificate: true });
  const serverPki = pki('server-pki');
  const clientPki = pki('client-pki');
  await serverPki.initialize();
  await clientPki.initialize();
  const server = new ua.OPCUAServer({
    port,
    hostname: '127.0.0.1',
    serverCertificateManager: serverPki,
    userCertificateManager: pki('user-pki'),
    nodeset_filename: [ua.get_mini_nodeset_filename()],
    serverInfo: { applicationUri: APP_URI, productUri: PRODUCT_URI, applicationName: { text: 'otwatch test server' } },
    securityModes: [ua.MessageSecurityMode.None, ua.MessageSecurityMode.SignAndEncrypt],
    securityPolicies: [ua.SecurityPolicy.None, ua.SecurityPolicy.Basic256Sha256],
    allowAnonymous: true,
  });
  await server.initialize();
  const ns = server.engine.addressSpace.getOwnNamespace();
  ns.addVariable({
    organizedBy: server.engine.addressSpace.rootFolder.objects,
    browseName: 'Setpoint',
    nodeId: 's=Setpoint',
    dataType: 'Double',
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
    value: { dataType: ua.DataType.Double, value: 20.5 },
  });
  await server.start();
  const file = join(dir, secure ? 'secure.pcap' : 'none.pcap');
  const client = ua.OPCUAClient.create({
    endpointMustExist: false,
    clientCertificateManager: clientPki,
    securityMode: secure ? ua.MessageSecurityMode.SignAndEncrypt : ua.MessageSecurityMode.None,
    securityPolicy: secure ? ua.SecurityPolicy.Basic256Sha256 : ua.SecurityPolicy.None,
    connectionStrategy: { maxRetry: 1, initialDelay: 100 },
  });
  try {
    // Even in immediate mode, give the last packets a full second to reach the file before tcpdump stops.
    await recordLoopback({ file, filter: `port ${port}`, settleMs: 1000 }, async () => {
      await client.connect(`opc.tcp://127.0.0.1:${port}`);
      await client.getEndpoints();
      const session = await client.createSession(); // anonymous
      await session.read({ nodeId: 'ns=1;s=Setpoint', attributeId: ua.AttributeIds.Value });
      await session.write({
        nodeId: 'ns=1;s=Setpoint',
        attributeId: ua.AttributeIds.Value,
        value: { value: { dataType: ua.DataType.Double, value: 42 } },
      });
      await session.close();
      await client.disconnect();
    });
  } finally {
    await server.shutdown(0);
  }
  return file;
}

async function eventsOf(file: string): Promise<ProtocolEvent<object>[]> {
  const events: ProtocolEvent<object>[] = [];
  await runPipeline([file], { onEvent: (e) => events.push(e), onFlowEnd() {}, onBinding() {} }, { modules: [opcuaModule] });
  return events;
}

/** tshark's message and service counts of the capture, with the port decoded as OPC UA. */
function tsharkCounts(file: string, port: number): { messages: Record<string, number>; services: Record<string, number> } {
  const out = execFileSync(
    TSHARK!,
    [
      '-r',
      file,
      '-d',
      `tcp.port==${port},opcua`,
      '-Y',
      'opcua',
      '-T',
      'fields',
      '-E',
      'occurrence=a',
      '-E',
      'aggregator=;',
      '-e',
      'opcua.transport.type',
      '-e',
      'opcua.servicenodeid.numeric',
    ],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  const messages: Record<string, number> = { HEL: 0, ACK: 0, OPN: 0, MSG: 0, CLO: 0, ERR: 0 };
  const services: Record<string, number> = {};
  for (const line of out.split('\n')) {
    if (!line) continue;
    const [types, ids] = line.split('\t');
    for (const t of (types ?? '').split(';')) if (t in messages) messages[t]!++;
    for (const id of (ids ?? '').split(';')) if (id) services[id] = (services[id] ?? 0) + 1;
  }
  return { messages, services };
}

describe.skipIf(!TCPDUMP)('OPC UA against a real node-opcua peer', () => {
  it('None channel: discovery, session, anonymous activation, read, write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-opcua-'));
    try {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const file = await converse(dir, port, false);
      const report = await statsForCaptures([file], { modules: [opcuaModule] });
      const s = report.opcua as Record<string, any>;
      expect(s).toBeDefined();
      expect(s.servers).toEqual([`127.0.0.1:${port}`]);
      expect(s.clients).toEqual(['127.0.0.1']);
      expect(s.security_policies).toEqual(['http://opcfoundation.org/UA/SecurityPolicy#None']);
      expect(s.endpoint_security_policies).toContain('http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256');
      expect(s.security_modes).toEqual([1, 3]);
      expect(s.application_uris).toContain(APP_URI);
      expect(s.product_uris).toContain(PRODUCT_URI);
      expect(s.endpoint_urls).toContain(`opc.tcp://127.0.0.1:${port}`);
      for (const id of ['428', '431', '446', '449', '461', '464', '467', '470', '631', '634', '673', '676'])
        expect(s.services[id], `service ${id}`).toBeGreaterThan(0);
      if (TSHARK) {
        const ws = tsharkCounts(file, port);
        expect(s.messages).toEqual(ws.messages);
        expect(s.services).toEqual(ws.services);
      }

      const events = await eventsOf(file);
      const act = events.find((e) => e.fn === 'ActivateSessionRequest')!;
      expect(act).toMatchObject({
        fields: { auth: 'anonymous' },
        facts: { security_policy: 'None', security_mode: 'None', auth: 'anonymous' },
      });
      const write = events.find((e) => e.fn === 'WriteRequest')!;
      expect(write).toMatchObject({ operation: 'write', detail: 'ns=1;s=Setpoint', dst: { port } });
      expect(events.find((e) => e.fn === 'ReadRequest')!.operation).toBe('read');
      const ge = events.find((e) => e.fn === 'GetEndpointsResponse')!;
      expect(ge.identity).toContainEqual({ about: 'src', attribute: 'application_uri', value: APP_URI });
      const cs = events.find((e) => e.fn === 'CreateSessionRequest')!;
      expect(cs.identity?.find((c) => c.attribute === 'application_uri')?.about).toBe('src');
    } finally {
      if (process.env.OTWATCH_KEEP_CAPTURES) console.info(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it('SignAndEncrypt channel: policy kept, bodies opaque', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-opcua-'));
    try {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const file = await converse(dir, port, true);
      const events = await eventsOf(file);
      const secureOpn = events.filter(
        (e) => (e.fields as any).msgType === 'OPN' && (e.fields as any).securityPolicyUri?.endsWith('#Basic256Sha256'),
      );
      expect(secureOpn.length).toBeGreaterThanOrEqual(2);
      expect(secureOpn.every((e) => (e.fields as any).opaque === true && (e.fields as any).senderCertificate === true)).toBe(true);
      const secureFlows = new Set(secureOpn.map((e) => e.flow.id));
      const secureMsgs = events.filter((e) => secureFlows.has(e.flow.id) && (e.fields as any).msgType === 'MSG');
      expect(secureMsgs.length).toBeGreaterThanOrEqual(8); // endpoints, session, activation, read, write and their answers
      for (const e of secureMsgs) {
        expect(e).toMatchObject({
          fn: 'encrypted',
          fields: { opaque: true },
          facts: { security_policy: 'Basic256Sha256', security_mode: 'SignAndEncrypt' },
        });
        expect((e.fields as any).typeId).toBeUndefined();
      }
      // Nothing of the encrypted session leaks into the service counts.
      const report = await statsForCaptures([file], { modules: [opcuaModule] });
      const s = report.opcua as Record<string, any>;
      expect(s.security_policies).toContain('http://opcfoundation.org/UA/SecurityPolicy#Basic256Sha256');
      expect(s.services['673'] ?? 0).toBe(0);
      expect(s.services['467'] ?? 0).toBe(0);
      if (TSHARK) expect(s.messages).toEqual(tsharkCounts(file, port).messages);
    } finally {
      if (process.env.OTWATCH_KEEP_CAPTURES) console.info(`kept ${dir}`);
      else rmSync(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
