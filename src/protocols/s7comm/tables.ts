/**
 * Name tables for S7comm and S7comm-plus codes (after Wireshark's packet-s7comm.c,
 * packet-s7comm_szl_ids.c and the s7comm_plus plugin). Names are snake_case where they become an
 * event's `fn`.
 */

export const ROSCTR_NAMES: Readonly<Record<number, string>> = {
  0x01: 'job',
  0x02: 'ack',
  0x03: 'ack_data',
  0x07: 'userdata',
};

/** Job / ack_data parameter functions → event fn. */
export const FUNCTION_NAMES: Readonly<Record<number, string>> = {
  0x00: 'cpu_services',
  0x01: 'mode_transition',
  0x04: 'read_var',
  0x05: 'write_var',
  0x1a: 'request_download',
  0x1b: 'download_block',
  0x1c: 'download_ended',
  0x1d: 'start_upload',
  0x1e: 'upload',
  0x1f: 'end_upload',
  0x28: 'pi_service',
  0x29: 'plc_stop',
  0xf0: 'setup_communication',
};

/** Memory areas of an S7ANY address: short name as in STEP 7 addresses. */
export const AREA_SHORT_NAMES: Readonly<Record<number, string>> = {
  0x01: 'RECORD', // data record (RDREC, CP firmware update)
  0x03: 'SI200', // system info of the 200 family
  0x05: 'SF200', // system flags of the 200 family
  0x06: 'AI200', // analog inputs of the 200 family
  0x07: 'AO200', // analog outputs of the 200 family
  0x80: 'P', // direct peripheral access
  0x81: 'I', // inputs
  0x82: 'Q', // outputs
  0x83: 'M', // flags (Merker)
  0x84: 'DB', // data blocks
  0x85: 'DI', // instance data blocks
  0x86: 'L', // local data
  0x87: 'V', // previous local data
  28: 'C', // S7 counters
  29: 'T', // S7 timers
  30: 'C200', // IEC counters (200 family)
  31: 'T200', // IEC timers (200 family)
};

/** Item transport sizes of a request (S7ANY): the unit of the item length. */
export const TRANSPORT_SIZE_NAMES: Readonly<Record<number, string>> = {
  1: 'BIT',
  2: 'BYTE',
  3: 'CHAR',
  4: 'WORD',
  5: 'INT',
  6: 'DWORD',
  7: 'DINT',
  8: 'REAL',
  9: 'DATE',
  10: 'TOD',
  11: 'TIME',
  12: 'S5TIME',
  15: 'DATE_AND_TIME',
  28: 'COUNTER',
  29: 'TIMER',
  30: 'IEC_COUNTER',
  31: 'IEC_TIMER',
  32: 'HS_COUNTER',
};

/** Letter after "DB1.DB" / "M" in an address, from the transport size. */
export const TRANSPORT_SIZE_LETTER: Readonly<Record<number, string>> = {
  1: 'X',
  2: 'B',
  3: 'B',
  4: 'W',
  5: 'W',
  6: 'D',
  7: 'D',
  8: 'D',
};

export const SYNTAX_ID_NAMES: Readonly<Record<number, string>> = {
  0x10: 'S7ANY',
  0x11: 'PARAMETER_SHORT',
  0x12: 'PARAMETER_EXTENDED',
  0x13: 'PBC_R_ID',
  0x15: 'ALARM_LOCKFREE',
  0x16: 'ALARM_IND',
  0x19: 'ALARM_ACK',
  0x1a: 'ALARM_QUERYREQ',
  0x1c: 'NOTIFY_IND',
  0x82: 'NCK',
  0x83: 'NCK_METRIC',
  0x84: 'NCK_INCH',
  0xa2: 'DRIVEESANY',
  0xb0: 'DBREAD',
  0xb2: '1200SYM',
};

/** Block types as carried in file names ("_0A00001P": '0A' = DB). */
export const BLOCK_TYPE_NAMES: Readonly<Record<string, string>> = {
  '08': 'OB',
  '09': 'CMOD',
  '0A': 'DB',
  '0B': 'SDB',
  '0C': 'FC',
  '0D': 'SFC',
  '0E': 'FB',
  '0F': 'SFB',
};

/** Block types as one byte in block functions (list blocks of type, block info). */
export const SUBBLOCK_TYPE_NAMES: Readonly<Record<number, string>> = {
  0x08: 'OB',
  0x0a: 'DB',
  0x0b: 'SDB',
  0x0c: 'FC',
  0x0d: 'SFC',
  0x0e: 'FB',
  0x0f: 'SFB',
};

export const USERDATA_GROUP_NAMES: Readonly<Record<number, string>> = {
  0x0: 'mode_transition',
  0x1: 'programmer_commands',
  0x2: 'cyclic_data',
  0x3: 'block_functions',
  0x4: 'cpu_functions',
  0x5: 'security',
  0x6: 'pbc_bsend',
  0x7: 'time_functions',
  0xf: 'nc_programming',
};

/** Subfunctions per userdata function group (Wireshark 4.0 names, snake_case). */
export const USERDATA_SUBFUNCTION_NAMES: Readonly<Record<number, Readonly<Record<number, string>>>> = {
  0x1: {
    0x01: 'block_status',
    0x02: 'variable_status',
    0x03: 'output_istack',
    0x04: 'output_bstack',
    0x05: 'output_lstack',
    0x06: 'time_measurement',
    0x07: 'force_selection',
    0x08: 'modify_variable',
    0x09: 'force',
    0x0a: 'breakpoint',
    0x0b: 'exit_hold',
    0x0c: 'memory_reset',
    0x0d: 'disable_job',
    0x0e: 'enable_job',
    0x0f: 'delete_job',
    0x10: 'read_job_list',
    0x11: 'read_job',
    0x12: 'replace_job',
    0x13: 'block_status_v2',
    0x16: 'flash_led',
  },
  0x2: {
    0x01: 'cyclic_transfer',
    0x04: 'unsubscribe',
    0x05: 'change_driven_transfer',
    0x07: 'change_driven_transfer_modify',
    0x08: 'rdrec',
  },
  0x3: { 0x01: 'list_blocks', 0x02: 'list_blocks_of_type', 0x03: 'get_block_info' },
  0x4: {
    0x01: 'read_szl',
    0x02: 'message_service',
    0x03: 'diagnostic_message',
    0x05: 'alarm8_indication',
    0x06: 'notify_indication',
    0x07: 'alarm8_lock',
    0x08: 'alarm8_unlock',
    0x09: 'scan_indication',
    0x0b: 'alarm_ack',
    0x0c: 'alarm_ack_indication',
    0x0d: 'alarm_lock_indication',
    0x0e: 'alarm_unlock_indication',
    0x10: 'ar_send_indication',
    0x11: 'alarm_sq_indication',
    0x12: 'alarm_s_indication',
    0x13: 'alarm_query',
    0x16: 'notify8_indication',
  },
  0x5: { 0x01: 'plc_password', 0x02: 'clear_password' },
  0x7: { 0x01: 'read_clock', 0x02: 'set_clock', 0x03: 'read_clock_following', 0x04: 'set_clock' },
  0xf: {
    0x01: 'nc_request_download',
    0x02: 'nc_download_block',
    0x03: 'nc_continue_download',
    0x04: 'nc_download_ended',
    0x06: 'nc_start_upload',
    0x07: 'nc_upload',
    0x08: 'nc_continue_upload',
  },
};

/** CPU operating modes (mode transition push, SZL 0x0424). */
export const CPU_MODE_NAMES: Readonly<Record<number, string>> = {
  0x00: 'stop',
  0x01: 'warm_restart',
  0x02: 'run',
  0x03: 'hot_restart',
  0x04: 'hold',
  0x06: 'cold_restart',
  0x09: 'run_r',
  0x11: 'link_up',
  0x12: 'update',
};

/** PI services (program invocation) by name, with what they do. */
export const PI_SERVICE_NAMES: Readonly<Record<string, string>> = {
  _INSE: 'activate_block', // insert (activate) downloaded blocks
  _DELE: 'delete_block',
  P_PROGRAM: 'program_start_stop', // PLC start (and stop, in PLC stop jobs)
  _MODU: 'copy_ram_to_rom', // compress/copy RAM to ROM
  _GARB: 'compress_memory',
  _N_LOGIN_: 'login',
  _N_LOGOUT: 'logout',
  _N_CANCEL: 'cancel_alarm',
  _N_DASAVE: 'save_active_data',
  _N_DIGIOF: 'digitizing_off',
  _N_DIGION: 'digitizing_on',
  _N_DZERO_: 'set_d_numbers_invalid',
  _N_ENDEXT: 'external_mode_end',
  _N_F_OPER: 'open_file_read_only',
  _N_OST_OF: 'overstore_off',
  _N_OST_ON: 'overstore_on',
  _N_SCALE_: 'measurement_system',
  _N_SETUFR: 'activate_user_frame',
  _N_STRTLK: 'global_start_lock',
  _N_STRTUL: 'global_start_unlock',
  _N_TMRASS: 'reset_active_state',
  _N_F_DELE: 'delete_file',
  _N_EXTERN: 'select_external_program',
  _N_EXTMOD: 'select_external_program_mode',
  _N_F_DELR: 'delete_file_without_confirm',
  _N_F_XFER: 'select_file_for_upload',
  _N_LOCKE_: 'lock_file',
  _N_SELECT: 'select_program',
  _N_SRTLK: 'start_lock',
  _N_SRTUL: 'start_unlock',
  _N_F_CLOS: 'close_file',
  _N_F_COPY: 'copy_file',
  _N_F_DMDA: 'delete_mdi_buffer',
  _N_F_OPEN: 'open_file',
  _N_F_PROR: 'protect_file',
  _N_F_PROT: 'protect_file',
  _N_F_RENA: 'rename_file',
  _N_FINDBL: 'activate_search',
  _N_IBN_SS: 'set_setup_switch',
  _N_MMCSEM: 'mmc_semaphore',
  _N_NCKMOD: 'nck_mode',
  _N_NEWPWD: 'new_password',
  _N_SEL_BL: 'select_new_block',
  _N_SETTST: 'activate_tools_replacement',
  _N_TMAWCO: 'active_wear_group',
  _N_TMCRTC: 'create_tool_with_edge',
  _N_TMCRTO: 'create_tool',
  _N_TMFDPL: 'find_empty_location_for_loading',
  _N_TMFPBP: 'find_empty_location',
  _N_TMGETT: 'get_t_number',
  _N_TMMVTL: 'load_or_unload_tool',
  _N_TMPCIT: 'set_increment_value',
  _N_TMPOSM: 'position_tool_or_location',
  _N_TRESMO: 'reset_monitoring_values',
  _N_TSEARC: 'complex_search',
};

/** SZL ids (partial list numbers) worth a name; the low byte is the list, the high byte the extract. */
export const SZL_ID_NAMES: Readonly<Record<number, string>> = {
  0x0000: 'list_of_szl_ids',
  0x0011: 'module_identification_all',
  0x0111: 'module_identification_one',
  0x0f11: 'module_identification_header',
  0x0012: 'cpu_characteristics_all',
  0x0112: 'cpu_characteristics_group',
  0x0013: 'user_memory_areas',
  0x0113: 'user_memory_area_one',
  0x0014: 'system_areas_all',
  0x0015: 'block_types_all',
  0x0017: 'system_blocks_all',
  0x0018: 'system_blocks_all_18',
  0x0019: 'module_led_status_all',
  0x001c: 'component_identification_all',
  0x011c: 'component_identification_one',
  0x0022: 'interrupt_status',
  0x0024: 'operating_mode_status',
  0x0424: 'current_mode',
  0x0025: 'process_image_partitions',
  0x0031: 'communication_capability',
  0x0131: 'communication_capability_one',
  0x0032: 'communication_status',
  0x0132: 'communication_status_one',
  0x0037: 'ethernet_details',
  0x0074: 'module_leds_all',
  0x0174: 'module_led_one',
  0x0f74: 'module_leds_header',
  0x0091: 'module_status_all',
  0x0092: 'rack_station_status',
  0x0094: 'rack_station_status_io',
  0x0096: 'module_status_pn',
  0x00a0: 'diagnostic_buffer',
  0x01a0: 'diagnostic_buffer_latest',
  0x00b1: 'module_diagnostic_info',
  0x00b2: 'module_diagnostic_record_physical',
  0x00b3: 'module_diagnostic_record_logical',
  0x00b4: 'diagnostic_data_dp_slave',
};

/** SZL 0x0011/0x0111 record index → which identification the record carries. */
export const SZL11_INDEX_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'module',
  0x0006: 'basic_hardware',
  0x0007: 'basic_firmware',
  0x0081: 'firmware_extension',
  0x0082: 'firmware_extension_2',
};

/** SZL 0x001C/0x011C record index → which component text the record carries. */
export const SZL1C_INDEX_NAMES: Readonly<Record<number, string>> = {
  0x0001: 'system_name',
  0x0002: 'module_name',
  0x0003: 'plant_designation',
  0x0004: 'copyright',
  0x0005: 'serial_number',
  0x0007: 'module_type',
  0x0008: 'memory_card_serial',
  0x0009: 'manufacturer_profile',
  0x000a: 'oem_id',
  0x000b: 'location_designation',
};

/** S7comm-plus opcodes. */
export const S7P_OPCODE_NAMES: Readonly<Record<number, string>> = {
  0x31: 'request',
  0x32: 'response',
  0x33: 'notification',
  0x02: 'response2',
};

/** S7comm-plus function codes (Wireshark s7comm_plus plugin names, snake_case). */
export const S7P_FUNCTION_NAMES: Readonly<Record<number, string>> = {
  0x04bb: 'explore',
  0x04ca: 'create_object',
  0x04d4: 'delete_object',
  0x04f2: 'set_variable',
  0x0524: 'get_variable',
  0x0542: 'set_multi_variables',
  0x054c: 'get_multi_variables',
  0x0556: 'begin_sequence',
  0x0560: 'end_sequence',
  0x056b: 'invoke',
  0x0586: 'set_var_substreamed',
  0x0596: 'get_var_substreamed',
  0x05a9: 'get_variables_address',
  0x05b3: 'abort',
  0x05c7: 'error',
  0x05d5: 'init_ssl',
};
