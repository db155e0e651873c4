/**
 * Builds fixtures/plant/plant.pcap from the peer recordings in peers/ and the schedule in
 * scenario.ts: every recorded conversation is moved onto plant hosts (addresses, ports, MACs, VLAN,
 * time), loopback segments are cut to the Ethernet MTU, checksums are recomputed, and the ARP, DNS,
 * HTTP, SSH and RDP conversations of the plant are added. Deterministic: no clock, no randomness
 * but seeded, so the same peers give the same bytes.
 *
 *   npx tsx test/plant/build-plant.ts [out.pcap] [peersDir]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pcapFile, type PcapRecord } from '../helpers/capture-build.js';
import { arp, ethernet, ipv4, TcpConversation, udp } from '../../bench/gen/packets.js';
import {
  dnsAnswer,
  dnsQuery,
  httpGet,
  httpOk,
  rdpConnectionConfirm,
  rdpConnectionRequest,
  seededBytes,
  sshBanner,
  sshEcdhInit,
  sshEcdhReply,
  sshEncrypted,
  sshKexInit,
  sshNewKeys,
  tlsRecord,
} from './app-payloads.js';
import { PEER_ADDR, PEER_FILES } from './peer-addresses.js';
import {
  fixChecksums,
  ip4Text,
  ipv4Of,
  parseIp4,
  PROTO_TCP,
  readPcap,
  rewriteIp4,
  segmentForMtu,
  substituteSameLength,
  type RawRecord,
} from './pcap-rewrite.js';
import {
  HOSTS,
  host,
  hostByIp,
  MTU,
  OPCUA_TEXT_SUBSTITUTIONS,
  ROUTER_MAC,
  SESSIONS,
  subnetOf,
  SUBNETS,
  T0_US,
  type AppSession,
  type PeerBacnetSession,
  type PeerTcpSession,
} from './scenario.js';

/** The plant's data (capture, peers, policy) lives in fixtures/plant; this folder holds the code that makes it. */
const here = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/plant');
export const DEFAULT_PEERS = join(here, 'peers');
export const DEFAULT_OUT = join(here, 'plant.pcap');

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;
const MIN_FRAME = 60; // Ethernet minimum without FCS: what a mirror port delivers
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
const ZERO_MAC = '00:00:00:00:00:00';
const SERVER_PORTS = { modbus: 502, s7: 102, opcua: 4840 } as const;
const SERVER_ADDR = { modbus: PEER_ADDR.modbusServer, s7: PEER_ADDR.s7Server, opcua: PEER_ADDR.opcuaServer } as const;

interface Out {
  tsUs: number;
  frame: Buffer;
}

/** Deterministic ephemeral ports, one per conversation, in the Windows/Linux dynamic range. */
class PortAllocator {
  private n = 0;
  next(): number {
    return 49_700 + ((this.n++ * 211) % 15_000);
  }
}

/** Put an IPv4 packet on the plant wire as its sender's access port delivers it (see scenario.ts). */
export function onWire(ip: Buffer): Buffer {
  const src = ip4Text(ip, 12);
  const dst = ip4Text(ip, 16);
  const from = subnetOf(src);
  const dstMac = subnetOf(dst) === from ? hostByIp(dst).mac : ROUTER_MAC;
  return pad(ethernet(dstMac, hostByIp(src).mac, ETHERTYPE_IPV4, ip, [{ vid: from.vlan }]));
}

function pad(frame: Buffer): Buffer {
  return frame.length >= MIN_FRAME ? frame : Buffer.concat([frame, Buffer.alloc(MIN_FRAME - frame.length)]);
}

/** The TCP conversations of a recording, in the order their first packet appears. */
export function tcpStreams(records: RawRecord[]): RawRecord[][] {
  const streams = new Map<string, RawRecord[]>();
  for (const r of records) {
    const ip = ipv4Of(r.data);
    const p = ip && parseIp4(ip);
    if (!p || p.proto !== PROTO_TCP) continue;
    const a = `${p.src}:${p.srcPort}`;
    const b = `${p.dst}:${p.dstPort}`;
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    const list = streams.get(key) ?? [];
    list.push(r);
    streams.set(key, list);
  }
  return [...streams.values()];
}

function replayTcp(s: PeerTcpSession, streams: RawRecord[][], ports: PortAllocator, out: Out[]): void {
  const stream = streams[s.stream];
  if (!stream) throw new Error(`${PEER_FILES[s.file]} has no TCP stream ${s.stream}`);
  const serverLoop = SERVER_ADDR[s.file];
  const client = host(s.client);
  const server = host(s.server);
  const subs = s.file === 'opcua' ? OPCUA_TEXT_SUBSTITUTIONS.map(([a, b]) => [Buffer.from(a), Buffer.from(b)] as const) : [];
  for (const at of s.at) {
    const clientPort = ports.next();
    const t0 = stream[0]!.tsUs;
    for (const r of stream) {
      const ip = ipv4Of(r.data)!;
      const p = parseIp4(ip)!;
      const fromServer = p.src === serverLoop;
      const pkt = rewriteIp4(
        ip,
        fromServer
          ? { src: server.ip, dst: client.ip, srcPort: SERVER_PORTS[s.file], dstPort: clientPort }
          : { src: client.ip, dst: server.ip, srcPort: clientPort, dstPort: SERVER_PORTS[s.file] },
      );
      if (subs.length) {
        for (const [from, to] of subs) substituteSameLength(pkt, p.ipHeader + p.l4Header, from, to);
        fixChecksums(pkt);
      }
      for (const piece of segmentForMtu(pkt, MTU)) out.push({ tsUs: T0_US + at * 1e6 + (r.tsUs - t0), frame: onWire(piece) });
    }
  }
}

function replayBacnet(s: PeerBacnetSession, records: RawRecord[], out: Out[]): void {
  const map = new Map<string, string>([
    [PEER_ADDR.bacnetClient, host(s.client).ip],
    [PEER_ADDR.bacnetDeviceA, host(s.deviceA).ip],
    [PEER_ADDR.bacnetDeviceB, host(s.deviceB).ip],
  ]);
  const list = records.slice(0, s.first ?? records.length);
  const t0 = list[0]!.tsUs;
  for (const at of s.at) {
    for (const r of list) {
      const ip = ipv4Of(r.data)!;
      const p = parseIp4(ip)!;
      const src = map.get(p.src);
      const dst = map.get(p.dst);
      if (!src || !dst) throw new Error(`BACnet recording has an unexpected address ${p.src} → ${p.dst}`);
      out.push({
        tsUs: T0_US + at * 1e6 + (r.tsUs - t0),
        frame: onWire(rewriteIp4(ip, { src, dst, srcPort: p.srcPort, dstPort: p.dstPort })),
      });
    }
  }
}

/** A scripted TCP conversation between plant hosts: handshake, the exchanges, close; times in µs. */
function scriptTcp(
  client: string,
  server: string,
  clientPort: number,
  serverPort: number,
  isn: number,
  at: number,
  exchanges: { fromClient: boolean; data: Buffer; gapUs: number }[],
  out: Out[],
): void {
  const c = host(client);
  const s = host(server);
  const conv = new TcpConversation({ mac: ZERO_MAC, ip: c.ip, port: clientPort }, { mac: ZERO_MAC, ip: s.ip, port: serverPort }, isn);
  let t = T0_US + at * 1e6;
  const emit = (eth: Buffer, gapUs: number) => {
    t += gapUs;
    const ip = Buffer.from(eth.subarray(14)); // TcpConversation writes Ethernet: we re-frame per sender
    fixChecksums(ip);
    out.push({ tsUs: t, frame: onWire(ip) });
  };
  const hs = conv.handshake();
  emit(hs[0]!, 0);
  emit(hs[1]!, 420);
  emit(hs[2]!, 180);
  for (const x of exchanges) emit(conv.send(x.fromClient, x.data), x.gapUs);
  const fin = conv.close();
  emit(fin[0]!, 2_000);
  emit(fin[1]!, 300);
  emit(fin[2]!, 150);
}

function appSession(s: AppSession, index: number, ports: PortAllocator, out: Out[]): void {
  const c = host(s.client);
  const srv = host(s.server);
  s.at.forEach((at, k) => {
    const seed = index * 1000 + k;
    const port = ports.next();
    const isn = (0x1a2b3c4d + seed * 0x9e3779b1) >>> 0;
    switch (s.kind) {
      case 'dns': {
        const id = (0x3a00 + seed) & 0xffff;
        const q = ipv4(c.ip, srv.ip, 17, udp(port, 53, dnsQuery(id, s.name!)), { id: seed & 0xffff });
        const a = ipv4(srv.ip, c.ip, 17, udp(53, port, dnsAnswer(id, s.name!, s.answer!)), { id: (seed + 7) & 0xffff });
        fixChecksums(q);
        fixChecksums(a);
        out.push({ tsUs: T0_US + at * 1e6, frame: onWire(q) }, { tsUs: T0_US + at * 1e6 + 850, frame: onWire(a) });
        return;
      }
      case 'http': {
        const body = JSON.stringify({
          tag: 'Line2.Temperature',
          unit: 'degC',
          points: Array.from({ length: 12 }, (_, i) => [i * 2400, 70 + ((i * 37) % 23) / 10]),
        });
        scriptTcp(
          s.client,
          s.server,
          port,
          80,
          isn,
          at,
          [
            {
              fromClient: true,
              data: httpGet(`${srv.id}.plant.example`, s.name!, 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)'),
              gapUs: 300,
            },
            { fromClient: false, data: httpOk(body, 'Microsoft-IIS/10.0'), gapUs: 14_000 },
          ],
          out,
        );
        return;
      }
      case 'ssh':
        scriptTcp(
          s.client,
          s.server,
          port,
          22,
          isn,
          at,
          [
            { fromClient: false, data: sshBanner('OpenSSH_for_Windows_8.1'), gapUs: 3_000 },
            { fromClient: true, data: sshBanner('OpenSSH_9.2p1 Debian-2+deb12u3'), gapUs: 900 },
            { fromClient: true, data: sshKexInit(seed), gapUs: 400 },
            { fromClient: false, data: sshKexInit(seed + 1), gapUs: 1_200 },
            { fromClient: true, data: sshEcdhInit(seed + 2), gapUs: 5_000 },
            { fromClient: false, data: Buffer.concat([sshEcdhReply(seed + 3), sshNewKeys(seed + 4)]), gapUs: 9_000 },
            { fromClient: true, data: sshNewKeys(seed + 5), gapUs: 600 },
            ...Array.from({ length: 6 }, (_, i) => ({
              fromClient: i % 2 === 0,
              data: sshEncrypted(seed + 10 + i, i % 2 ? 180 : 60),
              gapUs: 250_000,
            })),
          ],
          out,
        );
        return;
      case 'rdp':
        scriptTcp(
          s.client,
          s.server,
          port,
          3389,
          isn,
          at,
          [
            { fromClient: true, data: rdpConnectionRequest(s.client === 'office-pc' ? 'p.meier' : 'svc-maint'), gapUs: 500 },
            { fromClient: false, data: rdpConnectionConfirm(), gapUs: 1_100 },
            { fromClient: true, data: Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0xc8]), seededBytes(seed, 0xc8)]), gapUs: 700 },
            {
              fromClient: false,
              data: Buffer.concat([Buffer.from([0x16, 0x03, 0x03, 0x04, 0x80]), seededBytes(seed + 1, 0x480)]),
              gapUs: 2_400,
            },
            ...Array.from({ length: 10 }, (_, i) => ({
              fromClient: i % 3 === 0,
              data: tlsRecord(seed + 20 + i, i % 3 === 0 ? 90 : 1100),
              gapUs: 40_000,
            })),
          ],
          out,
        );
        return;
    }
  });
}

/** Every host asks for its gateway's MAC at the start, and hosts on one subnet that talk ask for each other. */
function arpExchanges(out: Out[]): void {
  let t = T0_US;
  const ask = (who: { ip: string; mac: string }, target: { ip: string; mac: string }, vlan: number) => {
    out.push({
      tsUs: (t += 40_000),
      frame: pad(ethernet(BROADCAST, who.mac, ETHERTYPE_ARP, arp(1, who.mac, who.ip, ZERO_MAC, target.ip), [{ vid: vlan }])),
    });
    out.push({
      tsUs: (t += 600),
      frame: pad(ethernet(who.mac, target.mac, ETHERTYPE_ARP, arp(2, target.mac, target.ip, who.mac, who.ip), [{ vid: vlan }])),
    });
  };
  for (const h of HOSTS) {
    const net = subnetOf(h.ip);
    ask(h, { ip: net.gateway, mac: ROUTER_MAC }, net.vlan);
  }
  for (const [a, b] of [
    ['office-pc', 'dns01'],
    ['mes01', 'dns01'],
    ['hmi02', 'opcua01'],
  ] as const)
    ask(host(a), host(b), subnetOf(host(a).ip).vlan);
  // The router resolves the servers it forwards to (once per subnet is enough to show it fronts them all).
  for (const net of SUBNETS) {
    const first = HOSTS.find((h) => h.ip.startsWith(net.prefix));
    if (first) ask({ ip: net.gateway, mac: ROUTER_MAC }, first, net.vlan);
  }
}

export function buildPlant(peersDir = DEFAULT_PEERS): Buffer {
  const recordings = {
    modbus: readPcap(readFileSync(join(peersDir, PEER_FILES.modbus))),
    s7: readPcap(readFileSync(join(peersDir, PEER_FILES.s7))),
    opcua: readPcap(readFileSync(join(peersDir, PEER_FILES.opcua))),
    bacnet: readPcap(readFileSync(join(peersDir, PEER_FILES.bacnet))),
  };
  const streams = { modbus: tcpStreams(recordings.modbus), s7: tcpStreams(recordings.s7), opcua: tcpStreams(recordings.opcua) };
  const ports = new PortAllocator();
  const out: Out[] = [];
  arpExchanges(out);
  SESSIONS.forEach((s, i) => {
    if (s.kind === 'peer-tcp') replayTcp(s, streams[s.file], ports, out);
    else if (s.kind === 'peer-bacnet') replayBacnet(s, recordings.bacnet, out);
    else appSession(s, i, ports, out);
  });
  // Stable sort: packets of one instant keep the order they were generated in.
  const ordered = out.map((o, i) => ({ ...o, i })).sort((a, b) => a.tsUs - b.tsUs || a.i - b.i);
  const records: PcapRecord[] = ordered.map((o) => ({ data: o.frame, sec: Math.floor(o.tsUs / 1e6), frac: o.tsUs % 1e6 }));
  return pcapFile(records);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outFile = process.argv[2] ?? DEFAULT_OUT;
  const bytes = buildPlant(process.argv[3] ?? DEFAULT_PEERS);
  writeFileSync(outFile, bytes);
  console.log(`${outFile}: ${bytes.length} bytes`);
}
