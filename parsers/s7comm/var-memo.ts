/**
 * The parameter of read/write var jobs, parsed once per distinct byte sequence per connection: an HMI or
 * SCADA poller sends the same item list for the life of the connection, and parsing it builds address
 * strings ("DB1.DBX0.0") and the detail text every time. The parsed record is never modified by its users.
 */
import { parseVarRequest, type VarItem, type VarRequest } from './records.js';

/** Longer parameters (many items) are parsed every time rather than copied. */
const MAX_MEMO_PARAM = 128;

export interface ParsedVarRequest {
  req: VarRequest;
  detail: string | undefined;
}

export class VarRequestMemo {
  private readonly bytes = Buffer.alloc(MAX_MEMO_PARAM);
  private len = -1;
  private last: ParsedVarRequest | undefined;

  constructor(private readonly describe: (items: VarItem[]) => string | undefined) {}

  parse(buf: Buffer, off: number, end: number): ParsedVarRequest {
    const n = end - off;
    if (n === this.len && this.last !== undefined && sameBytes(this.bytes, buf, off, n)) return this.last;
    const req = parseVarRequest(buf, off, end);
    const parsed: ParsedVarRequest = { req, detail: this.describe(req.items) };
    if (n <= MAX_MEMO_PARAM) {
      buf.copy(this.bytes, 0, off, end);
      this.len = n;
      this.last = parsed;
    }
    return parsed;
  }
}

function sameBytes(a: Buffer, b: Buffer, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[off + i]) return false;
  return true;
}
