/** DNS wire constants (RFC 1035, RFC 3596, RFC 6762 mDNS, RFC 4795 LLMNR). */

export const DNS_PORT = 53;
export const MDNS_PORT = 5353;
export const LLMNR_PORT = 5355;

export const HEADER_LEN = 12;
/** A name is at most 255 bytes on the wire (RFC 1035 3.1), a label at most 63. */
export const MAX_NAME_LEN = 255;
export const MAX_LABEL_LEN = 63;
/** Compression pointers followed per name before we call it hostile (they must also point backwards). */
export const MAX_POINTERS = 64;
/** A question is at least a root name (1 byte) plus type and class; a record adds TTL and RDLENGTH. */
export const MIN_QUESTION_LEN = 5;
export const MIN_RR_LEN = 11;
/** Section counts above this are not DNS (a 64 KiB message cannot hold more records). */
export const MAX_SECTION_COUNT = 6000;

// Header flags (RFC 1035 4.1.1; LLMNR reuses QR, opcode and RCODE at the same places)
export const FLAG_QR = 0x8000;
export const OPCODE_SHIFT = 11;
export const OPCODE_MASK = 0x0f;
export const FLAG_TC = 0x0200;
export const RCODE_MASK = 0x000f;

export const OPCODE_QUERY = 0;
export const OPCODE_NAMES: Record<number, string> = { 0: 'query', 1: 'iquery', 2: 'status', 4: 'notify', 5: 'update', 6: 'dso' };

export const RCODE_NOERROR = 0;
export const RCODE_NAMES: Record<number, string> = {
  0: 'NOERROR',
  1: 'FORMERR',
  2: 'SERVFAIL',
  3: 'NXDOMAIN',
  4: 'NOTIMP',
  5: 'REFUSED',
  6: 'YXDOMAIN',
  7: 'YXRRSET',
  8: 'NXRRSET',
  9: 'NOTAUTH',
  10: 'NOTZONE',
};

// Record types we interpret; others are reported by number
export const TYPE_A = 1;
export const TYPE_NS = 2;
export const TYPE_CNAME = 5;
export const TYPE_SOA = 6;
export const TYPE_PTR = 12;
export const TYPE_MX = 15;
export const TYPE_TXT = 16;
export const TYPE_AAAA = 28;
export const TYPE_SRV = 33;
export const TYPE_OPT = 41;
export const TYPE_NSEC = 47;
export const TYPE_ANY = 255;
export const TYPE_NAMES: Record<number, string> = {
  1: 'A',
  2: 'NS',
  5: 'CNAME',
  6: 'SOA',
  12: 'PTR',
  15: 'MX',
  16: 'TXT',
  28: 'AAAA',
  33: 'SRV',
  41: 'OPT',
  47: 'NSEC',
  65: 'HTTPS',
  64: 'SVCB',
  255: 'ANY',
};

export const CLASS_IN = 1;
/** mDNS puts the unicast-response (question) and cache-flush (record) bits in the class's top bit. */
export const CLASS_MASK = 0x7fff;

export const REVERSE_V4_SUFFIX = '.in-addr.arpa';
export const REVERSE_V6_SUFFIX = '.ip6.arpa';

/** Kept per event: a DNS answer can list hundreds of records; the event needs a few for auditors. */
export const MAX_RECORDS_KEPT = 16;
/** Identity claims per message (mDNS announcements repeat a host's addresses; a resolver may list many). */
export const MAX_CLAIMS = 32;
/** TCP: bytes kept while waiting for the rest of a message (2-byte length prefix + at most 65535). */
export const TCP_LENGTH_PREFIX = 2;
