/**
 * S7comm PDUs (protocol id 0x32) as records that mirror the bytes: header, and the parameter/data
 * parts of job and ack_data PDUs (setup communication, read/write var, block transfer, PI service,
 * PLC stop). Userdata is in `userdata.ts`. Pure functions: never throw; short or inconsistent input
 * gives a record flagged `malformed` with what could be read.
 */
import {
  AREA_COUNTER,
  AREA_DB,
  AREA_DI,
  AREA_TIMER,
  DTS_BIT,
  DTS_BYTE_WORD_DWORD,
  DTS_INTEGER,
  FN_DOWNLOAD_BLOCK,
  FN_DOWNLOAD_ENDED,
  FN_END_UPLOAD,
  FN_REQUEST_DOWNLOAD,
  FN_START_UPLOAD,
  FN_UPLOAD,
  PI_MAX_NAME,
  RETURN_RESERVED,
  RETURN_SUCCESS,
  ROSCTR_ACK,
  ROSCTR_ACK_DATA,
  ROSCTR_JOB,
  ROSCTR_USERDATA,
  S7_HEADER_LEN,
  S7_HEADER_LEN_ACK,
  S7COMM_PROTOCOL_ID,
  SYNTAX_S7ANY,
  VAR_SPEC,
} from './constants.js';
import { AREA_SHORT_NAMES, BLOCK_TYPE_NAMES, TRANSPORT_SIZE_LETTER } from './tables.js';

export interface S7Header {
  protocolId: number; // 0x32
  rosctr: number; // 1 job, 2 ack, 3 ack_data, 7 userdata
  redundancyId: number; // reserved, 0
  pduRef: number; // chosen by the requester, echoed by the response
  paramLength: number;
  dataLength: number;
  errorClass?: number; // ack / ack_data only
  errorCode?: number; // ack / ack_data only
  headerLength: number; // 10, or 12 for ack / ack_data
}

/** One S7 PDU split into its parts (offsets into the buffer given to parseS7Pdu). */
export interface S7Pdu {
  header: S7Header;
  paramOffset: number;
  paramEnd: number;
  dataOffset: number;
  dataEnd: number;
  malformed?: string;
}

/** Smallest S7 PDU Wireshark accepts (its heuristic minimum telegram length). */
export const S7_MIN_PDU = 10;

export function isKnownRosctr(r: number): boolean {
  return r === ROSCTR_JOB || r === ROSCTR_ACK || r === ROSCTR_ACK_DATA || r === ROSCTR_USERDATA;
}

/** Big-endian uint16 at buf[p] (the caller has checked that both bytes are there). */
function u16(buf: Buffer, p: number): number {
  return (buf[p] << 8) | buf[p + 1];
}

/**
 * An S7 PDU's header and the bounds of its parts, flat: what readS7Pdu fills. The decoder has one and
 * reads it before the next PDU (it copies what an event keeps), so that no header and part records are
 * made per PDU; parseS7Pdu gives a record of its own.
 */
export class S7PduHead {
  protocolId = 0;
  rosctr = 0;
  redundancyId = 0;
  pduRef = 0;
  paramLength = 0;
  dataLength = 0;
  /** ack / ack_data only (undefined when their header is cut short, or for other ROSCTRs). */
  errorClass: number | undefined = undefined;
  errorCode: number | undefined = undefined;
  headerLength = 0;
  paramOffset = 0;
  paramEnd = 0;
  dataOffset = 0;
  dataEnd = 0;
  malformed: string | undefined = undefined;
}

/** Reads the S7 PDU at buf[off, end) into `out`; false (out unusable) when it is not S7comm (id, ROSCTR or length). */
export function readS7Pdu(buf: Buffer, off: number, end: number, out: S7PduHead): boolean {
  if (end - off < S7_MIN_PDU || buf[off] !== S7COMM_PROTOCOL_ID || !isKnownRosctr(buf[off + 1])) return false;
  const rosctr = buf[off + 1];
  const ack = rosctr === ROSCTR_ACK || rosctr === ROSCTR_ACK_DATA;
  const headerLength = ack ? S7_HEADER_LEN_ACK : S7_HEADER_LEN;
  const paramLength = u16(buf, off + 6);
  const dataLength = u16(buf, off + 8);
  const hasError = ack && end - off >= S7_HEADER_LEN_ACK;
  out.protocolId = buf[off];
  out.rosctr = rosctr;
  out.redundancyId = u16(buf, off + 2);
  out.pduRef = u16(buf, off + 4);
  out.paramLength = paramLength;
  out.dataLength = dataLength;
  out.errorClass = hasError ? buf[off + 10] : undefined;
  out.errorCode = hasError ? buf[off + 11] : undefined;
  out.headerLength = headerLength;
  let malformed: string | undefined = ack && !hasError ? 'header_truncated' : undefined;
  const paramOffset = Math.min(off + headerLength, end);
  let paramEnd = paramOffset + paramLength;
  let dataEnd = paramEnd + dataLength;
  if (paramEnd > end) {
    malformed ??= 'parameter_beyond_pdu';
    paramEnd = end;
  }
  if (dataEnd > end) {
    malformed ??= 'data_beyond_pdu';
    dataEnd = end;
  }
  out.paramOffset = paramOffset;
  out.paramEnd = paramEnd;
  out.dataOffset = paramEnd;
  out.dataEnd = dataEnd;
  out.malformed = malformed;
  return true;
}

/** S7 PDU at buf[off, end) as a record of its own, or undefined when it is not S7comm (id, ROSCTR or length). */
export function parseS7Pdu(buf: Buffer, off: number, end: number): S7Pdu | undefined {
  const h = new S7PduHead();
  if (!readS7Pdu(buf, off, end, h)) return undefined;
  const { protocolId, rosctr, redundancyId, pduRef, paramLength, dataLength, errorClass, errorCode, headerLength } = h;
  const header: S7Header =
    errorClass !== undefined
      ? { protocolId, rosctr, redundancyId, pduRef, paramLength, dataLength, errorClass, errorCode, headerLength }
      : { protocolId, rosctr, redundancyId, pduRef, paramLength, dataLength, headerLength };
  const pdu: S7Pdu = { header, paramOffset: h.paramOffset, paramEnd: h.paramEnd, dataOffset: h.dataOffset, dataEnd: h.dataEnd };
  if (h.malformed !== undefined) pdu.malformed = h.malformed;
  return pdu;
}

// ---------------------------------------------------------------- setup communication

export interface SetupCommunication {
  maxAmqCalling: number; // parallel jobs the calling side may have open
  maxAmqCalled: number;
  pduSize: number; // negotiated maximum S7 PDU length
}

/** Parameter: function(1) reserved(1) max AmQ calling(2) max AmQ called(2) PDU length(2). */
export function parseSetupCommunication(buf: Buffer, off: number, end: number): SetupCommunication | undefined {
  if (end - off < 8) return undefined;
  return { maxAmqCalling: buf.readUInt16BE(off + 2), maxAmqCalled: buf.readUInt16BE(off + 4), pduSize: buf.readUInt16BE(off + 6) };
}

// ---------------------------------------------------------------- read / write var

export interface VarItem {
  syntaxId: number; // 0x10 S7ANY; others (symbolic 1200, NCK, DBREAD) are kept undecoded
  transportSize?: number; // unit of `length`
  length?: number; // number of elements of transportSize
  dbNumber?: number;
  area?: number;
  byteAddress?: number;
  bitAddress?: number;
  /** STEP 7 style address: "DB1.DBX0.0", "M10.0", "T5". */
  address?: string;
}

export interface VarRequest {
  itemCount: number; // as announced
  items: VarItem[];
  malformed?: string;
}

/** Parameter of read/write var jobs: function(1) item count(1), then items of 0x12 len syntax ... */
export function parseVarRequest(buf: Buffer, off: number, end: number): VarRequest {
  const itemCount = end - off >= 2 ? buf[off + 1] : 0;
  const items: VarItem[] = [];
  const rec: VarRequest = { itemCount, items };
  let p = off + 2;
  for (let i = 0; i < itemCount; i++) {
    if (p + 3 > end || buf[p] !== VAR_SPEC) {
      rec.malformed = 'item_truncated';
      break;
    }
    const specLen = buf[p + 1]; // bytes after this one
    const next = p + 2 + specLen;
    if (next > end) {
      rec.malformed = 'item_truncated';
      break;
    }
    const syntaxId = buf[p + 2];
    if (syntaxId === SYNTAX_S7ANY && specLen >= 10) items.push(parseS7Any(buf, p + 3));
    else items.push({ syntaxId });
    p = next;
  }
  return rec;
}

/** S7ANY: transport size(1) length(2) DB number(2) area(1) address(3: byte << 3 | bit). */
function parseS7Any(buf: Buffer, p: number): VarItem {
  const transportSize = buf[p];
  const length = buf.readUInt16BE(p + 1);
  const dbNumber = buf.readUInt16BE(p + 3);
  const area = buf[p + 5];
  const addr = (buf[p + 6] << 16) | (buf[p + 7] << 8) | buf[p + 8];
  const byteAddress = addr >>> 3;
  const bitAddress = addr & 7;
  return {
    syntaxId: SYNTAX_S7ANY,
    transportSize,
    length,
    dbNumber,
    area,
    byteAddress,
    bitAddress,
    address: formatAddress(area, dbNumber, byteAddress, bitAddress, transportSize),
  };
}

/** "DB1.DBX0.0", "M10.0", "I0.0", "T5", "C3" (STEP 7 notation, pointer form with bit). */
export function formatAddress(area: number, db: number, byte: number, bit: number, transportSize: number): string {
  if (area === AREA_TIMER || area === AREA_COUNTER) return `${AREA_SHORT_NAMES[area]}${byte}`;
  if (area === AREA_DB || area === AREA_DI) return `${AREA_SHORT_NAMES[area]}${db}.${AREA_SHORT_NAMES[area]}X${byte}.${bit}`;
  const name = AREA_SHORT_NAMES[area] ?? `area0x${area.toString(16).padStart(2, '0')}`;
  void transportSize; // the element type is in the item; the address keeps the bit-pointer form
  return `${name}${byte}.${bit}`;
}

/** Letter for a typed address (B/W/D/X) from an item transport size, for callers that want it. */
export function transportLetter(ts: number): string {
  return TRANSPORT_SIZE_LETTER[ts] ?? 'B';
}

export interface DataItem {
  returnCode: number; // 0xff success; 0x00 in write requests
  transportSize: number; // data transport size (3 bit, 4 byte/word/dword, 5 int: length in bits)
  length: number; // value bytes present (0 for a failed item)
  /** Up to 16 bytes of the value, hex (writes: what was written). */
  valueHex?: string;
}

export interface DataItems {
  items: DataItem[];
  malformed?: string;
}

const MAX_VALUE_BYTES = 16;

/**
 * Data part of write var jobs and read var ack_data: per item return code(1) transport size(1)
 * length(2) value, padded to an even length except after the last item. A failed read item has
 * only the return code and a zero transport size/length.
 *
 * The walk itself, without allocating: start(), then each next(buf) reads one item head into the
 * cursor's members (the decoder builds its event fields from them, parseDataItems builds records).
 */
export class DataItemCursor {
  returnCode = 0;
  transportSize = 0;
  /** Value bytes present (0 for a failed item). */
  length = 0;
  valueOffset = 0;
  /** False for an item whose value runs past the data part (its head is all there is). */
  whole = true;
  /** Set once the data part ended before the announced items did. */
  malformed: string | undefined = undefined;
  private p = 0;
  private end = 0;
  private left = 0;

  start(off: number, end: number, count: number): this {
    this.p = off;
    this.end = end;
    this.left = count;
    this.malformed = undefined;
    return this;
  }

  /** Reads the next item of buf; false when there is none (all read, or the data part ended). */
  next(buf: Buffer): boolean {
    if (this.left <= 0) return false;
    const p = this.p;
    const end = this.end;
    const last = --this.left === 0;
    if (p + 4 > end) {
      this.left = 0;
      // a lone return code (error without data) is legal for the last item
      if (p + 1 <= end && last) {
        this.returnCode = buf[p];
        this.transportSize = 0;
        this.length = 0;
        this.whole = true;
        return true;
      }
      this.malformed = 'data_item_truncated';
      return false;
    }
    const returnCode = buf[p];
    const transportSize = buf[p + 1];
    const raw = (buf[p + 2] << 8) | buf[p + 3];
    const inBits = transportSize === DTS_BIT || transportSize === DTS_BYTE_WORD_DWORD || transportSize === DTS_INTEGER;
    // a failed item (return code other than success / reserved) has its head only, whatever its length says
    const hasValue = returnCode === RETURN_SUCCESS || returnCode === RETURN_RESERVED;
    const length = hasValue ? (inBits ? (raw + 7) >>> 3 : raw) : 0;
    const v = p + 4;
    this.returnCode = returnCode;
    this.transportSize = transportSize;
    this.length = length;
    this.valueOffset = v;
    if (v + length > end) {
      this.left = 0;
      this.malformed = 'data_item_truncated';
      this.whole = false;
      return true;
    }
    this.whole = true;
    this.p = v + length + (length & 1 && !last ? 1 : 0); // fill byte
    return true;
  }

  /** Up to 16 bytes of the current item's value, hex; undefined when it has none. */
  valueHex(buf: Buffer): string | undefined {
    return this.whole && this.length > 0
      ? buf.toString('hex', this.valueOffset, this.valueOffset + Math.min(this.length, MAX_VALUE_BYTES))
      : undefined;
  }
}

const cursor = new DataItemCursor();

/** The data items as records (see DataItemCursor for the layout). */
export function parseDataItems(buf: Buffer, off: number, end: number, count: number, keepValue: boolean): DataItems {
  const items: DataItem[] = [];
  const rec: DataItems = { items };
  const c = cursor.start(off, end, count);
  while (c.next(buf)) {
    const item: DataItem = { returnCode: c.returnCode, transportSize: c.transportSize, length: c.length };
    const valueHex = keepValue ? c.valueHex(buf) : undefined;
    if (valueHex !== undefined) item.valueHex = valueHex;
    items.push(item);
  }
  if (c.malformed) rec.malformed = c.malformed;
  return rec;
}

// ---------------------------------------------------------------- block transfer (download / upload)

export interface BlockTransfer {
  functionStatus: number; // bit 0x01: more data follows
  uploadId?: number; // start upload ack, upload, end upload
  /** File name "_0A00001P": file id '_', block type '0A', number '00001', destination file system 'P'. */
  fileName?: string;
  blockType?: string; // 'DB', 'OB', 'FC'...
  blockNumber?: number;
  destFileSystem?: string; // 'P' passive, 'A' active, 'B' both
  /** Request download: load memory and MC7 code lengths; start upload ack: block length. */
  loadMemoryLength?: number;
  mc7Length?: number;
  blockLength?: number;
  malformed?: string;
}

/**
 * Parameter of functions 0x1a..0x1f. Jobs: function(1) status(1) unknown(2) id(4) [name length(1) name
 * [part 2 length(1) part 2]]; the start upload ack carries a block length string in place of the name.
 */
export function parseBlockTransfer(buf: Buffer, off: number, end: number, fn: number, isJob: boolean): BlockTransfer {
  const rec: BlockTransfer = { functionStatus: end - off >= 2 ? buf[off + 1] : 0 };
  if (end - off < 2) return rec;
  if (end - off < 8) {
    // ack_data of download/upload functions carry only function and status
    if (isJob) rec.malformed = 'parameter_truncated';
    return rec;
  }
  const id = buf.readUInt32BE(off + 4);
  if (fn === FN_START_UPLOAD || fn === FN_UPLOAD || fn === FN_END_UPLOAD) rec.uploadId = id;
  let p = off + 8;
  if (p >= end) return rec;
  const n = buf[p];
  if (p + 1 + n > end) {
    rec.malformed = 'name_truncated';
    return rec;
  }
  const text = buf.toString('latin1', p + 1, p + 1 + n);
  p += 1 + n;
  if (!isJob && fn === FN_START_UPLOAD) {
    const len = Number.parseInt(text, 10);
    if (Number.isFinite(len)) rec.blockLength = len;
    return rec;
  }
  if (isJob && (fn === FN_REQUEST_DOWNLOAD || fn === FN_DOWNLOAD_BLOCK || fn === FN_DOWNLOAD_ENDED || fn === FN_START_UPLOAD)) {
    Object.assign(rec, parseFileName(text));
    if (fn === FN_REQUEST_DOWNLOAD && p < end) {
      // part 2: length(1) then '1', load memory length (6 digits), MC7 length (6 digits)
      const n2 = buf[p];
      if (p + 1 + n2 <= end && n2 >= 13) {
        const s = buf.toString('latin1', p + 1, p + 1 + n2);
        const lm = Number.parseInt(s.slice(1, 7), 10);
        const mc7 = Number.parseInt(s.slice(7, 13), 10);
        if (Number.isFinite(lm)) rec.loadMemoryLength = lm;
        if (Number.isFinite(mc7)) rec.mc7Length = mc7;
      }
    }
  }
  return rec;
}

/** "_0A00001P" → block type DB, number 1, file system P. */
export function parseFileName(name: string): Pick<BlockTransfer, 'fileName' | 'blockType' | 'blockNumber' | 'destFileSystem'> {
  const out: Pick<BlockTransfer, 'fileName' | 'blockType' | 'blockNumber' | 'destFileSystem'> = { fileName: name };
  if (name.length >= 9) {
    out.blockType = BLOCK_TYPE_NAMES[name.slice(1, 3)] ?? name.slice(1, 3);
    const nr = Number.parseInt(name.slice(3, 8), 10);
    if (Number.isFinite(nr)) out.blockNumber = nr;
    out.destFileSystem = name.slice(8, 9);
  }
  return out;
}

// ---------------------------------------------------------------- PI service and PLC stop

export interface PiService {
  service: string; // '_INSE', '_DELE', 'P_PROGRAM', '_MODU', '_GARB', ...
  /** Parameter block as text (block list for _INSE/_DELE, "C " / "EP" for others). */
  parameter?: string;
  /** Blocks named in the parameter block: "DB1", "OB1". */
  blocks?: string[];
  malformed?: string;
}

/** PI job parameter: function(1) unknown(7) parameter block length(2) block, name length(1) name. */
export function parsePiService(buf: Buffer, off: number, end: number): PiService {
  if (end - off < 11) return { service: '', malformed: 'parameter_truncated' };
  const blen = buf.readUInt16BE(off + 8);
  let p = off + 10;
  if (p + blen >= end) return { service: '', malformed: 'parameter_block_truncated' };
  const parameter = buf.toString('latin1', p, p + blen);
  p += blen;
  const n = buf[p];
  if (n > PI_MAX_NAME || p + 1 + n > end) return { service: '', parameter, malformed: 'service_name_truncated' };
  const rec: PiService = { service: buf.toString('latin1', p + 1, p + 1 + n), parameter };
  const blocks = blocksOf(parameter);
  if (blocks.length) rec.blocks = blocks;
  return rec;
}

/** PLC stop job parameter: function(1) unknown(5) name length(1) name ("P_PROGRAM"). */
export function parsePlcStop(buf: Buffer, off: number, end: number): PiService {
  if (end - off < 7) return { service: '', malformed: 'parameter_truncated' };
  const p = off + 6;
  const n = buf[p];
  if (n > PI_MAX_NAME || p + 1 + n > end) return { service: '', malformed: 'service_name_truncated' };
  return { service: buf.toString('latin1', p + 1, p + 1 + n) };
}

/** Block references in a PI parameter block: type (2 hex chars) + number (5 digits) + file system. */
function blocksOf(parameter: string): string[] {
  const out: string[] = [];
  const re = /(0[89A-F])(\d{5})[A-Z]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(parameter)) !== null) out.push(`${BLOCK_TYPE_NAMES[m[1]] ?? m[1]}${Number.parseInt(m[2], 10)}`);
  return out;
}

/** Function codes whose job parameter is a block transfer record. */
export function isBlockTransfer(fn: number): boolean {
  return fn >= FN_REQUEST_DOWNLOAD && fn <= FN_END_UPLOAD;
}
