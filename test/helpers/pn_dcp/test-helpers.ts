/**
 * Builders of DCP PDUs for tests, written from IEC 61158-6-10 §4.3 field by field (frame id, header,
 * blocks with their length and the padding octet after an odd-length block), and a DecoderContext for
 * one MAC pair. Not used by the pipeline.
 */
import { fakeContext, type FakeContext } from '../fake-context.js';
import type { DcpFields } from '../../../src/protocols/pn_dcp/decoder.js';

export const u16 = (n: number): number[] => [(n >> 8) & 0xff, n & 0xff];
export const ascii = (s: string): number[] => [...Buffer.from(s, 'latin1')];
export const ip = (s: string): number[] => s.split('.').map(Number);

/** A block: option, suboption, DCPBlockLength, data, and a padding octet when the block is odd. */
export function block(option: number, suboption: number, data: number[], lengthOverride?: number): number[] {
  const out = [option, suboption, ...u16(lengthOverride ?? data.length), ...data];
  return out.length & 1 ? [...out, 0] : out;
}

export interface PduSpec {
  frameId: number;
  service: number;
  type: number;
  xid?: number;
  /** ResponseDelay (Identify request) or the reserved field. */
  delay?: number;
  blocks?: number[];
  dataLength?: number;
}

/** The bytes after the EtherType: frame id, DCP header, blocks. */
export function dcp(s: PduSpec): Buffer {
  const blocks = s.blocks ?? [];
  const xid = s.xid ?? 1;
  return Buffer.from([
    ...u16(s.frameId),
    s.service,
    s.type,
    (xid >>> 24) & 0xff,
    (xid >> 16) & 0xff,
    (xid >> 8) & 0xff,
    xid & 0xff,
    ...u16(s.delay ?? 0),
    ...u16(s.dataLength ?? blocks.length),
    ...blocks,
  ]);
}

// Blocks as a device reports them (BlockInfo first) and as a Set asks (BlockQualifier first).
export const nameBlock = (name: string, prefix: number[] = [0, 0]) => block(0x02, 0x02, [...prefix, ...ascii(name)]);
export const vendorBlock = (text: string, prefix: number[] = [0, 0]) => block(0x02, 0x01, [...prefix, ...ascii(text)]);
export const deviceIdBlock = (vendor: number, device: number, prefix: number[] = [0, 0]) =>
  block(0x02, 0x03, [...prefix, ...u16(vendor), ...u16(device)]);
export const roleBlock = (role: number, prefix: number[] = [0, 0]) => block(0x02, 0x04, [...prefix, role, 0]);
export const instanceBlock = (high: number, low: number, prefix: number[] = [0, 0]) => block(0x02, 0x07, [...prefix, high, low]);
export const ipBlock = (addr: string, mask: string, gw: string, prefix: number[] = [0, 1]) =>
  block(0x01, 0x02, [...prefix, ...ip(addr), ...ip(mask), ...ip(gw)]);
export const optionsBlock = (pairs: number[], prefix: number[] = [0, 0]) => block(0x02, 0x05, [...prefix, ...pairs]);
export const signalBlock = () => block(0x05, 0x03, [0, 0, 0x01, 0x00]);
export const endTransaction = () => block(0x05, 0x02, [0, 0]);
export const factoryReset = () => block(0x05, 0x06, [0, 0x02]);
export const responseBlock = (option: number, suboption: number, error = 0) => block(0x05, 0x04, [option, suboption, error]);

/** An Identify response as a real IO device sends it (the icsnpp VersaMax PNS, extended). */
export function identifyResponse(
  o: {
    name?: string;
    vendor?: string;
    vendorId?: number;
    deviceId?: number;
    role?: number;
    ip?: [string, string, string];
    ipInfo?: number;
    xid?: number;
  } = {},
): Buffer {
  const ipTriple = o.ip ?? ['192.168.1.2', '255.255.255.0', '192.168.1.2'];
  return dcp({
    frameId: 0xfeff,
    service: 5,
    type: 1,
    xid: o.xid ?? 1,
    blocks: [
      ...nameBlock(o.name ?? 'versamax-pns11'),
      ...optionsBlock([0x02, 0x01, 0x02, 0x02, 0x02, 0x03, 0x02, 0x04, 0x01, 0x02, 0x05, 0x03]),
      ...vendorBlock(o.vendor ?? 'IC200PNS001'),
      ...deviceIdBlock(o.vendorId ?? 0x015a, o.deviceId ?? 0x0003),
      ...roleBlock(o.role ?? 0x01),
      ...ipBlock(...ipTriple, u16(o.ipInfo ?? 1)),
    ],
  });
}

export type FakeL2Context = FakeContext<DcpFields>;

export function fakeL2Context(initiatorMac: string, responderMac: string): FakeL2Context {
  return fakeContext<DcpFields>({ ip: '', port: 0, mac: initiatorMac }, { ip: '', port: 0, mac: responderMac }, 'l2');
}
