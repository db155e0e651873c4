/** NetBIOS over TCP/IP name and datagram services (RFC 1002) constants. */

export const NBNS_PORT = 137;
export const NBDS_PORT = 138;

// Name service: DNS header layout, own opcodes (RFC 1002 4.2.1.1)
export const NS_OPCODE_QUERY = 0;
export const NS_OPCODE_REGISTRATION = 5;
export const NS_OPCODE_RELEASE = 6;
export const NS_OPCODE_WACK = 7;
export const NS_OPCODE_REFRESH = 8;
export const NS_OPCODE_REFRESH_ALT = 9; // RFC 1002 errata: Windows sends 9 for refresh
export const NS_OPCODE_MULTIHOMED_REGISTRATION = 15;
export const NS_OPCODE_NAMES: Record<number, string> = {
  0: 'name_query',
  5: 'registration',
  6: 'release',
  7: 'wack',
  8: 'refresh',
  9: 'refresh',
  15: 'multihomed_registration',
};
/** Opcodes whose NB records bind a name to the address in them (a release unbinds; a WACK only waits). */
export const BINDING_OPCODES = new Set([
  NS_OPCODE_QUERY,
  NS_OPCODE_REGISTRATION,
  NS_OPCODE_REFRESH,
  NS_OPCODE_REFRESH_ALT,
  NS_OPCODE_MULTIHOMED_REGISTRATION,
]);

export const RR_TYPE_NB = 0x0020;
export const RR_TYPE_NBSTAT = 0x0021;

/** NB_FLAGS: the G bit marks a group name (a workgroup, shared by many hosts: names no host). */
export const NB_FLAG_GROUP = 0x8000;
/** NB RDATA entries: NB_FLAGS (2) + NB_ADDRESS (4). */
export const NB_ENTRY_LEN = 6;
/** NBSTAT RDATA: count, then per name 15 chars + suffix + 2 flag bytes. */
export const NBSTAT_NAME_LEN = 18;

/** First-level encoding (RFC 1001 14.1): 16 bytes as 32 letters 'A'..'P', one per half-byte. */
export const ENCODED_NAME_LEN = 32;
export const NETBIOS_NAME_LEN = 16;
export const ENCODING_BASE = 0x41; // 'A'

/** Suffixes (16th byte) of names that are a host's own: workstation and file server service. */
export const SUFFIX_WORKSTATION = 0x00;
export const SUFFIX_SERVER = 0x20;
export const HOST_NAME_SUFFIXES = new Set([SUFFIX_WORKSTATION, SUFFIX_SERVER]);

// Datagram service (RFC 1002 4.4.1)
export const DGM_DIRECT_UNIQUE = 0x10;
export const DGM_DIRECT_GROUP = 0x11;
export const DGM_BROADCAST = 0x12;
export const DGM_ERROR = 0x13;
export const DGM_QUERY_REQUEST = 0x14;
export const DGM_POSITIVE_QUERY_RESPONSE = 0x15;
export const DGM_NEGATIVE_QUERY_RESPONSE = 0x16;
export const DGM_TYPE_NAMES: Record<number, string> = {
  0x10: 'direct_unique',
  0x11: 'direct_group',
  0x12: 'broadcast',
  0x13: 'error',
  0x14: 'query_request',
  0x15: 'positive_query_response',
  0x16: 'negative_query_response',
};
/** msg type, flags, id, source ip, source port. */
export const DGM_HEADER_LEN = 10;
/** Data datagrams add length and packet offset, then the source name. */
export const DGM_SOURCE_NAME_OFFSET = 14;

export const MAX_CLAIMS = 32;
