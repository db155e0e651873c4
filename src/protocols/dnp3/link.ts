/**
 * The DNP3 data link layer (IEEE 1815-2012 clause 9) as pure functions over Buffers: frame length from
 * the header, header check, user data with the per-block CRCs removed. Nothing here throws: callers
 * pass offsets they have checked against the buffer's length.
 */
import {
  CRC_LEN,
  CTL_DIR,
  CTL_FCB,
  CTL_FCV,
  CTL_FUNC,
  CTL_PRM,
  LINK_BLOCK_LEN,
  LINK_HEADER_LEN,
  LINK_LEN_FIXED,
  PRIMARY_LINK_FUNCTIONS,
  SECONDARY_LINK_FUNCTIONS,
  START_0,
  START_1,
} from './constants.js';
import { crcMatches } from './crc.js';

export interface LinkHeader {
  /** The length field: control, addresses and user data octets (5..255). */
  length: number;
  control: number;
  /** DIR: set in frames a master sends. */
  dir: boolean;
  /** PRM: set in primary (initiating) frames. */
  prm: boolean;
  /** FCB (primary) or the reserved bit (secondary). */
  fcb: boolean;
  /** FCV (primary) or DFC (secondary). */
  fcv: boolean;
  function: number;
  destination: number;
  source: number;
}

/** Why a header at some offset is not a frame start. */
export const HEADER_OK = 0;
export const HEADER_NO_START = -1;
export const HEADER_BAD_CRC = -2;
export const HEADER_BAD_LENGTH = -3;

/** Octets on the wire of a frame whose length field is `len` (>= 5): header, user data, one CRC per block. */
export function frameLength(len: number): number {
  const data = len - LINK_LEN_FIXED;
  return LINK_HEADER_LEN + data + CRC_LEN * Math.ceil(data / LINK_BLOCK_LEN);
}

/** Checks the 10 header octets at buf[off] (the caller ensures they are there). */
export function checkHeader(buf: Buffer, off: number): number {
  if (buf[off] !== START_0 || buf[off + 1] !== START_1) return HEADER_NO_START;
  if (!crcMatches(buf, off, off + LINK_HEADER_LEN - CRC_LEN)) return HEADER_BAD_CRC;
  if (buf[off + 2]! < LINK_LEN_FIXED) return HEADER_BAD_LENGTH;
  return HEADER_OK;
}

export function parseHeader(buf: Buffer, off: number): LinkHeader {
  const control = buf[off + 3]!;
  return {
    length: buf[off + 2]!,
    control,
    dir: (control & CTL_DIR) !== 0,
    prm: (control & CTL_PRM) !== 0,
    fcb: (control & CTL_FCB) !== 0,
    fcv: (control & CTL_FCV) !== 0,
    function: control & CTL_FUNC,
    destination: buf[off + 4]! | (buf[off + 5]! << 8),
    source: buf[off + 6]! | (buf[off + 7]! << 8),
  };
}

/** "pri:4" / "sec:11": the link function as the oracle keys it. */
export function linkFunctionKey(control: number): string {
  return `${control & CTL_PRM ? 'pri' : 'sec'}:${control & CTL_FUNC}`;
}

export function linkFunctionName(control: number): string {
  const func = control & CTL_FUNC;
  const name = (control & CTL_PRM ? PRIMARY_LINK_FUNCTIONS : SECONDARY_LINK_FUNCTIONS).get(func);
  return name ?? `link_${control & CTL_PRM ? 'primary' : 'secondary'}_${func}`;
}

/**
 * Copies the user data of the complete frame at buf[off] (header already checked) into `out` at 0,
 * dropping the block CRCs. Returns the number of user data octets, or -(1 + block) for the first
 * block whose CRC is wrong (the data from there on cannot be trusted).
 */
export function userData(buf: Buffer, off: number, len: number, out: Buffer): number {
  let left = len - LINK_LEN_FIXED;
  let p = off + LINK_HEADER_LEN;
  let o = 0;
  let block = 0;
  while (left > 0) {
    const n = left < LINK_BLOCK_LEN ? left : LINK_BLOCK_LEN;
    if (!crcMatches(buf, p, p + n)) return -(1 + block);
    // A byte loop: Buffer.copy's native call costs more than 16 octets are worth.
    for (let i = 0; i < n; i++) out[o + i] = buf[p + i]!;
    o += n;
    p += n + CRC_LEN;
    left -= n;
    block++;
  }
  return o;
}
