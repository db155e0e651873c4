/**
 * NetBIOS datagram service (UDP 138): the header names the sending node's address and, for data
 * datagrams, its source name (browser announcements carry HOST<00>). The SMB payload is not read.
 */
import type { IdentityClaim } from '../../core/events.js';
import { ipv4ToString } from '../../net/addr.js';
import { DGM_BROADCAST, DGM_DIRECT_GROUP, DGM_DIRECT_UNIQUE, DGM_HEADER_LEN, DGM_SOURCE_NAME_OFFSET, DGM_TYPE_NAMES } from './constants.js';
import { decodeFirstLevel, isHostName, nameText, readNetbiosName } from './names.js';

export interface NbdsFields {
  type: string;
  id: number;
  sourceIp: string;
  sourcePort: number;
  sourceName?: string;
  destinationName?: string;
  malformed?: string;
}

export interface NbdsMessage {
  fn: string;
  detail: string;
  fields: NbdsFields;
  claims: IdentityClaim[];
}

export function decodeNbds(buf: Buffer): NbdsMessage | undefined {
  if (buf.length < DGM_HEADER_LEN) return undefined;
  const type = buf[0]!;
  const fn = DGM_TYPE_NAMES[type];
  if (fn === undefined) return undefined;
  const fields: NbdsFields = {
    type: fn,
    id: buf.readUInt16BE(2),
    sourceIp: ipv4ToString(buf.readUInt32BE(4)),
    sourcePort: buf.readUInt16BE(8),
  };
  const claims: IdentityClaim[] = [];
  if (type === DGM_DIRECT_UNIQUE || type === DGM_DIRECT_GROUP || type === DGM_BROADCAST) {
    const src = readNetbiosName(buf, DGM_SOURCE_NAME_OFFSET);
    if (!src) fields.malformed = 'bad source name';
    else {
      fields.sourceName = nameText(src.name);
      const dst = readNetbiosName(buf, src.next);
      if (dst) fields.destinationName = nameText(dst.name);
      // The source name is one of the sender's own: unique by construction (RFC 1002 4.4.2).
      if (isHostName(src.name, false)) claims.push({ about: 'src', ip: fields.sourceIp, attribute: 'name', value: src.name.name });
    }
  }
  const detail = [fn, fields.sourceName, fields.destinationName ? `to ${fields.destinationName}` : undefined]
    .filter((x) => x !== undefined)
    .join(' ');
  return { fn, detail, fields, claims };
}

/** Probe: a known message type and, for data datagrams, a source name that decodes. */
export function looksLikeNbds(buf: Buffer): boolean {
  if (buf.length < DGM_HEADER_LEN || DGM_TYPE_NAMES[buf[0]!] === undefined) return false;
  const t = buf[0]!;
  if (t !== DGM_DIRECT_UNIQUE && t !== DGM_DIRECT_GROUP && t !== DGM_BROADCAST) return true;
  return (
    buf.length >= DGM_SOURCE_NAME_OFFSET + 34 &&
    buf[DGM_SOURCE_NAME_OFFSET] === 0x20 &&
    decodeFirstLevel(buf, DGM_SOURCE_NAME_OFFSET + 1) !== undefined
  );
}
