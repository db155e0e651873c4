/**
 * The parameter of read/write var jobs, parsed once per distinct byte sequence: an HMI or SCADA poller sends
 * the same item list for the life of its connection (and pollers of one product send the same lists), and
 * parsing it builds address strings ("DB1.DBX0.0"), the detail text and the event's item fields every time.
 * What is built from the parsed request is shared by the events of every PDU with these bytes: its users
 * never modify it.
 *
 * One table for every connection of a process, like Modbus's (modbus/memo.ts): one per connection was cold
 * in the CPU cache whenever its next PDU came, with thousands of connections interleaved (S7 decoding ran
 * 2x slower over 4,000 connections than over 40). The table is direct-mapped by a hash of the bytes: a
 * parameter whose slot holds another one is parsed, and takes the slot.
 */
import { parseVarRequest, type VarRequest } from './records.js';

/** Longer parameters (many items) are parsed every time rather than copied. */
const MAX_MEMO_PARAM = 128;
/** Parameters kept (a power of two): 8 KiB of bytes. */
const SLOTS = 64;

export class VarRequestMemo<T> {
  /** The parameter bytes of each slot, slot i at i * MAX_MEMO_PARAM (allocated on the first one kept). */
  private bytes: Buffer | undefined;
  /** Length of each slot's parameter; -1 while empty. */
  private readonly lens = new Int16Array(SLOTS).fill(-1);
  private readonly built: (T | undefined)[] = new Array<T | undefined>(SLOTS).fill(undefined);

  /** `build` makes what the caller keeps of a request; `fn` is the parameter's function code. */
  constructor(private readonly build: (req: VarRequest, fn: number) => T) {}

  parse(buf: Buffer, off: number, end: number): T {
    const n = end - off;
    if (n > MAX_MEMO_PARAM) return this.build(parseVarRequest(buf, off, end), buf[off]);
    const slot = bytesHash(buf, off, end) & (SLOTS - 1);
    const bytes = (this.bytes ??= Buffer.alloc(SLOTS * MAX_MEMO_PARAM));
    const at = slot * MAX_MEMO_PARAM;
    if (this.lens[slot] === n && sameBytes(bytes, at, buf, off, n)) return this.built[slot]!;
    const built = this.build(parseVarRequest(buf, off, end), buf[off]);
    buf.copy(bytes, at, off, end);
    this.lens[slot] = n;
    this.built[slot] = built;
    return built;
  }
}

/** FNV-1a of buf[off, end). */
export function bytesHash(buf: Buffer, off: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = off; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
  return h >>> 0;
}

function sameBytes(a: Buffer, at: number, b: Buffer, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[at + i] !== b[off + i]) return false;
  return true;
}
