/**
 * Classification and detail of range requests (read/write coils and registers), remembered process-wide:
 * pollers send the same few requests for the life of their connections, so the text "HR 40001-40010
 * unit 1" is built once per distinct request instead of once per PDU. One shared table (rather than one
 * per connection) stays in the CPU cache while thousands of connections interleave. Exact: for these
 * function codes `classify` depends on the function code alone and `describe` on unit, address and quantity.
 */
import type { Operation } from '../../core/events.js';
import { classify, describe } from './classify.js';
import {
  FC_READ_COILS,
  FC_READ_DISCRETE_INPUTS,
  FC_READ_HOLDING_REGISTERS,
  FC_READ_INPUT_REGISTERS,
  FC_WRITE_MULTIPLE_COILS,
  FC_WRITE_MULTIPLE_REGISTERS,
} from './constants.js';
import type { ModbusFields } from './records.js';

/** Distinct (function, unit, address) kept before the table starts afresh (bounded memory). */
const MAX_MEMO_ENTRIES = 8192;

class Entry {
  constructor(
    readonly quantity: number,
    readonly fn: string,
    readonly operation: Operation,
    readonly detail: string,
  ) {}
}

export interface Described {
  fn: string;
  operation: Operation;
  detail: string;
}

/** (range function index, unit, address) → the last quantity seen there and its texts. */
const table = new Map<number, Entry>();

/** fn, operation and detail of a request or unpaired response, as classify + describe give them. */
export function describeRequest(f: ModbusFields, out: Described): void {
  const slot = rangeSlot(f.functionCode);
  const address = f.address;
  const quantity = f.quantity;
  if (slot < 0 || address === undefined || quantity === undefined || f.umasFunction !== undefined) {
    const c = classify(f);
    out.fn = c.fn;
    out.operation = c.operation;
    out.detail = describe(f, c.fn);
    return;
  }
  // 3 + 8 + 16 bits: a small integer key (no allocation, no string)
  const key = (slot << 24) | ((f.unitId & 0xff) << 16) | (address & 0xffff);
  let e = table.get(key);
  if (e === undefined || e.quantity !== quantity || f.unitId > 0xff || address > 0xffff) {
    const c = classify(f);
    e = new Entry(quantity, c.fn, c.operation, describe(f, c.fn));
    if (f.unitId <= 0xff && address <= 0xffff) {
      if (table.size >= MAX_MEMO_ENTRIES) table.clear();
      table.set(key, e);
    }
  }
  out.fn = e.fn;
  out.operation = e.operation;
  out.detail = e.detail;
}

/** Index of a range function (coils/inputs/registers read or multiple write), -1 for the others. */
function rangeSlot(fc: number): number {
  switch (fc) {
    case FC_READ_COILS:
      return 0;
    case FC_READ_DISCRETE_INPUTS:
      return 1;
    case FC_READ_HOLDING_REGISTERS:
      return 2;
    case FC_READ_INPUT_REGISTERS:
      return 3;
    case FC_WRITE_MULTIPLE_COILS:
      return 4;
    case FC_WRITE_MULTIPLE_REGISTERS:
      return 5;
    default:
      return -1;
  }
}
