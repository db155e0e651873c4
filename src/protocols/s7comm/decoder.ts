/**
 * The stateful part of S7 decoding for one TCP conversation: TPKT framing per direction, COTP
 * connect and data (with reassembly of fragmented S7 PDUs on the end-of-TSDU bit), S7comm PDUs
 * (job / ack / ack_data / userdata, with job ↔ response pairing on the PDU reference and
 * reassembly of multi-unit userdata answers) and S7comm-plus recognition. Emits one
 * ProtocolEvent per S7 PDU, per S7comm-plus frame and per COTP connect TPDU.
 */
import type { DecoderContext, Direction, Endpoint, IdentityClaim, Operation, StreamDecoder } from '../../core/events.js';
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
import { parseS7Plus } from './plus.js';
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
  items: Record<string, unknown>[];
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

/** One item of a read var answer's `data_items` (the value itself is not kept). */
interface ReadAnswerItem {
  return_code: string;
  transport_size: number;
  length: number;
}

/** What the data part of a read var answer gives its event. */
interface ReadAnswer {
  codes: string[];
  items: ReadAnswerItem[];
  malformed: string | undefined;
}

function readAnswer(buf: Buffer, off: number, end: number, count: number): ReadAnswer {
  const codes: string[] = [];
  const items: ReadAnswerItem[] = [];
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
    const fields: Record<string, unknown> = {
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
    const fields: Record<string, unknown> = {
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
      });
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
      Object.assign(fields, { function_status: bt.functionStatus, upload_id: bt.uploadId, block_length: bt.blockLength });
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
  private writeData(buf: Buffer, off: number, end: number, count: number): Record<string, unknown>[] {
    const items: Record<string, unknown>[] = [];
    const c = dataItems.start(off, end, count);
    while (c.next(buf)) items.push({ transport_size: c.transportSize, length: c.length, value_hex: c.valueHex(buf) });
    if (c.malformed) this.anomaly(c.malformed);
    return items;
  }

  private addSetup(buf: Buffer, po: number, pe: number, fields: Record<string, unknown>): string | undefined {
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
    });
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
    fields: Record<string, unknown>,
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
    fields: Record<string, unknown>,
    identity?: Omit<IdentityClaim, 'about'>[],
    facts?: Record<string, string>,
  ): void {
    const { src, dst } = this.ctx.endpoints(side.fromInitiator);
    const ts = this.ts;
    const flow = this.ctx.flow;
    // detail in the literal (most S7 events have one): adding it afterwards would reshape every such event
    const event: Parameters<DecoderContext['emit']>[0] = detail
      ? { protocol, ts, flow, src, dst, direction, fn, operation, fields, detail }
      : { protocol, ts, flow, src, dst, direction, fn, operation, fields };
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
function headerFields(pdu: S7PduHead): Record<string, unknown> {
  const { rosctr, pduRef, paramLength, dataLength, errorClass } = pdu;
  const fields: Record<string, unknown> =
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

/** Fields of a read/write var job: headerFields and the function's members. */
function varJobFields(
  pdu: S7PduHead,
  fn: number,
  itemCount: number,
  items: Record<string, unknown>[],
  data: Record<string, unknown>[] | undefined,
): Record<string, unknown> {
  const fields = headerFields(pdu);
  fields.function_code = hex2(fn);
  fields.item_count = itemCount;
  fields.items = items;
  if (data !== undefined) fields.data_items = data;
  return fields;
}

/** Fields of a read var answer: headerFields and the answer's codes and item heads. */
function readAnswerFields(pdu: S7PduHead, fn: number, itemCount: number, answer: ReadAnswer): Record<string, unknown> {
  const fields = headerFields(pdu);
  fields.function_code = hex2(fn);
  fields.item_count = itemCount;
  fields.return_codes = answer.codes;
  fields.data_items = answer.items;
  return fields;
}

/** Fields of one item; members left undefined are absent once serialised (no delete on the hot path). */
function itemFields(it: VarItem): Record<string, unknown> {
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
