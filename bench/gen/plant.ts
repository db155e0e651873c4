/**
 * A synthetic plant for the benchmark: `assets` hosts in `zones` zones (one /24 each), `paths` communication
 * paths, and the zone/conduit policy that describes it, with the usual departures from it (a zone pair without a
 * conduit, writes where a conduit allows reads). Its cost is in assets and paths, not in packets: each path is one
 * exchange (a BACnet/IP ReadProperty and its answer, or a Modbus/TCP connection with one read or write).
 *
 *   generatePlant(dir) → dir/plant-<assets>.pcap, dir/plant-<assets>.yaml
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ethernet, ipv4, udp, TcpConversation } from './packets.js';
import { mulberry32 } from './rng.js';

export interface PlantSpec {
  assets: number;
  paths: number;
  zones: number;
  seed?: number;
}

export interface GeneratedPlant {
  pcap: string;
  policy: string;
  packets: number;
  assets: number;
  paths: number;
}

const mac = (i: number) =>
  `00:0e:8c:${((i >> 16) & 255).toString(16).padStart(2, '0')}:${((i >> 8) & 255).toString(16).padStart(2, '0')}:${(i & 255).toString(16).padStart(2, '0')}`;

function bacnetReadProperty(invoke: number): Buffer {
  return Buffer.from([0x81, 0x0a, 0x00, 0x11, 0x01, 0x04, 0x00, 0x05, invoke & 255, 0x0c, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x19, 0x55]);
}

function bacnetReadPropertyAck(invoke: number): Buffer {
  const apdu = Buffer.from([0x30, invoke & 255, 0x0c, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x19, 0x55, 0x3e, 0x44, 0x42, 0x28, 0, 0, 0x3f]);
  const b = Buffer.concat([Buffer.from([0x81, 0x0a, 0x00, 0x00, 0x01, 0x00]), apdu]);
  b.writeUInt16BE(b.length, 2);
  return b;
}

function modbus(tid: number, write: boolean, response: boolean): Buffer {
  const b = write
    ? response
      ? Buffer.from([0, 0, 0, 0, 0, 6, 1, 16, 0, 10, 0, 2])
      : Buffer.from([0, 0, 0, 0, 0, 11, 1, 16, 0, 10, 0, 2, 4, 0, 1, 0, 2])
    : response
      ? Buffer.from([0, 0, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2])
      : Buffer.from([0, 0, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2]);
  b.writeUInt16BE(tid & 0xffff, 0);
  return b;
}

/** Classic pcap, microsecond timestamps, Ethernet. */
function pcapFile(frames: { ts: number; data: Buffer }[]): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(65535, 16);
  h.writeUInt32LE(1, 20);
  const parts: Buffer[] = [h];
  for (const f of frames) {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(Math.floor(f.ts), 0);
    r.writeUInt32LE(Math.round((f.ts % 1) * 1e6) % 1e6, 4);
    r.writeUInt32LE(f.data.length, 8);
    r.writeUInt32LE(f.data.length, 12);
    parts.push(r, f.data);
  }
  return Buffer.concat(parts);
}

export function generatePlant(dir: string, spec: PlantSpec): GeneratedPlant {
  const r = mulberry32(spec.seed ?? 62443);
  const perZone = Math.ceil(spec.assets / spec.zones);
  if (perZone > 250) throw new Error('at most 250 assets per zone (one /24 each)');
  const host = (zone: number, i: number) => ({ mac: mac(zone * 256 + i + 1), ip: `10.${100 + zone}.1.${i + 1}` });
  // a tenth of each zone's hosts are clients (HMIs, SCADA servers); each polls its share of the paths, mostly in
  // its own zone, one in ten in the next zone (allowed by a conduit, except from the last zone to the first)
  const clientsPerZone = Math.max(1, Math.round(perZone / 10));
  const clients = spec.zones * clientsPerZone;
  const perClient = Math.ceil(spec.paths / clients);
  const frames: { ts: number; data: Buffer }[] = [];
  let ts = 1_760_000_000;
  let made = 0;
  let invoke = 0;
  for (let z = 0; z < spec.zones && made < spec.paths; z++) {
    for (let c = 0; c < clientsPerZone && made < spec.paths; c++) {
      const client = host(z, c);
      const servers = new Set<string>();
      for (let k = 0; k < perClient && made < spec.paths; k++) {
        const zone = k % 10 === 9 ? (z + 1) % spec.zones : z;
        let s: number;
        do s = clientsPerZone + Math.floor(r() * (perZone - clientsPerZone));
        while (servers.has(`${zone}/${s}`) && servers.size < perZone);
        servers.add(`${zone}/${s}`);
        const server = host(zone, s);
        ts += 0.001;
        if (s % 2 === 0) {
          const id = invoke++;
          frames.push({
            ts,
            data: ethernet(server.mac, client.mac, 0x0800, ipv4(client.ip, server.ip, 17, udp(47808, 47808, bacnetReadProperty(id)))),
          });
          frames.push({
            ts: ts + 0.0002,
            data: ethernet(client.mac, server.mac, 0x0800, ipv4(server.ip, client.ip, 17, udp(47808, 47808, bacnetReadPropertyAck(id)))),
          });
        } else {
          // one write in twenty: the conduits allow reads only
          const write = r() < 0.05;
          const conv = new TcpConversation({ ...client, port: 40000 + (made % 20000) }, { ...server, port: 502 }, 1000 + made);
          const tid = made & 0xffff;
          const step = [...conv.handshake(), conv.send(true, modbus(tid, write, false)), conv.send(false, modbus(tid, write, true))];
          step.forEach((data, i) => frames.push({ ts: ts + i * 0.0001, data }));
        }
        made++;
      }
    }
  }
  const pcap = join(dir, `plant-${spec.assets}.pcap`);
  writeFileSync(pcap, pcapFile(frames));
  const policy = join(dir, `plant-${spec.assets}.yaml`);
  writeFileSync(policy, policyText(spec.zones));
  return { pcap, policy, packets: frames.length, assets: spec.assets, paths: made };
}

function policyText(zones: number): string {
  const lines = ['version: 1', 'name: Generated benchmark plant', 'zones:'];
  for (let z = 0; z < zones; z++)
    lines.push(
      `  - id: z${z}`,
      `    name: Zone ${z}`,
      `    level: ${1 + (z % 3)}`,
      `    sl_t: 2`,
      `    members:`,
      `      - cidr: 10.${100 + z}.1.0/24`,
    );
  lines.push('conduits:');
  // zone z may poll zone z+1, reads only; the last zone's polls of the first have no conduit
  for (let z = 0; z + 1 < zones; z++)
    lines.push(
      `  - id: z${z}-z${z + 1}`,
      `    between: [z${z}, z${z + 1}]`,
      `    sl_t: 2`,
      `    enforcement: [firewall]`,
      `    flows:`,
      `      - protocol: modbus`,
      `        initiator: z${z}`,
      `        operations:`,
      `          allow: [read]`,
      `      - protocol: bacnet`,
      `        initiator: z${z}`,
      `        operations:`,
      `          allow: [read]`,
    );
  return lines.join('\n') + '\n';
}

/**
 * The policy of the benchmark capture (bench/generate.ts): clients in 10.20/16, servers in 10.30/16, one conduit
 * for what they speak, Modbus and BACnet reads only (the capture's Modbus writes are findings).
 */
export function benchCapturePolicy(): string {
  return [
    'version: 1',
    'name: Benchmark capture',
    'zones:',
    '  - { id: operators, name: Operators, level: 2, sl_t: 2, members: [{ cidr: 10.20.0.0/16 }] }',
    '  - { id: control, name: Control, level: 1, sl_t: 2, members: [{ cidr: 10.30.0.0/16 }] }',
    'conduits:',
    '  - id: operators-control',
    '    between: [operators, control]',
    '    sl_t: 2',
    '    enforcement: [firewall]',
    '    flows:',
    '      - { protocol: modbus, initiator: operators, operations: { allow: [read] } }',
    '      - { protocol: s7comm, initiator: operators }',
    '      - { protocol: opcua, initiator: operators }',
    '      - { protocol: bacnet, initiator: operators, operations: { allow: [read] } }',
    '',
  ].join('\n');
}
