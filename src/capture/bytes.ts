/** Endian-parameterised integer reads; small enough for V8 to inline in the per-packet loops. */

export function u16(buf: Buffer, off: number, le: boolean): number {
  return le ? buf[off]! | (buf[off + 1]! << 8) : (buf[off]! << 8) | buf[off + 1]!;
}

export function u32(buf: Buffer, off: number, le: boolean): number {
  // Multiply instead of << 24 for the top byte: keeps the result unsigned.
  return le
    ? (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16)) + buf[off + 3]! * 0x1000000
    : buf[off]! * 0x1000000 + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/** Signed 64-bit as a double (exact below 2^53; if_tsoffset is seconds, so far below). */
export function i64(buf: Buffer, off: number, le: boolean): number {
  const hi = le ? buf.readInt32LE(off + 4) : buf.readInt32BE(off);
  const lo = u32(buf, le ? off : off + 4, le);
  return hi * 4294967296 + lo;
}

/** Lower-case hex of the first n bytes, for error messages. */
export function hexHead(buf: Buffer, n: number): string {
  return buf.subarray(0, Math.min(n, buf.length)).toString('hex');
}
