/**
 * The stateful part of S7 decoding for one TCP conversation: TPKT framing per direction, COTP
 * connect and data (with reassembly of fragmented S7 PDUs on the end-of-TSDU bit), S7comm PDUs
 * (job / ack / ack_data / userdata, with job ↔ response pairing on the PDU reference and
 * reassembly of multi-unit userdata answers) and S7comm-plus recognition. Emits one
 * ProtocolEvent per S7 PDU, per S7comm-plus frame and per COTP connect TPDU.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, Endpoint, IdentityClaim, Operation, ProtocolEvent, StreamDecoder } from '../../core/events.js';
import { functionName, functionOperation, hex2, hex4, s7PlusName, s7PlusOperation, userdataName, userdataOperation } from './classify.js';
import {
  COTP_CC,
  COTP_CR,
  COTP_DT,
  FN_PI_SERVICE,
  FN_PLC_STOP,
  FN_READ_VAR,
  FN_SETUP_COMMUNICATION,
  FN_WRITE_VAR,
  ISO_TSAP_PORT,
  MAX_COTP_REASSEMBLY,
  RETURN_SUCCESS,
  ROSCTR_ACK,
  ROSCTR_ACK_DATA,
  ROSCTR_JOB,
  ROSCTR_USERDATA,
  S7COMM_PLUS_PROTOCOL_ID,
  S7COMM_PROTOCOL_ID,
  UD_CPU_READ_SZL,
  UD_GROUP_BLOCK,
  UD_GROUP_CPU,
  UD_GROUP_MODE_TRANSITION,
  UD_GROUP_SECURITY,
  UD_GROUP_TIME,
  UD_TYPE_REQUEST,
  UD_TYPE_RESPONSE,
  UD_BLOCK_INFO,
  UD_BLOCK_LIST_TYPE,
} from './constants.js';
import { CotpHead, parseCotp, readCotp, tsapInfo, tsapText, type CotpRecord } from '../tpkt-cotp/cotp.js';
import { parseS7Plus, type S7PlusFields } from './plus.js';
import { SlotMap } from '../../net/slot-map.js';
import { VarRequestMemo } from './var-memo.js';
import {
  DataItemCursor,
  isBlockTransfer,
  parseBlockTransfer,
  parsePiService,
  parsePlcStop,
  parseSetupCommunication,
  readS7Pdu,
  S7PduHead,
  type VarItem,
  type VarRequest,
} from './records.js';
import { decodeIdentitySzl, isModuleIdSzl } from './szl.js';
import { CPU_MODE_NAMES, ROSCTR_NAMES } from './tables.js';
import { TpktFramer, type TpktSink } from '../tpkt-cotp/tpkt.js';
import {
  hasMoreDataUnits,
  parseBlockInfoRequest,
  parseClock,
  parseSzlRequest,
  parseSzlResponse,
  parseUserdataData,
  parseUserdataParam,
  type UserdataParam,
} from './userdata.js';

/** One entry of a read/write var job's `items`: the item's variable specification in the parameter (records.ts VarItem). */
export interface S7ItemFields {
  /** Syntax id byte as "0x10" (S7ANY); other syntaxes (symbolic, NCK, DBREAD) have no further members. */
  syntax_id: string;
  /** STEP 7 address built from area, DB, byte and bit: "DB1.DBX0.0", "M10.0", "T5". */
  address?: string;
  /** S7ANY area byte as "0x84". */
  area?: string;
  /** S7ANY DB number (2 bytes). */
  db?: number;
  /** S7ANY address (3 bytes): byte part (address >> 3) and bit part (address & 7). */
  byte?: number;
  bit?: number;
  /** S7ANY transport size byte: the unit of `length`. */
  transport_size?: number;
  /** S7ANY length (2 bytes): elements of transport_size. */
  length?: number;
}

/** One entry of a write var job's `data_items`: the head of the item in the data part, and its value. */
export interface S7WriteItemFields {
  /** Data transport size byte (3 bit, 4 byte/word/dword, 5 integer: length in bits). */
  transport_size: number;
  /** Value bytes present (the length word, in bytes). */
  length: number;
  /** Up to 16 bytes of the value, hex; absent when it has none or runs past the data part. */
  value_hex?: string;
}

/** One entry of a read var answer's `data_items`: the head of the item in the data part (the value itself is not kept). */
export interface S7ReadItemFields {
  /** Return code byte as "0xff" (success), "0x0a" (object does not exist)... */
  return_code: string;
  /** Data transport size byte. */
  transport_size: number;
  /** Value bytes present (0 for a failed item). */
  length: number;
}

/** One entry of `modules`: a record of an SZL 0x0011/0x0111 answer (module identification, szl.ts ModuleIdRecord). */
export interface S7ModuleFields {
  /** Record index (2 bytes) as "0x0001" (module), "0x0006" (basic hardware), "0x0007" (basic firmware). */
  index: string;
  /** What the index names ('module', 'basic_hardware'...). */
  kind?: string;
  /** Order number (20 bytes, trimmed). */
  mlfb: string;
  /** Module type id (2 bytes) as "0x00c0". */
  bg_typ: string;
  /** Module version / operating system release (2 bytes). */
  ausbg: number;
  /** PG description file release (2 bytes). */
  ausbe: number;
  /** The version this record carries: "4" (hardware), "V3.2.6" (firmware). */
  version?: string;
}

/** One entry of `components`: a record of an SZL 0x001C/0x011C answer (component identification). */
export interface S7ComponentFields {
  /** Record index (2 bytes) as "0x0001". */
  index: string;
  /** What the index names ('system_name', 'module_name', 'serial_number'...). */
  kind?: string;
  /** The record's text, trimmed at NUL and spaces. */
  text: string;
}

/**
 * The fields of an s7comm event: a COTP connection request/confirm (the cotp_* members and TSAPs, no
 * rosctr) or an S7 PDU (the header members, then those of its function). Members the decoder sets to
 * undefined are absent once serialised.
 */
export interface S7Fields {
  // ---- COTP CR/CC (tpkt-cotp/cotp.ts CotpRecord)
  /** TPDU code: 'CR' connection request, 'CC' connection confirm. */
  cotp_type?: 'CR' | 'CC';
  /** Destination and source references (2 bytes each): connection identifiers. */
  dst_ref?: number;
  src_ref?: number;
  /** Class (high nibble) and options (low nibble) byte. */
  class_option?: number;
  /** TPDU size parameter (0xc0): maximum TPDU bytes (2^code). */
  tpdu_size?: number;
  /** Calling (0xc1, client) and called (0xc2, PLC) TSAP parameters, lower-case hex. */
  src_tsap?: string;
  dst_tsap?: string;
  /** A TSAP of printable bytes as text ("SIMATIC-ROOT-HMI", S7-1200/1500). */
  tsap_text?: string;
  /** Client kind from the called TSAP's first byte (1 'pg', 2 'op', 3 's7_basic', else 'other') or the text TSAP. */
  client_type?: string;
  /** Called TSAP's second byte: rack (high 3 bits) and slot (low 5 bits); absent with a text TSAP. */
  rack?: number;
  slot?: number;

  // ---- S7 header (records.ts S7PduHead): present on every S7 PDU event
  /** ROSCTR byte: 1 job, 2 ack, 3 ack_data, 7 userdata. */
  rosctr?: number;
  /** Its name ('job', 'ack', 'ack_data', 'userdata'). */
  rosctr_name?: string;
  /** PDU reference (2 bytes): chosen by the requester, echoed by the response. */
  pdu_ref?: number;
  /** Parameter and data lengths (2 bytes each) as announced. */
  param_length?: number;
  data_length?: number;
  /** ack / ack_data only: error class and error code bytes. */
  error_class?: number;
  error_code?: number;
  /** Why the PDU does not hold what its header announces ('header_truncated', 'parameter_beyond_pdu'...). */
  malformed?: string;

  // ---- job and ack_data parameter
  /** Function byte, the parameter's first, as "0x04". */
  function_code?: string;
  /** Read/write var: item count byte. */
  item_count?: number;
  /** Read/write var job: the items of the parameter (shared by every PDU with the same parameter bytes: never modify). */
  items?: S7ItemFields[];
  /** Write var job: the items of the data part; read var answer: their heads (shared by answers with the same heads). */
  data_items?: S7WriteItemFields[] | S7ReadItemFields[];
  /** Read/write var answers: each item's return code byte as "0xff". */
  return_codes?: string[];
  /** Setup communication (function 0xf0): max AmQ calling, max AmQ called, PDU length (2 bytes each). */
  max_amq_calling?: number;
  max_amq_called?: number;
  pdu_size?: number;
  /** Block transfer (functions 0x1a..0x1f): function status byte (0x01 more data follows). */
  function_status?: number;
  /** Upload id (4 bytes) of start upload, upload and end upload. */
  upload_id?: number;
  /** Block transfer job: the file name ("_0A00001P") and what it names: block type, number, destination file system. */
  file_name?: string;
  /** Block type: 'DB', 'OB', 'FC'... (block transfer); two ASCII characters as sent (userdata block functions). */
  block_type?: string;
  block_number?: number;
  dest_filesystem?: string;
  /** Request download, part 2 of the name: load memory and MC7 code lengths (6 digits each). */
  load_memory_length?: number;
  mc7_length?: number;
  /** Start upload answer: the block length string, as a number. */
  block_length?: number;
  /** PI service (0x28) and PLC stop (0x29): the service name ('_INSE', 'P_PROGRAM'...) and the parameter block as text. */
  pi_service?: string;
  pi_parameter?: string;
  /** Blocks named in the parameter block: "DB1", "OB1". */
  blocks?: string[];

  // ---- userdata parameter and data (userdata.ts)
  /** Method byte as "0x11" (request) or "0x12" (response). */
  method?: string;
  /** Type nibble: 'request' (4), 'response' (8), 'push' (0), else as "0x0c". */
  ud_type?: string;
  /** Function group nibble and subfunction byte (for group 0 the subfunction byte is the CPU mode). */
  function_group?: number;
  subfunction?: number;
  /** Sequence number byte. */
  sequence?: number;
  /** Response / follow-up parameters: data unit reference, last data unit (0x00 yes, 0x01 more follow), error code (2 bytes) as "0x0000". */
  data_unit_ref?: number;
  last_data_unit?: number;
  ud_error_code?: string;
  /** Return code byte of the data part as "0xff". */
  return_code?: string;
  /** Mode transition (group 0): the subfunction byte as the CPU mode, and its name. */
  current_mode?: number;
  current_mode_name?: string;
  /** Read SZL: SZL id and index (2 bytes each) of the request or of an answer's first data unit, as "0x0011". */
  szl_id?: string;
  szl_index?: string;
  /** Read SZL answer, once whole: the SZL id its records are read under, and the record count (2 bytes). */
  szl_answer_id?: string;
  record_count?: number;
  /** Module identification records (SZL 0x0011/0x0111) and the non-empty order numbers among them. */
  modules?: S7ModuleFields[];
  order_numbers?: string[];
  /** Component identification records (SZL 0x001C/0x011C). */
  components?: S7ComponentFields[];
  /** PLC password request: the payload's length (the obfuscated password itself is never kept). */
  password_length?: number;
  /** Clock of time functions (10 BCD bytes) as "YYYY-MM-DD hh:mm:ss.mmm". */
  clock?: string;
}

/** Jobs remembered per direction for pairing (bounded: a peer that never answers must not grow memory). */
const MAX_OPEN_JOBS = 256;
const MAX_DETAIL_ITEMS = 3;

interface OpenJob {
  fn: number;
  detail: string | undefined;
  piService: string | undefined;
}

/** What a read/write var job's parameter gives its event and its pairing, built once per distinct parameter (var-memo.ts). */
interface VarJob {
  req: VarRequest;
  /** The event's `items` field. */
  items: S7ItemFields[];
  job: OpenJob;
}

function varJob(req: VarRequest, fn: number): VarJob {
  return { req, items: req.items.map(itemFields), job: { fn, detail: itemsDetail(req.items), piService: undefined } };
}

/** Read/write var job parameters, parsed once per distinct parameter for every connection (var-memo.ts). */
const varRequests = new VarRequestMemo(varJob);

/** Walks data items; one for the decoder: it is used up within one call. */
const dataItems = new DataItemCursor();

/** The COTP header of the TPKT being decoded, filled by readCotp; one for the decoder, as s7pdu. */
const cotpHead = new CotpHead();

/** The S7 PDU being decoded, filled by readS7Pdu; one for the decoder: its handlers read it before the next PDU. */
const s7pdu = new S7PduHead();

/** What the data part of a read var answer gives its event. */
interface ReadAnswer {
  codes: string[];
  items: S7ReadItemFields[];
  malformed: string | undefined;
}

function readAnswer(buf: Buffer, off: number, end: number, count: number): ReadAnswer {
  const codes: string[] = [];
  const items: S7ReadItemFields[] = [];
  const c = dataItems.start(off, end, count);
  while (c.next(buf)) {
    const code = hex2(c.returnCode);
    codes.push(code);
    items.push({ return_code: code, transport_size: c.transportSize, length: c.length });
  }
  return { codes, items, malformed: c.malformed };
}

/** Whether the data part at buf[off, end) gives exactly `a` (same item heads, same truncation). */
function sameReadAnswer(a: ReadAnswer, buf: Buffer, off: number, end: number, count: number): boolean {
  const c = dataItems.start(off, end, count);
  let i = 0;
  while (c.next(buf)) {
    const it = a.items[i++];
    if (it === undefined || it.return_code !== hex2(c.returnCode) || it.transport_size !== c.transportSize || it.length !== c.length)
      return false;
  }
  return i === a.items.length && c.malformed === a.malformed;
}

/**
 * Read var answers' codes and items, shared by the events of every answer with the same item heads (a poller's
 * answers repeat them: the values change, their heads do not), on every connection: one table for the process,
 * as for the requests (var-memo.ts). Direct-mapped by item count, data size and first item head; an entry
 * serves only an answer that sameReadAnswer finds equal.
 */
const ANSWER_SLOTS = 64;
const readAnswers: (ReadAnswer | undefined)[] = new Array<ReadAnswer | undefined>(ANSWER_SLOTS).fill(undefined);

function sharedReadAnswer(buf: Buffer, off: number, end: number, count: number): ReadAnswer {
  const head = off + 4 <= end ? buf.readInt32BE(off) : 0;
  const slot = (Math.imul(Math.imul(count, 0x01000193) ^ (end - off), 0x01000193) ^ head ^ (head >>> 16)) & (ANSWER_SLOTS - 1);
  const kept = readAnswers[slot];
  if (kept !== undefined && sameReadAnswer(kept, buf, off, end, count)) return kept;
  return (readAnswers[slot] = readAnswer(buf, off, end, count));
}

/** A userdata answer spread over several PDUs ("last data unit: no"). */
interface UserdataFragments {
  group: number;
  subfunction: number;
  ref: number | undefined; // data unit reference shared by the units of one answer
  chunks: Buffer[];
  bytes: number;
}

class Side implements TpktSink {
  readonly framer: TpktFramer;
  /** COTP DT fragments of an S7 PDU awaiting the end-of-TSDU bit. */
  frags: Buffer[] | undefined;
  fragBytes = 0;
  /** Inside a fragmented S7comm-plus PDU: its continuation fragments are not S7comm. */
  plusFragments = false;
  udFrags: UserdataFragments | undefined;
  readonly jobs = new SlotMap<OpenJob>();

  constructor(
    private readonly dec: S7Decoder,
    readonly fromInitiator: boolean,
  ) {
    this.framer = new TpktFramer(this);
  }

  tpkt(buf: Buffer, off: number, end: number, atSegmentStart: boolean): void {
    this.dec.onTpkt(this, buf, off, end, atSegmentStart);
  }

  skipped(bytes: number): void {
    if (bytes > 0) this.dec.anomaly('tpkt_resync', `${bytes} bytes skipped`);
  }

  reset(): void {
    this.frags = undefined;
    this.fragBytes = 0;
    this.plusFragments = false;
    this.udFrags = undefined;
  }
}

export class S7Decoder implements StreamDecoder {
  private readonly initiatorSide: Side;
  private readonly responderSide: Side;
  private ts = 0;

  constructor(private readonly ctx: DecoderContext) {
    this.initiatorSide = new Side(this, true);
    this.responderSide = new Side(this, false);
  }

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    this.onBytes(fromInitiator, data, 0, data.length, ts);
  }

  onBytes(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    this.ts = ts;
    const side = fromInitiator ? this.initiatorSide : this.responderSide;
    try {
      side.framer.push(data, start, end);
    } catch (err) {
      // a decoding bug must not take the pipeline down: count it and resynchronise
      this.anomaly('decoder_error', err instanceof Error ? err.message : String(err));
      side.framer.gap();
      side.reset();
    }
  }

  onGap(fromInitiator: boolean, bytes: number, ts: number): void {
    this.ts = ts;
    const side = fromInitiator ? this.initiatorSide : this.responderSide;
    side.framer.gap();
    side.reset();
    this.anomaly('stream_gap', `${bytes} bytes missing`);
  }

  onEnd(): void {
    for (const side of [this.initiatorSide, this.responderSide]) {
      if (side.frags || side.udFrags) this.anomaly('incomplete_pdu_at_end');
      side.reset();
    }
  }

  anomaly(kind: string, detail?: string): void {
    this.ctx.anomaly(`s7comm.${kind}`, detail);
  }

  // ------------------------------------------------------------------ COTP

  onTpkt(side: Side, buf: Buffer, off: number, end: number, atSegmentStart: boolean): void {
    const cotp = cotpHead;
    if (!readCotp(buf, off, end, cotp)) {
      this.anomaly('cotp_truncated');
      return;
    }
    if (cotp.type === COTP_CR || cotp.type === COTP_CC) {
      // connection set-up (once per connection): the record with the variable part (TSAPs)
      const rec = parseCotp(buf, off, end)!;
      if (rec.malformed) this.anomaly(rec.malformed);
      this.emitConnect(side, rec);
      return;
    }
    if (cotp.malformed) this.anomaly(cotp.malformed);
    else if (cotp.type === COTP_DT) this.onDt(side, buf, cotp, end, atSegmentStart);
  }

  private onDt(side: Side, buf: Buffer, cotp: CotpHead, end: number, atSegmentStart: boolean): void {
    const p = cotp.dataOffset;
    if (!side.frags) {
      if (p < end && buf[p] === S7COMM_PLUS_PROTOCOL_ID) {
        side.plusFragments = !cotp.eot;
        this.emitPlus(side, buf, p, end, atSegmentStart);
        return;
      }
      if (side.plusFragments) {
        if (cotp.eot) side.plusFragments = false;
        return;
      }
    }
    if (!cotp.eot) {
      const n = end - p;
      // S7comm-plus stacks send empty DTs without EOT between PDUs, and a fragment sequence starts
      // with an S7 header: anything else would only glue unrelated bytes in front of the next PDU
      if (!side.frags && (n === 0 || buf[p] !== S7COMM_PROTOCOL_ID)) return;
      if (side.fragBytes + n > MAX_COTP_REASSEMBLY) {
        this.anomaly('cotp_reassembly_overflow');
        side.frags = undefined;
        side.fragBytes = 0;
        return;
      }
      (side.frags ??= []).push(Buffer.from(buf.subarray(p, end)));
      side.fragBytes += n;
      return;
    }
    if (side.frags) {
      side.frags.push(buf.subarray(p, end));
      const whole = Buffer.concat(side.frags);
      side.frags = undefined;
      side.fragBytes = 0;
      this.onS7(side, whole, 0, whole.length);
    } else {
      this.onS7(side, buf, p, end);
    }
  }

  private emitConnect(side: Side, cotp: CotpRecord): void {
    const request = cotp.type === COTP_CR;
    const plc = tsapInfo(cotp.dstTsap);
    const text = tsapText(cotp.dstTsap) ?? tsapText(cotp.srcTsap);
    let clientType = plc?.connectionType;
    if (text) clientType = /HMI/i.test(text) ? 'op' : /ES\b|ENGINEERING/i.test(text) ? 'pg' : 'other';
    const fields: S7Fields = {
      cotp_type: request ? 'CR' : 'CC', // connection request / confirm
      dst_ref: cotp.dstRef,
      src_ref: cotp.srcRef,
      class_option: cotp.classOption,
      tpdu_size: cotp.tpduSize,
      src_tsap: cotp.srcTsap, // calling TSAP (client)
      dst_tsap: cotp.dstTsap, // called TSAP (PLC): connection type, rack, slot
      tsap_text: text,
      client_type: clientType,
      rack: text ? undefined : plc?.rack,
      slot: text ? undefined : plc?.slot,
    };
    const facts: Record<string, string> = {};
    if (clientType) facts.s7_client_type = clientType;
    if (fields.rack !== undefined) facts.s7_rack_slot = `${plc?.rack}/${plc?.slot}`;
    const detail = text ? `TSAP ${text}` : plc ? `${clientType} rack ${plc.rack} slot ${plc.slot}` : undefined;
    this.emit(
      's7comm',
      side,
      request ? 'request' : 'response',
      request ? 'cotp_connect_request' : 'cotp_connect_confirm',
      'session',
      detail,
      fields,
      undefined,
      facts,
    );
  }

  // ------------------------------------------------------------------ S7comm-plus

  private emitPlus(side: Side, buf: Buffer, off: number, end: number, atSegmentStart: boolean): void {
    const rec = parseS7Plus(buf, off, end);
    if (!rec) return;
    const fn = s7PlusName(rec.opcode, rec.functionCode);
    const direction: Direction = rec.opcode === 0x31 ? 'request' : rec.opcode === 0x32 || rec.opcode === 0x02 ? 'response' : 'unknown';
    const fields: S7PlusFields = {
      version: rec.version,
      data_length: rec.dataLength,
      integrity: rec.integrity,
      opcode: rec.opcode === undefined ? undefined : hex2(rec.opcode),
      function_code: rec.functionCode === undefined ? undefined : hex4(rec.functionCode),
      sequence: rec.sequence,
      // the frame starts with this PDU (what Wireshark-based counts of S7comm-plus frames see)
      segment_start: atSegmentStart,
    };
    this.emit('s7commplus', side, direction, fn, s7PlusOperation(fn), undefined, fields);
  }

  // ------------------------------------------------------------------ S7comm

  private onS7(side: Side, buf: Buffer, off: number, end: number): void {
    if (end <= off) return; // empty DT: keep-alive
    const pdu = s7pdu;
    if (!readS7Pdu(buf, off, end, pdu)) {
      this.anomaly('not_s7comm', `first byte ${hex2(buf[off])}`);
      return;
    }
    if (pdu.malformed) this.anomaly(pdu.malformed);
    switch (pdu.rosctr) {
      case ROSCTR_JOB:
        return this.onJob(side, buf, pdu);
      case ROSCTR_ACK_DATA:
        return this.onAckData(side, buf, pdu);
      case ROSCTR_ACK:
        return this.onAck(side, pdu);
      case ROSCTR_USERDATA:
        return this.onUserdata(side, buf, pdu);
    }
  }

  private onJob(side: Side, buf: Buffer, pdu: S7PduHead): void {
    const { paramOffset: po, paramEnd: pe, dataOffset: dof, dataEnd: de } = pdu;
    if (pe <= po) {
      this.emit('s7comm', side, 'request', 'job', 'other', undefined, headerFields(pdu));
      return;
    }
    const fn = buf[po];
    if (fn === FN_READ_VAR || fn === FN_WRITE_VAR) {
      const v = varRequests.parse(buf, po, pe);
      const req = v.req;
      if (req.malformed) this.anomaly(req.malformed);
      const data = fn === FN_WRITE_VAR ? this.writeData(buf, dof, de, req.items.length) : undefined;
      // the memo's job record serves every PDU with this parameter
      this.remember(side, pdu.pduRef, v.job);
      this.emit(
        's7comm',
        side,
        'request',
        functionName(fn),
        functionOperation(fn),
        v.job.detail,
        varJobFields(pdu, fn, req.itemCount, v.items, data),
      );
      return;
    }
    const fields = headerFields(pdu);
    fields.function_code = hex2(fn);
    let detail: string | undefined;
    let piService: string | undefined;
    if (fn === FN_SETUP_COMMUNICATION) {
      detail = this.addSetup(buf, po, pe, fields);
    } else if (isBlockTransfer(fn)) {
      const bt = parseBlockTransfer(buf, po, pe, fn, true);
      if (bt.malformed) this.anomaly(bt.malformed);
      Object.assign(fields, {
        function_status: bt.functionStatus,
        upload_id: bt.uploadId,
        file_name: bt.fileName,
        block_type: bt.blockType,
        block_number: bt.blockNumber,
        dest_filesystem: bt.destFileSystem,
        load_memory_length: bt.loadMemoryLength,
        mc7_length: bt.mc7Length,
      } satisfies S7Fields);
      detail = bt.blockType !== undefined && bt.blockNumber !== undefined ? `${bt.blockType}${bt.blockNumber}` : bt.fileName;
    } else if (fn === FN_PI_SERVICE || fn === FN_PLC_STOP) {
      const pi = fn === FN_PI_SERVICE ? parsePiService(buf, po, pe) : parsePlcStop(buf, po, pe);
      if (pi.malformed) this.anomaly(pi.malformed);
      piService = pi.service || undefined;
      fields.pi_service = piService;
      fields.pi_parameter = pi.parameter;
      fields.blocks = pi.blocks;
      detail = [pi.service, ...(pi.blocks ?? [])].filter(Boolean).join(' ') || undefined;
    }
    this.remember(side, pdu.pduRef, { fn, detail, piService });
    this.emit('s7comm', side, 'request', functionName(fn), functionOperation(fn, piService), detail, fields);
  }

  private onAckData(side: Side, buf: Buffer, pdu: S7PduHead): void {
    const { paramOffset: po, paramEnd: pe, dataOffset: dof, dataEnd: de } = pdu;
    const job = this.pair(side, pdu.pduRef);
    if (pe <= po) {
      // an error answer may carry no parameter: name it after its job
      const fn = job?.fn;
      this.emit(
        's7comm',
        side,
        'response',
        fn === undefined ? 'ack_data' : functionName(fn),
        fn === undefined ? 'other' : functionOperation(fn, job?.piService),
        job?.detail,
        headerFields(pdu),
      );
      return;
    }
    const fn = buf[po];
    let detail = job?.fn === fn ? job.detail : undefined;
    if (fn === FN_READ_VAR) {
      const count = pe - po >= 2 ? buf[po + 1] : 0;
      const answer = sharedReadAnswer(buf, dof, de, count);
      if (answer.malformed) this.anomaly(answer.malformed);
      this.emit(
        's7comm',
        side,
        'response',
        functionName(fn),
        functionOperation(fn, job?.piService),
        detail,
        readAnswerFields(pdu, fn, count, answer),
      );
      return;
    }
    const fields = headerFields(pdu);
    fields.function_code = hex2(fn);
    if (fn === FN_SETUP_COMMUNICATION) {
      detail = this.addSetup(buf, po, pe, fields);
    } else if (fn === FN_WRITE_VAR) {
      const count = pe - po >= 2 ? buf[po + 1] : 0;
      fields.item_count = count;
      const codes: string[] = [];
      for (let i = 0; i < count && dof + i < de; i++) codes.push(hex2(buf[dof + i]));
      fields.return_codes = codes;
    } else if (isBlockTransfer(fn)) {
      const bt = parseBlockTransfer(buf, po, pe, fn, false);
      Object.assign(fields, {
        function_status: bt.functionStatus,
        upload_id: bt.uploadId,
        block_length: bt.blockLength,
      } satisfies S7Fields);
    }
    this.emit('s7comm', side, 'response', functionName(fn), functionOperation(fn, job?.piService), detail, fields);
  }

  private onAck(side: Side, pdu: S7PduHead): void {
    const fields = headerFields(pdu);
    const job = this.pair(side, pdu.pduRef);
    if (job) fields.function_code = hex2(job.fn);
    const fn = job === undefined ? 'ack' : functionName(job.fn);
    this.emit('s7comm', side, 'response', fn, job === undefined ? 'other' : functionOperation(job.fn, job.piService), job?.detail, fields);
  }

  /** The event's `data_items` of a write var job (values as hex, up to 16 bytes each). */
  private writeData(buf: Buffer, off: number, end: number, count: number): S7WriteItemFields[] {
    const items: S7WriteItemFields[] = [];
    const c = dataItems.start(off, end, count);
    while (c.next(buf)) items.push({ transport_size: c.transportSize, length: c.length, value_hex: c.valueHex(buf) });
    if (c.malformed) this.anomaly(c.malformed);
    return items;
  }

  private addSetup(buf: Buffer, po: number, pe: number, fields: S7Fields): string | undefined {
    const s = parseSetupCommunication(buf, po, pe);
    if (!s) {
      this.anomaly('setup_communication_truncated');
      return undefined;
    }
    fields.max_amq_calling = s.maxAmqCalling;
    fields.max_amq_called = s.maxAmqCalled;
    fields.pdu_size = s.pduSize;
    return `pdu size ${s.pduSize}`;
  }

  // ------------------------------------------------------------------ userdata

  private onUserdata(side: Side, buf: Buffer, pdu: S7PduHead): void {
    const fields = headerFields(pdu);
    const up = parseUserdataParam(buf, pdu.paramOffset, pdu.paramEnd);
    if (!up) {
      this.anomaly('userdata_parameter_truncated');
      this.emit('s7comm', side, 'unknown', 'userdata', 'other', undefined, fields);
      return;
    }
    const { group, subfunction: sub } = up;
    Object.assign(fields, {
      method: hex2(up.method),
      ud_type: up.type === UD_TYPE_REQUEST ? 'request' : up.type === UD_TYPE_RESPONSE ? 'response' : up.type === 0 ? 'push' : hex2(up.type),
      function_group: group,
      subfunction: sub,
      sequence: up.sequence,
      data_unit_ref: up.dataUnitRef,
      last_data_unit: up.lastDataUnit,
      ud_error_code: up.errorCode === undefined ? undefined : hex4(up.errorCode),
    } satisfies S7Fields);
    const direction: Direction = up.type === UD_TYPE_REQUEST ? 'request' : up.type === UD_TYPE_RESPONSE ? 'response' : 'unknown';
    const dd = parseUserdataData(buf, pdu.dataOffset, pdu.dataEnd);
    if (dd) {
      fields.return_code = hex2(dd.returnCode);
      if (dd.malformed) this.anomaly(dd.malformed);
    }
    let detail: string | undefined;
    let identity: Omit<IdentityClaim, 'about'>[] | undefined;
    const pOff = dd?.payloadOffset ?? pdu.dataEnd;
    const pEnd = dd?.payloadEnd ?? pdu.dataEnd;
    if (group === UD_GROUP_MODE_TRANSITION) {
      fields.current_mode = sub; // this byte carries the mode, not a subfunction
      fields.current_mode_name = CPU_MODE_NAMES[sub];
      detail = CPU_MODE_NAMES[sub] ?? `mode ${hex2(sub)}`;
    } else if (group === UD_GROUP_CPU && sub === UD_CPU_READ_SZL) {
      if (up.type === UD_TYPE_REQUEST) {
        const r = dd && dd.returnCode === RETURN_SUCCESS ? parseSzlRequest(buf, pOff, pEnd) : undefined;
        if (r) {
          fields.szl_id = hex4(r.szlId);
          fields.szl_index = hex4(r.szlIndex);
          detail = `SZL ${hex4(r.szlId)} index ${hex4(r.szlIndex)}`;
        }
      } else {
        const res = this.szlAnswer(side, up, buf, pOff, pEnd, fields);
        detail = res.detail;
        identity = res.identity;
      }
    } else if (group === UD_GROUP_SECURITY) {
      // the password (8 obfuscated bytes) is never kept: only that one was sent
      if (up.type === UD_TYPE_REQUEST) fields.password_length = Math.max(0, pEnd - pOff);
    } else if (group === UD_GROUP_TIME) {
      const clock = parseClock(buf, pOff, pEnd);
      if (clock) {
        fields.clock = clock;
        detail = clock;
      }
    } else if (group === UD_GROUP_BLOCK && (sub === UD_BLOCK_LIST_TYPE || sub === UD_BLOCK_INFO) && up.type === UD_TYPE_REQUEST) {
      const b = parseBlockInfoRequest(buf, pOff, pEnd);
      if (b) {
        fields.block_type = b.blockType;
        fields.block_number = b.blockNumber;
      }
    }
    const fn = userdataName(group, sub);
    this.emit('s7comm', side, direction, fn, userdataOperation(group, sub), detail, fields, identity);
  }

  /** A read SZL answer, possibly one data unit of several: reassemble, then decode identity records. */
  private szlAnswer(
    side: Side,
    up: UserdataParam,
    buf: Buffer,
    off: number,
    end: number,
    fields: S7Fields,
  ): { detail?: string; identity?: Omit<IdentityClaim, 'about'>[] } {
    const more = hasMoreDataUnits(up);
    const frag = side.udFrags;
    let whole: Buffer | undefined;
    if (frag && frag.group === up.group && frag.subfunction === up.subfunction && frag.ref === up.dataUnitRef) {
      // a following data unit (same data unit reference): its payload continues the records of the first one
      if (frag.bytes + (end - off) > MAX_COTP_REASSEMBLY) {
        this.anomaly('userdata_reassembly_overflow');
        side.udFrags = undefined;
        return {};
      }
      frag.chunks.push(Buffer.from(buf.subarray(off, end)));
      frag.bytes += end - off;
      if (more) return {};
      side.udFrags = undefined;
      whole = Buffer.concat(frag.chunks);
      off = 0;
      end = whole.length;
    } else {
      const head = parseSzlResponse(buf, off, end);
      if (!head) return {};
      fields.szl_id = hex4(head.szlId);
      fields.szl_index = hex4(head.szlIndex);
      if (more) {
        side.udFrags = {
          group: up.group,
          subfunction: up.subfunction,
          ref: up.dataUnitRef,
          chunks: [Buffer.from(buf.subarray(off, end))],
          bytes: end - off,
        };
        return { detail: `SZL ${hex4(head.szlId)} index ${hex4(head.szlIndex)}` };
      }
      whole = buf;
    }
    const head = parseSzlResponse(whole, off, end);
    if (!head || head.recordsOffset === undefined) return {};
    fields.szl_answer_id = hex4(head.szlId);
    fields.record_count = head.recordCount;
    const detail = `SZL ${hex4(head.szlId)} index ${hex4(head.szlIndex)}`;
    const id = decodeIdentitySzl(head.szlId, whole, head.recordsOffset, end, head.recordLength ?? 0, head.recordCount ?? 0);
    if (!id) return { detail };
    if (id.modules) {
      fields.modules = id.modules.map((m) => ({
        index: hex4(m.index),
        kind: m.kind,
        mlfb: m.mlfb,
        bg_typ: hex4(m.bgTyp),
        ausbg: m.ausbg,
        ausbe: m.ausbe,
        version: m.version,
      }));
      if (isModuleIdSzl(head.szlId)) fields.order_numbers = id.modules.map((m) => m.mlfb).filter((s) => s.length > 0);
    }
    if (id.components) fields.components = id.components.map((c) => ({ index: hex4(c.index), kind: c.kind, text: c.text }));
    return { detail, identity: id.identity };
  }

  // ------------------------------------------------------------------ pairing and emitting

  private remember(side: Side, ref: number, job: OpenJob): void {
    if (side.jobs.size >= MAX_OPEN_JOBS) side.jobs.clear();
    side.jobs.set(ref, job);
  }

  /** The job a response from `side` answers: it was sent by the other side with the same PDU reference. */
  private pair(side: Side, ref: number): OpenJob | undefined {
    const other = side.fromInitiator ? this.responderSide : this.initiatorSide;
    const job = other.jobs.get(ref);
    if (job) other.jobs.delete(ref);
    return job;
  }

  private emit(
    protocol: string,
    side: Side,
    direction: Direction,
    fn: string,
    operation: Operation,
    detail: string | undefined,
    fields: S7Fields | S7PlusFields,
    identity?: Omit<IdentityClaim, 'about'>[],
    facts?: Record<string, string>,
  ): void {
    const { src, dst } = this.ctx.endpoints(side.fromInitiator);
    const ts = this.ts;
    const flow = this.ctx.flow;
    const event: ProtocolEvent<S7Fields | S7PlusFields> = protocolEvent(
      protocol,
      ts,
      flow,
      src,
      dst,
      direction,
      fn,
      operation,
      detail || undefined,
      fields,
    );
    // SZL answers describe the PLC that sends them
    if (identity && identity.length) event.identity = identity.map((c) => ({ about: 'src', attribute: c.attribute, value: c.value }));
    if (facts && Object.keys(facts).length) event.facts = facts;
    this.ctx.emit(event);
  }
}

/**
 * The fields every S7comm event has, from the PDU header: one literal per header layout rather than
 * members added one by one (each addition reshapes the object).
 */
function headerFields(pdu: S7PduHead): S7Fields {
  const { rosctr, pduRef, paramLength, dataLength, errorClass } = pdu;
  const fields: S7Fields =
    errorClass === undefined
      ? { rosctr, rosctr_name: ROSCTR_NAMES[rosctr], pdu_ref: pduRef, param_length: paramLength, data_length: dataLength }
      : {
          rosctr,
          rosctr_name: ROSCTR_NAMES[rosctr],
          pdu_ref: pduRef,
          param_length: paramLength,
          data_length: dataLength,
          error_class: errorClass,
          error_code: pdu.errorCode,
        };
  if (pdu.malformed) fields.malformed = pdu.malformed;
  return fields;
}

/**
 * Fields of a read/write var job: headerFields and the function's members. A job's header has no error
 * members: unless it is malformed, one literal of its final members in their order (members added to
 * headerFields' literal would each go to a property store allocated past the object).
 */
function varJobFields(
  pdu: S7PduHead,
  fn: number,
  itemCount: number,
  items: S7ItemFields[],
  data: S7WriteItemFields[] | undefined,
): S7Fields {
  const { rosctr, pduRef, paramLength, dataLength } = pdu;
  if (pdu.errorClass === undefined && !pdu.malformed) {
    const rosctr_name = ROSCTR_NAMES[rosctr];
    const function_code = hex2(fn);
    // data_items present (undefined for a read job) so that every var job has the same members
    return {
      rosctr,
      rosctr_name,
      pdu_ref: pduRef,
      param_length: paramLength,
      data_length: dataLength,
      function_code,
      item_count: itemCount,
      items,
      data_items: data,
    };
  }
  const fields = headerFields(pdu);
  fields.function_code = hex2(fn);
  fields.item_count = itemCount;
  fields.items = items;
  if (data !== undefined) fields.data_items = data;
  return fields;
}

/** Fields of a read var answer: headerFields and the answer's codes and item heads (one literal, as varJobFields, when it can). */
function readAnswerFields(pdu: S7PduHead, fn: number, itemCount: number, answer: ReadAnswer): S7Fields {
  const { rosctr, pduRef, paramLength, dataLength, errorClass } = pdu;
  if (errorClass !== undefined && !pdu.malformed) {
    return {
      rosctr,
      rosctr_name: ROSCTR_NAMES[rosctr],
      pdu_ref: pduRef,
      param_length: paramLength,
      data_length: dataLength,
      error_class: errorClass,
      error_code: pdu.errorCode,
      function_code: hex2(fn),
      item_count: itemCount,
      return_codes: answer.codes,
      data_items: answer.items,
    };
  }
  const fields = headerFields(pdu);
  fields.function_code = hex2(fn);
  fields.item_count = itemCount;
  fields.return_codes = answer.codes;
  fields.data_items = answer.items;
  return fields;
}

/** Fields of one item; members left undefined are absent once serialised (no delete on the hot path). */
function itemFields(it: VarItem): S7ItemFields {
  return {
    syntax_id: hex2(it.syntaxId),
    address: it.address,
    area: it.area === undefined ? undefined : hex2(it.area),
    db: it.dbNumber,
    byte: it.byteAddress,
    bit: it.bitAddress,
    transport_size: it.transportSize,
    length: it.length,
  };
}

/** "DB1.DBX0.0 len 4, M10.0 len 2 (+3 more)". */
function itemsDetail(items: VarItem[]): string | undefined {
  const shown: string[] = [];
  for (let i = 0; i < items.length && i < MAX_DETAIL_ITEMS; i++) {
    const it = items[i];
    shown.push(it.address !== undefined ? `${it.address} len ${it.length}` : `syntax ${hex2(it.syntaxId)}`);
  }
  if (!shown.length) return undefined;
  const more = items.length - shown.length;
  return more > 0 ? `${shown.join(', ')} (+${more} more)` : shown.join(', ');
}

/** Which endpoint is the PLC: the port-102 side, else the responder. */
export function serverEndpoint(src: Endpoint, dst: Endpoint, direction: Direction): Endpoint {
  if (src.port === ISO_TSAP_PORT && dst.port !== ISO_TSAP_PORT) return src;
  if (dst.port === ISO_TSAP_PORT && src.port !== ISO_TSAP_PORT) return dst;
  return direction === 'response' ? src : dst;
}
