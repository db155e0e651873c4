/** NetBIOS names on the wire: first-level decoding, and which names name a host. */
import { readLabels } from '../dns/records.js';
import { ENCODED_NAME_LEN, ENCODING_BASE, HOST_NAME_SUFFIXES, NETBIOS_NAME_LEN } from './constants.js';

export interface NetbiosName {
  name: string; // the 15 characters, trailing spaces removed
  suffix: number; // the 16th byte: the service (0x00 workstation, 0x20 server, 0x1d master browser, ...)
}

/**
 * Decodes 32 letters 'A'..'P' at `off` into the 16-byte NetBIOS name. Undefined for any other letter.
 */
export function decodeFirstLevel(buf: Buffer, off: number): NetbiosName | undefined {
  if (off + ENCODED_NAME_LEN > buf.length) return undefined;
  const raw = Buffer.alloc(NETBIOS_NAME_LEN);
  for (let i = 0; i < NETBIOS_NAME_LEN; i++) {
    const hi = buf[off + 2 * i]! - ENCODING_BASE;
    const lo = buf[off + 2 * i + 1]! - ENCODING_BASE;
    if (hi < 0 || hi > 15 || lo < 0 || lo > 15) return undefined;
    raw[i] = (hi << 4) | lo;
  }
  return { name: raw.toString('latin1', 0, NETBIOS_NAME_LEN - 1).replace(/[ \x00]+$/, ''), suffix: raw[NETBIOS_NAME_LEN - 1]! };
}

/** The NetBIOS name of a (possibly compressed) encoded name at `off`, and where the name ends. */
export function readNetbiosName(buf: Buffer, off: number): { name: NetbiosName; next: number } | undefined {
  const r = readLabels(buf, off);
  const first = r?.labels[0];
  if (!r || !first || first[1] !== ENCODED_NAME_LEN) return undefined;
  const name = decodeFirstLevel(buf, first[0]);
  return name ? { name, next: r.next } : undefined;
}

/** A unique name that names its host: a workstation or server name, printable, not a wildcard. */
export function isHostName(n: NetbiosName, group: boolean): boolean {
  if (group || !HOST_NAME_SUFFIXES.has(n.suffix) || n.name === '' || n.name.startsWith('*')) return false;
  return !/[\x00-\x20\x7f-\xff]/.test(n.name);
}

/** "PLC-LINE3<00>", as Wireshark and nbtstat print names. */
export function nameText(n: NetbiosName): string {
  return `${n.name}<${n.suffix.toString(16).padStart(2, '0')}>`;
}
