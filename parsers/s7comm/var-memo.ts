/**
 * The parameter of read/write var jobs, parsed once per distinct byte sequence per connection: an HMI or
 * SCADA poller sends the same item list for the life of the connection, and parsing it builds address
 * strings ("DB1.DBX0.0"), the detail text and the event's item fields every time. What is built from the
 * parsed request is shared by the events of every PDU with these bytes: its users never modify it.
 */
import { parseVarRequest, type VarRequest } from './records.js';

/** Longer parameters (many items) are parsed every time rather than copied. */
const MAX_MEMO_PARAM = 128;

export class VarRequestMemo<T> {
  /** The parameter bytes `last` was built from (allocated on the first one kept). */
  private bytes: Buffer | undefined;
  private len = -1;
  private last: T | undefined;

  /** `build` makes what the caller keeps of a request; `fn` is the parameter's function code. */
  constructor(private readonly build: (req: VarRequest, fn: number) => T) {}

  parse(buf: Buffer, off: number, end: number): T {
    const n = end - off;
    const bytes = this.bytes;
    if (n === this.len && bytes !== undefined && sameBytes(bytes, buf, off, n)) return this.last!;
    const built = this.build(parseVarRequest(buf, off, end), buf[off]);
    if (n <= MAX_MEMO_PARAM) {
      buf.copy((this.bytes ??= Buffer.allocUnsafe(MAX_MEMO_PARAM)), 0, off, end);
      this.len = n;
      this.last = built;
    }
    return built;
  }
}

function sameBytes(a: Buffer, b: Buffer, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[off + i]) return false;
  return true;
}
