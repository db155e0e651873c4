/**
 * Pure functions over Modbus bytes. They mirror the wire layout field by field and never throw:
 * short or inconsistent input sets `malformed` (a short reason) on the record and stops there.
 * `s` is the offset of the function code byte (the PDU start) and `e` the end of the PDU in `buf`.
 */
import {
  DEVICE_ID_FIRST_NON_STRING,
  DEVICE_ID_OBJECTS,
  EXCEPTION_BIT,
  EXCEPTIONS,
  FC_DIAGNOSTICS,
  FC_ENCAPSULATED_INTERFACE,
  FC_GET_COMM_EVENT_COUNTER,
  FC_GET_COMM_EVENT_LOG,
  FC_MASK_WRITE_REGISTER,
  FC_READ_COILS,
  FC_READ_DISCRETE_INPUTS,
  FC_READ_EXCEPTION_STATUS,
  FC_READ_FIFO_QUEUE,
  FC_READ_FILE_RECORD,
  FC_READ_HOLDING_REGISTERS,
  FC_READ_INPUT_REGISTERS,
  FC_READ_WRITE_MULTIPLE_REGISTERS,
  FC_REPORT_SERVER_ID,
  FC_UMAS,
  FC_WRITE_FILE_RECORD,
  FC_WRITE_MULTIPLE_COILS,
  FC_WRITE_MULTIPLE_REGISTERS,
  FC_WRITE_SINGLE_COIL,
  FC_WRITE_SINGLE_REGISTER,
  MAX_READ_BITS,
  MAX_READ_REGISTERS,
  MAX_RW_WRITE_REGISTERS,
  MAX_WRITE_BITS,
  MAX_WRITE_REGISTERS,
  MBAP_TOLERATED_MAX_LENGTH,
  MBAP_MIN_LENGTH,
  MBAP_PREFIX_LEN,
  MBAP_PROTOCOL_ID,
  MEI_CANOPEN_GENERAL_REFERENCE,
  MEI_READ_DEVICE_IDENTIFICATION,
  UMAS_RESPONSE_ERROR,
  UMAS_RESPONSE_OK,
} from './constants.js';

/** One Read Device Identification object. */
export interface DeviceIdObject {
  id: number;
  /** Spec name (vendor_name, product_code, ...), `reserved_0x..` or `private_0x..`. */
  name: string;
  /** ASCII text for string objects and printable private objects, else `hex:...`. */
  value: string;
}

export interface FileRecordRef {
  referenceType: number; // always 6 by the spec
  fileNumber: number;
  recordNumber: number;
  recordLength: number; // in registers
}

/** The decoded fields of one Modbus PDU (the `fields` of a modbus ProtocolEvent). */
export interface ModbusFields {
  transactionId: number;
  unitId: number;
  /** Function code with the exception bit stripped. */
  functionCode: number;
  /** Present on exception responses (function code with bit 0x80). */
  exceptionCode?: number;
  exception?: string;
  /** Starting address (0-based, as on the wire) and quantity of coils/registers. */
  address?: number;
  quantity?: number;
  /** Value of a single write (FC 5: 0xff00 on, 0x0000 off; FC 6: register value). */
  value?: number;
  byteCount?: number;
  readAddress?: number;
  readQuantity?: number;
  writeAddress?: number;
  writeQuantity?: number;
  andMask?: number;
  orMask?: number;
  subFunction?: number;
  status?: number;
  eventCount?: number;
  messageCount?: number;
  fifoCount?: number;
  fileRecords?: FileRecordRef[];
  meiType?: number;
  readDeviceIdCode?: number;
  objectId?: number;
  conformityLevel?: number;
  moreFollows?: boolean;
  nextObjectId?: number;
  objects?: DeviceIdObject[];
  serverId?: number;
  runIndicator?: 'on' | 'off';
  serverIdText?: string;
  umasSession?: number;
  umasFunction?: number;
  umasStatus?: 'ok' | 'error';
  /** Response only: a request with the same transaction and unit id was seen. */
  paired?: boolean;
  /** Response only: seconds since the paired request. */
  latency?: number;
  userDefined?: boolean;
  malformed?: string;
}

export function u16(buf: Buffer, i: number): number {
  return (buf[i]! << 8) | buf[i + 1]!;
}

/**
 * MBAP header check at `off` (needs 6 bytes): protocol id 0 and a length a real ADU can have, the
 * specification's 2..254 and the 255 real devices send (MBAP_TOLERATED_MAX_LENGTH).
 */
export function mbapLength(buf: Buffer, off: number): number {
  if (u16(buf, off + 2) !== MBAP_PROTOCOL_ID) return -1;
  const len = u16(buf, off + 4);
  return len >= MBAP_MIN_LENGTH && len <= MBAP_TOLERATED_MAX_LENGTH ? len : -1;
}

/** Total ADU length at `off` if a plausible MBAP header is there (at least 6 bytes available), else -1. */
export function aduLength(buf: Buffer, off: number): number {
  if (buf.length - off < MBAP_PREFIX_LEN) return -1;
  const len = mbapLength(buf, off);
  return len < 0 ? -1 : MBAP_PREFIX_LEN + len;
}

/**
 * The fields record a decode function is given, already holding the members it will set, in the order it
 * sets them, for the layouts nearly all traffic has (range reads and multiple writes): one object of its
 * final shape rather than three members grown one by one (which allocates a property store past the
 * object, and a second, larger one past three additions). Only members the decode function sets
 * whatever the values, given the function code and a PDU of at least `pduLen` bytes, are placed (with 0
 * until it sets them), so members, order and values are those of the grown record; any other PDU starts
 * from the three header members. `kind` says which decode function follows: decodeException,
 * decodeRequest or decodeResponse; `paired` responses carry paired and latency right after the header.
 */
export function newFields(
  transactionId: number,
  unitId: number,
  functionCode: number,
  kind: 'exception' | 'request' | 'response',
  pduLen: number,
  paired: boolean,
  latency: number,
): ModbusFields {
  switch (kind === 'exception' ? -1 : functionCode) {
    case FC_READ_COILS:
    case FC_READ_DISCRETE_INPUTS:
    case FC_READ_HOLDING_REGISTERS:
    case FC_READ_INPUT_REGISTERS:
    case FC_READ_WRITE_MULTIPLE_REGISTERS:
      if (kind === 'request') {
        if (functionCode !== FC_READ_WRITE_MULTIPLE_REGISTERS && pduLen >= 5)
          return { transactionId, unitId, functionCode, address: 0, quantity: 0 };
      } else if (pduLen >= 2) {
        return paired
          ? { transactionId, unitId, functionCode, paired, latency, byteCount: 0 }
          : { transactionId, unitId, functionCode, byteCount: 0 };
      }
      break;
    case FC_WRITE_MULTIPLE_COILS:
    case FC_WRITE_MULTIPLE_REGISTERS:
      if (kind === 'request') {
        if (pduLen >= 6) return { transactionId, unitId, functionCode, address: 0, quantity: 0, byteCount: 0 };
      } else if (pduLen >= 5) {
        return paired
          ? { transactionId, unitId, functionCode, paired, latency, address: 0, quantity: 0 }
          : { transactionId, unitId, functionCode, address: 0, quantity: 0 };
      }
      break;
    default:
      break;
  }
  return paired ? { transactionId, unitId, functionCode, paired, latency } : { transactionId, unitId, functionCode };
}

function bitBytes(quantity: number): number {
  return (quantity + 7) >> 3;
}

function expectLen(f: ModbusFields, s: number, e: number, want: number): boolean {
  if (e - s === want) return true;
  f.malformed = `pdu length ${e - s}, expected ${want}`;
  return false;
}

function need(f: ModbusFields, s: number, e: number, min: number): boolean {
  if (e - s >= min) return true;
  f.malformed = `pdu length ${e - s}, needs at least ${min}`;
  return false;
}

function checkQuantity(f: ModbusFields, q: number, max: number): void {
  if (q < 1 || q > max) f.malformed = `quantity ${q} outside 1..${max}`;
}

/**
 * Exception response: [fc|0x80][code]. Some servers (jsmodbus among them) put the MEI type before the
 * code of an FC 43 exception, [0xab][MEI type][code]; that form is read as such (Wireshark would take
 * the MEI type for the code).
 */
export function decodeException(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  if (!need(f, s, e, 2)) return;
  let code = buf[s + 1]!;
  if (
    (buf[s]! & ~EXCEPTION_BIT) === FC_ENCAPSULATED_INTERFACE &&
    e - s === 3 &&
    (code === MEI_READ_DEVICE_IDENTIFICATION || code === MEI_CANOPEN_GENERAL_REFERENCE)
  ) {
    f.meiType = code;
    code = buf[s + 2]!;
    s++;
  }
  f.exceptionCode = code;
  const name = EXCEPTIONS.get(code);
  if (name) f.exception = name;
  else f.malformed = `unknown exception code ${code}`;
  if (e - s !== 2 && !f.malformed) f.malformed = `pdu length ${e - s}, expected 2`;
}

/** A request PDU (client to server). */
export function decodeRequest(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  const fc = buf[s]! & ~EXCEPTION_BIT;
  switch (fc) {
    case FC_READ_COILS:
    case FC_READ_DISCRETE_INPUTS:
    case FC_READ_HOLDING_REGISTERS:
    case FC_READ_INPUT_REGISTERS: {
      // [fc][address:2][quantity:2]
      if (!need(f, s, e, 5)) return;
      f.address = u16(buf, s + 1);
      f.quantity = u16(buf, s + 3);
      checkQuantity(f, f.quantity, fc <= FC_READ_DISCRETE_INPUTS ? MAX_READ_BITS : MAX_READ_REGISTERS);
      if (!f.malformed) expectLen(f, s, e, 5);
      return;
    }
    case FC_WRITE_SINGLE_COIL:
    case FC_WRITE_SINGLE_REGISTER:
      decodeSingleWrite(buf, s, e, f, fc);
      return;
    case FC_READ_EXCEPTION_STATUS:
    case FC_GET_COMM_EVENT_COUNTER:
    case FC_GET_COMM_EVENT_LOG:
    case FC_REPORT_SERVER_ID:
      expectLen(f, s, e, 1); // function code only
      return;
    case FC_DIAGNOSTICS:
      // [fc][sub-function:2][data:2 usually]
      if (!need(f, s, e, 3)) return;
      f.subFunction = u16(buf, s + 1);
      return;
    case FC_WRITE_MULTIPLE_COILS:
    case FC_WRITE_MULTIPLE_REGISTERS: {
      // [fc][address:2][quantity:2][byte count][values]
      if (!need(f, s, e, 6)) return;
      f.address = u16(buf, s + 1);
      f.quantity = u16(buf, s + 3);
      f.byteCount = buf[s + 5]!;
      const coils = fc === FC_WRITE_MULTIPLE_COILS;
      checkQuantity(f, f.quantity, coils ? MAX_WRITE_BITS : MAX_WRITE_REGISTERS);
      if (f.malformed) return;
      const want = coils ? bitBytes(f.quantity) : f.quantity * 2;
      if (f.byteCount !== want) f.malformed = `byte count ${f.byteCount}, quantity needs ${want}`;
      else expectLen(f, s, e, 6 + want);
      return;
    }
    case FC_READ_FILE_RECORD:
      decodeReadFileRecordRequest(buf, s, e, f);
      return;
    case FC_WRITE_FILE_RECORD:
      decodeWriteFileRecord(buf, s, e, f);
      return;
    case FC_MASK_WRITE_REGISTER:
      decodeMaskWrite(buf, s, e, f);
      return;
    case FC_READ_WRITE_MULTIPLE_REGISTERS: {
      // [fc][read address:2][read qty:2][write address:2][write qty:2][byte count][values]
      if (!need(f, s, e, 10)) return;
      f.readAddress = u16(buf, s + 1);
      f.readQuantity = u16(buf, s + 3);
      f.writeAddress = u16(buf, s + 5);
      f.writeQuantity = u16(buf, s + 7);
      f.byteCount = buf[s + 9]!;
      checkQuantity(f, f.readQuantity, MAX_READ_REGISTERS);
      if (!f.malformed) checkQuantity(f, f.writeQuantity, MAX_RW_WRITE_REGISTERS);
      if (f.malformed) return;
      if (f.byteCount !== f.writeQuantity * 2) f.malformed = `byte count ${f.byteCount}, write quantity needs ${f.writeQuantity * 2}`;
      else expectLen(f, s, e, 10 + f.byteCount);
      return;
    }
    case FC_READ_FIFO_QUEUE:
      // [fc][FIFO pointer address:2]
      if (!need(f, s, e, 3)) return;
      f.address = u16(buf, s + 1);
      expectLen(f, s, e, 3);
      return;
    case FC_ENCAPSULATED_INTERFACE:
      // [fc][MEI type][MEI data]; MEI 14: [read device id code][object id]
      if (!need(f, s, e, 2)) return;
      f.meiType = buf[s + 1]!;
      if (f.meiType === MEI_READ_DEVICE_IDENTIFICATION) {
        if (!need(f, s, e, 4)) return;
        f.readDeviceIdCode = buf[s + 2]!;
        f.objectId = buf[s + 3]!;
        if (f.readDeviceIdCode < 1 || f.readDeviceIdCode > 4) f.malformed = `read device id code ${f.readDeviceIdCode}`;
        else expectLen(f, s, e, 4);
      }
      return;
    case FC_UMAS:
      // [fc][session key][UMAS function][data]
      if (!need(f, s, e, 3)) return;
      f.umasSession = buf[s + 1]!;
      f.umasFunction = buf[s + 2]!;
      return;
    default:
      return; // unknown or user-defined: the bytes have no public layout
  }
}

/** A response PDU (server to client); `req` is the paired request's fields when known. */
export function decodeResponse(buf: Buffer, s: number, e: number, f: ModbusFields, req?: ModbusFields): void {
  const fc = buf[s]! & ~EXCEPTION_BIT;
  switch (fc) {
    case FC_READ_COILS:
    case FC_READ_DISCRETE_INPUTS:
    case FC_READ_HOLDING_REGISTERS:
    case FC_READ_INPUT_REGISTERS:
    case FC_READ_WRITE_MULTIPLE_REGISTERS: {
      // [fc][byte count][values]
      if (!need(f, s, e, 2)) return;
      f.byteCount = buf[s + 1]!;
      const registers = fc !== FC_READ_COILS && fc !== FC_READ_DISCRETE_INPUTS;
      if (registers && (f.byteCount & 1) === 1) f.malformed = `odd byte count ${f.byteCount} for registers`;
      else if (!expectLen(f, s, e, 2 + f.byteCount)) return;
      if (req) {
        const q = fc === FC_READ_WRITE_MULTIPLE_REGISTERS ? req.readQuantity : req.quantity;
        if (q !== undefined && !f.malformed) {
          const want = registers ? q * 2 : bitBytes(q);
          if (want !== f.byteCount) f.malformed = `byte count ${f.byteCount}, request asked for ${want}`;
        }
      }
      return;
    }
    case FC_WRITE_SINGLE_COIL:
    case FC_WRITE_SINGLE_REGISTER:
      decodeSingleWrite(buf, s, e, f, fc); // echo of the request
      return;
    case FC_READ_EXCEPTION_STATUS:
      // [fc][output data]
      if (!need(f, s, e, 2)) return;
      f.status = buf[s + 1]!;
      expectLen(f, s, e, 2);
      return;
    case FC_DIAGNOSTICS:
      if (!need(f, s, e, 3)) return;
      f.subFunction = u16(buf, s + 1);
      return;
    case FC_GET_COMM_EVENT_COUNTER:
      // [fc][status:2][event count:2]
      if (!need(f, s, e, 5)) return;
      f.status = u16(buf, s + 1);
      f.eventCount = u16(buf, s + 3);
      expectLen(f, s, e, 5);
      return;
    case FC_GET_COMM_EVENT_LOG:
      // [fc][byte count][status:2][event count:2][message count:2][events]
      if (!need(f, s, e, 8)) return;
      f.byteCount = buf[s + 1]!;
      f.status = u16(buf, s + 2);
      f.eventCount = u16(buf, s + 4);
      f.messageCount = u16(buf, s + 6);
      expectLen(f, s, e, 2 + f.byteCount);
      return;
    case FC_WRITE_MULTIPLE_COILS:
    case FC_WRITE_MULTIPLE_REGISTERS:
      // [fc][address:2][quantity:2]
      if (!need(f, s, e, 5)) return;
      f.address = u16(buf, s + 1);
      f.quantity = u16(buf, s + 3);
      expectLen(f, s, e, 5);
      return;
    case FC_REPORT_SERVER_ID:
      decodeReportServerId(buf, s, e, f);
      return;
    case FC_READ_FILE_RECORD:
      // [fc][response data length][sub-responses: length, reference type 6, data]
      if (!need(f, s, e, 2)) return;
      f.byteCount = buf[s + 1]!;
      expectLen(f, s, e, 2 + f.byteCount);
      return;
    case FC_WRITE_FILE_RECORD:
      decodeWriteFileRecord(buf, s, e, f);
      return;
    case FC_MASK_WRITE_REGISTER:
      decodeMaskWrite(buf, s, e, f);
      return;
    case FC_READ_FIFO_QUEUE:
      // [fc][byte count:2][FIFO count:2][values]
      if (!need(f, s, e, 5)) return;
      f.byteCount = u16(buf, s + 1);
      f.fifoCount = u16(buf, s + 3);
      expectLen(f, s, e, 3 + f.byteCount);
      return;
    case FC_ENCAPSULATED_INTERFACE:
      if (!need(f, s, e, 2)) return;
      f.meiType = buf[s + 1]!;
      if (f.meiType === MEI_READ_DEVICE_IDENTIFICATION) decodeDeviceIdResponse(buf, s, e, f);
      return;
    case FC_UMAS: {
      // [fc][session key][0xfe ok | 0xfd error][data]
      if (!need(f, s, e, 3)) return;
      f.umasSession = buf[s + 1]!;
      const st = buf[s + 2]!;
      if (st === UMAS_RESPONSE_OK) f.umasStatus = 'ok';
      else if (st === UMAS_RESPONSE_ERROR) f.umasStatus = 'error';
      else f.malformed = `UMAS status 0x${st.toString(16)}`;
      return;
    }
    default:
      return;
  }
}

/** FC 5/6 request and its echo: [fc][address:2][value:2]. */
function decodeSingleWrite(buf: Buffer, s: number, e: number, f: ModbusFields, fc: number): void {
  if (!need(f, s, e, 5)) return;
  f.address = u16(buf, s + 1);
  f.value = u16(buf, s + 3);
  if (fc === FC_WRITE_SINGLE_COIL && f.value !== 0xff00 && f.value !== 0) {
    f.malformed = `coil value 0x${f.value.toString(16)}, expected 0xff00 or 0`;
    return;
  }
  expectLen(f, s, e, 5);
}

/** FC 22 request and its echo: [fc][address:2][and mask:2][or mask:2]. */
function decodeMaskWrite(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  if (!need(f, s, e, 7)) return;
  f.address = u16(buf, s + 1);
  f.andMask = u16(buf, s + 3);
  f.orMask = u16(buf, s + 5);
  expectLen(f, s, e, 7);
}

/** FC 20 request: [fc][byte count][groups of 7: reference type, file:2, record:2, length:2]. */
function decodeReadFileRecordRequest(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  if (!need(f, s, e, 2)) return;
  f.byteCount = buf[s + 1]!;
  if (!expectLen(f, s, e, 2 + f.byteCount)) return;
  if (f.byteCount % 7 !== 0) {
    f.malformed = `byte count ${f.byteCount} not a multiple of 7`;
    return;
  }
  const refs: FileRecordRef[] = [];
  for (let p = s + 2; p + 7 <= e; p += 7) {
    refs.push({ referenceType: buf[p]!, fileNumber: u16(buf, p + 1), recordNumber: u16(buf, p + 3), recordLength: u16(buf, p + 5) });
  }
  f.fileRecords = refs;
}

/** FC 21 request and its echo: [fc][byte count][groups: reference type, file:2, record:2, length:2, data]. */
function decodeWriteFileRecord(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  if (!need(f, s, e, 2)) return;
  f.byteCount = buf[s + 1]!;
  if (!expectLen(f, s, e, 2 + f.byteCount)) return;
  const refs: FileRecordRef[] = [];
  let p = s + 2;
  while (p < e) {
    if (p + 7 > e) {
      f.malformed = 'file record group header past the end';
      break;
    }
    const ref: FileRecordRef = {
      referenceType: buf[p]!,
      fileNumber: u16(buf, p + 1),
      recordNumber: u16(buf, p + 3),
      recordLength: u16(buf, p + 5),
    };
    refs.push(ref);
    p += 7 + ref.recordLength * 2;
    if (p > e) f.malformed = 'file record data past the end';
  }
  f.fileRecords = refs;
}

/**
 * FC 17 response: [fc][byte count][server id (device specific)][run indicator 0x00 off / 0xff on][additional data].
 * The server id's length is device specific; most devices send one byte, which is what is assumed here.
 */
function decodeReportServerId(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  if (!need(f, s, e, 2)) return;
  f.byteCount = buf[s + 1]!;
  if (!expectLen(f, s, e, 2 + f.byteCount)) return;
  if (f.byteCount >= 1) f.serverId = buf[s + 2]!;
  if (f.byteCount >= 2) {
    const run = buf[s + 3]!;
    if (run === 0xff) f.runIndicator = 'on';
    else if (run === 0) f.runIndicator = 'off';
  }
  if (f.byteCount > 2) {
    const text = printableText(buf, s + 4, e);
    if (text !== undefined && text.length >= 3) f.serverIdText = text;
  }
}

/**
 * FC 43 / MEI 14 response: [fc][14][read device id code][conformity level][more follows][next object id]
 * [number of objects][objects: id, length, value].
 */
export function decodeDeviceIdResponse(buf: Buffer, s: number, e: number, f: ModbusFields): void {
  if (!need(f, s, e, 7)) return;
  f.readDeviceIdCode = buf[s + 2]!;
  f.conformityLevel = buf[s + 3]!;
  f.moreFollows = buf[s + 4] === 0xff;
  f.nextObjectId = buf[s + 5]!;
  const count = buf[s + 6]!;
  const objects: DeviceIdObject[] = [];
  let p = s + 7;
  for (let i = 0; i < count; i++) {
    if (p + 2 > e) {
      f.malformed = `object ${i + 1} of ${count} missing`;
      break;
    }
    const id = buf[p]!;
    const len = buf[p + 1]!;
    if (p + 2 + len > e) {
      f.malformed = `object 0x${id.toString(16)} length ${len} runs past the PDU`;
      break;
    }
    objects.push({ id, name: deviceObjectName(id), value: objectValue(buf, p + 2, p + 2 + len, id < DEVICE_ID_FIRST_NON_STRING) });
    p += 2 + len;
  }
  if (!f.malformed && p !== e) f.malformed = `${e - p} bytes after the last object`;
  f.objects = objects;
}

export function deviceObjectName(id: number): string {
  const known = DEVICE_ID_OBJECTS.get(id);
  if (known) return known;
  return `${id >= 0x80 ? 'private' : 'reserved'}_0x${id.toString(16).padStart(2, '0')}`;
}

/** String objects as ASCII (trailing NULs dropped); other objects as text when printable, else hex. */
function objectValue(buf: Buffer, a: number, b: number, isString: boolean): string {
  let end = b;
  while (end > a && buf[end - 1] === 0) end--;
  if (isString) return buf.toString('latin1', a, end);
  const text = printableText(buf, a, end);
  return text !== undefined ? text : `hex:${buf.toString('hex', a, b)}`;
}

/** The bytes as text if all are printable ASCII (trailing NULs allowed), else undefined. */
export function printableText(buf: Buffer, a: number, b: number): string | undefined {
  let end = b;
  while (end > a && buf[end - 1] === 0) end--;
  if (end === a) return undefined;
  for (let i = a; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x20 || c > 0x7e) return undefined;
  }
  return buf.toString('latin1', a, end);
}
