/**
 * S7comm-plus (protocol id 0x72, S7-1200/1500 with TIA Portal) recognised, not decoded: header,
 * and where readable the opcode and function code. V2/V3 frames carry an integrity part (digest
 * length 0x20 + 32-byte digest) in front of the opcode. Pure, never throws.
 */
import {
  S7COMM_PLUS_PROTOCOL_ID,
  S7P_DIGEST_LEN,
  S7P_HEADER_LEN,
  S7P_OPCODE_NOTIFICATION,
  S7P_OPCODE_REQUEST,
  S7P_OPCODE_RESPONSE,
  S7P_OPCODE_RESPONSE2,
} from './constants.js';

export interface S7PlusRecord {
  version: number; // 1, 2, 3; 0xfe system event
  dataLength: number; // as announced in the header
  /** True when a V2/V3 integrity part (digest) precedes the opcode. */
  integrity: boolean;
  opcode?: number; // 0x31 request, 0x32 response, 0x33 notification, 0x02 response2
  functionCode?: number; // e.g. 0x04f2 SetVariable, 0x054c GetMultiVariables
  sequence?: number;
}

/**
 * The fields of an s7commplus event (one per S7comm-plus frame): the S7PlusRecord in the event's snake_case,
 * codes as hex text.
 */
export interface S7PlusFields {
  /** Header byte 1: protocol version (1, 2, 3; 0xfe system event). */
  version: number;
  /** Header bytes 2-3: data length as announced. */
  data_length: number;
  /** A V2/V3 integrity part (digest length 0x20 and a 32-byte digest) precedes the opcode. */
  integrity: boolean;
  /** Opcode byte as "0x31" (request), "0x32" (response), "0x33" (notification), "0x02" (response2); absent when unreadable. */
  opcode?: string;
  /** Function code, 2 bytes after the opcode and 2 reserved, as "0x04f2"; absent for notifications and short frames. */
  function_code?: string;
  /** Sequence number, 2 bytes after the function code and 2 reserved. */
  sequence?: number;
  /** The TCP segment starts with this PDU (what Wireshark-based counts of S7comm-plus frames see): not from the bytes. */
  segment_start: boolean;
}

function isOpcode(b: number): boolean {
  return b === S7P_OPCODE_REQUEST || b === S7P_OPCODE_RESPONSE || b === S7P_OPCODE_NOTIFICATION || b === S7P_OPCODE_RESPONSE2;
}

/** S7comm-plus frame at buf[off, end), or undefined when it does not start with 0x72. */
export function parseS7Plus(buf: Buffer, off: number, end: number): S7PlusRecord | undefined {
  if (end - off < S7P_HEADER_LEN || buf[off] !== S7COMM_PLUS_PROTOCOL_ID) return undefined;
  const rec: S7PlusRecord = { version: buf[off + 1], dataLength: buf.readUInt16BE(off + 2), integrity: false };
  let p = off + S7P_HEADER_LEN;
  // integrity part: a length byte of 32 followed by the digest, then a valid opcode
  if (p + 1 + S7P_DIGEST_LEN < end && buf[p] === S7P_DIGEST_LEN && isOpcode(buf[p + 1 + S7P_DIGEST_LEN])) {
    rec.integrity = true;
    p += 1 + S7P_DIGEST_LEN;
  }
  if (p < end && isOpcode(buf[p])) {
    rec.opcode = buf[p];
    // opcode(1) reserved(2) function(2) reserved(2) sequence(2); notifications have another layout
    if (rec.opcode !== S7P_OPCODE_NOTIFICATION && p + 9 <= end) {
      rec.functionCode = buf.readUInt16BE(p + 3);
      rec.sequence = buf.readUInt16BE(p + 7);
    }
  }
  return rec;
}
