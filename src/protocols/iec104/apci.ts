/**
 * The APCI: start octet, length, and the four-octet control field that makes an APDU an I, S or U frame.
 * Pure functions over the bytes; the caller has checked that the four control octets are there.
 *
 *   I: [N(S) << 1 | 0] [N(S) >> 7] [N(R) << 1] [N(R) >> 7]     numbered, an ASDU follows
 *   S: [0x01] [0x00] [N(R) << 1] [N(R) >> 7]                   acknowledges received I frames
 *   U: [TESTFR con|act STOPDT con|act STARTDT con|act 1 1] [0] [0] [0]
 */
import { SEQ_MODULO, U_FUNCTION_NAMES, type ApciFormat } from './constants.js';

/** The format of the control field whose first octet is `c0`, as the standard (and Wireshark) read it. */
export function apciFormat(c0: number): ApciFormat {
  if ((c0 & 0x01) === 0) return 'I';
  return (c0 & 0x03) === 0x01 ? 'S' : 'U';
}

/** A 15-bit sequence number stored in two octets, shifted left by one (the low bit is the format bit). */
export function sequenceNumber(lo: number, hi: number): number {
  return ((lo | (hi << 8)) >>> 1) % SEQ_MODULO;
}

/** The U function bits: the first control octet without its two format bits. */
export function uFunction(c0: number): number {
  return (c0 & 0xfc) >>> 2;
}

/** "STARTDT act" ... for one function bit; any other pattern (none, or several set) as "0x%02x". */
export function uFunctionName(fn: number): string {
  return U_FUNCTION_NAMES.get(fn) ?? `0x${fn.toString(16).padStart(2, '0')}`;
}

/** snake_case event name of a U function: 'startdt_act', or 'u_0x05' for a bit pattern the standard does not define. */
export function uFunctionFn(fn: number): string {
  const name = U_FUNCTION_NAMES.get(fn);
  return name ? name.toLowerCase().replace(' ', '_') : `u_${uFunctionName(fn)}`;
}

/** The three octets after the first one are zero in a U frame and the second is zero in an S frame. */
export function controlFieldClean(buf: Buffer, c: number, format: ApciFormat): boolean {
  if (format === 'U') return buf[c + 1] === 0 && buf[c + 2] === 0 && buf[c + 3] === 0;
  if (format === 'S') return buf[c + 1] === 0 && (buf[c + 2]! & 0x01) === 0;
  return (buf[c + 2]! & 0x01) === 0;
}
