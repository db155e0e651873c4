/**
 * A small capture with a scan in it: a Modbus poller and its PLC (10.0.1.1 → 10.0.2.1:502, one request and its
 * answer), and a scanner (10.0.9.9) whose SYNs go to 50 addresses that never answer (10.0.3.1-50) and to the PLC's
 * port 102, which refuses with a reset.
 */
import { writeFileSync } from 'node:fs';
import { ACK, RST, SYN, TcpConversation, ethernet, ipv4, tcp } from '../../bench/gen/packets.js';
import { pcapFile } from './capture-build.js';

export const SCAN_UNANSWERED = 50;

export function writeScanCapture(file: string): void {
  const mac = (i: number) => `00:1d:9c:00:00:${i.toString(16).padStart(2, '0')}`;
  const poller = new TcpConversation({ mac: mac(1), ip: '10.0.1.1', port: 40001 }, { mac: mac(2), ip: '10.0.2.1', port: 502 });
  const frames: Buffer[] = [...poller.handshake()];
  // Modbus FC3: read 2 holding registers at 0, and its answer
  frames.push(poller.send(true, Buffer.from([0, 1, 0, 0, 0, 6, 1, 3, 0, 0, 0, 2])));
  frames.push(poller.send(false, Buffer.from([0, 1, 0, 0, 0, 7, 1, 3, 4, 0, 1, 0, 2])));
  const scanner = { mac: mac(9), ip: '10.0.9.9' };
  for (let i = 1; i <= SCAN_UNANSWERED; i++)
    frames.push(ethernet(mac(254), scanner.mac, 0x0800, ipv4(scanner.ip, `10.0.3.${i}`, 6, tcp(50000, 502, 7000 + i, 0, SYN))));
  frames.push(ethernet(mac(2), scanner.mac, 0x0800, ipv4(scanner.ip, '10.0.2.1', 6, tcp(50001, 102, 9000, 0, SYN))));
  frames.push(ethernet(scanner.mac, mac(2), 0x0800, ipv4('10.0.2.1', scanner.ip, 6, tcp(102, 50001, 0, 9001, RST | ACK))));
  writeFileSync(file, pcapFile(frames.map((data, i) => ({ data, sec: 1_700_000_000 + i, frac: 0 }))));
}
