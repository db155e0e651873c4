/**
 * A synthetic capture of a large flat plant: `hosts` clients, each with its own MAC and IP, each reading
 * holding registers from one of `plcs` Modbus PLCs (request and response on its own TCP connection),
 * so that the inventory holds about `hosts` assets and `hosts` paths. Written in ~1 MiB batches.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { pcapHeader, pcapRecord } from './capture-build.js';

function frame(srcMac: Buffer, dstMac: Buffer, src: number[], dst: number[], sport: number, dport: number, payload: Buffer): Buffer {
  const f = Buffer.alloc(14 + 20 + 20 + payload.length);
  dstMac.copy(f, 0);
  srcMac.copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  f[14] = 0x45;
  f.writeUInt16BE(40 + payload.length, 16);
  f[22] = 64;
  f[23] = 6;
  Buffer.from([...src, ...dst]).copy(f, 26);
  f.writeUInt16BE(sport, 34);
  f.writeUInt16BE(dport, 36);
  f.writeUInt32BE(1, 38);
  f[46] = 0x50;
  f[47] = 0x18; // PSH ACK: mid-stream, the well-known port tells the server
  f.writeUInt16BE(8192, 48);
  payload.copy(f, 54);
  return f;
}

const mac = (a: number, i: number) => Buffer.from([0x00, 0x0c, 0x29, a, (i >> 8) & 0xff, i & 0xff]);
const hostIp = (i: number) => [10, 20 + ((i >> 16) & 0x3f), (i >> 8) & 0xff, i & 0xff];

export async function writeManyHostsPcap(path: string, hosts: number, plcs = 10): Promise<void> {
  const out = createWriteStream(path);
  const write = async (b: Buffer) => {
    if (!out.write(b)) await once(out, 'drain');
  };
  await write(pcapHeader({ linkType: 1 }));
  const request = Buffer.from('000100000006010300000002', 'hex');
  const response = Buffer.from('00010000000701030400070008', 'hex');
  let batch: Buffer[] = [];
  let len = 0;
  for (let i = 0; i < hosts; i++) {
    const p = i % plcs;
    const plcMac = mac(0xee, p);
    const plcIp = [10, 0, 0, 1 + p];
    const sec = 1_700_000_000 + Math.floor(i / 100);
    const frac = (i % 100) * 1000;
    for (const rec of [
      pcapRecord({ data: frame(mac(0x01, i), plcMac, hostIp(i), plcIp, 40000 + (i % 20000), 502, request), sec, frac }),
      pcapRecord({ data: frame(plcMac, mac(0x01, i), plcIp, hostIp(i), 502, 40000 + (i % 20000), response), sec, frac: frac + 500 }),
    ]) {
      batch.push(rec);
      len += rec.length;
    }
    if (len >= 1 << 20) {
      await write(Buffer.concat(batch));
      batch = [];
      len = 0;
    }
  }
  if (batch.length) await write(Buffer.concat(batch));
  out.end();
  await once(out, 'finish');
}
