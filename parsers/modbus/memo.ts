/**
 * Classification and detail of range requests (read/write coils and registers), remembered per decoder:
 * a poller sends the same few requests for the life of the connection, so the text "HR 40001-40010
 * unit 1" is built once per distinct request instead of once per PDU. Exact: for these function codes
 * `classify` depends on the function code alone and `describe` on unit, address and quantity.
 */
import type { Operation } from '../types.js';
import { classify, describe } from './classify.js';
import {
  FC_READ_COILS, FC_READ_DISCRETE_INPUTS, FC_READ_HOLDING_REGISTERS, FC_READ_INPUT_REGISTERS,
  FC_WRITE_MULTIPLE_COILS, FC_WRITE_MULTIPLE_REGISTERS,
} from './constants.js';
import type { ModbusFields } from './records.js';

/** Distinct requests remembered per connection (a typical poll cycle has a handful). */
const MEMO_ENTRIES = 4;

class Entry {
  fc = -1;
  unit = -1;
  address = -1;
  quantity = -1;
  fn = '';
  operation: Operation = 'other';
  detail = '';
}

export interface Described {
  fn: string;
  operation: Operation;
  detail: string;
}

export class RequestMemo {
  private readonly entries: Entry[] = [];
  private nextVictim = 0;
  /** The last answer; valid until the next call. */
  readonly out: Described = { fn: '', operation: 'other', detail: '' };

  /** fn, operation and detail of a request or unpaired response, as classify + describe give them. */
  describe(f: ModbusFields): Described {
    const out = this.out;
    const fc = f.functionCode;
    const address = f.address;
    const quantity = f.quantity;
    if (!isRangeFunction(fc) || address === undefined || quantity === undefined || f.umasFunction !== undefined) {
      const c = classify(f);
      out.fn = c.fn;
      out.operation = c.operation;
      out.detail = describe(f, c.fn);
      return out;
    }
    const unit = f.unitId;
    const entries = this.entries;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      if (e.fc === fc && e.unit === unit && e.address === address && e.quantity === quantity) {
        out.fn = e.fn;
        out.operation = e.operation;
        out.detail = e.detail;
        return out;
      }
    }
    let e: Entry;
    if (entries.length < MEMO_ENTRIES) entries.push((e = new Entry()));
    else {
      e = entries[this.nextVictim]!;
      this.nextVictim = (this.nextVictim + 1) % MEMO_ENTRIES;
    }
    const c = classify(f);
    e.fc = fc;
    e.unit = unit;
    e.address = address;
    e.quantity = quantity;
    e.fn = c.fn;
    e.operation = c.operation;
    e.detail = describe(f, c.fn);
    out.fn = e.fn;
    out.operation = e.operation;
    out.detail = e.detail;
    return out;
  }
}

function isRangeFunction(fc: number): boolean {
  return fc === FC_READ_COILS || fc === FC_READ_DISCRETE_INPUTS || fc === FC_READ_HOLDING_REGISTERS ||
    fc === FC_READ_INPUT_REGISTERS || fc === FC_WRITE_MULTIPLE_COILS || fc === FC_WRITE_MULTIPLE_REGISTERS;
}
