/**
 * Is this the first payload of a DNP3 conversation? A link frame starts with 0x05 0x64 and a header whose
 * CRC matches (16 bits of check over 8 octets: random TCP passes it about once in 4 billion flows that
 * already start with the two start octets). On port 20000 a first payload too short to hold the header is
 * accepted on its start octets, as Wireshark does.
 */
import type { ProbeInfo } from '../../core/events.js';
import { DNP3_PORT, LINK_HEADER_LEN, START_0, START_1 } from './constants.js';
import { checkHeader, HEADER_OK } from './link.js';

export function probeDnp3(data: Buffer, info: ProbeInfo): boolean {
  if (data.length < 2 || data[0] !== START_0 || data[1] !== START_1) return false;
  if (data.length < LINK_HEADER_LEN) return info.srcPort === DNP3_PORT || info.dstPort === DNP3_PORT;
  return checkHeader(data, 0) === HEADER_OK;
}
