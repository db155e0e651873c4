/**
 * Application function codes (IEEE 1815-2012 table 4-2): the name an event carries and the operation the
 * audit reasons with. Why each operation:
 *  - confirm: a master confirms response fragments it received (event reads): the outstation may then
 *    discard those events. It is part of polling, so it counts as `read` (a conduit that allows reads
 *    must allow confirms, or DNP3 does not work at all).
 *  - freeze functions copy or clear counters in the outstation: a command, so `control`.
 *  - initialize data / application, start / stop application act on the running device: `control`.
 *  - save configuration, file transfer and activate configuration change what the device runs: `program`.
 *  - enable / disable unsolicited and assign class set up the reporting session: `session`.
 *  - delay measurement and record current time serve clock synchronisation: `system`.
 */
import type { Operation } from '../../core/events.js';

export interface FunctionInfo {
  name: string;
  operation: Operation;
}

export const FUNCTIONS: ReadonlyMap<number, FunctionInfo> = new Map<number, FunctionInfo>([
  [0, { name: 'confirm', operation: 'read' }],
  [1, { name: 'read', operation: 'read' }],
  [2, { name: 'write', operation: 'write' }],
  [3, { name: 'select', operation: 'control' }],
  [4, { name: 'operate', operation: 'control' }],
  [5, { name: 'direct_operate', operation: 'control' }],
  [6, { name: 'direct_operate_no_ack', operation: 'control' }],
  [7, { name: 'immediate_freeze', operation: 'control' }],
  [8, { name: 'immediate_freeze_no_ack', operation: 'control' }],
  [9, { name: 'freeze_clear', operation: 'control' }],
  [10, { name: 'freeze_clear_no_ack', operation: 'control' }],
  [11, { name: 'freeze_at_time', operation: 'control' }],
  [12, { name: 'freeze_at_time_no_ack', operation: 'control' }],
  [13, { name: 'cold_restart', operation: 'restart' }],
  [14, { name: 'warm_restart', operation: 'restart' }],
  [15, { name: 'initialize_data', operation: 'control' }],
  [16, { name: 'initialize_application', operation: 'control' }],
  [17, { name: 'start_application', operation: 'control' }],
  [18, { name: 'stop_application', operation: 'control' }],
  [19, { name: 'save_configuration', operation: 'program' }],
  [20, { name: 'enable_unsolicited', operation: 'session' }],
  [21, { name: 'disable_unsolicited', operation: 'session' }],
  [22, { name: 'assign_class', operation: 'session' }],
  [23, { name: 'delay_measurement', operation: 'system' }],
  [24, { name: 'record_current_time', operation: 'system' }],
  [25, { name: 'open_file', operation: 'program' }],
  [26, { name: 'close_file', operation: 'program' }],
  [27, { name: 'delete_file', operation: 'program' }],
  [28, { name: 'get_file_info', operation: 'program' }],
  [29, { name: 'authenticate_file', operation: 'program' }],
  [30, { name: 'abort_file', operation: 'program' }],
  [31, { name: 'activate_configuration', operation: 'program' }],
  [32, { name: 'authentication_request', operation: 'auth' }],
  [33, { name: 'authentication_request_no_ack', operation: 'auth' }],
  [129, { name: 'response', operation: 'read' }],
  [130, { name: 'unsolicited_response', operation: 'read' }],
  [131, { name: 'authentication_response', operation: 'auth' }],
]);

/** Functions whose objects are only headers (ranges and counts name points; no values follow). */
export function headersOnly(fc: number): boolean {
  // read, the four freezes without time, assign class
  return fc === 1 || (fc >= 7 && fc <= 10) || fc === 22;
}

/** A function name for any code, known or not. */
export function functionName(fc: number): string {
  return FUNCTIONS.get(fc)?.name ?? `function_${fc}`;
}
