/**
 * BOOTP/DHCP message parsing: the fixed header and the options we use (RFC 2131/2132). Pure, never throws:
 * undefined when it is not a DHCP message at all, `malformed` when the options end badly (what parsed is kept).
 */
import { ipv4ToString, macToString } from '../../net/addr.js';
import { readName } from '../dns/records.js';
import {
  BOOTP_FIXED_LEN,
  CHADDR_LEN,
  ETHERNET_HLEN,
  FILE_LEN,
  FQDN_FLAG_E,
  FQDN_NAME_OFFSET,
  HTYPE_ETHERNET,
  MAGIC_COOKIE,
  MAX_TEXT_LEN,
  OFF_CHADDR,
  OFF_CIADDR,
  OFF_FILE,
  OFF_FLAGS,
  OFF_GIADDR,
  OFF_HLEN,
  OFF_HTYPE,
  OFF_OP,
  OFF_SIADDR,
  OFF_SNAME,
  OFF_XID,
  OFF_YIADDR,
  OP_BOOTREPLY,
  OP_BOOTREQUEST,
  OPT_CLIENT_FQDN,
  OPT_CLIENT_ID,
  OPT_DOMAIN_NAME,
  OPT_END,
  OPT_HOST_NAME,
  OPT_MESSAGE_TYPE,
  OPT_OVERLOAD,
  OPT_PAD,
  OPT_REQUESTED_IP,
  OPT_SERVER_ID,
  OPT_VENDOR_CLASS,
  OPTIONS_OFFSET,
  OVERLOAD_FILE,
  OVERLOAD_SNAME,
  SNAME_LEN,
} from './constants.js';

const ROOT_LABEL = Buffer.from([0]);

export interface DhcpMessage {
  op: number; // 1 request (client → server), 2 reply
  xid: number;
  broadcast: boolean; // flags' B bit: the client wants the reply broadcast
  ciaddr: string; // client's current address (renewing, INFORM)
  yiaddr: string; // "your" address: what the server assigns
  siaddr: string;
  giaddr: string; // relay agent
  /** Client hardware address when it is an Ethernet MAC (htype 1, hlen 6). */
  chaddr?: string;
  messageType?: number; // option 53; absent: plain BOOTP
  hostName?: string; // option 12
  domainName?: string; // option 15
  vendorClass?: string; // option 60
  clientId?: string; // option 61: 'mac aa:..' for type 1 + MAC, text when printable, else hex
  fqdn?: string; // option 81
  requestedIp?: string; // option 50
  serverId?: string; // option 54
  malformed?: string;
}

/** Cheap check for probes: BOOTP op, hardware length that fits chaddr, and the DHCP magic cookie. */
export function looksLikeDhcp(buf: Buffer): boolean {
  if (buf.length < OPTIONS_OFFSET) return false;
  const op = buf[OFF_OP];
  if (op !== OP_BOOTREQUEST && op !== OP_BOOTREPLY) return false;
  if (buf[OFF_HLEN]! > CHADDR_LEN) return false;
  return buf.readUInt32BE(BOOTP_FIXED_LEN) === MAGIC_COOKIE;
}

export function parseDhcp(buf: Buffer): DhcpMessage | undefined {
  if (!looksLikeDhcp(buf)) return undefined;
  const msg: DhcpMessage = {
    op: buf[OFF_OP]!,
    xid: buf.readUInt32BE(OFF_XID),
    broadcast: (buf.readUInt16BE(OFF_FLAGS) & 0x8000) !== 0,
    ciaddr: ipv4ToString(buf.readUInt32BE(OFF_CIADDR)),
    yiaddr: ipv4ToString(buf.readUInt32BE(OFF_YIADDR)),
    siaddr: ipv4ToString(buf.readUInt32BE(OFF_SIADDR)),
    giaddr: ipv4ToString(buf.readUInt32BE(OFF_GIADDR)),
  };
  if (buf[OFF_HTYPE] === HTYPE_ETHERNET && buf[OFF_HLEN] === ETHERNET_HLEN) msg.chaddr = macToString(buf, OFF_CHADDR);
  const overload = readOptions(buf, OPTIONS_OFFSET, buf.length, msg, 'options');
  // Option 52 moves more options into the file and sname fields (RFC 2132 9.3), read after the main field.
  if (overload & OVERLOAD_FILE) readOptions(buf, OFF_FILE, OFF_FILE + FILE_LEN, msg, 'file');
  if (overload & OVERLOAD_SNAME) readOptions(buf, OFF_SNAME, OFF_SNAME + SNAME_LEN, msg, 'sname');
  return msg;
}

/** Reads options in buf[start, end) into msg; returns the overload value (option 52) seen there. */
function readOptions(buf: Buffer, start: number, end: number, msg: DhcpMessage, where: string): number {
  let overload = 0;
  let p = start;
  while (p < end) {
    const code = buf[p]!;
    if (code === OPT_END) return overload;
    if (code === OPT_PAD) {
      p++;
      continue;
    }
    if (p + 1 >= end) {
      msg.malformed ??= `${where}: option ${code} has no length`;
      return overload;
    }
    const len = buf[p + 1]!;
    const v = p + 2;
    if (v + len > end) {
      msg.malformed ??= `${where}: option ${code} length ${len} runs past the end`;
      return overload;
    }
    const value = buf.subarray(v, v + len);
    switch (code) {
      case OPT_MESSAGE_TYPE:
        if (len === 1) msg.messageType = value[0];
        break;
      case OPT_HOST_NAME:
        msg.hostName = text(value);
        break;
      case OPT_DOMAIN_NAME:
        msg.domainName = text(value);
        break;
      case OPT_VENDOR_CLASS:
        msg.vendorClass = text(value);
        break;
      case OPT_CLIENT_ID:
        msg.clientId = clientIdText(value);
        break;
      case OPT_CLIENT_FQDN:
        msg.fqdn = fqdnName(value);
        break;
      case OPT_REQUESTED_IP:
        if (len === 4) msg.requestedIp = ipv4ToString(value.readUInt32BE(0));
        break;
      case OPT_SERVER_ID:
        if (len === 4) msg.serverId = ipv4ToString(value.readUInt32BE(0));
        break;
      case OPT_OVERLOAD:
        if (len === 1 && where === 'options') overload = value[0]!;
        break;
      default:
        break;
    }
    p = v + len;
  }
  // Running out without an END option is common enough (padding trimmed) not to count as malformed.
  return overload;
}

/** Option text: trailing NULs dropped (many clients count the C terminator), control characters refused. */
export function text(value: Buffer): string | undefined {
  let end = value.length;
  while (end > 0 && value[end - 1] === 0) end--;
  if (end === 0 || end > MAX_TEXT_LEN) return undefined;
  const s = value.toString('utf8', 0, end);
  return /[\x00-\x1f\x7f\ufffd]/.test(s) ? undefined : s.trim() || undefined;
}

/** Option 61: type 1 + 6 bytes is a MAC; a printable string (type 0 or none) is often a station name. */
export function clientIdText(value: Buffer): string | undefined {
  if (value.length === 0) return undefined;
  if (value[0] === HTYPE_ETHERNET && value.length === 1 + ETHERNET_HLEN) return `mac ${macToString(value, 1)}`;
  const asText = text(value[0] === 0 ? value.subarray(1) : value);
  return asText ?? value.toString('hex');
}

/** Option 81's name: ASCII, or DNS wire format (uncompressed) when the E flag is set. */
export function fqdnName(value: Buffer): string | undefined {
  if (value.length <= FQDN_NAME_OFFSET) return undefined;
  const nameBytes = value.subarray(FQDN_NAME_OFFSET);
  if (value[0]! & FQDN_FLAG_E) {
    // no earlier bytes: any compression pointer is refused; a partial name (RFC 4702 2.3.1) lacks the root label
    const n = readName(nameBytes, 0) ?? readName(Buffer.concat([nameBytes, ROOT_LABEL]), 0);
    return n && n.name !== '' && !/[\x00-\x20\x7f]/.test(n.name) ? n.name : undefined;
  }
  return text(nameBytes);
}
