/**
 * What an APDU does, in otwatch's terms: a snake_case function name, the Operation the audit reasons
 * with, and a short detail for auditors ("C_SC_NA_1 select IOA 10010 := on CA 37133 act").
 *
 * Operations follow the brief: interrogation, counter interrogation and read are `read`; process
 * commands (single, double, regulating step, set-points, bitstrings) are `control`, since they act on
 * the process; parameter loading is `write`; clock synchronisation, test, reset process, delay
 * acquisition and end of initialisation are `system`; STARTDT/STOPDT/TESTFR and S acknowledgements are
 * `session`; file transfer is `program`; IEC 62351-5 authentication ASDUs are `auth`; monitor-direction
 * data (spontaneous, cyclic, interrogated) is what a master reads: `read`.
 */
import type { Operation } from '../../core/events.js';
import { causeText, type AsduFields, type InfoObject } from './asdu.js';
import { uFunctionFn, uFunctionName } from './apci.js';
import type { ApciFormat } from './constants.js';
import { typeInfo, type TypeKind } from './type-ids.js';

export type Station = 'controlling' | 'controlled';

export interface Iec104Fields extends AsduFields {
  format: ApciFormat;
  /** The APDU length octet (control field + ASDU). */
  apduLength: number;
  sendSeq?: number;
  recvSeq?: number;
  /** U frames: the function bits (STARTDT act 0x01 ... TESTFR con 0x20). */
  uFunction?: number;
  uName?: string;
  /** What the sender is, from what it sends (or, before it has said, from the flow or the port). */
  station?: Station;
  /** Garbage octets skipped before this APDU. */
  skipped?: number;
  /** I frames whose N(S) is not the one expected after the previous I frame of that direction. */
  expectedSendSeq?: number;
}

/** Read-type system commands: interrogation, counter interrogation, read. */
const READ_SYSTEM_TYPES = new Set([100, 101, 102]);

const KIND_OPERATION: Record<TypeKind, Operation> = {
  monitor: 'read',
  command: 'control',
  system: 'system',
  parameter: 'write',
  file: 'program',
  init: 'system',
  security: 'auth',
};

export interface Classified {
  fn: string;
  operation: Operation;
  detail: string;
}

export function classify(f: Iec104Fields): Classified {
  if (f.format === 'U') {
    const fn = f.uFunction ?? 0;
    return { fn: uFunctionFn(fn), operation: 'session', detail: uFunctionName(fn) };
  }
  if (f.format === 'S') return { fn: 'supervisory', operation: 'session', detail: `S N(R)=${f.recvSeq ?? 0}` };
  if (f.typeId === undefined) return { fn: 'empty_asdu', operation: 'other', detail: `I N(S)=${f.sendSeq ?? 0} without ASDU` };
  const info = typeInfo(f.typeId);
  const fn = info?.fn ?? `type_${f.typeId}`;
  const operation: Operation = !info ? 'other' : READ_SYSTEM_TYPES.has(info.id) ? 'read' : KIND_OPERATION[info.kind];
  return { fn, operation, detail: describeAsdu(f, info?.kind) };
}

/** "C_SC_NA_1 select IOA 10010 := on CA 37133 act", "M_SP_NA_1 IOA[9] 10010-10018 CA 37133 inrogen". */
export function describeAsdu(f: AsduFields, kind: TypeKind | undefined): string {
  const parts: string[] = [f.type ?? `type ${f.typeId}`];
  const objs = f.objects;
  if (objs && objs.length > 0) {
    const first = objs[0]!;
    if (kind === 'command' && first.select !== undefined) parts.push(first.select ? 'select' : 'execute');
    if (objs.length === 1 || f.count === 1) parts.push(objectText(first, kind));
    else parts.push(`IOA[${f.count}] ${first.ioa}${f.sq ? `-${objs[objs.length - 1]!.ioa}` : ',...'}`);
  }
  if (f.commonAddress !== undefined) parts.push(`CA ${f.commonAddress}`);
  const cause = causeText(f);
  if (cause) parts.push(cause);
  if (f.malformed) parts.push('(malformed)');
  return parts.filter((p) => p !== '').join(' ');
}

function objectText(o: InfoObject, kind: TypeKind | undefined): string {
  const value = o.value ?? (kind === 'system' ? (o.time ?? o.qualifier) : undefined);
  // Station services address the station itself (IOA 0): the qualifier says what they do.
  if (kind === 'system' && o.ioa === 0) return value === undefined ? '' : String(value);
  if (value === undefined) return `IOA ${o.ioa}`;
  return `IOA ${o.ioa} ${kind === 'command' ? ':=' : '='} ${value}`;
}
