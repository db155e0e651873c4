/**
 * What a Modbus PDU does, in the audit's terms: a function name, an Operation and a short human
 * example ("HR 40001-40010 unit 1") using the conventional Modicon reference numbering.
 */
import type { Operation } from '../../core/events.js';
import {
  AREA_COILS,
  AREA_DISCRETE_INPUTS,
  AREA_HOLDING_REGISTERS,
  AREA_INPUT_REGISTERS,
  AREA_LABELS,
  DIAGNOSTIC_SUBFUNCTIONS,
  FC_DIAGNOSTICS,
  FC_ENCAPSULATED_INTERFACE,
  FC_MASK_WRITE_REGISTER,
  FC_READ_COILS,
  FC_READ_DISCRETE_INPUTS,
  FC_READ_FIFO_QUEUE,
  FC_READ_FILE_RECORD,
  FC_READ_HOLDING_REGISTERS,
  FC_READ_INPUT_REGISTERS,
  FC_READ_WRITE_MULTIPLE_REGISTERS,
  FC_UMAS,
  FC_WRITE_FILE_RECORD,
  FC_WRITE_MULTIPLE_COILS,
  FC_WRITE_MULTIPLE_REGISTERS,
  FC_WRITE_SINGLE_COIL,
  FC_WRITE_SINGLE_REGISTER,
  FUNCTIONS,
  MEI_CANOPEN_GENERAL_REFERENCE,
  MEI_READ_DEVICE_IDENTIFICATION,
  READ_DEVICE_ID_CODES,
  UMAS_FUNCTIONS,
  isUserDefinedFunction,
} from './constants.js';
import type { ModbusFields } from './records.js';

export interface Classification {
  fn: string;
  operation: Operation;
}

/**
 * Name and operation of a request, or of a response given its request's fields (UMAS responses do
 * not repeat the UMAS function; MEI and diagnostics responses do).
 */
export function classify(f: ModbusFields, req?: ModbusFields): Classification {
  const fc = f.functionCode;
  if (fc === FC_DIAGNOSTICS) {
    const sub = f.subFunction ?? req?.subFunction;
    const info = sub === undefined ? undefined : DIAGNOSTIC_SUBFUNCTIONS.get(sub);
    if (info) return { fn: info.name === 'return_query_data' ? 'diagnostics' : info.name, operation: info.operation };
    return { fn: 'diagnostics', operation: 'diagnostic' };
  }
  if (fc === FC_ENCAPSULATED_INTERFACE) {
    const mei = f.meiType ?? req?.meiType;
    if (mei === MEI_READ_DEVICE_IDENTIFICATION) return { fn: 'read_device_identification', operation: 'identify' };
    if (mei === MEI_CANOPEN_GENERAL_REFERENCE) return { fn: 'canopen_general_reference', operation: 'other' };
    return { fn: 'encapsulated_interface_transport', operation: 'other' };
  }
  if (fc === FC_UMAS) {
    const code = f.umasFunction ?? req?.umasFunction;
    const info = code === undefined ? undefined : UMAS_FUNCTIONS.get(code);
    if (info) return { fn: `umas_${info.name}`, operation: info.operation };
    return { fn: code === undefined ? 'umas' : `umas_0x${code.toString(16).padStart(2, '0')}`, operation: 'other' };
  }
  const info = FUNCTIONS.get(fc);
  if (info) return { fn: info.name, operation: info.operation };
  return { fn: isUserDefinedFunction(fc) ? `user_defined_${fc}` : `function_${fc}`, operation: 'other' };
}

/**
 * Conventional reference of a 0-based address: area digit then the 1-based number on 4 digits
 * (40001) or, past 9999, on 5 digits (410001), as Modicon documentation writes them.
 */
export function reference(area: number, address: number, wide: boolean): string {
  const n = address + 1;
  return `${area}${String(n).padStart(wide ? 5 : 4, '0')}`;
}

/** "HR 40001-40010", "coils 00005": a range in conventional numbering. */
export function referenceRange(area: number, address: number, quantity: number): string {
  const last = address + Math.max(quantity, 1) - 1;
  const wide = last + 1 > 9999;
  const label = AREA_LABELS[area]!;
  if (quantity <= 1) return `${label} ${reference(area, address, wide)}`;
  return `${label} ${reference(area, address, wide)}-${reference(area, last, wide)}`;
}

function areaOf(fc: number): number {
  switch (fc) {
    case FC_READ_COILS:
    case FC_WRITE_SINGLE_COIL:
    case FC_WRITE_MULTIPLE_COILS:
      return AREA_COILS;
    case FC_READ_DISCRETE_INPUTS:
      return AREA_DISCRETE_INPUTS;
    case FC_READ_INPUT_REGISTERS:
      return AREA_INPUT_REGISTERS;
    default:
      return AREA_HOLDING_REGISTERS;
  }
}

/** The human example of a request (or of an unpaired response, from what it carries). */
export function describe(f: ModbusFields, fn: string): string {
  const fc = f.functionCode;
  const unit = ` unit ${f.unitId}`;
  switch (fc) {
    case FC_READ_COILS:
    case FC_READ_DISCRETE_INPUTS:
    case FC_READ_HOLDING_REGISTERS:
    case FC_READ_INPUT_REGISTERS:
    case FC_WRITE_MULTIPLE_COILS:
    case FC_WRITE_MULTIPLE_REGISTERS:
      if (f.address !== undefined && f.quantity !== undefined) return referenceRange(areaOf(fc), f.address, f.quantity) + unit;
      break;
    case FC_WRITE_SINGLE_COIL:
      if (f.address !== undefined && f.value !== undefined) {
        return `${referenceRange(AREA_COILS, f.address, 1)} := ${f.value === 0xff00 ? 'ON' : f.value === 0 ? 'OFF' : `0x${f.value.toString(16)}`}${unit}`;
      }
      break;
    case FC_WRITE_SINGLE_REGISTER:
      if (f.address !== undefined && f.value !== undefined)
        return `${referenceRange(AREA_HOLDING_REGISTERS, f.address, 1)} := ${f.value}${unit}`;
      break;
    case FC_MASK_WRITE_REGISTER:
      if (f.address !== undefined && f.andMask !== undefined && f.orMask !== undefined) {
        return `${referenceRange(AREA_HOLDING_REGISTERS, f.address, 1)} and 0x${hex4(f.andMask)} or 0x${hex4(f.orMask)}${unit}`;
      }
      break;
    case FC_READ_WRITE_MULTIPLE_REGISTERS:
      if (f.readAddress !== undefined && f.readQuantity !== undefined && f.writeAddress !== undefined && f.writeQuantity !== undefined) {
        return `read ${referenceRange(AREA_HOLDING_REGISTERS, f.readAddress, f.readQuantity)}, write ${referenceRange(AREA_HOLDING_REGISTERS, f.writeAddress, f.writeQuantity)}${unit}`;
      }
      break;
    case FC_READ_FIFO_QUEUE:
      if (f.address !== undefined) return `FIFO ${referenceRange(AREA_HOLDING_REGISTERS, f.address, 1)}${unit}`;
      break;
    case FC_READ_FILE_RECORD:
    case FC_WRITE_FILE_RECORD:
      if (f.fileRecords && f.fileRecords.length > 0) {
        const r = f.fileRecords[0]!;
        const more = f.fileRecords.length > 1 ? ` (+${f.fileRecords.length - 1} more)` : '';
        return `file ${r.fileNumber} record ${r.recordNumber} len ${r.recordLength}${more}${unit}`;
      }
      break;
    case FC_ENCAPSULATED_INTERFACE:
      if (f.objects && f.objects.length > 0) return `device id ${f.objects.map((o) => o.value).join(' / ')}${unit}`;
      if (f.readDeviceIdCode !== undefined)
        return `device identification ${READ_DEVICE_ID_CODES.get(f.readDeviceIdCode) ?? f.readDeviceIdCode}${unit}`;
      break;
    case FC_UMAS:
      return `UMAS ${fn.startsWith('umas_') ? fn.slice(5) : fn}${unit}`;
    default:
      break;
  }
  return fn + unit;
}

function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}
