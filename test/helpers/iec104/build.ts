/**
 * Builders of IEC 104 APDUs from the standard's layouts (apci.ts and asdu.ts comment them), used by the
 * unit, decoder, fuzz and real-peer tests to write frames the way a 104 stack puts them on the wire.
 */
import { APCI_START, COT_CAUSE_MASK, COT_NEGATIVE, COT_TEST } from '../../../src/protocols/iec104/constants.js';

/** An APDU around a control field and an optional ASDU. */
export function apdu(control: readonly number[], asdu: readonly number[] = []): Buffer {
  return Buffer.from([APCI_START, control.length + asdu.length, ...control, ...asdu]);
}

/** U frame with the given function bits (STARTDT act 0x01 ... TESTFR con 0x20). */
export function uFrame(fn: number): Buffer {
  return apdu([((fn << 2) | 0x03) & 0xff, 0, 0, 0]);
}

/** S frame acknowledging up to N(R). */
export function sFrame(nr: number): Buffer {
  return apdu([0x01, 0x00, (nr << 1) & 0xfe, (nr >> 7) & 0xff]);
}

/** I frame with N(S), N(R) and an ASDU. */
export function iFrame(ns: number, nr: number, asdu: readonly number[]): Buffer {
  return apdu([(ns << 1) & 0xfe, (ns >> 7) & 0xff, (nr << 1) & 0xfe, (nr >> 7) & 0xff], asdu);
}

export interface AsduHeader {
  type: number;
  cause: number;
  ca: number;
  /** Objects (SQ=0) or elements (SQ=1); default 1. */
  count?: number;
  sq?: boolean;
  negative?: boolean;
  test?: boolean;
  originator?: number;
}

/** Data unit identifier then the object bytes. */
export function asdu(h: AsduHeader, objects: readonly number[]): number[] {
  const cot = (h.cause & COT_CAUSE_MASK) | (h.negative ? COT_NEGATIVE : 0) | (h.test ? COT_TEST : 0);
  return [h.type, (h.sq ? 0x80 : 0) | (h.count ?? 1), cot, h.originator ?? 0, h.ca & 0xff, (h.ca >> 8) & 0xff, ...objects];
}

/** Three-octet information object address. */
export function ioa(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff];
}

/** CP56Time2a of a UTC date (day of week left 0, as many stacks do). */
export function cp56(d: Date, invalid = false): number[] {
  const ms = d.getUTCSeconds() * 1000 + d.getUTCMilliseconds();
  return [
    ms & 0xff,
    ms >> 8,
    d.getUTCMinutes() | (invalid ? 0x80 : 0),
    d.getUTCHours(),
    d.getUTCDate(),
    d.getUTCMonth() + 1,
    d.getUTCFullYear() - 2000,
  ];
}

export function i16(n: number): number[] {
  const b = Buffer.alloc(2);
  b.writeInt16LE(n);
  return [...b];
}

export function f32(n: number): number[] {
  const b = Buffer.alloc(4);
  b.writeFloatLE(n);
  return [...b];
}
