/**
 * Is this the first payload of an EtherNet/IP conversation? On 44818 a plausible encapsulation header is
 * enough (Wireshark decodes whatever arrives there); on 2222 (UDP) a common packet format whose items fill
 * the datagram exactly. Elsewhere (a port no module claims) only a whole, self-consistent message of a
 * command a client opens with: random TCP must not pass.
 */
import type { ProbeInfo } from '../../core/events.js';
import {
  CMD_LIST_IDENTITY,
  CMD_LIST_SERVICES,
  CMD_REGISTER_SESSION,
  CMD_SEND_RR_DATA,
  CMD_SEND_UNIT_DATA,
  ENCAP_HEADER_LEN,
  ENIP_IO_PORT,
  ENIP_PORT,
  ITEM_CONNECTED_ADDRESS,
  ITEM_SEQUENCED_ADDRESS,
} from './constants.js';
import { plausibleHeader } from './encap.js';

export function probeEnip(data: Buffer, info: ProbeInfo): boolean {
  try {
    const onEnip = info.srcPort === ENIP_PORT || info.dstPort === ENIP_PORT;
    if (onEnip) return data.length >= ENCAP_HEADER_LEN && plausibleHeader(data, 0, data.length);
    if (info.srcPort === ENIP_IO_PORT || info.dstPort === ENIP_IO_PORT) return info.transport === 'udp' && looksLikeIo(data);
    return looksLikeOpeningMessage(data);
  } catch {
    return false;
  }
}

/** UDP 2222: item count 2+, first item a sequenced (or connected) address of the right length, items fill the datagram. */
export function looksLikeIo(data: Buffer): boolean {
  if (data.length < 2 + 4 + 8 + 4) return false;
  const count = data.readUInt16LE(0);
  if (count < 2 || count > 4) return false;
  const first = data.readUInt16LE(2);
  const firstLen = data.readUInt16LE(4);
  if (!((first === ITEM_SEQUENCED_ADDRESS && firstLen === 8) || (first === ITEM_CONNECTED_ADDRESS && firstLen === 4))) return false;
  let i = 2;
  for (let n = 0; n < count; n++) {
    if (i + 4 > data.length) return false;
    i += 4 + data.readUInt16LE(i + 2);
  }
  return i === data.length;
}

/** Off the EtherNet/IP ports: exactly one message, status and options 0, of a command that opens a conversation. */
function looksLikeOpeningMessage(data: Buffer): boolean {
  if (data.length < ENCAP_HEADER_LEN || !plausibleHeader(data, 0, data.length)) return false;
  const cmd = data.readUInt16LE(0);
  const len = data.readUInt16LE(2);
  if (data.length !== ENCAP_HEADER_LEN + len || data.readUInt32LE(8) !== 0) return false;
  switch (cmd) {
    case CMD_REGISTER_SESSION:
      // protocol version 1, option flags 0
      return len === 4 && data.readUInt16LE(24) === 1 && data.readUInt16LE(26) === 0;
    case CMD_LIST_IDENTITY:
    case CMD_LIST_SERVICES:
      return len === 0 && data.readUInt32LE(4) === 0;
    case CMD_SEND_RR_DATA:
    case CMD_SEND_UNIT_DATA: {
      // interface handle 0 (CIP), then exactly two CPF items filling the message
      if (len < 6 + 2 + 8 || data.readUInt32LE(24) !== 0 || data.readUInt32LE(4) === 0) return false;
      if (data.readUInt16LE(30) !== 2) return false;
      let i = 32;
      for (let n = 0; n < 2; n++) {
        if (i + 4 > data.length) return false;
        i += 4 + data.readUInt16LE(i + 2);
      }
      return i === data.length;
    }
    default:
      return false;
  }
}
