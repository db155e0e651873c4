/**
 * Modbus/TCP codes (Modbus Application Protocol Specification V1.1b3, Modbus Messaging on TCP/IP
 * Implementation Guide V1.0b) and the Schneider UMAS sub-function codes carried in function 90.
 */
import type { Operation } from '../../core/events.js';

export const MODBUS_TCP_PORT = 502;
/** Ports where Modbus/TCP is commonly moved to (simulators, gateways, unprivileged servers). */
export const MODBUS_ALT_PORTS = [5020, 5502, 1502, 8502, 10502, 15020] as const;

// MBAP header (7 bytes): transaction id (2), protocol id (2), length (2), unit id (1).
export const MBAP_HEADER_LEN = 7;
/** Bytes before the length-counted part: transaction id, protocol id, length field. */
export const MBAP_PREFIX_LEN = 6;
export const MBAP_PROTOCOL_ID = 0;
/** Length counts unit id + PDU: at least unit id and function code. */
export const MBAP_MIN_LENGTH = 2;
/** Unit id + the largest PDU the spec allows (253 bytes, the RS-485 ADU limit of 256 minus address and CRC). */
export const MBAP_MAX_LENGTH = 254;
/** The largest PDU the specification allows. */
export const MAX_PDU_LEN = MBAP_MAX_LENGTH - 1;
/**
 * The largest MBAP length we frame: one over the specification (a PDU of 254 octets). Real PLCs execute
 * such PDUs (a Modicon answered a 254-octet UMAS request with success), so refusing the header would drop
 * a real exchange and the rest of its segment; it is decoded and counted as `modbus_oversized_pdu`.
 * Wireshark 4.0.17 sets no upper bound at all; beyond this one we keep calling a header garbage, so that a
 * stray length cannot swallow the ADUs that follow it.
 */
export const MBAP_TOLERATED_MAX_LENGTH = MBAP_MAX_LENGTH + 1;
export const MAX_ADU_LEN = MBAP_PREFIX_LEN + MBAP_TOLERATED_MAX_LENGTH;

export const EXCEPTION_BIT = 0x80;

// Public function codes.
export const FC_READ_COILS = 1;
export const FC_READ_DISCRETE_INPUTS = 2;
export const FC_READ_HOLDING_REGISTERS = 3;
export const FC_READ_INPUT_REGISTERS = 4;
export const FC_WRITE_SINGLE_COIL = 5;
export const FC_WRITE_SINGLE_REGISTER = 6;
export const FC_READ_EXCEPTION_STATUS = 7;
export const FC_DIAGNOSTICS = 8;
export const FC_GET_COMM_EVENT_COUNTER = 11;
export const FC_GET_COMM_EVENT_LOG = 12;
export const FC_WRITE_MULTIPLE_COILS = 15;
export const FC_WRITE_MULTIPLE_REGISTERS = 16;
export const FC_REPORT_SERVER_ID = 17;
export const FC_READ_FILE_RECORD = 20;
export const FC_WRITE_FILE_RECORD = 21;
export const FC_MASK_WRITE_REGISTER = 22;
export const FC_READ_WRITE_MULTIPLE_REGISTERS = 23;
export const FC_READ_FIFO_QUEUE = 24;
export const FC_ENCAPSULATED_INTERFACE = 43;
/** Schneider Electric UMAS (Unity/EcoStruxure engineering protocol), a user-defined code by the spec's ranges. */
export const FC_UMAS = 90;

export interface FunctionInfo {
  name: string;
  operation: Operation;
}

export const FUNCTIONS: ReadonlyMap<number, FunctionInfo> = new Map<number, FunctionInfo>([
  [FC_READ_COILS, { name: 'read_coils', operation: 'read' }],
  [FC_READ_DISCRETE_INPUTS, { name: 'read_discrete_inputs', operation: 'read' }],
  [FC_READ_HOLDING_REGISTERS, { name: 'read_holding_registers', operation: 'read' }],
  [FC_READ_INPUT_REGISTERS, { name: 'read_input_registers', operation: 'read' }],
  [FC_WRITE_SINGLE_COIL, { name: 'write_single_coil', operation: 'write' }],
  [FC_WRITE_SINGLE_REGISTER, { name: 'write_single_register', operation: 'write' }],
  // Serial-line status bits of the server: a health query, not process data.
  [FC_READ_EXCEPTION_STATUS, { name: 'read_exception_status', operation: 'diagnostic' }],
  [FC_DIAGNOSTICS, { name: 'diagnostics', operation: 'diagnostic' }],
  [FC_GET_COMM_EVENT_COUNTER, { name: 'get_comm_event_counter', operation: 'diagnostic' }],
  [FC_GET_COMM_EVENT_LOG, { name: 'get_comm_event_log', operation: 'diagnostic' }],
  [FC_WRITE_MULTIPLE_COILS, { name: 'write_multiple_coils', operation: 'write' }],
  [FC_WRITE_MULTIPLE_REGISTERS, { name: 'write_multiple_registers', operation: 'write' }],
  [FC_REPORT_SERVER_ID, { name: 'report_server_id', operation: 'identify' }],
  [FC_READ_FILE_RECORD, { name: 'read_file_record', operation: 'read' }],
  [FC_WRITE_FILE_RECORD, { name: 'write_file_record', operation: 'write' }],
  [FC_MASK_WRITE_REGISTER, { name: 'mask_write_register', operation: 'write' }],
  // It reads too, but what the audit must see is that it changes registers.
  [FC_READ_WRITE_MULTIPLE_REGISTERS, { name: 'read_write_multiple_registers', operation: 'write' }],
  [FC_READ_FIFO_QUEUE, { name: 'read_fifo_queue', operation: 'read' }],
  [FC_ENCAPSULATED_INTERFACE, { name: 'encapsulated_interface_transport', operation: 'other' }],
  [FC_UMAS, { name: 'umas', operation: 'other' }],
]);

/** Function codes the spec reserves for user-defined functions (65-72, 100-110). */
export function isUserDefinedFunction(fc: number): boolean {
  return (fc >= 65 && fc <= 72) || (fc >= 100 && fc <= 110);
}

// Exception codes.
export const EXCEPTIONS: ReadonlyMap<number, string> = new Map([
  [1, 'illegal_function'],
  [2, 'illegal_data_address'],
  [3, 'illegal_data_value'],
  [4, 'server_device_failure'],
  [5, 'acknowledge'],
  [6, 'server_device_busy'],
  [7, 'negative_acknowledge'],
  [8, 'memory_parity_error'],
  [10, 'gateway_path_unavailable'],
  [11, 'gateway_target_failed_to_respond'],
]);

// FC 8 sub-functions.
export const DIAG_RETURN_QUERY_DATA = 0;
export const DIAG_RESTART_COMMUNICATIONS = 1;
export const DIAG_FORCE_LISTEN_ONLY = 4;

export const DIAGNOSTIC_SUBFUNCTIONS: ReadonlyMap<number, FunctionInfo> = new Map<number, FunctionInfo>([
  [DIAG_RETURN_QUERY_DATA, { name: 'return_query_data', operation: 'diagnostic' }],
  // Restarts the server's serial port and leaves listen-only mode: a device restart as far as the bus is concerned.
  [DIAG_RESTART_COMMUNICATIONS, { name: 'restart_communications_option', operation: 'restart' }],
  [2, { name: 'return_diagnostic_register', operation: 'diagnostic' }],
  [3, { name: 'change_ascii_input_delimiter', operation: 'control' }],
  // The server stops answering until restarted: a denial of service on purpose or by accident.
  [DIAG_FORCE_LISTEN_ONLY, { name: 'force_listen_only_mode', operation: 'control' }],
  [10, { name: 'clear_counters_and_diagnostic_register', operation: 'diagnostic' }],
  [11, { name: 'return_bus_message_count', operation: 'diagnostic' }],
  [12, { name: 'return_bus_communication_error_count', operation: 'diagnostic' }],
  [13, { name: 'return_bus_exception_error_count', operation: 'diagnostic' }],
  [14, { name: 'return_server_message_count', operation: 'diagnostic' }],
  [15, { name: 'return_server_no_response_count', operation: 'diagnostic' }],
  [16, { name: 'return_server_nak_count', operation: 'diagnostic' }],
  [17, { name: 'return_server_busy_count', operation: 'diagnostic' }],
  [18, { name: 'return_bus_character_overrun_count', operation: 'diagnostic' }],
  [20, { name: 'clear_overrun_counter_and_flag', operation: 'diagnostic' }],
]);

// FC 43 MEI types.
export const MEI_CANOPEN_GENERAL_REFERENCE = 13;
export const MEI_READ_DEVICE_IDENTIFICATION = 14;

/** Read Device ID codes (what the client asks for). */
export const READ_DEVICE_ID_CODES: ReadonlyMap<number, string> = new Map([
  [1, 'basic'],
  [2, 'regular'],
  [3, 'extended'],
  [4, 'specific'],
]);

/** Device identification object ids; 0x07-0x7f are reserved, 0x80-0xff are private (vendor) objects. */
export const DEVICE_ID_OBJECTS: ReadonlyMap<number, string> = new Map([
  [0, 'vendor_name'],
  [1, 'product_code'],
  [2, 'major_minor_revision'],
  [3, 'vendor_url'],
  [4, 'product_name'],
  [5, 'model_name'],
  [6, 'user_application_name'],
]);
/** Objects below this id are ASCII strings by the spec (Wireshark shows only these as strings). */
export const DEVICE_ID_FIRST_NON_STRING = 7;
export const DEVICE_ID_FIRST_PRIVATE = 0x80;

// UMAS: PDU is [90][session key][UMAS function][data]; a response carries 0xfe (ok) or 0xfd (error) in
// place of the UMAS function. Names as published by the UMAS research (Kaspersky ICS CERT 2022,
// Airbus 2020); Schneider has no public specification.
export const UMAS_RESPONSE_OK = 0xfe;
export const UMAS_RESPONSE_ERROR = 0xfd;

/** UMAS functions; `name` says what happens to the PLC: "program_write_*" copies a project to it. */
export const UMAS_FUNCTIONS: ReadonlyMap<number, FunctionInfo & { umas: string }> = new Map([
  [0x01, { umas: 'INIT_COMM', name: 'init_comm', operation: 'session' as Operation }],
  [0x02, { umas: 'READ_ID', name: 'read_id', operation: 'identify' as Operation }],
  [0x03, { umas: 'READ_PROJECT_INFO', name: 'read_project_info', operation: 'identify' as Operation }],
  [0x04, { umas: 'READ_PLC_INFO', name: 'read_plc_info', operation: 'identify' as Operation }],
  [0x06, { umas: 'READ_CARD_INFO', name: 'read_card_info', operation: 'identify' as Operation }],
  [0x0a, { umas: 'REPEAT', name: 'repeat', operation: 'other' as Operation }],
  // The engineering station "logs in": only the reservation holder may change the PLC.
  [0x10, { umas: 'TAKE_PLC_RESERVATION', name: 'take_plc_reservation', operation: 'session' as Operation }],
  [0x11, { umas: 'RELEASE_PLC_RESERVATION', name: 'release_plc_reservation', operation: 'session' as Operation }],
  [0x12, { umas: 'KEEP_ALIVE', name: 'keep_alive', operation: 'session' as Operation }],
  [0x20, { umas: 'READ_MEMORY_BLOCK', name: 'read_memory_block', operation: 'read' as Operation }],
  [0x22, { umas: 'READ_VARIABLES', name: 'read_variables', operation: 'read' as Operation }],
  [0x23, { umas: 'WRITE_VARIABLES', name: 'write_variables', operation: 'write' as Operation }],
  [0x24, { umas: 'READ_COILS_REGISTERS', name: 'read_coils_registers', operation: 'read' as Operation }],
  [0x25, { umas: 'WRITE_COILS_REGISTERS', name: 'write_coils_registers', operation: 'write' as Operation }],
  // UMAS calls the transfer to the PLC "upload" (0x30-0x32) and from the PLC "download" (0x33-0x35), the
  // reverse of common usage: our names say the direction.
  [0x30, { umas: 'INITIALIZE_UPLOAD', name: 'program_download_begin', operation: 'program' as Operation }],
  [0x31, { umas: 'UPLOAD_BLOCK', name: 'program_download_block', operation: 'program' as Operation }],
  [0x32, { umas: 'END_STRATEGY_UPLOAD', name: 'program_download_end', operation: 'program' as Operation }],
  [0x33, { umas: 'INITIALIZE_DOWNLOAD', name: 'program_upload_begin', operation: 'program' as Operation }],
  [0x34, { umas: 'DOWNLOAD_BLOCK', name: 'program_upload_block', operation: 'program' as Operation }],
  [0x35, { umas: 'END_STRATEGY_DOWNLOAD', name: 'program_upload_end', operation: 'program' as Operation }],
  [0x39, { umas: 'READ_ETH_MASTER_DATA', name: 'read_eth_master_data', operation: 'read' as Operation }],
  [0x40, { umas: 'START_PLC', name: 'plc_start', operation: 'control' as Operation }],
  [0x41, { umas: 'STOP_PLC', name: 'plc_stop', operation: 'control' as Operation }],
  [0x50, { umas: 'MONITOR_PLC', name: 'monitor_plc', operation: 'read' as Operation }],
  [0x58, { umas: 'CHECK_PLC', name: 'check_plc', operation: 'diagnostic' as Operation }],
  [0x70, { umas: 'READ_IO_OBJECT', name: 'read_io_object', operation: 'read' as Operation }],
  [0x71, { umas: 'WRITE_IO_OBJECT', name: 'write_io_object', operation: 'write' as Operation }],
  [0x73, { umas: 'GET_STATUS_MODULE', name: 'get_status_module', operation: 'diagnostic' as Operation }],
]);

/** Conventional (Modicon) reference prefixes: 0xxxx coils, 1xxxx discrete inputs, 3xxxx input registers, 4xxxx holding registers. */
export const AREA_COILS = 0;
export const AREA_DISCRETE_INPUTS = 1;
export const AREA_INPUT_REGISTERS = 3;
export const AREA_HOLDING_REGISTERS = 4;
export const AREA_LABELS: readonly string[] = ['coils', 'DI', '', 'IR', 'HR'];

/** Spec quantity limits, used to tell a real PDU from noise when probing. */
export const MAX_READ_BITS = 2000;
export const MAX_READ_REGISTERS = 125;
export const MAX_WRITE_BITS = 1968;
export const MAX_WRITE_REGISTERS = 123;
export const MAX_RW_WRITE_REGISTERS = 121;

/** Outstanding requests kept per flow for pairing; a client pipelining more than this is not waiting for answers. */
export const MAX_PENDING_TRANSACTIONS = 256;
/** A direction that never produced a valid ADU is given up after this many rejected chunks. */
export const MAX_GARBAGE_CHUNKS_BEFORE_GIVING_UP = 8;
