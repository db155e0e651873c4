/**
 * The ASDU type identifications of IEC 60870-5-101/104 (and the IEC 62351-5 / 60870-5-7 security
 * types), each with its mnemonic, a snake_case function name for events, what kind of type it is, and
 * the information elements that follow each information object address. The element layout gives the
 * object size, which is how a receiver walks a sequence of objects.
 */

/** One information element: its wire size in octets. */
export const ELEMENT_SIZES = {
  SIQ: 1, // single-point information with quality
  DIQ: 1, // double-point information with quality
  VTI: 1, // value with transient state (step position)
  QDS: 1, // quality descriptor
  BSI: 4, // bitstring of 32 bits
  NVA: 2, // normalised value
  SVA: 2, // scaled value
  R32: 4, // short floating point (IEEE 754)
  BCR: 5, // binary counter reading
  CP16: 2, // two-octet time (elapsed ms)
  CP24: 3, // three-octet time tag (ms, minutes)
  CP56: 7, // seven-octet time tag (full date)
  SCO: 1, // single command
  DCO: 1, // double command
  RCO: 1, // regulating step command
  QOS: 1, // qualifier of set-point command (with S/E)
  COI: 1, // cause of initialisation
  QOI: 1, // qualifier of interrogation
  QCC: 1, // qualifier of counter interrogation
  QRP: 1, // qualifier of reset process
  FBP: 2, // fixed test bit pattern
  TSC: 2, // test sequence counter
  QPM: 1, // qualifier of parameter of measured values
  QPA: 1, // qualifier of parameter activation
  SEP: 1, // single event of protection equipment
  SPE: 1, // start events of protection equipment
  OCI: 1, // output circuit information
  QDP: 1, // quality descriptor for protection events
  SCD: 4, // status and status change detection
  NOF: 2, // name of file
  NOS: 1, // name of section
  LOF: 3, // length of file
  LOS: 1, // length of segment
  FRQ: 1, // file ready qualifier
  SRQ: 1, // section ready qualifier
  SCQ: 1, // select and call qualifier
  LSQ: 1, // last section or segment qualifier
  CHS: 1, // checksum
  AFQ: 1, // acknowledge file or section qualifier
  SOF: 1, // status of file
} as const;

export type Element = keyof typeof ELEMENT_SIZES;

/**
 * What a type does: data from the controlled station (monitor), commands on the process (command),
 * station services (system), parameter loading (parameter), file transfer (file), end of initialisation
 * (init), secure authentication (security).
 */
export type TypeKind = 'monitor' | 'command' | 'system' | 'parameter' | 'file' | 'init' | 'security';

export interface TypeInfo {
  id: number;
  mnemonic: string;
  fn: string;
  kind: TypeKind;
  /** Elements after each IOA; undefined where the object has a variable size (segments, security). */
  elements: readonly Element[] | undefined;
  /** Octets of one object's elements (without the IOA), undefined when variable. */
  size: number | undefined;
}

type Row = [id: number, mnemonic: string, fn: string, kind: TypeKind, elements: readonly Element[] | undefined];

const ROWS: readonly Row[] = [
  [1, 'M_SP_NA_1', 'single_point', 'monitor', ['SIQ']],
  [2, 'M_SP_TA_1', 'single_point_time24', 'monitor', ['SIQ', 'CP24']],
  [3, 'M_DP_NA_1', 'double_point', 'monitor', ['DIQ']],
  [4, 'M_DP_TA_1', 'double_point_time24', 'monitor', ['DIQ', 'CP24']],
  [5, 'M_ST_NA_1', 'step_position', 'monitor', ['VTI', 'QDS']],
  [6, 'M_ST_TA_1', 'step_position_time24', 'monitor', ['VTI', 'QDS', 'CP24']],
  [7, 'M_BO_NA_1', 'bitstring32', 'monitor', ['BSI', 'QDS']],
  [8, 'M_BO_TA_1', 'bitstring32_time24', 'monitor', ['BSI', 'QDS', 'CP24']],
  [9, 'M_ME_NA_1', 'measured_normalised', 'monitor', ['NVA', 'QDS']],
  [10, 'M_ME_TA_1', 'measured_normalised_time24', 'monitor', ['NVA', 'QDS', 'CP24']],
  [11, 'M_ME_NB_1', 'measured_scaled', 'monitor', ['SVA', 'QDS']],
  [12, 'M_ME_TB_1', 'measured_scaled_time24', 'monitor', ['SVA', 'QDS', 'CP24']],
  [13, 'M_ME_NC_1', 'measured_float', 'monitor', ['R32', 'QDS']],
  [14, 'M_ME_TC_1', 'measured_float_time24', 'monitor', ['R32', 'QDS', 'CP24']],
  [15, 'M_IT_NA_1', 'integrated_totals', 'monitor', ['BCR']],
  [16, 'M_IT_TA_1', 'integrated_totals_time24', 'monitor', ['BCR', 'CP24']],
  [17, 'M_EP_TA_1', 'protection_event_time24', 'monitor', ['SEP', 'CP16', 'CP24']],
  [18, 'M_EP_TB_1', 'protection_start_events_time24', 'monitor', ['SPE', 'QDP', 'CP16', 'CP24']],
  [19, 'M_EP_TC_1', 'protection_output_circuit_time24', 'monitor', ['OCI', 'QDP', 'CP16', 'CP24']],
  [20, 'M_PS_NA_1', 'packed_single_point', 'monitor', ['SCD', 'QDS']],
  [21, 'M_ME_ND_1', 'measured_normalised_no_quality', 'monitor', ['NVA']],
  [30, 'M_SP_TB_1', 'single_point_time56', 'monitor', ['SIQ', 'CP56']],
  [31, 'M_DP_TB_1', 'double_point_time56', 'monitor', ['DIQ', 'CP56']],
  [32, 'M_ST_TB_1', 'step_position_time56', 'monitor', ['VTI', 'QDS', 'CP56']],
  [33, 'M_BO_TB_1', 'bitstring32_time56', 'monitor', ['BSI', 'QDS', 'CP56']],
  [34, 'M_ME_TD_1', 'measured_normalised_time56', 'monitor', ['NVA', 'QDS', 'CP56']],
  [35, 'M_ME_TE_1', 'measured_scaled_time56', 'monitor', ['SVA', 'QDS', 'CP56']],
  [36, 'M_ME_TF_1', 'measured_float_time56', 'monitor', ['R32', 'QDS', 'CP56']],
  [37, 'M_IT_TB_1', 'integrated_totals_time56', 'monitor', ['BCR', 'CP56']],
  [38, 'M_EP_TD_1', 'protection_event_time56', 'monitor', ['SEP', 'CP16', 'CP56']],
  [39, 'M_EP_TE_1', 'protection_start_events_time56', 'monitor', ['SPE', 'QDP', 'CP16', 'CP56']],
  [40, 'M_EP_TF_1', 'protection_output_circuit_time56', 'monitor', ['OCI', 'QDP', 'CP16', 'CP56']],
  [41, 'S_IT_TC_1', 'security_statistics', 'security', undefined],
  [45, 'C_SC_NA_1', 'single_command', 'command', ['SCO']],
  [46, 'C_DC_NA_1', 'double_command', 'command', ['DCO']],
  [47, 'C_RC_NA_1', 'regulating_step_command', 'command', ['RCO']],
  [48, 'C_SE_NA_1', 'setpoint_normalised', 'command', ['NVA', 'QOS']],
  [49, 'C_SE_NB_1', 'setpoint_scaled', 'command', ['SVA', 'QOS']],
  [50, 'C_SE_NC_1', 'setpoint_float', 'command', ['R32', 'QOS']],
  [51, 'C_BO_NA_1', 'bitstring32_command', 'command', ['BSI']],
  [58, 'C_SC_TA_1', 'single_command_time56', 'command', ['SCO', 'CP56']],
  [59, 'C_DC_TA_1', 'double_command_time56', 'command', ['DCO', 'CP56']],
  [60, 'C_RC_TA_1', 'regulating_step_command_time56', 'command', ['RCO', 'CP56']],
  [61, 'C_SE_TA_1', 'setpoint_normalised_time56', 'command', ['NVA', 'QOS', 'CP56']],
  [62, 'C_SE_TB_1', 'setpoint_scaled_time56', 'command', ['SVA', 'QOS', 'CP56']],
  [63, 'C_SE_TC_1', 'setpoint_float_time56', 'command', ['R32', 'QOS', 'CP56']],
  [64, 'C_BO_TA_1', 'bitstring32_command_time56', 'command', ['BSI', 'CP56']],
  [70, 'M_EI_NA_1', 'end_of_initialisation', 'init', ['COI']],
  [81, 'S_CH_NA_1', 'authentication_challenge', 'security', undefined],
  [82, 'S_RP_NA_1', 'authentication_reply', 'security', undefined],
  [83, 'S_AR_NA_1', 'aggressive_mode_request', 'security', undefined],
  [84, 'S_KR_NA_1', 'session_key_status_request', 'security', undefined],
  [85, 'S_KS_NA_1', 'session_key_status', 'security', undefined],
  [86, 'S_KC_NA_1', 'session_key_change', 'security', undefined],
  [87, 'S_ER_NA_1', 'authentication_error', 'security', undefined],
  [90, 'S_US_NA_1', 'user_status_change', 'security', undefined],
  [91, 'S_UQ_NA_1', 'update_key_change_request', 'security', undefined],
  [92, 'S_UR_NA_1', 'update_key_change_reply', 'security', undefined],
  [93, 'S_UK_NA_1', 'update_key_change_symmetric', 'security', undefined],
  [94, 'S_UA_NA_1', 'update_key_change_asymmetric', 'security', undefined],
  [95, 'S_UC_NA_1', 'update_key_change_confirmation', 'security', undefined],
  [100, 'C_IC_NA_1', 'interrogation', 'system', ['QOI']],
  [101, 'C_CI_NA_1', 'counter_interrogation', 'system', ['QCC']],
  [102, 'C_RD_NA_1', 'read', 'system', []],
  [103, 'C_CS_NA_1', 'clock_synchronisation', 'system', ['CP56']],
  [104, 'C_TS_NA_1', 'test', 'system', ['FBP']],
  [105, 'C_RP_NA_1', 'reset_process', 'system', ['QRP']],
  [106, 'C_CD_NA_1', 'delay_acquisition', 'system', ['CP16']],
  [107, 'C_TS_TA_1', 'test_time56', 'system', ['TSC', 'CP56']],
  [110, 'P_ME_NA_1', 'parameter_normalised', 'parameter', ['NVA', 'QPM']],
  [111, 'P_ME_NB_1', 'parameter_scaled', 'parameter', ['SVA', 'QPM']],
  [112, 'P_ME_NC_1', 'parameter_float', 'parameter', ['R32', 'QPM']],
  [113, 'P_AC_NA_1', 'parameter_activation', 'parameter', ['QPA']],
  [120, 'F_FR_NA_1', 'file_ready', 'file', ['NOF', 'LOF', 'FRQ']],
  [121, 'F_SR_NA_1', 'section_ready', 'file', ['NOF', 'NOS', 'LOF', 'SRQ']],
  [122, 'F_SC_NA_1', 'file_call', 'file', ['NOF', 'NOS', 'SCQ']],
  [123, 'F_LS_NA_1', 'file_last_section', 'file', ['NOF', 'NOS', 'LSQ', 'CHS']],
  [124, 'F_AF_NA_1', 'file_ack', 'file', ['NOF', 'NOS', 'AFQ']],
  [125, 'F_SG_NA_1', 'file_segment', 'file', undefined],
  [126, 'F_DR_TA_1', 'file_directory', 'file', ['NOF', 'LOF', 'SOF', 'CP56']],
  [127, 'F_SC_NB_1', 'file_query_log', 'file', ['NOF', 'CP56', 'CP56']],
];

function info([id, mnemonic, fn, kind, elements]: Row): TypeInfo {
  const size = elements?.reduce((n, e) => n + ELEMENT_SIZES[e], 0);
  return { id, mnemonic, fn, kind, elements, size };
}

/** Type id → what it is; an index by the octet itself, so a lookup is one array read. */
export const TYPE_IDS: readonly (TypeInfo | undefined)[] = (() => {
  const out: (TypeInfo | undefined)[] = new Array(256).fill(undefined);
  for (const r of ROWS) out[r[0]] = info(r);
  return out;
})();

export function typeInfo(id: number): TypeInfo | undefined {
  return TYPE_IDS[id & 0xff];
}

/** Command types the oracle counts under `commands`: 45..51 and 58..64. */
export function isCommandType(id: number): boolean {
  return (id >= 45 && id <= 51) || (id >= 58 && id <= 64);
}

/** System types the oracle counts under `system_commands`: 100..107. */
export function isSystemType(id: number): boolean {
  return id >= 100 && id <= 107;
}

/** Types only the controlled station sends in the monitor direction (process information, end of initialisation). */
export function isMonitorType(id: number): boolean {
  return (id >= 1 && id <= 44) || id === 70;
}

/** Types a controlling station sends to act on the controlled station (commands, system, parameters). */
export function isControlDirectionType(id: number): boolean {
  return (id >= 45 && id <= 69) || (id >= 100 && id <= 119);
}
