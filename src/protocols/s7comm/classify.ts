/**
 * What an S7 function does to the PLC, in the audit's terms (Operation), and its event name.
 */
import type { Operation } from '../../core/events.js';
import {
  FN_DOWNLOAD_BLOCK,
  FN_DOWNLOAD_ENDED,
  FN_END_UPLOAD,
  FN_PI_SERVICE,
  FN_PLC_STOP,
  FN_READ_VAR,
  FN_REQUEST_DOWNLOAD,
  FN_SETUP_COMMUNICATION,
  FN_START_UPLOAD,
  FN_UPLOAD,
  FN_WRITE_VAR,
  PI_DELETE,
  PI_INSERT,
  UD_GROUP_BLOCK,
  UD_GROUP_CPU,
  UD_GROUP_CYCLIC,
  UD_GROUP_MODE_TRANSITION,
  UD_GROUP_NC_PROGRAMMING,
  UD_GROUP_PROGRAMMER,
  UD_GROUP_SECURITY,
  UD_GROUP_TIME,
  UD_CPU_READ_SZL,
  UD_TIME_SET,
  UD_TIME_SET2,
} from './constants.js';
import { FUNCTION_NAMES, S7P_FUNCTION_NAMES, S7P_OPCODE_NAMES, USERDATA_GROUP_NAMES, USERDATA_SUBFUNCTION_NAMES } from './tables.js';

/** Texts of every byte, built once: hex2 runs several times per PDU (function codes, return codes). */
const HEX2: readonly string[] = Array.from({ length: 256 }, (_, n) => `0x${n.toString(16).padStart(2, '0')}`);
/** 16-bit texts, filled on first use (SZL ids, function codes of S7comm-plus). */
const HEX4: (string | undefined)[] = new Array<string | undefined>(65536).fill(undefined);

export function hex2(n: number): string {
  if (n >= 0 && n <= 255 && (n | 0) === n) return HEX2[n]!;
  return `0x${n.toString(16).padStart(2, '0')}`;
}

export function hex4(n: number): string {
  if (n >= 0 && n <= 0xffff && (n | 0) === n) return (HEX4[n] ??= `0x${n.toString(16).padStart(4, '0')}`);
  return `0x${n.toString(16).padStart(4, '0')}`;
}

export function functionName(fn: number): string {
  return FUNCTION_NAMES[fn] ?? `function_${hex2(fn)}`;
}

/** Job / ack_data function → operation; a PI service refines 0x28 (block activation/deletion is program change). */
export function functionOperation(fn: number, piService?: string): Operation {
  switch (fn) {
    case FN_READ_VAR:
      return 'read';
    case FN_WRITE_VAR:
      return 'write';
    case FN_SETUP_COMMUNICATION:
      return 'session';
    case FN_REQUEST_DOWNLOAD:
    case FN_DOWNLOAD_BLOCK:
    case FN_DOWNLOAD_ENDED:
    case FN_START_UPLOAD:
    case FN_UPLOAD:
    case FN_END_UPLOAD:
      return 'program';
    case FN_PI_SERVICE:
      return piService === PI_INSERT || piService === PI_DELETE ? 'program' : 'control';
    case FN_PLC_STOP:
      return 'control';
    default:
      return 'other';
  }
}

/** Userdata event name: the subfunction's name, or group_subfunction numbers when unnamed. */
export function userdataName(group: number, sub: number): string {
  if (group === UD_GROUP_MODE_TRANSITION) return 'mode_transition';
  const name = USERDATA_SUBFUNCTION_NAMES[group]?.[sub];
  if (name) return name;
  return `${USERDATA_GROUP_NAMES[group] ?? `group_${group}`}_${hex2(sub)}`;
}

/** Programmer commands that change process values or the CPU state (the rest only observe). */
const PROGRAMMER_WRITES = new Set([0x08, 0x09, 0x07]); // modify variable, force, force selection
const PROGRAMMER_CONTROL = new Set([0x0a, 0x0b, 0x0c]); // breakpoint, exit hold, memory reset

export function userdataOperation(group: number, sub: number): Operation {
  switch (group) {
    case UD_GROUP_MODE_TRANSITION:
      return 'diagnostic';
    case UD_GROUP_PROGRAMMER:
      if (PROGRAMMER_WRITES.has(sub)) return 'write';
      if (PROGRAMMER_CONTROL.has(sub)) return 'control';
      return 'diagnostic';
    case UD_GROUP_CYCLIC:
      return 'subscribe';
    case UD_GROUP_BLOCK:
      return 'browse'; // block lists and block info enumerate the program
    case UD_GROUP_CPU:
      return sub === UD_CPU_READ_SZL ? 'identify' : 'subscribe'; // alarms and messages
    case UD_GROUP_SECURITY:
      return 'session'; // PLC password (legitimation)
    case UD_GROUP_TIME:
      return sub === UD_TIME_SET || sub === UD_TIME_SET2 ? 'write' : 'read';
    case UD_GROUP_NC_PROGRAMMING:
      return 'program';
    default:
      return 'other';
  }
}

export function s7PlusName(opcode: number | undefined, fc: number | undefined): string {
  if (fc !== undefined) return S7P_FUNCTION_NAMES[fc] ?? `function_${hex4(fc)}`;
  if (opcode !== undefined) return S7P_OPCODE_NAMES[opcode] ?? `opcode_${hex2(opcode)}`;
  return 's7commplus';
}

export function s7PlusOperation(name: string): Operation {
  if (name.startsWith('get_') || name === 'explore') return name === 'explore' ? 'browse' : 'read';
  if (name.startsWith('set_')) return 'write';
  if (name === 'create_object' || name === 'delete_object' || name === 'init_ssl') return 'session';
  if (name === 'invoke') return 'call';
  if (name === 'notification') return 'subscribe';
  return 'other';
}
