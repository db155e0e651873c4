/** BOOTP/DHCP wire constants (RFC 951, RFC 2131, RFC 2132, RFC 4702, RFC 3046). */

export const DHCP_SERVER_PORT = 67;
export const DHCP_CLIENT_PORT = 68;

/** Fixed BOOTP header: op .. file, then the 4-byte magic cookie that starts the DHCP options. */
export const BOOTP_FIXED_LEN = 236;
export const MAGIC_COOKIE = 0x63825363;
export const OPTIONS_OFFSET = BOOTP_FIXED_LEN + 4;

export const OP_BOOTREQUEST = 1;
export const OP_BOOTREPLY = 2;
export const HTYPE_ETHERNET = 1;
export const ETHERNET_HLEN = 6;
/** The chaddr field is 16 bytes; a longer hlen is not BOOTP. */
export const CHADDR_LEN = 16;

// Field offsets in the fixed header
export const OFF_OP = 0;
export const OFF_HTYPE = 1;
export const OFF_HLEN = 2;
export const OFF_HOPS = 3;
export const OFF_XID = 4;
export const OFF_SECS = 8;
export const OFF_FLAGS = 10;
export const OFF_CIADDR = 12;
export const OFF_YIADDR = 16;
export const OFF_SIADDR = 20;
export const OFF_GIADDR = 24;
export const OFF_CHADDR = 28;
export const OFF_SNAME = 44;
export const SNAME_LEN = 64;
export const OFF_FILE = 108;
export const FILE_LEN = 128;

// Options
export const OPT_PAD = 0;
export const OPT_END = 255;
export const OPT_HOST_NAME = 12;
export const OPT_DOMAIN_NAME = 15;
export const OPT_REQUESTED_IP = 50;
export const OPT_OVERLOAD = 52;
export const OPT_MESSAGE_TYPE = 53;
export const OPT_SERVER_ID = 54;
export const OPT_VENDOR_CLASS = 60;
export const OPT_CLIENT_ID = 61;
export const OPT_RELAY_AGENT = 82;
export const OPT_CLIENT_FQDN = 81;

/** Option 52 (overload): the file and/or sname fields carry more options. */
export const OVERLOAD_FILE = 1;
export const OVERLOAD_SNAME = 2;

/** Option 81 flags (RFC 4702 2.1): E = the name is in DNS wire format rather than ASCII. */
export const FQDN_FLAG_E = 0x04;
/** Option 81: flags, RCODE1, RCODE2, then the name. */
export const FQDN_NAME_OFFSET = 3;

export const MSG_DISCOVER = 1;
export const MSG_OFFER = 2;
export const MSG_REQUEST = 3;
export const MSG_DECLINE = 4;
export const MSG_ACK = 5;
export const MSG_NAK = 6;
export const MSG_RELEASE = 7;
export const MSG_INFORM = 8;

export const MESSAGE_TYPE_NAMES: Record<number, string> = {
  1: 'discover',
  2: 'offer',
  3: 'request',
  4: 'decline',
  5: 'ack',
  6: 'nak',
  7: 'release',
  8: 'inform',
  9: 'forcerenew',
  10: 'leasequery',
  11: 'leaseunassigned',
  12: 'leaseunknown',
  13: 'leaseactive',
};

/** Client identities remembered per flow (DISCOVER → REQUEST of one client), bounded against floods. */
export const MAX_REMEMBERED_CLIENTS = 256;
/** Longest option text kept (host names are at most 255 bytes; vendor classes are short). */
export const MAX_TEXT_LEN = 255;
