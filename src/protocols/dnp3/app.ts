/**
 * The application layer header of one reassembled fragment (IEEE 1815-2012 clause 4.2.2): application
 * control (FIR, FIN, CON, UNS, sequence), function code, internal indications in responses, then the
 * object walk. Pure; never throws.
 */
import {
  AL_CON,
  AL_FIN,
  AL_FIR,
  AL_REQUEST_HEADER_LEN,
  AL_RESPONSE_HEADER_LEN,
  AL_SEQ,
  AL_UNS,
  IIN_NAMES,
  isResponseFunction,
} from './constants.js';
import { walkObjects, type ObjectWalk } from './objects.js';

export interface AppFragment {
  control: number;
  fir: boolean;
  fin: boolean;
  con: boolean;
  uns: boolean;
  seq: number;
  /** Function code; -1 when the fragment is a lone control octet. */
  function: number;
  /** Internal indications of a response, IIN1 in the high octet. */
  iin?: number;
  walk?: ObjectWalk;
  /** The fragment is shorter than its header says it must be. */
  malformed?: string;
}

export function parseFragment(buf: Buffer, start: number, end: number): AppFragment {
  const control = start < end ? buf[start]! : 0;
  const f: AppFragment = {
    control,
    fir: (control & AL_FIR) !== 0,
    fin: (control & AL_FIN) !== 0,
    con: (control & AL_CON) !== 0,
    uns: (control & AL_UNS) !== 0,
    seq: control & AL_SEQ,
    function: -1,
  };
  if (end - start < AL_REQUEST_HEADER_LEN) {
    f.malformed = 'fragment shorter than application control and function code';
    return f;
  }
  f.function = buf[start + 1]!;
  let p = start + AL_REQUEST_HEADER_LEN;
  if (isResponseFunction(f.function)) {
    if (end - start < AL_RESPONSE_HEADER_LEN) {
      f.malformed = 'response shorter than its internal indications';
      return f;
    }
    f.iin = (buf[p]! << 8) | buf[p + 1]!;
    p += 2;
  }
  f.walk = walkObjects(buf, p, end, f.function);
  return f;
}

/** The names of the IIN bits set ("device_restart", "need_time", ...). */
export function iinFlags(iin: number): string[] {
  const out: string[] = [];
  for (const [bit, name] of IIN_NAMES) if (iin & bit) out.push(name);
  return out;
}
