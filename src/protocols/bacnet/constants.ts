/**
 * BACnet/IP codes (ANSI/ASHRAE 135, Annex J for BVLC, clause 6 for the NPDU, clauses 20-21 for the
 * APDU). Big tables (vendors, object types, property identifiers) live in vendors.ts and names.ts.
 */
import type { Operation } from '../../core/events.js';

export const BACNET_PORT = 47808; // 0xBAC0
/** Ports 47809-47823 (0xBAC1-0xBACF) are the conventional alternates for a second B/IP network. */
export const BACNET_PORTS: readonly number[] = [
  47808, 47809, 47810, 47811, 47812, 47813, 47814, 47815, 47816, 47817, 47818, 47819, 47820, 47821, 47822, 47823,
];

// ---- BVLC (Annex J) ----
export const BVLL_TYPE_BACNET_IP = 0x81;
export const BVLC_HEADER_LENGTH = 4;
export const BVLC_RESULT = 0x00;
export const BVLC_WRITE_BDT = 0x01;
export const BVLC_READ_BDT = 0x02;
export const BVLC_READ_BDT_ACK = 0x03;
export const BVLC_FORWARDED_NPDU = 0x04;
export const BVLC_REGISTER_FOREIGN_DEVICE = 0x05;
export const BVLC_READ_FDT = 0x06;
export const BVLC_READ_FDT_ACK = 0x07;
export const BVLC_DELETE_FDT_ENTRY = 0x08;
export const BVLC_DISTRIBUTE_BROADCAST = 0x09;
export const BVLC_ORIGINAL_UNICAST = 0x0a;
export const BVLC_ORIGINAL_BROADCAST = 0x0b;
export const BVLC_SECURE_BVLL = 0x0c;
/** Highest BVLC function defined (probe sanity check). */
export const BVLC_MAX_FUNCTION = 0x0c;

export const BVLC_FUNCTION_NAMES: readonly string[] = [
  'bvlc_result',
  'write_broadcast_distribution_table',
  'read_broadcast_distribution_table',
  'read_broadcast_distribution_table_ack',
  'forwarded_npdu',
  'register_foreign_device',
  'read_foreign_device_table',
  'read_foreign_device_table_ack',
  'delete_foreign_device_table_entry',
  'distribute_broadcast_to_network',
  'original_unicast_npdu',
  'original_broadcast_npdu',
  'secured_bvll',
];

/** BVLC-Result codes (J.2.1.1). */
export const BVLC_RESULT_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0000, 'successful_completion'],
  [0x0010, 'write_bdt_nak'],
  [0x0020, 'read_bdt_nak'],
  [0x0030, 'register_foreign_device_nak'],
  [0x0040, 'read_fdt_nak'],
  [0x0050, 'delete_fdt_entry_nak'],
  [0x0060, 'distribute_broadcast_to_network_nak'],
]);

// ---- LLC (ISO 8802-2, clause 7 of 135): DSAP 0x82, SSAP 0x82, UI control 0x03 ----
export const LLC_SAP_BACNET = 0x82;
export const LLC_CONTROL_UI = 0x03;

// ---- NPDU (clause 6.2) ----
export const NPDU_VERSION = 0x01;
export const NPDU_NETWORK_MESSAGE = 0x80; // bit 7: NSDU is a network-layer message
export const NPDU_DEST_PRESENT = 0x20; // bit 5: DNET, DLEN, DADR and hop count present
export const NPDU_SRC_PRESENT = 0x08; // bit 3: SNET, SLEN, SADR present
export const NPDU_EXPECTING_REPLY = 0x04; // bit 2
export const NPDU_PRIORITY_MASK = 0x03; // bits 1-0

/** Network-layer message types (6.2.4); 0x80-0xFF are proprietary (followed by a vendor id). */
export const NETWORK_MESSAGE_NAMES: readonly string[] = [
  'who_is_router_to_network',
  'i_am_router_to_network',
  'i_could_be_router_to_network',
  'reject_message_to_network',
  'router_busy_to_network',
  'router_available_to_network',
  'initialize_routing_table',
  'initialize_routing_table_ack',
  'establish_connection_to_network',
  'disconnect_connection_to_network',
  'challenge_request',
  'security_payload',
  'security_response',
  'request_key_update',
  'update_key_set',
  'update_distribution_key',
  'request_master_key',
  'set_master_key',
  'what_is_network_number',
  'network_number_is',
];
export const NETWORK_MESSAGE_PROPRIETARY_MIN = 0x80;

// ---- APDU (clause 20.1) ----
export const PDU_CONFIRMED_REQUEST = 0;
export const PDU_UNCONFIRMED_REQUEST = 1;
export const PDU_SIMPLE_ACK = 2;
export const PDU_COMPLEX_ACK = 3;
export const PDU_SEGMENT_ACK = 4;
export const PDU_ERROR = 5;
export const PDU_REJECT = 6;
export const PDU_ABORT = 7;
export const PDU_TYPE_NAMES: readonly string[] = [
  'confirmed_request',
  'unconfirmed_request',
  'simple_ack',
  'complex_ack',
  'segment_ack',
  'error',
  'reject',
  'abort',
];

/** PDU flag bits in the low nibble of the first APDU octet. */
export const APDU_SEGMENTED = 0x08; // SEG (confirmed request, complex ack)
export const APDU_MORE_FOLLOWS = 0x04; // MOR
export const APDU_SEGMENTED_RESPONSE_ACCEPTED = 0x02; // SA (confirmed request)
export const APDU_NAK = 0x02; // segment ack: negative ack
export const APDU_SERVER = 0x01; // segment ack / abort: sent by the server

// ---- confirmed services (21, BACnetConfirmedServiceChoice) ----
export const SVC_ACKNOWLEDGE_ALARM = 0;
export const SVC_CONFIRMED_COV_NOTIFICATION = 1;
export const SVC_ATOMIC_READ_FILE = 6;
export const SVC_ATOMIC_WRITE_FILE = 7;
export const SVC_CREATE_OBJECT = 10;
export const SVC_DELETE_OBJECT = 11;
export const SVC_READ_PROPERTY = 12;
export const SVC_READ_PROPERTY_MULTIPLE = 14;
export const SVC_WRITE_PROPERTY = 15;
export const SVC_WRITE_PROPERTY_MULTIPLE = 16;
export const SVC_DEVICE_COMMUNICATION_CONTROL = 17;
export const SVC_REINITIALIZE_DEVICE = 20;
export const SVC_SUBSCRIBE_COV = 5;
export const SVC_SUBSCRIBE_COV_PROPERTY = 28;

/** Confirmed service names (snake_case of the standard's names) and what each does to the receiver. */
export const CONFIRMED_SERVICES: readonly (readonly [string, Operation])[] = [
  ['acknowledge_alarm', 'other'], // 0
  ['confirmed_cov_notification', 'subscribe'], // 1: delivery of a subscription
  ['confirmed_event_notification', 'other'], // 2
  ['get_alarm_summary', 'read'], // 3
  ['get_enrollment_summary', 'read'], // 4
  ['subscribe_cov', 'subscribe'], // 5
  ['atomic_read_file', 'read'], // 6
  ['atomic_write_file', 'program'], // 7: file download (programs, configuration)
  ['add_list_element', 'write'], // 8
  ['remove_list_element', 'write'], // 9
  ['create_object', 'program'], // 10
  ['delete_object', 'program'], // 11
  ['read_property', 'read'], // 12
  ['read_property_conditional', 'read'], // 13
  ['read_property_multiple', 'read'], // 14
  ['write_property', 'write'], // 15
  ['write_property_multiple', 'write'], // 16
  ['device_communication_control', 'control'], // 17
  ['confirmed_private_transfer', 'other'], // 18
  ['confirmed_text_message', 'other'], // 19
  ['reinitialize_device', 'control'], // 20
  ['vt_open', 'session'], // 21
  ['vt_close', 'session'], // 22
  ['vt_data', 'session'], // 23
  ['authenticate', 'auth'], // 24
  ['request_key', 'auth'], // 25
  ['read_range', 'read'], // 26
  ['life_safety_operation', 'control'], // 27
  ['subscribe_cov_property', 'subscribe'], // 28
  ['get_event_information', 'read'], // 29
  ['subscribe_cov_property_multiple', 'subscribe'], // 30
  ['confirmed_cov_notification_multiple', 'subscribe'], // 31
  ['confirmed_audit_notification', 'other'], // 32
  ['audit_log_query', 'read'], // 33
];

// ---- unconfirmed services (21, BACnetUnconfirmedServiceChoice) ----
export const USVC_I_AM = 0;
export const USVC_I_HAVE = 1;
export const USVC_UNCONFIRMED_COV_NOTIFICATION = 2;
export const USVC_TIME_SYNCHRONIZATION = 6;
export const USVC_WHO_HAS = 7;
export const USVC_WHO_IS = 8;
export const USVC_UTC_TIME_SYNCHRONIZATION = 9;

export const UNCONFIRMED_SERVICES: readonly (readonly [string, Operation])[] = [
  ['i_am', 'discovery'], // 0
  ['i_have', 'discovery'], // 1
  ['unconfirmed_cov_notification', 'subscribe'], // 2
  ['unconfirmed_event_notification', 'other'], // 3
  ['unconfirmed_private_transfer', 'other'], // 4
  ['unconfirmed_text_message', 'other'], // 5
  ['time_synchronization', 'write'], // 6: sets the receiver's clock
  ['who_has', 'discovery'], // 7
  ['who_is', 'discovery'], // 8
  ['utc_time_synchronization', 'write'], // 9
  ['write_group', 'write'], // 10
  ['unconfirmed_cov_notification_multiple', 'subscribe'], // 11
  ['unconfirmed_audit_notification', 'other'], // 12
  ['who_am_i', 'discovery'], // 13
  ['you_are', 'write'], // 14: assigns a device its identity
];

// ---- application tags (20.2.1.4) ----
export const TAG_NULL = 0;
export const TAG_BOOLEAN = 1;
export const TAG_UNSIGNED = 2;
export const TAG_SIGNED = 3;
export const TAG_REAL = 4;
export const TAG_DOUBLE = 5;
export const TAG_OCTET_STRING = 6;
export const TAG_CHARACTER_STRING = 7;
export const TAG_BIT_STRING = 8;
export const TAG_ENUMERATED = 9;
export const TAG_DATE = 10;
export const TAG_TIME = 11;
export const TAG_OBJECT_ID = 12;

/** Character sets of a character string (20.2.9). */
export const CHARSET_UTF8 = 0; // ANSI X3.4 before 2010
export const CHARSET_DBCS = 1; // IBM/Microsoft DBCS: two code-page octets follow
export const CHARSET_JIS_C_6226 = 2;
export const CHARSET_UCS4 = 3;
export const CHARSET_UCS2 = 4;
export const CHARSET_ISO_8859_1 = 5;

// ---- objects and properties used for identity ----
export const OBJECT_DEVICE = 8;
/** Device instance 4194303 (0x3FFFFF) means "the device that receives this request". */
export const DEVICE_INSTANCE_WILDCARD = 4194303;

// ---- routing (clause 6.2.2) ----
/** DNET 0xFFFF: a global broadcast, to every network; names no device. */
export const DNET_GLOBAL_BROADCAST = 0xffff;
/** Prefix of the id of a device behind a BACnet router ('bacnet:<network>:<mac hex>', IdentityClaim.device). */
export const ROUTED_DEVICE_PREFIX = 'bacnet:';

export const PROP_APPLICATION_SOFTWARE_VERSION = 12;
export const PROP_DESCRIPTION = 28;
export const PROP_FIRMWARE_REVISION = 44;
export const PROP_LOCATION = 58;
export const PROP_MODEL_NAME = 70;
export const PROP_OBJECT_IDENTIFIER = 75;
export const PROP_OBJECT_NAME = 77;
export const PROP_VENDOR_IDENTIFIER = 120;
export const PROP_VENDOR_NAME = 121;
export const PROP_SERIAL_NUMBER = 372;

/** Segmentation support in I-Am (BACnetSegmentation). */
export const SEGMENTATION_NAMES: readonly string[] = ['both', 'transmit', 'receive', 'none'];

/** Reinitialize-Device states (BACnetReinitializedStateOfDevice). */
export const REINIT_STATES: readonly string[] = [
  'coldstart',
  'warmstart',
  'startbackup',
  'endbackup',
  'startrestore',
  'endrestore',
  'abortrestore',
  'activate_changes',
];
/** Device-Communication-Control enable-disable. */
export const DCC_STATES: readonly string[] = ['enable', 'disable', 'disable_initiation'];

// ---- bounds that keep hostile input from costing memory ----
/** A segmented message is dropped past this many bytes or segments (a real APDU is at most 1476 × 64... but devices use far less). */
export const MAX_REASSEMBLY_BYTES = 256 * 1024;
export const MAX_REASSEMBLY_SEGMENTS = 256;
/** Concurrent reassemblies and outstanding requests per flow. */
export const MAX_PENDING = 256;
/** Values kept per decoded property value, and characters per kept string. */
export const MAX_VALUES = 64;
export const MAX_STRING_CHARS = 1024;
/** Constructed values nested deeper than this are skipped, not decoded. */
export const MAX_DEPTH = 16;

/** What a network-layer message does (by message type); proprietary and unknown types are 'other'. */
export const NETWORK_MESSAGE_OPERATIONS: readonly Operation[] = [
  'discovery',
  'discovery',
  'discovery',
  'other',
  'other',
  'other',
  'write',
  'write',
  'control',
  'control',
  'auth',
  'auth',
  'auth',
  'auth',
  'auth',
  'auth',
  'auth',
  'auth',
  'discovery',
  'discovery',
];

/** What each BVLC function does (foreign-device registration is B/IP's session). */
export const BVLC_FUNCTION_OPERATIONS: readonly Operation[] = [
  'other',
  'write',
  'read',
  'read',
  'other',
  'session',
  'read',
  'read',
  'write',
  'other',
  'other',
  'other',
  'auth',
];
