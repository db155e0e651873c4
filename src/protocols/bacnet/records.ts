/**
 * Pure functions over Buffers for the BACnet/IP layers below the services: BVLC (Annex J), NPDU
 * (clause 6), the APDU header (clause 20.1). Each fills a record that mirrors the bytes (a fresh one, or
 * the caller's scratch record: the decoder reuses one per layer, as every datagram has these headers)
 * or returns `undefined`/`malformed` on short or hostile input; none throws.
 */
import {
  BVLC_DELETE_FDT_ENTRY,
  BVLC_DISTRIBUTE_BROADCAST,
  BVLC_FORWARDED_NPDU,
  BVLC_HEADER_LENGTH,
  BVLC_MAX_FUNCTION,
  BVLC_ORIGINAL_BROADCAST,
  BVLC_ORIGINAL_UNICAST,
  BVLC_READ_BDT_ACK,
  BVLC_READ_FDT_ACK,
  BVLC_REGISTER_FOREIGN_DEVICE,
  BVLC_RESULT,
  BVLC_WRITE_BDT,
  BVLL_TYPE_BACNET_IP,
  APDU_MORE_FOLLOWS,
  APDU_NAK,
  APDU_SEGMENTED,
  APDU_SEGMENTED_RESPONSE_ACCEPTED,
  APDU_SERVER,
  NETWORK_MESSAGE_PROPRIETARY_MIN,
  NPDU_DEST_PRESENT,
  NPDU_EXPECTING_REPLY,
  NPDU_NETWORK_MESSAGE,
  NPDU_PRIORITY_MASK,
  NPDU_SRC_PRESENT,
  NPDU_VERSION,
  PDU_ABORT,
  PDU_COMPLEX_ACK,
  PDU_CONFIRMED_REQUEST,
  PDU_ERROR,
  PDU_REJECT,
  PDU_SEGMENT_ACK,
  PDU_SIMPLE_ACK,
  PDU_UNCONFIRMED_REQUEST,
} from './constants.js';

// ---------------------------------------------------------------- BVLC

export interface Bvlc {
  fn: number;
  /** The BVLC length field (whole BVLL message). */
  length: number;
  /** Offset of the NPDU in the buffer, when this function carries one. */
  npduOffset: number | undefined;
  /** Forwarded-NPDU: the B/IP address of the original sender ("ip:port"). */
  origin: { ip: string; port: number } | undefined;
  /** BVLC-Result code, Register-Foreign-Device time-to-live, table entry counts, deleted entry. */
  resultCode: number | undefined;
  ttl: number | undefined;
  entries: number | undefined;
  entry: string | undefined;
  malformed: string | undefined;
}

/** A record for parseBvlc to fill (every member present: one object shape). */
export function newBvlc(): Bvlc {
  return {
    fn: 0,
    length: 0,
    npduOffset: undefined,
    origin: undefined,
    resultCode: undefined,
    ttl: undefined,
    entries: undefined,
    entry: undefined,
    malformed: undefined,
  };
}

/**
 * Decodes the BVLL header of the datagram buf[start, end) into `rec` (the decoder passes a scratch record:
 * the header is read and dropped per datagram). `undefined` when this is not B/IP at all (type octet, short).
 */
export function parseBvlc(buf: Buffer, start = 0, end = buf.length, rec: Bvlc = newBvlc()): Bvlc | undefined {
  if (end - start < BVLC_HEADER_LENGTH || buf[start] !== BVLL_TYPE_BACNET_IP) return undefined;
  const fn = buf[start + 1]!;
  const length = buf.readUInt16BE(start + 2);
  const size = end - start;
  rec.fn = fn;
  rec.length = length;
  rec.npduOffset = rec.origin = rec.resultCode = rec.ttl = rec.entries = rec.entry = rec.malformed = undefined;
  // The length field should equal the datagram's. When it does not, the datagram wins: Wireshark
  // decodes the NPDU to the end of the datagram too, and real stacks send short length fields
  // (icsnpp bacnet_example: ReinitializeDevice with its password past the BVLC length).
  if (length < BVLC_HEADER_LENGTH) rec.malformed = 'bvlc length below header';
  else if (length > size) rec.malformed = 'bvlc length beyond datagram';
  else if (length < size) rec.malformed = 'bvlc length short of datagram';
  const p = start + BVLC_HEADER_LENGTH; // the function's own data
  switch (fn) {
    case BVLC_ORIGINAL_UNICAST:
    case BVLC_ORIGINAL_BROADCAST:
    case BVLC_DISTRIBUTE_BROADCAST:
      rec.npduOffset = p;
      break;
    case BVLC_FORWARDED_NPDU:
      // 6 octets of original source B/IP address (IPv4 + UDP port) precede the NPDU.
      if (end < p + 6) {
        rec.malformed ??= 'forwarded-npdu shorter than its address';
      } else {
        rec.origin = { ip: `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}`, port: buf.readUInt16BE(p + 4) };
        rec.npduOffset = p + 6;
      }
      break;
    case BVLC_RESULT:
      if (end >= p + 2) rec.resultCode = buf.readUInt16BE(p);
      else rec.malformed ??= 'bvlc-result without code';
      break;
    case BVLC_REGISTER_FOREIGN_DEVICE:
      if (end >= p + 2) rec.ttl = buf.readUInt16BE(p);
      else rec.malformed ??= 'register-foreign-device without ttl';
      break;
    case BVLC_WRITE_BDT:
    case BVLC_READ_BDT_ACK:
      // BDT entries: 4 octets IP, 2 port, 4 mask.
      rec.entries = Math.floor(Math.max(0, end - p) / 10);
      if ((end - p) % 10 !== 0) rec.malformed ??= 'partial bdt entry';
      break;
    case BVLC_READ_FDT_ACK:
      // FDT entries: 6 octets address, 2 ttl, 2 remaining.
      rec.entries = Math.floor(Math.max(0, end - p) / 10);
      if ((end - p) % 10 !== 0) rec.malformed ??= 'partial fdt entry';
      break;
    case BVLC_DELETE_FDT_ENTRY:
      if (end >= p + 6) rec.entry = `${buf[p]}.${buf[p + 1]}.${buf[p + 2]}.${buf[p + 3]}:${buf.readUInt16BE(p + 4)}`;
      else rec.malformed ??= 'delete-fdt-entry without address';
      break;
    default:
      if (fn > BVLC_MAX_FUNCTION) rec.malformed ??= 'unknown bvlc function';
  }
  return rec;
}

/**
 * Heuristic for B/IP on a port nobody claims: type 0x81, a defined function, and a length field equal
 * to the datagram length (exactly: random payloads rarely satisfy all three).
 */
export function looksLikeBvlc(buf: Buffer): boolean {
  return (
    buf.length >= BVLC_HEADER_LENGTH && buf[0] === BVLL_TYPE_BACNET_IP && buf[1]! <= BVLC_MAX_FUNCTION && buf.readUInt16BE(2) === buf.length
  );
}

/**
 * On a BACnet port the type octet is enough: the flow is BACnet and a wrong length is the decoder's
 * anomaly to count, not a reason to leave the flow undecoded.
 */
export function looksLikeBvlcOnBacnetPort(buf: Buffer): boolean {
  return buf.length >= BVLC_HEADER_LENGTH && buf[0] === BVLL_TYPE_BACNET_IP;
}

// ---------------------------------------------------------------- NPDU

export interface Npdu {
  control: number;
  priority: number;
  expectingReply: boolean;
  dnet: number | undefined;
  /** Destination MAC as lower-case hex; empty for a broadcast on DNET. */
  dadr: string | undefined;
  snet: number | undefined;
  sadr: string | undefined;
  hopCount: number | undefined;
  /** Network-layer message type when the NSDU is not an APDU. */
  messageType: number | undefined;
  vendorId: number | undefined;
  /** Offset just past the NPDU header (the APDU or the network message's data). */
  next: number;
  malformed: string | undefined;
}

/** A record for parseNpdu to fill (every member present: one object shape). */
export function newNpdu(): Npdu {
  return {
    control: 0,
    priority: 0,
    expectingReply: false,
    dnet: undefined,
    dadr: undefined,
    snet: undefined,
    sadr: undefined,
    hopCount: undefined,
    messageType: undefined,
    vendorId: undefined,
    next: 0,
    malformed: undefined,
  };
}

/**
 * Decodes the NPDU header at `off` into `rec` (the decoder passes a scratch record: read and dropped per
 * datagram). `undefined` when too short or not version 1.
 */
export function parseNpdu(buf: Buffer, off: number, end: number, rec: Npdu = newNpdu()): Npdu | undefined {
  if (off + 2 > end || buf[off] !== NPDU_VERSION) return undefined;
  const control = buf[off + 1]!;
  rec.control = control;
  rec.priority = control & NPDU_PRIORITY_MASK;
  rec.expectingReply = (control & NPDU_EXPECTING_REPLY) !== 0;
  rec.dnet = rec.dadr = rec.snet = rec.sadr = rec.hopCount = rec.messageType = rec.vendorId = rec.malformed = undefined;
  rec.next = off + 2;
  let p = off + 2;
  if (control & NPDU_DEST_PRESENT) {
    if (p + 3 > end) return truncatedNpdu(rec, p);
    rec.dnet = buf.readUInt16BE(p);
    const dlen = buf[p + 2]!;
    p += 3;
    if (p + dlen > end) return truncatedNpdu(rec, p);
    rec.dadr = buf.toString('hex', p, p + dlen);
    p += dlen;
  }
  if (control & NPDU_SRC_PRESENT) {
    if (p + 3 > end) return truncatedNpdu(rec, p);
    rec.snet = buf.readUInt16BE(p);
    const slen = buf[p + 2]!;
    p += 3;
    if (p + slen > end) return truncatedNpdu(rec, p);
    rec.sadr = buf.toString('hex', p, p + slen);
    p += slen;
    // SLEN 0 would be an indeterminate source (6.2.2): malformed but decodable.
    if (slen === 0) rec.malformed = 'slen 0';
  }
  if (control & NPDU_DEST_PRESENT) {
    if (p + 1 > end) return truncatedNpdu(rec, p);
    rec.hopCount = buf[p]!;
    p += 1;
  }
  if (control & NPDU_NETWORK_MESSAGE) {
    if (p + 1 > end) return truncatedNpdu(rec, p);
    rec.messageType = buf[p]!;
    p += 1;
    if (rec.messageType >= NETWORK_MESSAGE_PROPRIETARY_MIN) {
      if (p + 2 > end) return truncatedNpdu(rec, p);
      rec.vendorId = buf.readUInt16BE(p);
      p += 2;
    }
  }
  rec.next = p;
  return rec;
}

function truncatedNpdu(rec: Npdu, p: number): Npdu {
  rec.next = p;
  rec.malformed = 'npdu header truncated';
  return rec;
}

/** The network numbers a network-layer message lists (Who-Is-Router: optional one; I-Am-Router: many). */
export function networkNumbers(buf: Buffer, off: number, end: number, max: number): number[] {
  const out: number[] = [];
  for (let p = off; p + 2 <= end && out.length < max; p += 2) out.push(buf.readUInt16BE(p));
  return out;
}

// ---------------------------------------------------------------- APDU header

export interface ApduHeader {
  type: number;
  /** Low nibble of the first octet. */
  flags: number;
  segmented: boolean;
  moreFollows: boolean;
  invokeId: number | undefined;
  /** Service choice (confirmed or unconfirmed, by `type`). */
  service: number | undefined;
  sequence: number | undefined;
  window: number | undefined;
  maxSegments: number | undefined;
  maxApdu: number | undefined;
  segmentedResponseAccepted: boolean | undefined;
  /** Segment-ACK and Abort: sent by the server. Segment-ACK: negative ack. */
  server: boolean | undefined;
  nak: boolean | undefined;
  /** Reject or abort reason. */
  reason: number | undefined;
  /** Offset of the service data. */
  next: number;
  malformed: string | undefined;
}

/** A record for parseApduHeader to fill (every member present: one object shape). */
export function newApduHeader(): ApduHeader {
  return {
    type: 0,
    flags: 0,
    segmented: false,
    moreFollows: false,
    invokeId: undefined,
    service: undefined,
    sequence: undefined,
    window: undefined,
    maxSegments: undefined,
    maxApdu: undefined,
    segmentedResponseAccepted: undefined,
    server: undefined,
    nak: undefined,
    reason: undefined,
    next: 0,
    malformed: undefined,
  };
}

/** Max-APDU-length-accepted codes (20.1.2.5). */
const MAX_APDU_LENGTHS = [50, 128, 206, 480, 1024, 1476];
/** Max-segments-accepted codes (20.1.2.4); 0 unspecified, 7 more than 64. */
const MAX_SEGMENTS = [0, 2, 4, 8, 16, 32, 64, 65];

/**
 * Decodes the APDU header at `off` into `rec` (the decoder passes a scratch record: read and dropped per
 * datagram). `undefined` when there is no octet left.
 */
export function parseApduHeader(buf: Buffer, off: number, end: number, rec: ApduHeader = newApduHeader()): ApduHeader | undefined {
  if (off >= end) return undefined;
  const b0 = buf[off]!;
  const type = b0 >> 4;
  const flags = b0 & 0x0f;
  rec.type = type;
  rec.flags = flags;
  rec.segmented = rec.moreFollows = false;
  rec.invokeId = rec.service = rec.sequence = rec.window = rec.maxSegments = rec.maxApdu = rec.reason = undefined;
  rec.segmentedResponseAccepted = rec.server = rec.nak = undefined;
  rec.next = off + 1;
  rec.malformed = undefined;
  switch (type) {
    case PDU_CONFIRMED_REQUEST: {
      rec.segmented = (flags & APDU_SEGMENTED) !== 0;
      rec.moreFollows = (flags & APDU_MORE_FOLLOWS) !== 0;
      rec.segmentedResponseAccepted = (flags & APDU_SEGMENTED_RESPONSE_ACCEPTED) !== 0;
      if (off + 3 > end) return truncatedApdu(rec, end);
      const b1 = buf[off + 1]!;
      rec.maxSegments = MAX_SEGMENTS[(b1 >> 4) & 0x07];
      rec.maxApdu = MAX_APDU_LENGTHS[b1 & 0x0f] ?? b1 & 0x0f;
      rec.invokeId = buf[off + 2]!;
      return segmentAndService(rec, buf, off + 3, end);
    }
    case PDU_UNCONFIRMED_REQUEST:
      if (off + 2 > end) return truncatedApdu(rec, end);
      rec.service = buf[off + 1]!;
      rec.next = off + 2;
      return rec;
    case PDU_SIMPLE_ACK:
      if (off + 3 > end) return truncatedApdu(rec, end);
      rec.invokeId = buf[off + 1]!;
      rec.service = buf[off + 2]!;
      rec.next = off + 3;
      return rec;
    case PDU_COMPLEX_ACK: {
      rec.segmented = (flags & APDU_SEGMENTED) !== 0;
      rec.moreFollows = (flags & APDU_MORE_FOLLOWS) !== 0;
      if (off + 2 > end) return truncatedApdu(rec, end);
      rec.invokeId = buf[off + 1]!;
      return segmentAndService(rec, buf, off + 2, end);
    }
    case PDU_SEGMENT_ACK:
      rec.nak = (flags & APDU_NAK) !== 0;
      rec.server = (flags & APDU_SERVER) !== 0;
      if (off + 4 > end) return truncatedApdu(rec, end);
      rec.invokeId = buf[off + 1]!;
      rec.sequence = buf[off + 2]!;
      rec.window = buf[off + 3]!;
      rec.next = off + 4;
      return rec;
    case PDU_ERROR:
      if (off + 3 > end) return truncatedApdu(rec, end);
      rec.invokeId = buf[off + 1]!;
      rec.service = buf[off + 2]!;
      rec.next = off + 3;
      return rec;
    case PDU_REJECT:
    case PDU_ABORT:
      if (type === PDU_ABORT) rec.server = (flags & APDU_SERVER) !== 0;
      if (off + 3 > end) return truncatedApdu(rec, end);
      rec.invokeId = buf[off + 1]!;
      rec.reason = buf[off + 2]!;
      rec.next = off + 3;
      return rec;
    default:
      rec.malformed = 'reserved apdu type';
      return rec;
  }
}

/** After a request's or a complex ack's invoke id: sequence number and proposed window when segmented, then the service. */
function segmentAndService(rec: ApduHeader, buf: Buffer, p: number, end: number): ApduHeader {
  if (rec.segmented) {
    if (p + 2 > end) return truncatedApdu(rec, end);
    rec.sequence = buf[p]!; // sequence number
    rec.window = buf[p + 1]!; // proposed window size
    p += 2;
  }
  if (p >= end) return truncatedApdu(rec, end);
  rec.service = buf[p]!;
  rec.next = p + 1;
  return rec;
}

function truncatedApdu(rec: ApduHeader, end: number): ApduHeader {
  rec.malformed = 'apdu header truncated';
  rec.next = end;
  return rec;
}
