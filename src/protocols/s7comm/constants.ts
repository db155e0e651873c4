/**
 * Codes of ISO-on-TCP (RFC 1006 TPKT), ISO 8073 COTP and S7comm, as Wireshark's packet-s7comm.c and
 * packet-cotp.c name them. Name tables (areas, SZL ids, userdata subfunctions, PI services) are in
 * `tables.ts`.
 */

/** ISO-on-TCP (RFC 1006): the port of the PLC side. */
export const ISO_TSAP_PORT = 102;

// ---- TPKT (RFC 1006) ----
export const TPKT_VERSION = 0x03;
export const TPKT_HEADER_LEN = 4; // version, reserved, length (2, including this header)
/** Smallest sensible TPKT: header + COTP length indicator + COTP type. */
export const TPKT_MIN_LEN = 7;
/** RFC 1006 allows 65535, real S7 PDUs stay far below; a larger length means we are out of sync. */
export const TPKT_MAX_LEN = 65535;

// ---- COTP (ISO 8073) TPDU codes: high nibble of the second byte ----
export const COTP_CR = 0xe0; // connection request
export const COTP_CC = 0xd0; // connection confirm
export const COTP_DR = 0x80; // disconnect request
export const COTP_DC = 0xc0; // disconnect confirm
export const COTP_DT = 0xf0; // data
export const COTP_ED = 0x10; // expedited data
export const COTP_AK = 0x60; // data acknowledgement
export const COTP_EA = 0x20; // expedited data acknowledgement
export const COTP_RJ = 0x50; // reject
export const COTP_ER = 0x70; // TPDU error

/** DT: the high bit of the TPDU-NR byte says "end of TSDU": the last fragment of an S7 PDU. */
export const COTP_EOT = 0x80;

// COTP CR/CC variable part parameter codes
export const COTP_PARAM_TPDU_SIZE = 0xc0;
export const COTP_PARAM_SRC_TSAP = 0xc1;
export const COTP_PARAM_DST_TSAP = 0xc2;

/**
 * TSAP first byte ("connection type") as S7 stacks use it: 0x01 PG (programming device),
 * 0x02 OP (operator panel / HMI), 0x03 S7 basic / other; 0x10+ vendor-specific. The second byte of
 * the PLC's TSAP is rack * 32 + slot.
 */
export const TSAP_CONN_PG = 0x01;
export const TSAP_CONN_OP = 0x02;
export const TSAP_CONN_S7BASIC = 0x03;

/** Upper bound on one reassembled S7 PDU from COTP fragments (PDU sizes negotiate to 960 or 1920 at most). */
export const MAX_COTP_REASSEMBLY = 65536;

// ---- S7comm header ----
export const S7COMM_PROTOCOL_ID = 0x32;
export const S7COMM_PLUS_PROTOCOL_ID = 0x72;
export const S7_HEADER_LEN = 10; // job, userdata
export const S7_HEADER_LEN_ACK = 12; // ack, ack_data: + error class, error code

export const ROSCTR_JOB = 0x01;
export const ROSCTR_ACK = 0x02;
export const ROSCTR_ACK_DATA = 0x03;
export const ROSCTR_USERDATA = 0x07;

// ---- Job / ack_data parameter function codes ----
export const FN_CPU_SERVICES = 0x00;
export const FN_READ_VAR = 0x04;
export const FN_WRITE_VAR = 0x05;
export const FN_REQUEST_DOWNLOAD = 0x1a;
export const FN_DOWNLOAD_BLOCK = 0x1b;
export const FN_DOWNLOAD_ENDED = 0x1c;
export const FN_START_UPLOAD = 0x1d;
export const FN_UPLOAD = 0x1e;
export const FN_END_UPLOAD = 0x1f;
export const FN_PI_SERVICE = 0x28;
export const FN_PLC_STOP = 0x29;
export const FN_SETUP_COMMUNICATION = 0xf0;

// ---- Read/write var item specification ----
export const VAR_SPEC = 0x12; // "variable specification" marker in front of every item
export const SYNTAX_S7ANY = 0x10;
export const SYNTAX_DBREAD = 0xb0;
export const SYNTAX_1200SYM = 0xb2;
export const SYNTAX_NCK = 0x82;
export const SYNTAX_DRIVEESANY = 0xa2;
export const S7ANY_ITEM_LEN = 12; // 0x12, 0x0a, 0x10 + 9 bytes

// Areas (the full name table is in tables.ts)
export const AREA_DB = 0x84;
export const AREA_DI = 0x85;
export const AREA_COUNTER = 28;
export const AREA_TIMER = 29;

// Item transport sizes in a request (S7ANY)
export const TS_BIT = 1;
export const TS_BYTE = 2;

// Data part transport sizes: for these the length is in bits, else bytes
export const DTS_BIT = 3;
export const DTS_BYTE_WORD_DWORD = 4;
export const DTS_INTEGER = 5;
export const DTS_OCTET_STRING = 9;

/** Item return codes: "success", and "reserved" (0x00, what write requests carry). */
export const RETURN_SUCCESS = 0xff;
export const RETURN_RESERVED = 0x00;

// ---- Userdata ----
/** Userdata parameter head: always 00 01 12. */
export const UD_PARAM_HEAD = 0x000112;
export const UD_PARAM_LEN_REQUEST = 4; // method, type|group, subfunction, sequence
export const UD_PARAM_LEN_RESPONSE = 8; // + data unit reference, last data unit, error code
export const UD_METHOD_REQUEST = 0x11;
export const UD_METHOD_RESPONSE = 0x12;
/** High nibble of the type|group byte. */
export const UD_TYPE_PUSH = 0x0;
export const UD_TYPE_REQUEST = 0x4;
export const UD_TYPE_RESPONSE = 0x8;

export const UD_GROUP_MODE_TRANSITION = 0x0;
export const UD_GROUP_PROGRAMMER = 0x1;
export const UD_GROUP_CYCLIC = 0x2;
export const UD_GROUP_BLOCK = 0x3;
export const UD_GROUP_CPU = 0x4;
export const UD_GROUP_SECURITY = 0x5;
export const UD_GROUP_PBC = 0x6;
export const UD_GROUP_TIME = 0x7;
export const UD_GROUP_NC_PROGRAMMING = 0xf;

export const UD_CPU_READ_SZL = 0x01;
export const UD_SEC_PASSWORD = 0x01;
export const UD_TIME_READ = 0x01;
export const UD_TIME_SET = 0x02;
export const UD_TIME_READ_FOLLOWING = 0x03;
export const UD_TIME_SET2 = 0x04;
export const UD_BLOCK_LIST = 0x01;
export const UD_BLOCK_LIST_TYPE = 0x02;
export const UD_BLOCK_INFO = 0x03;
export const UD_PROG_MEMORY_RESET = 0x0c; // "Erase" in Wireshark 4.0
export const UD_PROG_MODIFY_VARIABLE = 0x08;
export const UD_PROG_FORCE = 0x09;

/** Userdata "last data unit" byte: 0x00 yes (complete), 0x01 more fragments follow. */
export const UD_LAST_DATA_UNIT_YES = 0x00;

// ---- SZL (System status list: "Systemzustandsliste") ----
export const SZL_MODULE_ID = 0x0011; // all module identification records
export const SZL_MODULE_ID_ONE = 0x0111; // one module identification record
export const SZL_COMPONENT_ID = 0x001c; // all component identification records
export const SZL_COMPONENT_ID_ONE = 0x011c; // one component identification record
export const SZL_MODULE_RECORD_LEN = 28; // index(2) MlfB(20) BGTyp(2) Ausbg(2) Ausbe(2)
export const SZL_MLFB_LEN = 20;
export const SZL_COMPONENT_RECORD_LEN = 34; // index(2) text(32)
export const SZL_COMPONENT_TEXT_LEN = 32;

// SZL 0x0011 record indexes
export const SZL11_MODULE = 0x0001;
export const SZL11_BASIC_HARDWARE = 0x0006;
export const SZL11_BASIC_FIRMWARE = 0x0007;
/** Ausbg high byte 'V': the firmware version is V<ausbg lo>.<ausbe hi>.<ausbe lo>. */
export const SZL_VERSION_MARK = 0x56;

// SZL 0x001C record indexes
export const SZL1C_AS_NAME = 0x0001;
export const SZL1C_MODULE_NAME = 0x0002;
export const SZL1C_PLANT_DESIGNATION = 0x0003;
export const SZL1C_COPYRIGHT = 0x0004;
export const SZL1C_SERIAL = 0x0005;
export const SZL1C_MODULE_TYPE = 0x0007;
export const SZL1C_MMC_SERIAL = 0x0008;
export const SZL1C_LOCATION = 0x000b;

// ---- PI services: the ones that change what the PLC runs ----
export const PI_PROGRAM = 'P_PROGRAM'; // start/stop the program (PLC stop carries it too)
export const PI_INSERT = '_INSE'; // activate downloaded block(s)
export const PI_DELETE = '_DELE'; // delete block(s)
export const PI_COPY_RAM_TO_ROM = '_MODU'; // copy RAM to ROM
export const PI_COMPRESS = '_GARB'; // compress memory
export const PI_MAX_NAME = 64;

// ---- S7comm-plus ----
export const S7P_VERSION_1 = 0x01;
export const S7P_VERSION_2 = 0x02;
export const S7P_VERSION_3 = 0x03;
export const S7P_VERSION_SYSTEM_EVENT = 0xfe;
export const S7P_HEADER_LEN = 4; // 0x72, version, data length (2)
/** V2/V3 put an integrity part (length byte 0x20 + 32-byte digest) in front of the opcode. */
export const S7P_DIGEST_LEN = 32;
export const S7P_OPCODE_REQUEST = 0x31;
export const S7P_OPCODE_RESPONSE = 0x32;
export const S7P_OPCODE_NOTIFICATION = 0x33;
export const S7P_OPCODE_RESPONSE2 = 0x02;
