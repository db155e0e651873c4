/**
 * DCP PDUs from the bytes after the EtherType (frame id first). Pure functions that never throw: a PDU
 * too short for its header is `undefined`; blocks that run past the frame or past DCPDataLength end the
 * block list and set `malformed` (the blocks read up to there are kept, as Wireshark keeps their fields).
 *
 * Offsets follow Wireshark's dissector (the oracle): a block of a known suboption is as long as its
 * fields, whatever its DCPBlockLength says; unknown suboptions are skipped by DCPBlockLength; a block of
 * odd length is followed by one padding octet unless it ends the frame.
 */
import {
  ALL_SELECTOR,
  CONTROL_END_TRANSACTION,
  CONTROL_FACTORY_RESET,
  CONTROL_RESET_TO_FACTORY,
  CONTROL_RESPONSE,
  CONTROL_SIGNAL,
  CONTROL_START_TRANSACTION,
  DCP_HEADER_LEN,
  DEVICE_ALIAS,
  DEVICE_ID,
  DEVICE_INSTANCE,
  DEVICE_NAME_OF_STATION,
  DEVICE_OEM_ID,
  DEVICE_OPTIONS,
  DEVICE_RSI_PROPERTIES,
  DEVICE_ROLE,
  DEVICE_VENDOR,
  DHCP_CLIENT_ID,
  DHCP_CONTROL,
  FRAME_ID_HELLO,
  FRAME_ID_IDENTIFY_RES,
  FRAME_ID_LEN,
  IP_FULL_SUITE,
  IP_MAC,
  IP_PARAMETER,
  OPTION_ALL,
  OPTION_CONTROL,
  OPTION_DEVICE,
  OPTION_DEVICE_INITIATIVE,
  OPTION_DHCP,
  OPTION_IP,
  OPTION_MANUF_FIRST,
  OPTION_MANUF_LAST,
  SERVICE_GET,
  SERVICE_HELLO,
  SERVICE_IDENTIFY,
  SERVICE_SET,
  TYPE_REQUEST,
  TYPE_RESPONSE_SUCCESS,
  TYPE_RESPONSE_UNSUPPORTED,
} from './constants.js';

export interface IpSettings {
  ip: string;
  mask: string;
  gateway: string;
  /** Full IP suite only: the four DNS server addresses. */
  dns?: string[];
}

/** One DCP block; only the members its option/suboption carries are set. JSON-serialisable. */
export interface DcpBlock {
  option: number;
  suboption: number;
  /** DCPBlockLength as on the wire (Get request selectors: 0). */
  length: number;
  /** BlockInfo (Identify/Get responses, Hello requests): for IP blocks, how the address was set. */
  info?: number;
  /** BlockQualifier (Set requests; control blocks carry their own). Bit 0: permanent. */
  qualifier?: number;
  /** DeviceVendorValue, NameOfStation, AliasName. */
  text?: string;
  ip?: IpSettings;
  /** IP/MAC block. */
  mac?: string;
  /** Device ID and OEM Device ID blocks. */
  vendorId?: number;
  deviceId?: number;
  role?: number;
  /** Device Options: the option/suboption pairs the device supports, as option << 8 | suboption. */
  options?: number[];
  /** Device Instance: high << 8 | low. */
  instance?: number;
  signal?: number;
  /** Control/Response (Set and Get responses): which option it answers and its BlockError. */
  response?: { option: number; suboption: number; error: number };
  initiative?: number;
  dhcp?: { code: number; data?: number };
}

export interface DcpPdu {
  frameId: number;
  serviceId: number;
  serviceType: number;
  xid: number;
  /** ResponseDelay of Identify requests (a reserved field elsewhere). */
  responseDelay?: number;
  dataLength: number;
  /** Get request: the option/suboption pairs asked for (option << 8 | suboption). */
  selectors?: number[];
  blocks: DcpBlock[];
  /** Why the block list ended early, when it did. */
  malformed?: string;
}

/** Whether a PROFINET frame id is DCP's (Hello, Get/Set, Identify request and response). */
export function isDcpFrameId(frameId: number): boolean {
  return frameId >= FRAME_ID_HELLO && frameId <= FRAME_ID_IDENTIFY_RES;
}

export function isResponseType(serviceType: number): boolean {
  return serviceType === TYPE_RESPONSE_SUCCESS || serviceType === TYPE_RESPONSE_UNSUPPORTED;
}

/** Parses one DCP PDU; `b` starts at the frame id. Undefined when the frame is no DCP or too short for the header. */
export function parseDcp(b: Buffer): DcpPdu | undefined {
  if (b.length < FRAME_ID_LEN + DCP_HEADER_LEN) return undefined;
  const frameId = b.readUInt16BE(0);
  if (!isDcpFrameId(frameId)) return undefined;
  const serviceId = b[2]!;
  const serviceType = b[3]!;
  const pdu: DcpPdu = { frameId, serviceId, serviceType, xid: b.readUInt32BE(4), dataLength: b.readUInt16BE(10), blocks: [] };
  if (serviceId === SERVICE_IDENTIFY && serviceType === TYPE_REQUEST) pdu.responseDelay = b.readUInt16BE(8);
  const known = serviceId >= SERVICE_GET && serviceId <= SERVICE_HELLO;
  const typeKnown = serviceType === TYPE_REQUEST || isResponseType(serviceType);
  // Unknown services and service types carry nothing Wireshark decodes.
  if (!known || !typeKnown) return pdu;
  const response = isResponseType(serviceType);
  let off = FRAME_ID_LEN + DCP_HEADER_LEN;
  let remaining = pdu.dataLength;
  if (serviceId === SERVICE_GET && serviceType === TYPE_REQUEST) pdu.selectors = [];
  while (remaining > 0) {
    let next: number;
    if (pdu.selectors) {
      if (off + 2 > b.length) return malformed(pdu, 'selector past the end of the frame');
      pdu.selectors.push(b.readUInt16BE(off));
      next = off + 2;
    } else {
      const r = parseBlock(b, off, serviceId, response);
      if (r.block) pdu.blocks.push(r.block);
      if (r.error) return malformed(pdu, r.error);
      next = r.next;
    }
    const used = next - off;
    if (used > remaining) return malformed(pdu, `block at offset ${off} runs past DCPDataLength`);
    remaining -= used;
    off = next;
  }
  return pdu;
}

function malformed(pdu: DcpPdu, why: string): DcpPdu {
  pdu.malformed = why;
  return pdu;
}

interface BlockResult {
  block?: DcpBlock;
  next: number;
  error?: string;
}

/** One block at `off`, with the padding octet after an odd-length block. */
export function parseBlock(b: Buffer, off: number, serviceId: number, response: boolean): BlockResult {
  const end = b.length;
  if (off + 2 > end) return { next: off, error: 'block header past the end of the frame' };
  const option = b[off]!;
  const suboption = b[off + 1]!;
  // Manufacturer-specific options may end the frame right after their suboption.
  if (option >= OPTION_MANUF_FIRST && option <= OPTION_MANUF_LAST && off + 2 === end)
    return { block: { option, suboption, length: 0 }, next: end };
  if (off + 4 > end) return { next: off, error: 'block header past the end of the frame' };
  const length = b.readUInt16BE(off + 2);
  const block: DcpBlock = { option, suboption, length };
  const c = new Cursor(b, off + 4);
  // BlockInfo precedes the data in what a device reports about itself; BlockQualifier in what a Set asks.
  const hasInfo =
    (serviceId === SERVICE_IDENTIFY && response) || (serviceId === SERVICE_HELLO && !response) || (serviceId === SERVICE_GET && response);
  const hasQualifier = serviceId === SERVICE_SET && !response;
  const prefix = (): number => {
    if (hasInfo) block.info = c.u16();
    else if (hasQualifier) block.qualifier = c.u16();
    return hasInfo || hasQualifier ? length - 2 : length;
  };
  let dataLen: number;
  switch (option) {
    case OPTION_IP:
      switch (suboption) {
        case IP_MAC:
          prefix();
          block.mac = c.mac();
          break;
        case IP_PARAMETER:
          prefix();
          block.ip = { ip: c.ip4(), mask: c.ip4(), gateway: c.ip4() };
          break;
        case IP_FULL_SUITE:
          prefix();
          block.ip = { ip: c.ip4(), mask: c.ip4(), gateway: c.ip4(), dns: [c.ip4(), c.ip4(), c.ip4(), c.ip4()] };
          break;
        default:
          c.skip(length);
      }
      break;
    case OPTION_DEVICE:
      dataLen = prefix();
      switch (suboption) {
        case DEVICE_VENDOR:
        case DEVICE_NAME_OF_STATION:
        case DEVICE_ALIAS:
          block.text = c.ascii(dataLen);
          break;
        case DEVICE_ID:
        case DEVICE_OEM_ID:
          block.vendorId = c.u16();
          block.deviceId = c.u16();
          break;
        case DEVICE_ROLE:
          block.role = c.u8();
          c.skip(1); // reserved
          break;
        case DEVICE_OPTIONS:
          if (dataLen < 0 || dataLen % 2 !== 0) c.fail(`device options of odd length ${dataLen}`);
          block.options = [];
          for (let i = 0; i + 1 < dataLen && c.ok; i += 2) block.options.push(c.u16());
          break;
        case DEVICE_INSTANCE:
          block.instance = c.u16();
          break;
        case DEVICE_RSI_PROPERTIES:
          c.skip(2);
          break;
        default:
          c.skip(dataLen);
      }
      break;
    case OPTION_DHCP: {
      const declaredEnd = off + 4 + length;
      dataLen = prefix();
      if (suboption === DHCP_CLIENT_ID) {
        const code = c.u8();
        const plen = c.u8();
        block.dhcp = { code };
        if (plen > 0) {
          block.dhcp.data = c.u8();
          if (plen !== 1) c.skip(plen - 1);
        }
      } else if (suboption === DHCP_CONTROL) {
        block.dhcp = { code: c.u8() };
        c.skip(1); // parameter length
        block.dhcp.data = c.u8();
      } else c.skip(dataLen);
      // Wireshark shows whatever the declared length leaves as undefined data.
      if (c.ok && declaredEnd > c.off) c.skip(declaredEnd - c.off);
      break;
    }
    case OPTION_CONTROL:
      // An empty control block in a Set is erroneous but consumes nothing more.
      if (serviceId === SERVICE_SET && length === 0) break;
      switch (suboption) {
        case CONTROL_START_TRANSACTION:
        case CONTROL_END_TRANSACTION:
        case CONTROL_FACTORY_RESET:
        case CONTROL_RESET_TO_FACTORY:
          block.qualifier = c.u16();
          break;
        case CONTROL_SIGNAL:
          block.qualifier = c.u16();
          block.signal = c.u16();
          break;
        case CONTROL_RESPONSE:
          block.response = { option: c.u8(), suboption: c.u8(), error: c.u8() };
          break;
        default:
          c.skip(length);
      }
      break;
    case OPTION_DEVICE_INITIATIVE:
      prefix();
      block.initiative = c.u16();
      break;
    case OPTION_ALL:
      if (suboption !== ALL_SELECTOR) c.skip(length);
      break;
    default:
      // Reserved and manufacturer-specific options: skipped by their length.
      c.skip(length);
  }
  if (!c.ok)
    return { block: keepIfComplete(block), next: c.off, error: c.error ?? `block ${option}/${suboption} past the end of the frame` };
  let next = c.off;
  if ((next - off) & 1 && next < end) next++;
  return { block, next };
}

/** A truncated block keeps only its header (its values were not all read). */
function keepIfComplete(block: DcpBlock): DcpBlock {
  return { option: block.option, suboption: block.suboption, length: block.length };
}

/** Bounds-checked reads: after the first read past the end every read returns 0 and `ok` is false. */
class Cursor {
  ok = true;
  error: string | undefined;
  constructor(
    private readonly b: Buffer,
    public off: number,
  ) {}

  fail(why: string): void {
    if (this.ok) this.error = why;
    this.ok = false;
  }

  private take(n: number): number {
    if (!this.ok) return -1;
    if (n < 0 || this.off + n > this.b.length) {
      // A length below the BlockInfo/BlockQualifier it must hold wraps around in Wireshark: past the frame either way.
      this.fail(
        n < 0
          ? `block length shorter than its BlockInfo/BlockQualifier`
          : `field of ${n} octets at offset ${this.off} past the end of the frame`,
      );
      return -1;
    }
    const at = this.off;
    this.off += n;
    return at;
  }

  u8(): number {
    const at = this.take(1);
    return at < 0 ? 0 : this.b[at]!;
  }

  u16(): number {
    const at = this.take(2);
    return at < 0 ? 0 : this.b.readUInt16BE(at);
  }

  skip(n: number): void {
    this.take(n);
  }

  ip4(): string {
    const at = this.take(4);
    return at < 0 ? '' : ip4String(this.b, at);
  }

  mac(): string {
    const at = this.take(6);
    return at < 0 ? '' : macString(this.b, at);
  }

  ascii(n: number): string {
    const at = this.take(n);
    return at < 0 ? '' : asciiText(this.b, at, at + n);
  }
}

export function ip4String(b: Buffer, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function macString(b: Buffer, at: number): string {
  return `${HEX[b[at]!]}:${HEX[b[at + 1]!]}:${HEX[b[at + 2]!]}:${HEX[b[at + 3]!]}:${HEX[b[at + 4]!]}:${HEX[b[at + 5]!]}`;
}

/**
 * A DCP VisibleString as Wireshark shows it (ENC_ASCII): up to the first NUL (devices pad names with
 * NULs), octets above 0x7F as U+FFFD.
 */
export function asciiText(b: Buffer, from: number, to: number): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const c = b[i]!;
    if (c === 0) break;
    s += c < 0x80 ? String.fromCharCode(c) : '\ufffd';
  }
  return s;
}
