/**
 * Is this first payload a DNS-format message? Probes run on every unclaimed flow, so this one is cheap and
 * strict: it answers only on the variant's own port (DNS on a random port is rare; stealing another
 * protocol's flow is worse than missing it), and then needs a sane header (known opcode, counts that fit
 * the length) and, when there is a question, a first question that parses.
 */
import type { ProbeInfo } from '../../core/events.js';
import { HEADER_LEN, OPCODE_NAMES, TCP_LENGTH_PREFIX } from './constants.js';
import { countsFit, readHeader, readName } from './records.js';

export function probeDns(data: Buffer, info: ProbeInfo, port: number): boolean {
  if (info.srcPort !== port && info.dstPort !== port) return false;
  let msg = data;
  if (info.transport === 'tcp') {
    if (data.length < TCP_LENGTH_PREFIX + HEADER_LEN) return false;
    const len = data.readUInt16BE(0);
    if (len < HEADER_LEN) return false;
    msg = data.subarray(TCP_LENGTH_PREFIX);
    return messageLooksValid(msg, len);
  }
  return messageLooksValid(msg, msg.length);
}

/** Header sanity over `msg` (which may be the start of a `length`-byte message). */
export function messageLooksValid(msg: Buffer, length: number): boolean {
  const h = readHeader(msg);
  if (!h || OPCODE_NAMES[h.opcode] === undefined || !countsFit(h, length)) return false;
  if (h.qdcount + h.ancount + h.nscount + h.arcount === 0) return false;
  if (h.qdcount > 0 && msg.length > HEADER_LEN + 1) {
    const n = readName(msg, HEADER_LEN);
    // a name cut off by the end of a first TCP segment is no evidence against
    if (!n) return msg.length < length;
  }
  return true;
}
