/**
 * Builders of TPKT/COTP/S7 bytes, used by the unit, decoder and fuzz tests to write PDUs the way
 * S7 stacks put them on the wire (the layouts are commented in records.ts and userdata.ts).
 */

export function u16(n: number): number[] {
  return [(n >> 8) & 0xff, n & 0xff];
}

export function ascii(s: string): number[] {
  return [...Buffer.from(s, 'latin1')];
}

/** TPKT around a COTP TPDU. */
export function tpkt(cotp: Buffer | number[]): Buffer {
  const body = Buffer.from(cotp);
  return Buffer.concat([Buffer.from([0x03, 0x00, ...u16(body.length + 4)]), body]);
}

/** COTP DT with end-of-TSDU set (or not) around a payload. */
export function dt(payload: Buffer | number[], eot = true, nr = 0): Buffer {
  return Buffer.concat([Buffer.from([0x02, 0xf0, (eot ? 0x80 : 0) | (nr & 0x7f)]), Buffer.from(payload)]);
}

/** TPKT + COTP DT (EOT) + payload: one whole S7 frame. */
export function frame(payload: Buffer | number[]): Buffer {
  return tpkt(dt(payload));
}

/** COTP CR/CC with TPDU size 1024 and the given TSAPs (hex). */
export function connect(type: 'CR' | 'CC', srcTsap: string, dstTsap: string): Buffer {
  const s = Buffer.from(srcTsap, 'hex');
  const d = Buffer.from(dstTsap, 'hex');
  const vp = [0xc0, 0x01, 0x0a, 0xc1, s.length, ...s, 0xc2, d.length, ...d];
  const hdr = [type === 'CR' ? 0xe0 : 0xd0, ...u16(type === 'CR' ? 0 : 1), ...u16(1), 0x00, ...vp];
  return tpkt([hdr.length, ...hdr]);
}

/** S7 header + parameter + data. ack and ack_data get error class/code bytes. */
export function s7(rosctr: number, pduRef: number, param: number[], data: number[] = [], err: [number, number] = [0, 0]): Buffer {
  const head = [0x32, rosctr, 0x00, 0x00, ...u16(pduRef), ...u16(param.length), ...u16(data.length)];
  if (rosctr === 2 || rosctr === 3) head.push(err[0], err[1]);
  return Buffer.from([...head, ...param, ...data]);
}

export function setupParam(pduSize: number): number[] {
  return [0xf0, 0x00, ...u16(1), ...u16(1), ...u16(pduSize)];
}

/** S7ANY item: transport size, count, DB number, area, byte.bit address. */
export function anyItem(ts: number, len: number, db: number, area: number, byte: number, bit: number): number[] {
  const addr = byte * 8 + bit;
  return [0x12, 0x0a, 0x10, ts, ...u16(len), ...u16(db), area, (addr >> 16) & 0xff, (addr >> 8) & 0xff, addr & 0xff];
}

export function varParam(fn: 0x04 | 0x05, items: number[][]): number[] {
  return [fn, items.length, ...items.flat()];
}

/** Data item: return code, transport size, length (in bits for sizes 3/4/5), value, fill byte when odd and not last. */
export function dataItem(ret: number, ts: number, value: number[], last = true): number[] {
  const bits = ts === 3 || ts === 4 || ts === 5;
  const out = [ret, ts, ...u16(bits ? value.length * 8 : value.length), ...value];
  if (!last && value.length % 2 === 1) out.push(0);
  return out;
}

/** Block transfer job parameter (0x1a..0x1f) with a file name like "_0A00001P". */
export function blockParam(fn: number, id: number, fileName?: string, part2?: string): number[] {
  const out = [fn, 0x00, 0x00, 0x00, (id >>> 24) & 0xff, (id >> 16) & 0xff, (id >> 8) & 0xff, id & 0xff];
  if (fileName !== undefined) out.push(fileName.length, ...ascii(fileName));
  if (part2 !== undefined) out.push(part2.length, ...ascii(part2));
  return out;
}

export function piParam(service: string, parameter: string): number[] {
  return [0x28, 0, 0, 0, 0, 0, 0, 0xfd, ...u16(parameter.length), ...ascii(parameter), service.length, ...ascii(service)];
}

export function plcStopParam(service = 'P_PROGRAM'): number[] {
  return [0x29, 0, 0, 0, 0, 0, service.length, ...ascii(service)];
}

/** Userdata parameter; a response (type 8) gets data unit reference, last data unit and error code. */
export function udParam(type: 0 | 4 | 8, group: number, sub: number, seq = 0, dur = 0, last = 0): number[] {
  const method = type === 4 ? 0x11 : 0x12;
  const base = [0x00, 0x01, 0x12, type === 8 ? 8 : 4, method, (type << 4) | group, sub, seq];
  if (type === 8) base.push(dur, last, 0, 0);
  return base;
}

export function udData(ret: number, payload: number[]): number[] {
  return [ret, ret === 0xff ? 0x09 : 0x00, ...u16(payload.length), ...payload];
}

/** SZL 0x0011 record: index, order number (20 chars), module type, Ausbg, Ausbe. */
export function szl11Record(index: number, mlfb: string, ausbg: number, ausbe: number): number[] {
  return [...u16(index), ...ascii(mlfb.padEnd(20, ' ')), ...u16(0x00c0), ...u16(ausbg), ...u16(ausbe)];
}

/** SZL 0x001C record: index and 32-character text (NUL padded). */
export function szl1cRecord(index: number, text: string): number[] {
  const t = Buffer.alloc(32);
  t.write(text, 'latin1');
  return [...u16(index), ...t];
}

export function szlAnswer(id: number, index: number, recLen: number, records: number[][]): number[] {
  return [...u16(id), ...u16(index), ...u16(recLen), ...u16(records.length), ...records.flat()];
}
