/**
 * Names from DHCP, DNS and NetBIOS on the right assets: a hand-built capture (real Ethernet/IPv4/UDP bytes)
 * through the whole pipeline with the registered decoders into the inventory.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPipeline } from '../pipeline/pipeline.js';
import { protocolModules } from '../protocols/registry.js';
import { pcapFile } from '../../test/helpers/capture-build.js';
import { ethernet, ipv4, udp, TcpConversation } from '../../bench/gen/packets.js';
import { dhcpMessage, ipBytes } from '../../test/helpers/dhcp/testing.js';
import { a, aResponse, encodeName, header, QR, question, record } from '../../test/helpers/dns/testing.js';
import { Inventory } from './inventory.js';
import type { Asset } from '../core/model.js';

const PLC_MAC = '00:0e:8c:11:22:33';
const HMI_MAC = '00:0c:29:aa:bb:cc';
const SRV_MAC = '00:50:56:00:00:01'; // DHCP and DNS server
const BCAST_MAC = 'ff:ff:ff:ff:ff:ff';
const PLC_IP = '10.20.1.10';
const HMI_IP = '10.20.1.11';
const SRV_IP = '10.20.1.1';

const frame = (dstMac: string, srcMac: string, src: string, dst: string, sp: number, dp: number, payload: Buffer): Buffer =>
  ethernet(dstMac, srcMac, 0x0800, ipv4(src, dst, 17, udp(sp, dp, payload)));

function capture(): string {
  const frames: Buffer[] = [];
  // The PLC boots: DISCOVER (host name, vendor class), OFFER, REQUEST for the offered address, ACK.
  frames.push(
    frame(
      BCAST_MAC,
      PLC_MAC,
      '0.0.0.0',
      '255.255.255.255',
      68,
      67,
      dhcpMessage({
        op: 1,
        chaddr: PLC_MAC,
        options: [
          [53, [1]],
          [12, 'PLC-LINE3'],
          [60, 'Siemens SIMATIC S7-1500'],
        ],
      }),
    ),
  );
  frames.push(
    frame(
      BCAST_MAC,
      SRV_MAC,
      SRV_IP,
      '255.255.255.255',
      67,
      68,
      dhcpMessage({
        op: 2,
        chaddr: PLC_MAC,
        yiaddr: PLC_IP,
        options: [
          [53, [2]],
          [54, ipBytes(SRV_IP)],
        ],
      }),
    ),
  );
  frames.push(
    frame(
      BCAST_MAC,
      PLC_MAC,
      '0.0.0.0',
      '255.255.255.255',
      68,
      67,
      dhcpMessage({
        op: 1,
        chaddr: PLC_MAC,
        options: [
          [53, [3]],
          [50, ipBytes(PLC_IP)],
          [54, ipBytes(SRV_IP)],
          [12, 'PLC-LINE3'],
        ],
      }),
    ),
  );
  frames.push(
    frame(
      BCAST_MAC,
      SRV_MAC,
      SRV_IP,
      '255.255.255.255',
      67,
      68,
      dhcpMessage({
        op: 2,
        chaddr: PLC_MAC,
        yiaddr: PLC_IP,
        options: [
          [53, [5]],
          [54, ipBytes(SRV_IP)],
        ],
      }),
    ),
  );
  // The HMI resolves its own name and one on the internet; the answers name 10.20.1.11 and 93.184.216.34.
  frames.push(
    frame(SRV_MAC, HMI_MAC, HMI_IP, SRV_IP, 51000, 53, Buffer.concat([header(7, 0x0100, 1, 0, 0, 0), question('hmi-01.plant.local', 1)])),
  );
  frames.push(frame(HMI_MAC, SRV_MAC, SRV_IP, HMI_IP, 53, 51000, aResponse(7, 'hmi-01.plant.local', [HMI_IP])));
  frames.push(
    frame(
      HMI_MAC,
      SRV_MAC,
      SRV_IP,
      HMI_IP,
      53,
      51001,
      Buffer.concat([header(8, QR, 0, 1, 0, 0), record('example.com', 1, a('93.184.216.34'))]),
    ),
  );
  // A reverse answer names the PLC a second time, from DNS.
  frames.push(
    frame(
      HMI_MAC,
      SRV_MAC,
      SRV_IP,
      HMI_IP,
      53,
      51002,
      Buffer.concat([header(9, QR, 0, 1, 0, 0), record('10.1.20.10.in-addr.arpa', 12, encodeName('plc-line3.plant.local'))]),
    ),
  );
  // The HMI polls the PLC over Modbus/TCP.
  const conv = new TcpConversation({ mac: HMI_MAC, ip: HMI_IP, port: 50100 }, { mac: PLC_MAC, ip: PLC_IP, port: 502 });
  frames.push(...conv.handshake());
  frames.push(conv.send(true, Buffer.from('000100000006010300000002', 'hex')));
  frames.push(conv.send(false, Buffer.from('00010000000701030400010002', 'hex')));
  const dir = mkdtempSync(join(tmpdir(), 'otwatch-names-'));
  const path = join(dir, 'names.pcap');
  writeFileSync(path, pcapFile(frames.map((data, i) => ({ data, sec: 1_700_000_000 + i, frac: 0 }))));
  return path;
}

describe('names from DHCP and DNS', () => {
  it('puts the DHCP host name on the PLC and the DNS name on the HMI, and makes no asset of a name alone', async () => {
    const inv = new Inventory({ serverRoleOf: (p) => protocolModules.find((m) => m.name === p)?.serverRole });
    await runPipeline([capture()], inv);
    const { assets, paths } = inv.result();
    const byIp = (ip: string): Asset => {
      const found = assets.find((x) => x.ips.includes(ip));
      if (!found) throw new Error(`no asset with ${ip} in ${assets.map((x) => x.id).join(', ')}`);
      return found;
    };
    const plc = byIp(PLC_IP);
    expect(plc.id).toBe(`mac:${PLC_MAC}`);
    expect([...plc.names].sort()).toEqual(['PLC-LINE3', 'plc-line3.plant.local']);
    expect(plc.identity.description?.value).toBe('Siemens SIMATIC S7-1500');
    expect(plc.identity.description?.protocol).toBe('dhcp');
    expect(plc.role).toBe('plc');
    const hmi = byIp(HMI_IP);
    expect(hmi.id).toBe(`mac:${HMI_MAC}`);
    expect(hmi.names).toEqual(['hmi-01.plant.local']);
    expect(byIp(SRV_IP).names).toEqual([]); // the resolver answered; it is not what it named
    expect(assets.some((x) => x.ips.includes('93.184.216.34'))).toBe(false);
    expect(assets.some((x) => x.ips.includes('0.0.0.0'))).toBe(false);
    expect(paths.filter((p) => p.protocol === 'dns').map((p) => [p.initiator, p.responder, p.operations.discovery?.count])).toEqual([
      [`mac:${HMI_MAC}`, `mac:${SRV_MAC}`, 1],
    ]);
  });

  it('makes an asset of a DHCP lease alone: the client MAC owns the address handed out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otwatch-names-'));
    const path = join(dir, 'lease.pcap');
    const ack = frame(
      BCAST_MAC,
      SRV_MAC,
      SRV_IP,
      '255.255.255.255',
      67,
      68,
      dhcpMessage({
        op: 2,
        chaddr: PLC_MAC,
        yiaddr: PLC_IP,
        options: [
          [53, [5]],
          [12, 'PLC-LINE3'],
        ],
      }),
    );
    writeFileSync(path, pcapFile([{ data: ack, sec: 1_700_000_000, frac: 0 }]));
    const inv = new Inventory({ serverRoleOf: () => undefined });
    await runPipeline([path], inv);
    const plc = inv.result().assets.find((x) => x.id === `mac:${PLC_MAC}`);
    expect(plc?.ips).toEqual([PLC_IP]);
    expect(plc?.names).toEqual(['PLC-LINE3']);
  });
});
