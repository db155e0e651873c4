/**
 * The stateful part of the EtherNet/IP decoder: encapsulation framing over each direction's reassembled
 * TCP bytes (or one UDP datagram), the command-specific layouts, CIP requests and replies (with Multiple
 * Service Packet and Unconnected Send unpacked), request/reply pairing, Forward Open bookkeeping, and
 * cyclic I/O datagrams on UDP 2222.
 *
 * One event per encapsulation message that carries no CIP, and one per CIP message otherwise (a Multiple
 * Service Packet of 11 reads is 12 events: the packet and each read). `fields.encap` marks the one event
 * that stands for its encapsulation message, so counts per command stay one per header.
 *
 * Framing: read the 24-byte header, take `length` more bytes. A chunk that does not start with a
 * plausible header is garbage to its end (senders start messages at segment boundaries, and so does
 * Wireshark's check of the command); a gap drops the partial message.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, Endpoint, IdentityClaim, Operation, ProtocolEvent, StreamDecoder } from '../../core/events.js';
import {
  CIP_RESPONSE_BIT,
  CLASS_IDENTITY,
  CMD_LIST_IDENTITY,
  CMD_LIST_INTERFACES,
  CMD_LIST_SERVICES,
  CMD_REGISTER_SESSION,
  CMD_SEND_RR_DATA,
  CMD_SEND_UNIT_DATA,
  CMD_START_DTLS,
  CMD_UNREGISTER_SESSION,
  COMMAND_NAMES,
  COMMON_SERVICE_NAMES,
  ENCAP_HEADER_LEN,
  ENCAP_PREFIX_LEN,
  ENCAP_STATUS_NAMES,
  ENIP_IO_PORT,
  ENIP_PORT,
  ITEM_CONNECTED_ADDRESS,
  ITEM_CONNECTED_DATA,
  ITEM_SEQUENCED_ADDRESS,
  ITEM_SOCKADDR_OT,
  ITEM_SOCKADDR_TO,
  ITEM_UNCONNECTED_DATA,
  MAX_GARBAGE_CHUNKS,
  MAX_NESTING,
  MAX_PENDING,
  PROTOCOL,
  SVC_CM_FORWARD_CLOSE,
  SVC_CM_FORWARD_OPEN,
  SVC_CM_LARGE_FORWARD_OPEN,
  SVC_CM_UNCONNECTED_SEND,
  SVC_GET_ATTRIBUTES_ALL,
  SVC_GET_ATTRIBUTE_LIST,
  SVC_GET_ATTRIBUTE_SINGLE,
  SVC_MULTIPLE_SERVICE_PACKET,
} from './constants.js';
import { classOf, classifyRequest, dominant, isForwardClose, isForwardOpen, isUnconnectedSend } from './classify.js';
import {
  connectionKey,
  identityAttribute,
  parseAttributeIds,
  parseCip,
  parseForwardClose,
  parseForwardOpen,
  parseForwardOpenReply,
  parseIdentityAttributeList,
  parseMsp,
  parseUnconnectedSend,
  type CipReply,
  type CipRequest,
  type ForwardOpen,
  type PathReader,
} from './cip.js';
import { findConnection, forgetConnection, rememberConnection } from './connections.js';
import {
  parseCpf,
  parseIdentityBody,
  parseListIdentityItem,
  parseListServicesItem,
  parseSockaddr,
  plausibleHeader,
  readHeader,
  revisionText,
  serialText,
  type EncapHeader,
  type IdentityRecord,
} from './encap.js';
import { describePath, hexClass, parseEPath, type EPath } from './epath.js';
import { attributeClaims, describeIdentity, identityClaims } from './identity.js';
import { GENERAL_STATUS } from './names.js';
import { Framing, GARBAGE, NEED_MORE, PduFramer, type PduSink } from '../framing.js';

export { PROTOCOL };

/** A ListIdentity record in the oracle's shape. */
export interface ListIdentityEntry {
  vendor_id: number;
  device_type: number;
  product_code: number;
  revision: string;
  serial: string;
  product_name: string;
}

export interface EnipFields {
  /** Encapsulation command (absent on UDP 2222 I/O, which has no encapsulation header). */
  command?: number;
  /** Set on the one event that stands for its encapsulation message. */
  encap?: true;
  session?: number;
  encapStatus?: number;
  /** CIP service byte as sent (response bit included). */
  service?: number;
  /** Class segments of a request path. */
  classes?: number[];
  instance?: number;
  attribute?: number;
  member?: number;
  connectionPoint?: number;
  /** Logix tag name from symbolic segments. */
  tag?: string;
  /** Unconnected Send route (port/link hops). */
  route?: string[];
  generalStatus?: number;
  extStatus?: number[];
  /** The container this CIP message came in. */
  via?: 'multiple_service_packet' | 'unconnected_send';
  connected?: true;
  connId?: number;
  seq?: number;
  paired?: true;
  latency?: number;
  listIdentity?: ListIdentityEntry[];
  forwardOpen?: { otConnId: number; toConnId: number; transportClass: number; otRpiMs: number; toRpiMs: number; path: string };
  sockaddr?: { ip: string; port: number }[];
  /** Cyclic I/O datagram: carried a sequenced address item. */
  io?: true;
  ioLength?: number;
  ioConnection?: string;
  malformed?: string;
}

type Ends = { src: Endpoint; dst: Endpoint };

/** Encapsulation framing: the fixed header says the message's length. */
const FRAMING = new Framing({
  headerLen: ENCAP_HEADER_LEN,
  measure: measureMessage,
  maxGarbageChunks: MAX_GARBAGE_CHUNKS,
  initialCapacity: 512,
});

/** One direction: its framer (TCP; on UDP only its garbage count), and where its messages go. */
class Side implements PduSink {
  readonly framer: PduFramer;
  ts = 0;
  ends: Ends | undefined;

  constructor(
    private readonly dec: EnipDecoder,
    readonly fromInitiator: boolean,
  ) {
    this.framer = new PduFramer(this, FRAMING);
  }

  pdu(buf: Buffer, start: number, end: number): void {
    this.dec.message(this, this.ends!, buf, start, end, this.ts);
  }

  garbage(buf: Buffer, from: number, to: number): void {
    this.dec.anomaly('enip_bad_encapsulation_header', buf.toString('hex', from, Math.min(to, from + ENCAP_HEADER_LEN)));
  }

  gaveUp(chunks: number): void {
    this.dec.anomaly('enip_not_enip', `${chunks} chunks without a valid encapsulation header`);
  }
}

/** What a request left behind for its reply. */
interface Pending {
  service: number;
  path: EPath;
  fn: string;
  operation: Operation;
  detail: string;
  ts: number;
  parts?: (Pending | undefined)[];
  embedded?: Pending;
  fo?: ForwardOpen;
  attrIds?: number[];
}

interface Described {
  fn: string;
  operation: Operation;
  detail: string;
}

/** Cached request paths per flow, and the longest path worth caching (longer ones are rare: routed or tag paths). */
const MAX_CACHED_PATHS = 512;
const MAX_CACHED_PATH_WORDS = 32;

/**
 * The 8-byte sender context as one number for pairing: exact for the usual counters (high half below 2^21);
 * beyond that two contexts may share a key, and the service check on the reply then leaves it unpaired.
 */
function contextKey(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + (buf.readUInt32LE(at + 4) & 0x1fffff) * 0x100000000;
}

/** Where the CIP messages of one encapsulation message came from. */
interface Carrier {
  header: EncapHeader;
  ends: Ends;
  ts: number;
  connId?: number;
  seq?: number;
  out: ProtocolEvent<EnipFields>[];
}

const FACTS: Readonly<Record<string, string>> = Object.freeze({ auth: 'none' });

export class EnipDecoder implements StreamDecoder {
  private readonly a = new Side(this, true);
  private readonly b = new Side(this, false);
  private readonly pending = new Map<number, Pending>();
  /**
   * Request paths and their descriptions, keyed by the path bytes: a client polls the same few paths over and
   * over, so each is parsed and described once per flow (bounded; cleared when full).
   */
  private readonly paths = new Map<string, EPath>();
  private readonly described = new WeakMap<EPath, Map<number, Described>>();
  private readonly readPath: PathReader = (buf, off, words, end) => {
    if (off + words * 2 > end || words > MAX_CACHED_PATH_WORDS) return parseEPath(buf, off, words, end);
    const key = buf.toString('latin1', off, off + words * 2);
    let p = this.paths.get(key);
    if (p === undefined) {
      if (this.paths.size >= MAX_CACHED_PATHS) this.paths.clear();
      p = parseEPath(buf, off, words, end);
      this.paths.set(key, p);
    }
    return p;
  };

  constructor(private readonly ctx: DecoderContext) {}

  /** Service name, operation and detail of a request, once per (path, service). */
  private describe(service: number, p: EPath): Described {
    let bySvc = this.described.get(p);
    if (!bySvc) this.described.set(p, (bySvc = new Map()));
    let d = bySvc.get(service);
    if (!d) {
      const { fn, operation } = classifyRequest(service, p);
      const where = describePath(p);
      d = { fn, operation, detail: where ? `${fn} ${where}` : fn };
      bySvc.set(service, d);
    }
    return d;
  }

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    this.onBytes(fromInitiator, data, 0, data.length, ts);
  }

  onBytes(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    const side = fromInitiator ? this.a : this.b;
    if (side.framer.givenUp || end <= start) return;
    side.ts = ts;
    try {
      const ends = side.ends ?? (side.ends = this.ctx.endpoints(fromInitiator));
      // a datagram is rare (I/O, ListIdentity) and is taken apart as a Buffer of its own
      if (this.ctx.flow.transport === 'udp') this.datagram(side, ends, data.subarray(start, end), ts);
      else side.framer.push(data, start, end);
    } catch (err) {
      // A bug here must not take the pipeline down: count it and start this direction afresh.
      side.framer.reset();
      this.ctx.anomaly('enip_internal_error', err instanceof Error ? err.message : String(err));
    }
  }

  onGap(fromInitiator: boolean, bytes: number): void {
    const dropped = (fromInitiator ? this.a : this.b).framer.gap();
    if (dropped > 0) this.ctx.anomaly('enip_message_lost_in_gap', `${dropped} bytes buffered, ${bytes} missing`);
  }

  onEnd(): void {
    for (const side of [this.a, this.b]) {
      const left = side.framer.release();
      if (left > 0) this.ctx.anomaly('enip_truncated_message', `${left} bytes at end of flow`);
    }
    this.pending.clear();
  }

  anomaly(kind: string, detail: string): void {
    this.ctx.anomaly(kind, detail);
  }

  // ---- framing (TCP: ../framing.ts with measureMessage) ----

  private datagram(side: Side, ends: Ends, data: Buffer, ts: number): void {
    const io =
      (ends.src.port === ENIP_IO_PORT || ends.dst.port === ENIP_IO_PORT) && ends.src.port !== ENIP_PORT && ends.dst.port !== ENIP_PORT;
    if (io) {
      this.ioDatagram(ends, data, ts);
      return;
    }
    let off = 0;
    while (off < data.length) {
      if (data.length - off < ENCAP_HEADER_LEN || !plausibleHeader(data, off, data.length)) {
        side.framer.skip(data, off, data.length);
        return;
      }
      const total = ENCAP_HEADER_LEN + data.readUInt16LE(off + 2);
      const end = Math.min(off + total, data.length);
      if (off + total > data.length) this.ctx.anomaly('enip_truncated_message', `datagram holds ${data.length - off} of ${total} bytes`);
      side.framer.validSeen = true;
      this.message(side, ends, data, off, end, ts);
      off = end;
    }
  }

  // ---- encapsulation messages ----

  /** One encapsulation message at buf[start, end) (end may fall short of the header's length when cut). */
  message(side: Side, ends: Ends, buf: Buffer, start: number, end: number, ts: number): void {
    const h = readHeader(buf, start);
    const dataStart = start + ENCAP_HEADER_LEN;
    const dir = encapDirection(ends, side.fromInitiator);
    const cmd = h.command;
    if (cmd === CMD_SEND_RR_DATA || cmd === CMD_SEND_UNIT_DATA) {
      this.sendData(h, ends, buf, dataStart, end, ts, dir);
      return;
    }
    const fields: EnipFields = { command: cmd, encap: true, session: h.session };
    if (h.status !== 0) fields.encapStatus = h.status;
    const name = COMMAND_NAMES.get(cmd) ?? `command_0x${cmd.toString(16).padStart(4, '0')}`;
    let operation: Operation = 'other';
    let detail = name;
    let identity: IdentityClaim[] | undefined;
    let direction: Direction = dir;
    if (cmd === CMD_LIST_IDENTITY || cmd === CMD_LIST_SERVICES || cmd === CMD_LIST_INTERFACES) {
      operation = 'identify';
      // Requests carry no data: a body makes it a reply whatever the ports say.
      if (end > dataStart) direction = 'response';
      if (cmd !== CMD_LIST_INTERFACES && end > dataStart) {
        const cpf = parseCpf(buf, dataStart, end);
        if (cpf.malformed) this.malformed(fields, cpf.malformed);
        const records: IdentityRecord[] = [];
        for (const item of cpf.items) {
          if (cmd === CMD_LIST_IDENTITY) {
            const r = parseListIdentityItem(buf, item);
            if (r) records.push(r);
            else this.malformed(fields, `identity item 0x${item.type.toString(16)} not understood`);
          } else {
            const s = parseListServicesItem(buf, item);
            if (s) detail = `${name} ${s.name} capability 0x${s.flags.toString(16)}`;
          }
        }
        if (records.length > 0) {
          fields.listIdentity = records.map(listIdentityEntry);
          detail = `${name} ${describeIdentity(records[0]!)}`;
          identity = identityClaims(records[0]!);
        }
      }
    } else if (cmd === CMD_REGISTER_SESSION || cmd === CMD_UNREGISTER_SESSION || cmd === CMD_START_DTLS) {
      operation = 'session';
      if (cmd === CMD_REGISTER_SESSION && end - dataStart >= 4)
        detail = `${name} version ${buf.readUInt16LE(dataStart)}${dir === 'response' ? ` session 0x${h.session.toString(16)}` : ''}`;
    }
    if (h.status !== 0) detail += ` encapsulation status 0x${h.status.toString(16)} ${ENCAP_STATUS_NAMES.get(h.status) ?? 'unknown'}`;
    const e = this.event(ends, direction, name, operation, detail, fields, ts);
    if (identity && identity.length > 0) e.identity = identity;
    this.ctx.emit(e);
  }

  /** SendRRData (unconnected CIP) and SendUnitData (connected CIP): interface handle, timeout, CPF. */
  private sendData(h: EncapHeader, ends: Ends, buf: Buffer, dataStart: number, end: number, ts: number, dir: Direction): void {
    const carrier: Carrier = { header: h, ends, ts, out: [] };
    const connected = h.command === CMD_SEND_UNIT_DATA;
    let malformed: string | undefined;
    let sockaddr: { ip: string; port: number }[] | undefined;
    if (end - dataStart >= 6) {
      const cpf = parseCpf(buf, dataStart + 6, end);
      if (cpf.malformed) malformed = cpf.malformed;
      for (const item of cpf.items) {
        if (item.type === ITEM_CONNECTED_ADDRESS && item.end - item.start >= 4) carrier.connId = buf.readUInt32LE(item.start);
        else if (item.type === ITEM_SOCKADDR_OT || item.type === ITEM_SOCKADDR_TO) {
          const s = parseSockaddr(buf, item);
          if (s) (sockaddr ??= []).push(s);
        }
      }
      for (const item of cpf.items) {
        if (item.type === ITEM_UNCONNECTED_DATA && !connected)
          this.topCip(carrier, buf, item.start, item.end, contextKey(buf, h.contextAt));
        else if (item.type === ITEM_CONNECTED_DATA && connected) {
          // Class 3 connected data: a 2-byte sequence count, then the CIP message
          if (item.end - item.start < 2) {
            malformed ??= 'connected data item without a sequence count';
            continue;
          }
          carrier.seq = buf.readUInt16LE(item.start);
          this.topCip(carrier, buf, item.start + 2, item.end, -1 - carrier.seq); // negative: apart from sender contexts
        }
      }
    } else if (end > dataStart || h.status === 0) {
      malformed = 'no interface handle and timeout';
    }
    if (carrier.out.length === 0) {
      // Nothing CIP in it (an error reply, or a body we could not read): the message still counts.
      const name = COMMAND_NAMES.get(h.command)!;
      const fields: EnipFields = { command: h.command, session: h.session };
      if (h.status !== 0) fields.encapStatus = h.status;
      let detail = name;
      if (h.status !== 0) detail += ` encapsulation status 0x${h.status.toString(16)} ${ENCAP_STATUS_NAMES.get(h.status) ?? 'unknown'}`;
      carrier.out.push(this.event(ends, dir, name, 'other', detail, fields, ts));
    }
    const first = carrier.out[0]!;
    first.fields.encap = true;
    if (h.status !== 0) first.fields.encapStatus = h.status;
    if (sockaddr) first.fields.sockaddr = sockaddr;
    if (malformed) this.malformed(first.fields, malformed);
    for (const e of carrier.out) this.ctx.emit(e);
  }

  // ---- CIP ----

  /** The CIP message of an unconnected or connected data item; `key` pairs it with its reply. */
  private topCip(c: Carrier, buf: Buffer, start: number, end: number, key: number): void {
    const msg = parseCip(buf, start, end, this.readPath);
    if (!msg) return;
    if (msg.kind === 'request') {
      const p = this.request(c, buf, msg, undefined, 0);
      this.remember(key, p);
    } else {
      const req = this.pending.get(key);
      if (req) this.pending.delete(key);
      this.reply(c, buf, msg, req, undefined, 0);
    }
  }

  private request(c: Carrier, buf: Buffer, req: CipRequest, via: EnipFields['via'], depth: number): Pending {
    const { fn, operation, detail } = this.describe(req.service, req.path);
    const fields = this.cipFields(c, req.service, via);
    const p = req.path;
    fields.classes = p.classes;
    if (p.instance !== undefined) fields.instance = p.instance;
    if (p.attribute !== undefined) fields.attribute = p.attribute;
    if (p.member !== undefined) fields.member = p.member;
    if (p.connectionPoint !== undefined) fields.connectionPoint = p.connectionPoint;
    if (p.tag !== undefined) fields.tag = p.tag;
    if (req.malformed) this.malformed(fields, req.malformed);
    const pending: Pending = { service: req.service, path: p, fn, operation, detail, ts: c.ts };
    const e = this.event(c.ends, 'request', fn, operation, pending.detail, fields, c.ts);
    c.out.push(e);
    if (depth >= MAX_NESTING) {
      this.malformed(fields, 'nested too deep');
      return pending;
    }
    if (isUnconnectedSend(req.service, p)) {
      const us = parseUnconnectedSend(buf, req.dataStart, req.dataEnd);
      if (!us) this.malformed(fields, 'unconnected send without its message');
      else {
        if (us.malformed) this.malformed(fields, us.malformed);
        if (us.route?.route) fields.route = us.route.route;
        const inner = parseCip(buf, us.msgStart, us.msgEnd, this.readPath);
        if (inner?.kind === 'request') {
          const emb = this.request(c, buf, inner, 'unconnected_send', depth + 1);
          pending.embedded = emb;
          pending.operation = e.operation = emb.operation;
          pending.detail = e.detail = `unconnected_send${fields.route ? ` route ${fields.route.join(',')}` : ''}: ${emb.detail}`;
        } else if (inner) this.malformed(fields, 'unconnected send embeds a reply');
      }
    } else if (req.service === SVC_MULTIPLE_SERVICE_PACKET) {
      const msp = parseMsp(buf, req.dataStart, req.dataEnd);
      if (msp.malformed) this.malformed(fields, msp.malformed);
      pending.parts = [];
      let op: Operation = 'other';
      const names = new Set<string>();
      for (const [s, t] of msp.parts) {
        const inner = parseCip(buf, s, t, this.readPath);
        if (inner?.kind !== 'request') {
          pending.parts.push(undefined);
          if (inner) this.malformed(fields, 'multiple service packet embeds a reply');
          continue;
        }
        const child = this.request(c, buf, inner, 'multiple_service_packet', depth + 1);
        pending.parts.push(child);
        op = dominant(op, child.operation);
        names.add(child.fn);
      }
      pending.operation = e.operation = op;
      pending.detail = e.detail = `multiple_service_packet of ${msp.parts.length}: ${[...names].join(', ')}`;
    } else if (isForwardOpen(req.service, p)) {
      const fo = parseForwardOpen(buf, req.dataStart, req.dataEnd, req.service === SVC_CM_LARGE_FORWARD_OPEN);
      if (!fo) this.malformed(fields, 'forward open cut short');
      else {
        if (fo.malformed) this.malformed(fields, fo.malformed);
        pending.fo = fo;
        const target = describePath(fo.path);
        fields.forwardOpen = {
          otConnId: fo.otConnId,
          toConnId: fo.toConnId,
          transportClass: fo.transportClass,
          otRpiMs: fo.otRpi / 1000,
          toRpiMs: fo.toRpi / 1000,
          path: [...(fo.path.route ?? []).map((r) => `port ${r}`), target].filter(Boolean).join(' '),
        };
        pending.detail =
          e.detail = `${fn} class ${fo.transportClass} ${fields.forwardOpen.path} RPI ${fo.otRpi / 1000}/${fo.toRpi / 1000} ms`;
      }
    } else if (isForwardClose(req.service, p)) {
      const fc = parseForwardClose(buf, req.dataStart, req.dataEnd);
      if (!fc) this.malformed(fields, 'forward close cut short');
      else forgetConnection(c.ends.dst.ip, connectionKey(fc.connSerial, fc.vendorId, fc.originatorSerial));
    } else if (req.service === SVC_GET_ATTRIBUTE_LIST && classOf(p) === CLASS_IDENTITY) {
      pending.attrIds = parseAttributeIds(buf, req.dataStart, req.dataEnd);
    }
    return pending;
  }

  private reply(c: Carrier, buf: Buffer, rep: CipReply, req: Pending | undefined, via: EnipFields['via'], depth: number): void {
    const svc = rep.service & ~CIP_RESPONSE_BIT;
    // A successful Unconnected Send answers with the embedded request's reply itself (no wrapper).
    if (req && req.service === SVC_CM_UNCONNECTED_SEND && req.embedded && svc !== SVC_CM_UNCONNECTED_SEND) {
      req = req.embedded;
      via = 'unconnected_send';
    }
    if (req && req.service !== svc) req = undefined;
    const fields = this.cipFields(c, rep.service, via);
    fields.generalStatus = rep.generalStatus;
    if (rep.extStatus.length > 0) fields.extStatus = rep.extStatus;
    if (rep.malformed) this.malformed(fields, rep.malformed);
    const fn = req?.fn ?? COMMON_SERVICE_NAMES.get(svc) ?? `service_0x${svc.toString(16).padStart(2, '0')}`;
    const operation = req?.operation ?? 'other';
    if (req) {
      fields.paired = true;
      fields.latency = c.ts - req.ts;
    }
    const status =
      rep.generalStatus === 0
        ? 'success'
        : `status 0x${rep.generalStatus.toString(16).padStart(2, '0')} ${GENERAL_STATUS.get(rep.generalStatus) ?? 'unknown'}`;
    const e = this.event(c.ends, 'response', fn, operation, `${req?.detail ?? fn}: ${status}`, fields, c.ts);
    c.out.push(e);
    if (depth >= MAX_NESTING) return;
    if (svc === SVC_MULTIPLE_SERVICE_PACKET && rep.dataEnd > rep.dataStart) {
      const msp = parseMsp(buf, rep.dataStart, rep.dataEnd);
      if (msp.malformed) this.malformed(fields, msp.malformed);
      msp.parts.forEach(([s, t], i) => {
        const inner = parseCip(buf, s, t);
        if (inner?.kind === 'reply') this.reply(c, buf, inner, req?.parts?.[i], 'multiple_service_packet', depth + 1);
        else if (inner) this.malformed(fields, 'multiple service reply embeds a request');
      });
      return;
    }
    if (rep.generalStatus !== 0 || !req) return;
    if (req.fo && (svc === SVC_CM_FORWARD_OPEN || svc === SVC_CM_LARGE_FORWARD_OPEN)) this.connectionOpened(c, buf, rep, req.fo, e);
    else if (svc === SVC_CM_FORWARD_CLOSE) {
      // nothing to keep: the request already dropped the connection
    } else if (classOf(req.path) === CLASS_IDENTITY) this.identityReply(buf, rep, req, e);
  }

  private connectionOpened(c: Carrier, buf: Buffer, rep: CipReply, fo: ForwardOpen, e: ProtocolEvent<EnipFields>): void {
    const r = parseForwardOpenReply(buf, rep.dataStart, rep.dataEnd);
    if (!r) {
      this.malformed(e.fields, 'forward open reply cut short');
      return;
    }
    const key = connectionKey(r.connSerial, r.vendorId, r.originatorSerial);
    const path = describePath(fo.path);
    const base = { transportClass: fo.transportClass, originator: c.ends.dst.ip, target: c.ends.src.ip, path, key };
    rememberConnection(r.otConnId, { ...base, dir: 'ot', api: r.otApi });
    rememberConnection(r.toConnId, { ...base, dir: 'to', api: r.toApi });
    e.fields.forwardOpen = {
      otConnId: r.otConnId,
      toConnId: r.toConnId,
      transportClass: fo.transportClass,
      otRpiMs: r.otApi / 1000,
      toRpiMs: r.toApi / 1000,
      path,
    };
    e.detail += ` O->T 0x${r.otConnId.toString(16)} T->O 0x${r.toConnId.toString(16)}`;
  }

  private identityReply(buf: Buffer, rep: CipReply, req: Pending, e: ProtocolEvent<EnipFields>): void {
    const svc = rep.service & ~CIP_RESPONSE_BIT;
    let claims: IdentityClaim[] = [];
    if (svc === SVC_GET_ATTRIBUTES_ALL && req.path.attribute === undefined) {
      const r = parseIdentityBody(buf, rep.dataStart, rep.dataEnd);
      if (r) {
        claims = identityClaims(r);
        e.detail += ` ${describeIdentity(r)}`;
      } else this.malformed(e.fields, 'identity reply cut short');
    } else if (svc === SVC_GET_ATTRIBUTE_SINGLE && req.path.attribute !== undefined) {
      const v = identityAttribute(req.path.attribute, buf, rep.dataStart, rep.dataEnd);
      if (v) claims = attributeClaims(new Map([[req.path.attribute, v.value]]));
    } else if (svc === SVC_GET_ATTRIBUTE_LIST && req.attrIds) {
      claims = attributeClaims(parseIdentityAttributeList(buf, rep.dataStart, rep.dataEnd));
    }
    if (claims.length > 0) e.identity = claims;
  }

  // ---- UDP 2222 ----

  private ioDatagram(ends: Ends, data: Buffer, ts: number): void {
    const cpf = parseCpf(data, 0, data.length);
    const fields: EnipFields = {};
    let length = 0;
    for (const item of cpf.items) {
      if (item.type === ITEM_SEQUENCED_ADDRESS && item.end - item.start >= 8) {
        fields.io = true;
        fields.connId = data.readUInt32LE(item.start);
        fields.seq = data.readUInt32LE(item.start + 4);
      } else if (item.type === ITEM_CONNECTED_ADDRESS && item.end - item.start >= 4) {
        fields.connId = data.readUInt32LE(item.start);
      } else if (item.type === ITEM_CONNECTED_DATA) {
        length = item.end - item.start;
      }
    }
    if (cpf.malformed) this.malformed(fields, cpf.malformed);
    if (!fields.io) this.ctx.anomaly('enip_io_without_sequenced_address', data.toString('hex', 0, Math.min(16, data.length)));
    fields.ioLength = length;
    let detail = `io conn 0x${(fields.connId ?? 0).toString(16).padStart(8, '0')}${fields.seq !== undefined ? ` seq ${fields.seq}` : ''} ${length} bytes`;
    // Both ends produce; only a Forward Open seen earlier says which one opened the connection.
    let direction: Direction = 'unknown';
    if (fields.connId !== undefined) {
      const conn = findConnection(fields.connId, ends.src.ip, ends.dst.ip);
      if (conn) {
        fields.ioConnection = conn.path;
        direction = conn.dir === 'ot' ? 'request' : 'response';
        detail += ` class ${conn.transportClass} ${conn.dir === 'ot' ? 'O->T' : 'T->O'} ${conn.path} API ${conn.api / 1000} ms`;
      }
    }
    this.ctx.emit(this.event(ends, direction, 'io_data', 'io', detail, fields, ts));
  }

  // ---- helpers ----

  private cipFields(c: Carrier, service: number, via: EnipFields['via']): EnipFields {
    const f: EnipFields = { command: c.header.command, session: c.header.session, service };
    if (via) f.via = via;
    if (c.header.command === CMD_SEND_UNIT_DATA) {
      f.connected = true;
      if (c.connId !== undefined) f.connId = c.connId;
      if (c.seq !== undefined) f.seq = c.seq;
    }
    return f;
  }

  private event(
    ends: Ends,
    direction: Direction,
    fn: string,
    operation: Operation,
    detail: string,
    fields: EnipFields,
    ts: number,
  ): ProtocolEvent<EnipFields> {
    return protocolEvent(PROTOCOL, ts, this.ctx.flow, ends.src, ends.dst, direction, fn, operation, detail, fields, FACTS);
  }

  private malformed(fields: EnipFields, why: string): void {
    fields.malformed ??= why;
    this.ctx.anomaly('enip_malformed', why);
  }

  private remember(key: number, p: Pending): void {
    if (this.pending.size >= MAX_PENDING && !this.pending.has(key)) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.set(key, p);
  }
}

/** Who sent an encapsulation message: the port-44818 side serves; with both or neither, the initiator asks. */
export function encapDirection(ends: Ends, fromInitiator: boolean): Direction {
  const s = ends.src.port === ENIP_PORT;
  const d = ends.dst.port === ENIP_PORT;
  if (d && !s) return 'request';
  if (s && !d) return 'response';
  return fromInitiator ? 'request' : 'response';
}

function listIdentityEntry(r: IdentityRecord): ListIdentityEntry {
  return {
    vendor_id: r.vendorId,
    device_type: r.deviceType,
    product_code: r.productCode,
    revision: revisionText(r.major, r.minor),
    serial: serialText(r.serial),
    product_name: r.productName,
  };
}

export { hexClass };

/**
 * The length of the encapsulation message at buf[off, off + avail): a plausible header (checked as soon
 * as command and length are visible) and `length` bytes after it.
 */
export function measureMessage(buf: Buffer, off: number, avail: number): number {
  if (avail < ENCAP_PREFIX_LEN) return NEED_MORE;
  if (!plausibleHeader(buf, off, off + avail)) return GARBAGE;
  if (avail < ENCAP_HEADER_LEN) return NEED_MORE;
  return ENCAP_HEADER_LEN + buf.readUInt16LE(off + 2);
}
