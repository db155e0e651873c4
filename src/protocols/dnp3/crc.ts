/**
 * The DNP3 CRC (IEEE 1815-2012 clause 9.2.2): polynomial x^16+x^13+x^12+x^11+x^10+x^8+x^6+x^5+x^2+1
 * (0x3D65), processed least significant bit first (reflected: 0xA6BC), initial value 0, the result
 * complemented and sent low octet first.
 */

const REFLECTED_POLY = 0xa6bc;

const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ REFLECTED_POLY : c >>> 1;
    t[i] = c;
  }
  return t;
})();

/** CRC of buf[start, end). */
export function dnp3Crc(buf: Buffer, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = (crc >>> 8) ^ TABLE[(crc ^ buf[i]!) & 0xff]!;
  return ~crc & 0xffff;
}

/** Whether buf[start, end) is followed, at `end`, by its CRC (little-endian). Callers ensure end + 2 <= length. */
export function crcMatches(buf: Buffer, start: number, end: number): boolean {
  return dnp3Crc(buf, start, end) === (buf[end]! | (buf[end + 1]! << 8));
}
