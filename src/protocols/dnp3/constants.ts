/**
 * Codes of DNP3 (IEEE 1815-2012): data link layer, transport function, application layer. Names
 * follow the standard (and Wireshark's packet-dnp.c where it names them). The object size table is
 * in `object-sizes.ts`.
 */

/** DNP3 over TCP and UDP (IANA 20000). */
export const DNP3_PORT = 20000;

// ---- Data link layer (IEEE 1815 clause 9) ----
export const START_0 = 0x05;
export const START_1 = 0x64;
/** Start (2), length (1), control (1), destination (2), source (2), header CRC (2). */
export const LINK_HEADER_LEN = 10;
/** The length field counts control, destination and source (5) plus the user data. */
export const LINK_LEN_FIXED = 5;
/** User data travels in blocks of at most 16 octets, each followed by its own CRC. */
export const LINK_BLOCK_LEN = 16;
export const CRC_LEN = 2;
/** 255 - 5 user data octets at most: 250, of which the first is the transport header. */
export const MAX_USER_DATA = 250;
/** Largest frame on the wire: header + 250 data octets in 16 blocks with their CRCs. */
export const MAX_FRAME_LEN = LINK_HEADER_LEN + MAX_USER_DATA + 16 * CRC_LEN;

// Control octet
export const CTL_DIR = 0x80; // set: sent by a master
export const CTL_PRM = 0x40; // set: primary (initiating) frame
export const CTL_FCB = 0x20; // primary: frame count bit
export const CTL_FCV = 0x10; // primary: frame count valid
export const CTL_DFC = 0x10; // secondary: data flow control (buffers full)
export const CTL_FUNC = 0x0f;

// Primary link functions (PRM = 1)
export const LINK_RESET_LINK_STATES = 0;
export const LINK_RESET_USER_PROCESS = 1; // obsolete
export const LINK_TEST_LINK_STATES = 2;
export const LINK_CONFIRMED_USER_DATA = 3;
export const LINK_UNCONFIRMED_USER_DATA = 4;
export const LINK_REQUEST_LINK_STATUS = 9;
// Secondary link functions (PRM = 0)
export const LINK_ACK = 0;
export const LINK_NACK = 1;
export const LINK_STATUS = 11;
export const LINK_NOT_USED = 14;
export const LINK_NOT_SUPPORTED = 15;

export const PRIMARY_LINK_FUNCTIONS: ReadonlyMap<number, string> = new Map([
  [LINK_RESET_LINK_STATES, 'link_reset_link_states'],
  [LINK_RESET_USER_PROCESS, 'link_reset_user_process'],
  [LINK_TEST_LINK_STATES, 'link_test_link_states'],
  [LINK_CONFIRMED_USER_DATA, 'link_confirmed_user_data'],
  [LINK_UNCONFIRMED_USER_DATA, 'link_unconfirmed_user_data'],
  [LINK_REQUEST_LINK_STATUS, 'link_request_link_status'],
]);
export const SECONDARY_LINK_FUNCTIONS: ReadonlyMap<number, string> = new Map([
  [LINK_ACK, 'link_ack'],
  [LINK_NACK, 'link_nack'],
  [LINK_STATUS, 'link_status'],
  [LINK_NOT_USED, 'link_not_used'],
  [LINK_NOT_SUPPORTED, 'link_not_supported'],
]);

/**
 * Link function codes that never carry transport/application data, whatever the PRM bit (Wireshark
 * tests the code alone: reset link states / ACK 0, request link status 9, link status 11).
 */
export function linkCarriesNoData(func: number): boolean {
  return func === LINK_RESET_LINK_STATES || func === LINK_REQUEST_LINK_STATUS || func === LINK_STATUS;
}

/** Link addresses that name no station: self address and the three broadcast addresses (clause 9.2.5.3). */
export const ADDR_SELF = 0xfffc;
export const ADDR_BROADCAST_MIN = 0xfffd;
export function isStationAddress(a: number): boolean {
  return a < ADDR_SELF;
}

// ---- Transport function (clause 8) ----
export const TR_FIN = 0x80;
export const TR_FIR = 0x40;
export const TR_SEQ = 0x3f;
export const TR_SEQ_MODULO = 64;

/**
 * An application fragment is at most 2048 octets by custom (and 4096 in many stacks); 64 KiB is far
 * beyond any real one and bounds what one flow may buffer.
 */
export const MAX_FRAGMENT_BYTES = 65536;
/** Reassemblies in progress per direction (one per source/destination pair). */
export const MAX_REASSEMBLIES = 16;
/** Garbage bytes skipped while looking for a frame before the direction is declared not DNP3. */
export const MAX_GARBAGE_BYTES_BEFORE_GIVING_UP = 4096;
/** Bytes of an incomplete frame kept between chunks: one frame at most. */
export const MAX_PENDING = MAX_FRAME_LEN;

// ---- Application layer (clause 4.2.2) ----
export const AL_FIR = 0x80;
export const AL_FIN = 0x40;
export const AL_CON = 0x20;
export const AL_UNS = 0x10;
export const AL_SEQ = 0x0f;
/** Application control + function code. */
export const AL_REQUEST_HEADER_LEN = 2;
/** + internal indications (2). */
export const AL_RESPONSE_HEADER_LEN = 4;

export const FC_CONFIRM = 0;
export const FC_READ = 1;
export const FC_WRITE = 2;
export const FC_SELECT = 3;
export const FC_OPERATE = 4;
export const FC_DIRECT_OPERATE = 5;
export const FC_DIRECT_OPERATE_NR = 6;
export const FC_IMMED_FREEZE = 7;
export const FC_IMMED_FREEZE_NR = 8;
export const FC_FREEZE_CLEAR = 9;
export const FC_FREEZE_CLEAR_NR = 10;
export const FC_FREEZE_AT_TIME = 11;
export const FC_FREEZE_AT_TIME_NR = 12;
export const FC_COLD_RESTART = 13;
export const FC_WARM_RESTART = 14;
export const FC_INITIALIZE_DATA = 15;
export const FC_INITIALIZE_APPL = 16;
export const FC_START_APPL = 17;
export const FC_STOP_APPL = 18;
export const FC_SAVE_CONFIG = 19;
export const FC_ENABLE_UNSOLICITED = 20;
export const FC_DISABLE_UNSOLICITED = 21;
export const FC_ASSIGN_CLASS = 22;
export const FC_DELAY_MEASURE = 23;
export const FC_RECORD_CURRENT_TIME = 24;
export const FC_OPEN_FILE = 25;
export const FC_CLOSE_FILE = 26;
export const FC_DELETE_FILE = 27;
export const FC_GET_FILE_INFO = 28;
export const FC_AUTHENTICATE_FILE = 29;
export const FC_ABORT_FILE = 30;
export const FC_ACTIVATE_CONFIG = 31;
export const FC_AUTHENTICATE_REQ = 32;
export const FC_AUTH_REQ_NO_ACK = 33;
export const FC_RESPONSE = 129;
export const FC_UNSOLICITED_RESPONSE = 130;
export const FC_AUTHENTICATE_RESP = 131;

/** Function codes of responses: the outstation's side of the application layer (they carry IIN). */
export function isResponseFunction(fc: number): boolean {
  return fc === FC_RESPONSE || fc === FC_UNSOLICITED_RESPONSE || fc === FC_AUTHENTICATE_RESP;
}

// ---- Object headers (clause 4.2.2.7) ----
export const QUAL_PREFIX_MASK = 0x70;
export const QUAL_PREFIX_SHIFT = 4;
export const QUAL_RANGE_MASK = 0x0f;

// Range specifier codes
export const RANGE_START_STOP_8 = 0x0;
export const RANGE_START_STOP_16 = 0x1;
export const RANGE_START_STOP_32 = 0x2;
export const RANGE_VADDR_8 = 0x3;
export const RANGE_VADDR_16 = 0x4;
export const RANGE_VADDR_32 = 0x5;
export const RANGE_NONE = 0x6; // "all objects": no range field
export const RANGE_COUNT_8 = 0x7;
export const RANGE_COUNT_16 = 0x8;
export const RANGE_COUNT_32 = 0x9;
export const RANGE_FREE_FORMAT = 0xb; // 1-octet count, objects carry a size prefix

// Object prefix codes
export const PREFIX_NONE = 0;
export const PREFIX_INDEX_8 = 1;
export const PREFIX_INDEX_16 = 2;
export const PREFIX_INDEX_32 = 3;
export const PREFIX_SIZE_8 = 4;
export const PREFIX_SIZE_16 = 5;
export const PREFIX_SIZE_32 = 6;

/** Prefix octets per object for each prefix code (7 is reserved). */
export const PREFIX_BYTES: readonly number[] = [0, 1, 2, 4, 1, 2, 4, -1];

// Groups the decoder reads values from
export const G_DEVICE_ATTRIBUTES = 0;
export const G_CROB = 12; // control relay output block (v1), pattern control block (v2), pattern mask (v3)
export const G_ANALOG_OUTPUT_BLOCK = 41;
export const G_TIME = 50;
export const G_CLASS = 60;
export const G_FILE = 70;
export const G_AUTH = 120;

/** Points kept per object header in an event (ranges are kept whole as start/stop). */
export const MAX_INDEXES_PER_HEADER = 16;
/** Object headers kept per fragment in an event. */
export const MAX_HEADERS_KEPT = 64;
/** Characters of a device attribute string kept. */
export const MAX_ATTRIBUTE_CHARS = 256;

// Device attribute data type codes (g0, IEEE 1815 table 11-?)
/** Data type 0: not in the standard's list; Wireshark 4.0.17 reads it as "NONE (Placeholder)", one octet with no length. */
export const DA_TYPE_NONE = 0;
export const DA_TYPE_VSTR = 1;
export const DA_TYPE_UINT = 2;
export const DA_TYPE_INT = 3;
export const DA_TYPE_FLT = 4;

/** Control relay output block: operation type (low nibble of the control code). */
export const CROB_OP_TYPES: readonly string[] = ['nul', 'pulse on', 'pulse off', 'latch on', 'latch off'];
/** CROB trip/close code (high two bits). */
export const CROB_TRIP_CLOSE: readonly string[] = ['', 'close', 'trip', 'reserved'];

// ---- Internal indications (IIN1 high octet, IIN2 low octet as Wireshark shows them) ----
export const IIN_NAMES: readonly [number, string][] = [
  [0x8000, 'device_restart'],
  [0x4000, 'device_trouble'],
  [0x2000, 'local_control'],
  [0x1000, 'need_time'],
  [0x0800, 'class3_events'],
  [0x0400, 'class2_events'],
  [0x0200, 'class1_events'],
  [0x0100, 'all_stations'],
  [0x0020, 'config_corrupt'],
  [0x0010, 'already_executing'],
  [0x0008, 'event_buffer_overflow'],
  [0x0004, 'parameter_error'],
  [0x0002, 'object_unknown'],
  [0x0001, 'no_func_code_support'],
];
