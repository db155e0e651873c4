/** Test helper (not used by the pipeline): a BOOTP/DHCP message written field by field from RFC 2131. */

export interface DhcpSpec {
  op: number; // 1 request, 2 reply; anything else is malformed, and tests send it
  xid?: number;
  ciaddr?: string;
  yiaddr?: string;
  giaddr?: string;
  chaddr?: string; // aa:bb:cc:dd:ee:ff
  htype?: number;
  hlen?: number;
  /** [code, value] options after the cookie; END is appended unless `noEnd`. */
  options: [number, Buffer | string | number[]][];
  noEnd?: boolean;
  /** Raw bytes for the file field (option overload). */
  file?: Buffer;
  cookie?: number;
}

const ip = (s: string): Buffer => Buffer.from(s.split('.').map(Number));

export function dhcpMessage(s: DhcpSpec): Buffer {
  const h = Buffer.alloc(240);
  h[0] = s.op;
  h[1] = s.htype ?? 1;
  h[2] = s.hlen ?? 6;
  h.writeUInt32BE(s.xid ?? 0x3903f326, 4);
  ip(s.ciaddr ?? '0.0.0.0').copy(h, 12);
  ip(s.yiaddr ?? '0.0.0.0').copy(h, 16);
  ip(s.giaddr ?? '0.0.0.0').copy(h, 24);
  if (s.chaddr) Buffer.from(s.chaddr.split(':').map((x) => parseInt(x, 16))).copy(h, 28);
  if (s.file) s.file.copy(h, 108);
  h.writeUInt32BE(s.cookie ?? 0x63825363, 236);
  const opts: Buffer[] = [];
  for (const [code, v] of s.options) {
    const value = typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v);
    opts.push(Buffer.from([code, value.length]), value);
  }
  if (!s.noEnd) opts.push(Buffer.from([255]));
  return Buffer.concat([h, ...opts]);
}

export const ipBytes = ip;
