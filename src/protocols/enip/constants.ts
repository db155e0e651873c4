/**
 * EtherNet/IP encapsulation (CIP Vol. 2 ch. 2) and CIP (Vol. 1) codes. Big tables (vendors, class names,
 * device types, general status texts) are generated into vendors.ts and names.ts.
 */

export const PROTOCOL = 'enip';

/** TCP and UDP encapsulation port (explicit messaging, ListIdentity over UDP). */
export const ENIP_PORT = 44818;
/** UDP port of class 0/1 implicit (I/O) messaging. */
export const ENIP_IO_PORT = 2222;

// ---- encapsulation header (all little-endian) ----
export const ENCAP_HEADER_LEN = 24;
/** Command (2) + length (2): what framing needs to know the message length. */
export const ENCAP_PREFIX_LEN = 4;

export const CMD_NOP = 0x0000;
export const CMD_LIST_SERVICES = 0x0004;
export const CMD_LIST_IDENTITY = 0x0063;
export const CMD_LIST_INTERFACES = 0x0064;
export const CMD_REGISTER_SESSION = 0x0065;
export const CMD_UNREGISTER_SESSION = 0x0066;
export const CMD_SEND_RR_DATA = 0x006f;
export const CMD_SEND_UNIT_DATA = 0x0070;
export const CMD_INDICATE_STATUS = 0x0072;
export const CMD_CANCEL = 0x0073;
export const CMD_START_DTLS = 0x00c8;

export const COMMAND_NAMES: ReadonlyMap<number, string> = new Map([
  [CMD_NOP, 'nop'],
  [0x0001, 'list_targets'], // legacy (pre-ODVA) command, still answered by 1756-ENBT
  [CMD_LIST_SERVICES, 'list_services'],
  [CMD_LIST_IDENTITY, 'list_identity'],
  [CMD_LIST_INTERFACES, 'list_interfaces'],
  [CMD_REGISTER_SESSION, 'register_session'],
  [CMD_UNREGISTER_SESSION, 'unregister_session'],
  [CMD_SEND_RR_DATA, 'send_rr_data'],
  [CMD_SEND_UNIT_DATA, 'send_unit_data'],
  [CMD_INDICATE_STATUS, 'indicate_status'],
  [CMD_CANCEL, 'cancel'],
  [CMD_START_DTLS, 'start_dtls'],
]);

/**
 * Commands 0x0000-0x00ff are ODVA's (some legacy, some reserved); a header outside that range is not an
 * encapsulation header. Framing after a gap and the off-port probe rely on it.
 */
export const MAX_PLAUSIBLE_COMMAND = 0x00ff;
/** The spec caps encapsulated data at 65511 bytes (header + data fit a 64 KiB buffer). */
export const MAX_ENCAP_DATA_LEN = 65511;

export const ENCAP_STATUS_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'success'],
  [0x0001, 'invalid command'],
  [0x0002, 'no memory resources'],
  [0x0003, 'incorrect data'],
  [0x0064, 'invalid session handle'],
  [0x0065, 'invalid length'],
  [0x0069, 'unsupported protocol revision'],
  [0x006a, 'encapsulated CIP service not allowed on this port'],
]);

// ---- common packet format items ----
export const ITEM_NULL_ADDRESS = 0x0000;
export const ITEM_CIP_IDENTITY = 0x000c;
export const ITEM_CIP_SECURITY = 0x0086;
export const ITEM_ENIP_CAPABILITY = 0x0087;
export const ITEM_CONNECTED_ADDRESS = 0x00a1;
export const ITEM_CONNECTED_DATA = 0x00b1;
export const ITEM_UNCONNECTED_DATA = 0x00b2;
export const ITEM_LIST_SERVICES = 0x0100;
export const ITEM_SOCKADDR_OT = 0x8000;
export const ITEM_SOCKADDR_TO = 0x8001;
export const ITEM_SEQUENCED_ADDRESS = 0x8002;
export const ITEM_UNCONNECTED_DTLS = 0x8003;
/** Hostile input could claim 65535 items; no real message carries more than a handful. */
export const MAX_CPF_ITEMS = 64;
/** sockaddr info and ListIdentity's socket address: sin_family, sin_port, sin_addr (big-endian), 8 zero bytes. */
export const SOCKADDR_LEN = 16;

// ---- CIP message router ----
export const CIP_RESPONSE_BIT = 0x80;

export const SVC_GET_ATTRIBUTES_ALL = 0x01;
export const SVC_SET_ATTRIBUTES_ALL = 0x02;
export const SVC_GET_ATTRIBUTE_LIST = 0x03;
export const SVC_SET_ATTRIBUTE_LIST = 0x04;
export const SVC_RESET = 0x05;
export const SVC_START = 0x06;
export const SVC_STOP = 0x07;
export const SVC_CREATE = 0x08;
export const SVC_DELETE = 0x09;
export const SVC_MULTIPLE_SERVICE_PACKET = 0x0a;
export const SVC_APPLY_ATTRIBUTES = 0x0d;
export const SVC_GET_ATTRIBUTE_SINGLE = 0x0e;
export const SVC_SET_ATTRIBUTE_SINGLE = 0x10;
export const SVC_FIND_NEXT_OBJECT_INSTANCE = 0x11;
export const SVC_RESTORE = 0x15;
export const SVC_SAVE = 0x16;
export const SVC_NOP = 0x17;
export const SVC_GET_MEMBER = 0x18;
export const SVC_SET_MEMBER = 0x19;
export const SVC_INSERT_MEMBER = 0x1a;
export const SVC_REMOVE_MEMBER = 0x1b;
export const SVC_GROUP_SYNC = 0x1c;
/** Services 0x4b-0x63 are object-class specific: their meaning depends on the class (or the tag path). */
export const FIRST_CLASS_SPECIFIC_SERVICE = 0x4b;

// Connection Manager (class 0x06) services
export const SVC_CM_FORWARD_CLOSE = 0x4e;
export const SVC_CM_UNCONNECTED_SEND = 0x52;
export const SVC_CM_FORWARD_OPEN = 0x54;
export const SVC_CM_GET_CONNECTION_DATA = 0x56;
export const SVC_CM_SEARCH_CONNECTION_DATA = 0x57;
export const SVC_CM_GET_CONNECTION_OWNER = 0x5a;
export const SVC_CM_LARGE_FORWARD_OPEN = 0x5b;

// Logix tag services (Rockwell, on a symbolic path or the Symbol class 0x6b)
export const SVC_READ_TAG = 0x4c;
export const SVC_WRITE_TAG = 0x4d;
export const SVC_READ_MODIFY_WRITE_TAG = 0x4e;
export const SVC_READ_TAG_FRAGMENTED = 0x52;
export const SVC_WRITE_TAG_FRAGMENTED = 0x53;
export const SVC_GET_INSTANCE_ATTRIBUTE_LIST = 0x55;

// PCCC object (class 0x67)
export const SVC_EXECUTE_PCCC = 0x4b;

export const COMMON_SERVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [SVC_GET_ATTRIBUTES_ALL, 'get_attributes_all'],
  [SVC_SET_ATTRIBUTES_ALL, 'set_attributes_all'],
  [SVC_GET_ATTRIBUTE_LIST, 'get_attribute_list'],
  [SVC_SET_ATTRIBUTE_LIST, 'set_attribute_list'],
  [SVC_RESET, 'reset'],
  [SVC_START, 'start'],
  [SVC_STOP, 'stop'],
  [SVC_CREATE, 'create'],
  [SVC_DELETE, 'delete'],
  [SVC_MULTIPLE_SERVICE_PACKET, 'multiple_service_packet'],
  [SVC_APPLY_ATTRIBUTES, 'apply_attributes'],
  [SVC_GET_ATTRIBUTE_SINGLE, 'get_attribute_single'],
  [SVC_SET_ATTRIBUTE_SINGLE, 'set_attribute_single'],
  [SVC_FIND_NEXT_OBJECT_INSTANCE, 'find_next_object_instance'],
  [SVC_RESTORE, 'restore'],
  [SVC_SAVE, 'save'],
  [SVC_NOP, 'nop'],
  [SVC_GET_MEMBER, 'get_member'],
  [SVC_SET_MEMBER, 'set_member'],
  [SVC_INSERT_MEMBER, 'insert_member'],
  [SVC_REMOVE_MEMBER, 'remove_member'],
  [SVC_GROUP_SYNC, 'group_sync'],
]);

export const CM_SERVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [SVC_CM_FORWARD_CLOSE, 'forward_close'],
  [SVC_CM_UNCONNECTED_SEND, 'unconnected_send'],
  [SVC_CM_FORWARD_OPEN, 'forward_open'],
  [SVC_CM_GET_CONNECTION_DATA, 'get_connection_data'],
  [SVC_CM_SEARCH_CONNECTION_DATA, 'search_connection_data'],
  [SVC_CM_GET_CONNECTION_OWNER, 'get_connection_owner'],
  [SVC_CM_LARGE_FORWARD_OPEN, 'large_forward_open'],
]);

export const TAG_SERVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [SVC_READ_TAG, 'read_tag'],
  [SVC_WRITE_TAG, 'write_tag'],
  [SVC_READ_MODIFY_WRITE_TAG, 'read_modify_write_tag'],
  [SVC_READ_TAG_FRAGMENTED, 'read_tag_fragmented'],
  [SVC_WRITE_TAG_FRAGMENTED, 'write_tag_fragmented'],
  [SVC_GET_INSTANCE_ATTRIBUTE_LIST, 'get_instance_attribute_list'],
]);

/** File object (class 0x37) services: EDS and program/firmware file transfers. */
export const FILE_SERVICE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x4b, 'initiate_upload'],
  [0x4c, 'initiate_download'],
  [0x4d, 'initiate_partial_read'],
  [0x4e, 'initiate_partial_write'],
  [0x4f, 'upload_transfer'],
  [0x50, 'download_transfer'],
  [0x51, 'clear_file'],
]);

// ---- classes ----
export const CLASS_IDENTITY = 0x01;
export const CLASS_MESSAGE_ROUTER = 0x02;
export const CLASS_ASSEMBLY = 0x04;
export const CLASS_CONNECTION_MANAGER = 0x06;
export const CLASS_FILE = 0x37;
export const CLASS_PCCC = 0x67;
/** Rockwell Logix Symbol object: tag instances; its 0x4c/0x4d are tag reads and writes. */
export const CLASS_LOGIX_SYMBOL = 0x6b;
/** Rockwell Logix Template object (UDT definitions): 0x4c reads a template. */
export const CLASS_LOGIX_TEMPLATE = 0x6c;
/** Rockwell Logix controller object: Start 0x06 / Stop 0x07 switch Run/Program (the "remote mode change"). */
export const CLASS_LOGIX_CONTROLLER = 0x8e;
/** Rockwell firmware update object (ControlFLASH): initiate 0x4b, 5000+ block transfers 0x4d, finish 0x51. */
export const CLASS_ROCKWELL_FIRMWARE = 0xa1;
export const CLASS_TCPIP_INTERFACE = 0xf5;
export const CLASS_ETHERNET_LINK = 0xf6;

// ---- Identity object (class 0x01) attributes ----
export const ID_ATTR_VENDOR = 1;
export const ID_ATTR_DEVICE_TYPE = 2;
export const ID_ATTR_PRODUCT_CODE = 3;
export const ID_ATTR_REVISION = 4;
export const ID_ATTR_STATUS = 5;
export const ID_ATTR_SERIAL = 6;
export const ID_ATTR_PRODUCT_NAME = 7;
export const ID_ATTR_STATE = 8;

export const IDENTITY_STATES: ReadonlyMap<number, string> = new Map([
  [0, 'nonexistent'],
  [1, 'self testing'],
  [2, 'standby'],
  [3, 'operational'],
  [4, 'major recoverable fault'],
  [5, 'major unrecoverable fault'],
  [255, 'default'],
]);

// ---- EPATH segments (Vol. 1 appendix C) ----
export const SEG_TYPE_MASK = 0xe0;
export const SEG_PORT = 0x00;
export const SEG_LOGICAL = 0x20;
export const SEG_NETWORK = 0x40;
export const SEG_SYMBOLIC = 0x60;
export const SEG_DATA = 0x80;
export const SEG_DATA_TYPE_CONSTRUCTED = 0xa0;
export const SEG_DATA_TYPE_ELEMENTARY = 0xc0;

export const PORT_EXTENDED_LINK = 0x10;
export const PORT_ID_MASK = 0x0f;
export const PORT_ID_EXTENDED = 0x0f;

export const LOGICAL_TYPE_MASK = 0x1c;
export const LOGICAL_CLASS = 0x00;
export const LOGICAL_INSTANCE = 0x04;
export const LOGICAL_MEMBER = 0x08;
export const LOGICAL_CONNECTION_POINT = 0x0c;
export const LOGICAL_ATTRIBUTE = 0x10;
export const LOGICAL_SPECIAL = 0x14; // electronic key when the format is 0
export const LOGICAL_SERVICE_ID = 0x18;
export const LOGICAL_FORMAT_MASK = 0x03;
export const ELECTRONIC_KEY_SEGMENT = 0x34;
export const ELECTRONIC_KEY_FORMAT_4 = 0x04;

export const DATA_SIMPLE = 0x80;
export const DATA_ANSI_EXTENDED_SYMBOL = 0x91;
export const NETWORK_EXTENDED = 0x5f;
/** Network segments 0x50-0x5f carry a length in words; 0x41-0x4f one data byte. */
export const NETWORK_LENGTH_IN_WORDS = 0x10;

// ---- Forward Open / Close ----
export const FWD_TRANSPORT_CLASS_MASK = 0x0f;
/** Byte offset of the connection path size in a Forward Open request (after the CM path). */
export const FWD_OPEN_PATH_SIZE_OFFSET = 35;
export const LARGE_FWD_OPEN_PATH_SIZE_OFFSET = 39;
export const FWD_OPEN_REPLY_LEN = 26;
export const FWD_CLOSE_PATH_SIZE_OFFSET = 10;

// ---- decoder limits ----
/** Requests remembered per flow while waiting for their replies. */
export const MAX_PENDING = 256;
/** Connections remembered across flows (Forward Open → I/O on UDP 2222); oldest dropped first. */
export const MAX_CONNECTIONS = 4096;
/** Chunks of garbage on a flow before the decoder stops looking for encapsulation headers. */
export const MAX_GARBAGE_CHUNKS = 8;
/** MSP inside MSP inside Unconnected Send...: real traffic nests twice at most. */
export const MAX_NESTING = 4;
/** Services in one Multiple Service Packet we unpack (the count is a u16). */
export const MAX_MSP_SERVICES = 512;
