/**
 * The stateful part of the OPC UA decoder: framing of UA TCP chunks over each direction's in-order
 * bytes, resynchronisation after gaps or mid-stream starts, multi-chunk reassembly (bounded), the
 * secure channel's security state, and one ProtocolEvent per complete message.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, IdentityClaim, Operation, StreamDecoder } from '../../core/events.js';
import {
  decodeAsymmetricHeader,
  decodeError,
  decodeHelloOrAck,
  decodeReverseHello,
  decodeServiceBody,
  DECODED_SERVICES,
  type ApplicationSummary,
  type BodySummary,
} from './bodies.js';
import {
  CHUNK_ABORT,
  CHUNK_FINAL,
  HEADER_LEN,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS_PER_MESSAGE,
  MAX_MESSAGE_BYTES,
  MAX_PENDING_MESSAGES,
  MAX_RESYNC_CHUNK_SIZE,
  POLICY_NONE_URI,
  RESYNC_TAIL,
  SECURITY_MODE_NAMES,
  SECURITY_MODE_NONE,
  SECURITY_MODE_SIGN,
  SECURITY_MODE_SIGN_AND_ENCRYPT,
  SYMMETRIC_SIGNATURE_LEN,
  type MessageType,
} from './constants.js';
import { opcuaLib, type OpcuaLib } from './lib.js';
import { SERVICES } from './services.js';
import {
  findHeader,
  NO_TYPE_ID,
  policyShortName,
  readHeader,
  requestIdAt,
  responseStatusAt,
  SEQUENCE_HEADER_LEN,
  statusHex,
  SYMMETRIC_SEQUENCE_OFFSET,
  typeIdAt,
  typeIdLength,
  type ChunkHeader,
} from './records.js';

/**
 * The fields of an opcua event (one per complete message): the chunk header's message type and the chunks
 * the message came in, what the transport message (HEL, ACK, ERR, RHE) or the secure conversation headers
 * (OPN, MSG, CLO) say, and for a readable service body its type id, status and summary (BodySummary).
 */
export interface OpcuaFields extends BodySummary {
  /** Message header bytes 0-2: 'HEL', 'ACK', 'ERR', 'RHE', 'OPN', 'MSG', 'CLO'. */
  msgType: MessageType;
  /** Chunks the message came in (header byte 3: 'C' intermediate, 'F' final, 'A' abort); 1 for transport messages. */
  chunks: number;
  /** HEL and ACK: protocol version, receive and send buffer sizes, max message size, max chunk count (UInt32 each). */
  protocolVersion?: number;
  receiveBufferSize?: number;
  sendBufferSize?: number;
  maxMessageSize?: number;
  maxChunkCount?: number;
  // endpointUrl (BodySummary): also the HEL's and the RHE's EndpointUrl; serverUri: also the RHE's ServerUri
  /** ERR: the error StatusCode as "0x80820000" and the reason string. */
  error?: string;
  reason?: string;
  /**
   * OPN, MSG, CLO: the SecureChannelId (UInt32 after the message header); an OpenSecureChannelResponse's body
   * (securityToken.channelId) overrides it.
   */
  secureChannelId?: number;
  /** OPN asymmetric security header: SecurityPolicyUri, and whether a SenderCertificate and a ReceiverCertificateThumbprint were sent. */
  securityPolicyUri?: string;
  senderCertificate?: boolean;
  receiverThumbprint?: boolean;
  /** Readable MSG and CLO: the sequence header's RequestId. */
  requestId?: number;
  /** The message ended with an abort chunk, or was cut at the reassembly bounds. */
  aborted?: true;
  /** The body is encrypted (or its chunks were not kept): nothing of it was read. */
  opaque?: true;
  /** Chunks of a message whose final chunk never came (flow end or gap). */
  incomplete?: true;
  /** The namespace-0 numeric type id (binary encoding id) the body starts with. */
  typeId?: number;
  /** Responses: the ResponseHeader's ServiceResult as "0x80340000", when not Good. */
  status?: string;
  /** The message or its body could not be read. */
  malformed?: true;
}

/** Keys of opaque messages in the reassembly map (their request id is encrypted). */
const OPAQUE_KEY: Readonly<Record<string, number>> = { MSG: -1, OPN: -2, CLO: -3 };

interface PartialMessage {
  type: MessageType;
  chunks: number;
  parts: Buffer[];
  bytes: number;
  plain: boolean;
}

interface DirectionState {
  /** Unconsumed bytes (owned copies) and how many bytes are needed before framing can go on. */
  parts: Buffer[];
  partsLen: number;
  need: number;
  /** 'start': nothing seen yet; 'synced': at a header boundary; 'resync': hunting for a header. */
  mode: 'start' | 'synced' | 'resync';
  skipped: number;
  /**
   * Messages whose chunks are being gathered, by request id; none until a message comes in several chunks
   * (most never do): each chunk looks here, and an empty Map of each of thousands of connections would be
   * one more cold line of memory per chunk.
   */
  partials: Map<number, PartialMessage> | undefined;
}

/** Security state of the secure channel carried by this connection. */
interface ChannelState {
  id?: number;
  policyUri?: string;
  /** MessageSecurityMode: from the OPN request (policy None) or inferred from the first MSG. */
  mode?: number;
  auth?: string;
  facts?: Record<string, string>;
}

/**
 * What a complete secure-conversation message contributes to its event: its chunks and, when it can be
 * read, its body at body[start, end) (a single chunk's body stays in place in the caller's buffer).
 * One per decoder, filled by assemble() and read at once: no record per message.
 */
interface Assembled {
  chunks: number;
  aborted: boolean;
  body: Buffer | undefined;
  start: number;
  end: number;
}

/**
 * The header of the chunk being framed (filled by readHeader) and the message just assembled: read at once,
 * within one call, so one of each serves every connection (no record per chunk, and one that stays in the
 * CPU cache), as S7comm's PDU head does.
 */
const header: ChunkHeader = { type: 'MSG', chunk: 0, size: 0 };
const done: Assembled = { chunks: 0, aborted: false, body: undefined, start: 0, end: 0 };

export class OpcuaDecoder implements StreamDecoder {
  private readonly fromInitiatorDir = newDirection();
  private readonly fromResponderDir = newDirection();
  private readonly channel: ChannelState = {};

  constructor(private readonly ctx: DecoderContext) {}

  /**
   * node-opcua, loaded on the first body that needs it (~150 ms and ~60 MB once per process): HEL and ACK
   * are read natively, so a capture whose OPC UA is only Hello and unsecured Read/Write traffic never loads it.
   */
  private get lib(): OpcuaLib {
    return opcuaLib();
  }

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    this.onBytes(fromInitiator, data, 0, data.length, ts);
  }

  /**
   * The next bytes of one direction, data[start, end) (valid only during the call). Whole chunks are
   * framed where they lie; only the bytes of a chunk that continues in a later segment are copied.
   */
  onBytes(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void {
    const d = fromInitiator ? this.fromInitiatorDir : this.fromResponderDir;
    let b: Buffer;
    let from: number;
    let to: number;
    let owned = false;
    if (d.partsLen > 0) {
      d.parts.push(Buffer.from(data.subarray(start, end)));
      d.partsLen += end - start;
      if (d.partsLen < d.need) return;
      b = d.parts.length === 1 ? d.parts[0]! : Buffer.concat(d.parts, d.partsLen);
      from = 0;
      to = b.length;
      owned = true;
      d.parts = [];
      d.partsLen = 0;
    } else {
      b = data;
      from = start;
      to = end;
    }
    let off: number;
    try {
      off = this.frame(d, fromInitiator, b, from, to, ts);
    } catch (err) {
      // A bug of ours must not take the pipeline down: count it and hunt for the next header.
      this.ctx.anomaly('opcua_internal', err instanceof Error ? err.message : String(err));
      d.mode = 'resync';
      off = to;
    }
    if (off < to) {
      const rest = owned ? b.subarray(off, to) : Buffer.from(b.subarray(off, to));
      d.parts.push(rest);
      d.partsLen = rest.length;
    }
  }

  onGap(fromInitiator: boolean, bytes: number, ts: number): void {
    const d = fromInitiator ? this.fromInitiatorDir : this.fromResponderDir;
    this.ctx.anomaly('opcua_gap', `${bytes} bytes missing`);
    d.parts = [];
    d.partsLen = 0;
    d.need = HEADER_LEN;
    d.mode = 'resync';
    this.flushPartials(fromInitiator, d, ts);
  }

  onEnd(ts: number): void {
    for (let i = 0; i < 2; i++) {
      const d = i === 0 ? this.fromInitiatorDir : this.fromResponderDir;
      if (d.partsLen > 0 && d.mode === 'synced') this.ctx.anomaly('opcua_truncated', `${d.partsLen} bytes of an incomplete chunk`);
      d.parts = [];
      d.partsLen = 0;
      this.flushPartials(i === 0, d, ts);
    }
  }

  /** Split b[from, to) into chunks; returns the offset of the first byte not consumed. */
  private frame(d: DirectionState, fromInitiator: boolean, b: Buffer, from: number, to: number, ts: number): number {
    const h = header;
    let off = from;
    for (;;) {
      if (d.mode !== 'synced') {
        // After a gap the channel id rules out false headers; at the start of a direction nothing is
        // known about this side's bytes yet, so any plausible header will do.
        const i = findHeader(b, off, to, MAX_RESYNC_CHUNK_SIZE, d.mode === 'resync' ? this.channel.id : undefined);
        if (i < 0) {
          const keepFrom = Math.max(off, to - RESYNC_TAIL);
          d.skipped += keepFrom - off;
          d.need = HEADER_LEN;
          return keepFrom;
        }
        d.skipped += i - off;
        if (d.skipped > 0) {
          this.ctx.anomaly(d.mode === 'start' ? 'opcua_midstream' : 'opcua_resync', `skipped ${d.skipped} bytes`);
        }
        d.skipped = 0;
        d.mode = 'synced';
        off = i;
      }
      if (to - off < HEADER_LEN) {
        d.need = HEADER_LEN;
        return off;
      }
      if (!readHeader(b, off, to, MAX_CHUNK_SIZE, h)) {
        // The offset as it was within this call's bytes (the same number whether they came as a Buffer or a range).
        this.ctx.anomaly('opcua_bad_header', `at stream offset ${off - from}: ${b.toString('hex', off, off + HEADER_LEN)}`);
        d.mode = 'resync';
        off += 1;
        continue;
      }
      const size = h.size;
      if (to - off < size) {
        d.need = size;
        return off;
      }
      this.onChunk(fromInitiator, d, b, off, h, ts);
      off += size;
    }
  }

  private onChunk(fromInitiator: boolean, d: DirectionState, b: Buffer, off: number, h: ChunkHeader, ts: number): void {
    const start = off + HEADER_LEN;
    const end = off + h.size;
    switch (h.type) {
      case 'HEL':
      case 'ACK': {
        const hello = h.type === 'HEL';
        // opcuaLib itself, not an arrow over this.lib: a closure over `this` would make every call of
        // onChunk allocate a context for it, whatever the chunk type.
        const s = decodeHelloOrAck(opcuaLib, hello, b, start, end);
        if (!s) this.ctx.anomaly('opcua_malformed', h.type);
        const detail = hello && s?.endpointUrl ? s.endpointUrl : undefined;
        this.emit(
          fromInitiator,
          ts,
          hello ? 'Hello' : 'Acknowledge',
          'session',
          hello ? 'request' : 'response',
          { msgType: h.type, chunks: 1, ...(s ?? { malformed: true }) },
          detail,
        );
        return;
      }
      case 'ERR': {
        const s = decodeError(this.lib, b, start, end);
        if (!s) this.ctx.anomaly('opcua_malformed', 'ERR');
        const fields: OpcuaFields = s
          ? { msgType: 'ERR', chunks: 1, error: statusHex(s.code), reason: s.reason }
          : { msgType: 'ERR', chunks: 1, malformed: true };
        this.emit(
          fromInitiator,
          ts,
          'Error',
          'session',
          'response',
          fields,
          s ? `${statusHex(s.code)} ${s.reason ?? ''}`.trim() : undefined,
        );
        return;
      }
      case 'RHE': {
        const s = decodeReverseHello(this.lib, b, start, end);
        if (!s) this.ctx.anomaly('opcua_malformed', 'RHE');
        this.emit(
          fromInitiator,
          ts,
          'ReverseHello',
          'session',
          'request',
          { msgType: 'RHE', chunks: 1, ...(s ?? { malformed: true }) },
          s?.endpointUrl,
        );
        return;
      }
      case 'OPN':
        this.onOpen(fromInitiator, d, b, off, h, ts);
        return;
      default:
        this.onSymmetric(fromInitiator, d, b, off, h, ts);
    }
  }

  private onOpen(fromInitiator: boolean, d: DirectionState, b: Buffer, off: number, h: ChunkHeader, ts: number): void {
    const end = off + h.size;
    const channelId = b.readUInt32LE(off + HEADER_LEN);
    const ah = decodeAsymmetricHeader(this.lib, b, off + HEADER_LEN + 4, end);
    if (!ah) {
      this.ctx.anomaly('opcua_malformed', 'OPN security header');
      this.emit(fromInitiator, ts, 'OpenSecureChannel', 'session', fromInitiator ? 'request' : 'response', {
        msgType: 'OPN',
        chunks: 1,
        malformed: true,
      });
      return;
    }
    if (channelId !== 0) this.channel.id = channelId;
    if (ah.securityPolicyUri !== this.channel.policyUri) {
      // A new policy is a new channel: what was inferred about the old one no longer holds.
      this.channel.policyUri = ah.securityPolicyUri;
      this.channel.mode = undefined;
      this.refreshFacts();
    }
    // With any policy but None the OPN body is asymmetrically encrypted, whatever the mode (Part 6 6.7.4).
    const plain = ah.securityPolicyUri === POLICY_NONE_URI;
    const seqOff = ah.end;
    const key = plain ? (requestIdAt(b, seqOff, end) ?? 0) : OPAQUE_KEY.OPN!;
    const bodyStart = seqOff + SEQUENCE_HEADER_LEN;
    const a = this.assemble(d, key, h, 'OPN', plain, b, Math.min(bodyStart, end), end);
    if (a === undefined) return;
    const fields: OpcuaFields = {
      msgType: 'OPN',
      chunks: a.chunks,
      secureChannelId: channelId,
      securityPolicyUri: ah.securityPolicyUri,
      senderCertificate: ah.hasSenderCertificate,
      receiverThumbprint: ah.hasReceiverThumbprint,
    };
    this.completeSecure(fromInitiator, 'OPN', plain, a, fields, ts);
  }

  private onSymmetric(fromInitiator: boolean, d: DirectionState, b: Buffer, off: number, h: ChunkHeader, ts: number): void {
    const end = off + h.size;
    const channelId = b.readUInt32LE(off + HEADER_LEN);
    if (this.channel.id === undefined && channelId !== 0) this.channel.id = channelId;
    const seqOff = off + SYMMETRIC_SEQUENCE_OFFSET;
    const bodyStart = seqOff + SEQUENCE_HEADER_LEN;
    const requestId = requestIdAt(b, seqOff, end) ?? 0;
    // A continuation of a plaintext message we are reassembling is plaintext whatever its first bytes.
    const continuing = d.partials?.get(requestId);
    const plain = continuing !== undefined && continuing.plain ? true : this.isPlain(b, bodyStart, end);
    let bodyEnd = end;
    if (plain && this.channel.mode === SECURITY_MODE_SIGN && h.chunk !== CHUNK_FINAL && this.channel.policyUri) {
      // Signed chunks end with the signature: cut it so that joined bodies decode.
      bodyEnd -= SYMMETRIC_SIGNATURE_LEN[policyShortName(this.channel.policyUri)] ?? 0;
    }
    const key = plain ? requestId : OPAQUE_KEY[h.type]!;
    const a = this.assemble(d, key, h, h.type, plain, b, Math.min(bodyStart, end), Math.max(bodyStart, bodyEnd));
    if (a === undefined) return;
    const fields: OpcuaFields = plain
      ? { msgType: h.type, chunks: a.chunks, secureChannelId: channelId, requestId }
      : { msgType: h.type, chunks: a.chunks, secureChannelId: channelId };
    this.completeSecure(fromInitiator, h.type, plain, a, fields, ts);
  }

  /**
   * Whether a MSG/CLO body that starts a message can be read: known from the channel's policy and mode,
   * else guessed from its first bytes (a namespace-0 type id of a known service), and the guess fixes
   * the mode of a secured channel (readable: Sign; unreadable: SignAndEncrypt).
   */
  private isPlain(b: Buffer, bodyStart: number, end: number): boolean {
    const ch = this.channel;
    if (ch.mode === SECURITY_MODE_SIGN_AND_ENCRYPT) return false;
    if (ch.mode === SECURITY_MODE_NONE || ch.mode === SECURITY_MODE_SIGN) return true;
    if (ch.policyUri === POLICY_NONE_URI) return true;
    const tid = typeIdAt(b, bodyStart, end);
    const readable = tid !== NO_TYPE_ID && SERVICES.has(tid);
    if (ch.policyUri !== undefined) {
      ch.mode = readable ? SECURITY_MODE_SIGN : SECURITY_MODE_SIGN_AND_ENCRYPT;
      this.refreshFacts();
    }
    return readable;
  }

  /**
   * Chunk reassembly. Returns the complete message when this chunk is final or abort, undefined while
   * chunks are pending. A single final chunk is returned without copying.
   */
  private assemble(
    d: DirectionState,
    key: number,
    h: ChunkHeader,
    type: MessageType,
    plain: boolean,
    b: Buffer,
    bodyStart: number,
    bodyEnd: number,
  ): Assembled | undefined {
    const partials = d.partials;
    const p = partials?.get(key);
    if (h.chunk === CHUNK_FINAL) {
      if (!p) return this.complete(1, false, plain ? b : undefined, bodyStart, bodyEnd);
      partials!.delete(key);
      if (!plain) return this.complete(p.chunks + 1, false, undefined, 0, 0);
      p.parts.push(b.subarray(bodyStart, bodyEnd));
      const whole = Buffer.concat(p.parts, p.bytes + (bodyEnd - bodyStart));
      return this.complete(p.chunks + 1, false, whole, 0, whole.length);
    }
    if (h.chunk === CHUNK_ABORT) {
      if (p) partials!.delete(key);
      return this.complete((p?.chunks ?? 0) + 1, true, undefined, 0, 0);
    }
    // Intermediate chunk.
    if (p) {
      p.chunks++;
      if (plain) {
        p.parts.push(Buffer.from(b.subarray(bodyStart, bodyEnd)));
        p.bytes += bodyEnd - bodyStart;
      }
      if (p.chunks > MAX_CHUNKS_PER_MESSAGE || p.bytes > MAX_MESSAGE_BYTES) {
        this.ctx.anomaly('opcua_reassembly_limit', `${p.chunks} chunks, ${p.bytes} bytes`);
        partials!.delete(key);
        // Keep counting its chunks so the message counts stay right, without keeping its bytes.
        return this.complete(p.chunks, true, undefined, 0, 0);
      }
      return undefined;
    }
    if ((partials?.size ?? 0) >= MAX_PENDING_MESSAGES) {
      this.ctx.anomaly('opcua_reassembly_limit', `more than ${MAX_PENDING_MESSAGES} pending messages`);
      return this.complete(1, true, undefined, 0, 0);
    }
    (d.partials ??= new Map()).set(key, {
      type,
      chunks: 1,
      parts: plain ? [Buffer.from(b.subarray(bodyStart, bodyEnd))] : [],
      bytes: plain ? bodyEnd - bodyStart : 0,
      plain,
    });
    return undefined;
  }

  private complete(chunks: number, aborted: boolean, body: Buffer | undefined, start: number, end: number): Assembled {
    const a = done;
    a.chunks = chunks;
    a.aborted = aborted;
    a.body = body;
    a.start = start;
    a.end = end;
    return a;
  }

  /** Name, classify, decode and emit one complete OPN/MSG/CLO message. */
  private completeSecure(fromInitiator: boolean, type: MessageType, plain: boolean, a: Assembled, fields: OpcuaFields, ts: number): void {
    const guessDir: Direction = fromInitiator ? 'request' : 'response';
    if (a.aborted) fields.aborted = true;
    const body = a.body;
    a.body = undefined; // the caller's buffer is not kept past this message
    if (!plain || !body) {
      if (!plain) fields.opaque = true;
      const fn = type === 'OPN' ? 'OpenSecureChannel' : type === 'CLO' ? 'CloseSecureChannel' : a.aborted ? 'aborted' : 'encrypted';
      // an encrypted MSG body is an operation nobody on the wire can read: 'encrypted', never a guessed 'other'
      const op = type !== 'MSG' ? 'session' : fn === 'encrypted' ? 'encrypted' : 'other';
      this.emit(fromInitiator, ts, fn, op, type === 'CLO' ? 'request' : guessDir, fields);
      return;
    }
    const start = a.start;
    const end = a.end;
    const tid = typeIdAt(body, start, end);
    if (tid === NO_TYPE_ID) {
      this.ctx.anomaly('opcua_malformed', `${type} body without a namespace-0 type id`);
      fields.malformed = true;
      this.emit(fromInitiator, ts, 'unknown', 'other', guessDir, fields);
      return;
    }
    const tidEnd = start + typeIdLength(body[start]!);
    fields.typeId = tid;
    const svc = SERVICES.get(tid);
    if (svc?.direction === 'response') {
      const status = responseStatusAt(body, tidEnd, end);
      if (status !== undefined && status !== 0) fields.status = statusHex(status);
    }
    let detail: string | undefined;
    let identity: IdentityClaim[] | undefined;
    if (DECODED_SERVICES.has(tid)) {
      const s = decodeServiceBody(this.lib, tid, body, tidEnd, end);
      if ('error' in s) {
        this.ctx.anomaly('opcua_malformed', `${svc?.name ?? tid}: ${s.error}`);
        fields.malformed = true;
      } else {
        Object.assign(fields, s);
        this.learn(fields);
        detail = describe(svc?.name ?? '', fields);
        identity = claims(fields);
      }
    }
    this.emit(
      fromInitiator,
      ts,
      svc?.name ?? `type_${tid}`,
      svc?.operation ?? 'other',
      svc?.direction ?? guessDir,
      fields,
      detail,
      identity,
    );
  }

  /** Channel facts learnt from decoded bodies: the OPN request's mode, the session's auth. */
  private learn(fields: OpcuaFields): void {
    if (fields.msgType === 'OPN' && typeof fields.securityMode === 'number') {
      this.channel.mode = fields.securityMode;
      this.refreshFacts();
    }
    if (typeof fields.auth === 'string' && fields.auth !== this.channel.auth) {
      this.channel.auth = fields.auth;
      this.refreshFacts();
    }
    if (typeof fields.secureChannelId === 'number' && fields.secureChannelId !== 0) this.channel.id = fields.secureChannelId;
  }

  /** One immutable facts object per channel state, shared by its events. */
  private refreshFacts(): void {
    const f: Record<string, string> = {};
    const ch = this.channel;
    if (ch.policyUri) f.security_policy = policyShortName(ch.policyUri);
    if (ch.mode !== undefined) f.security_mode = SECURITY_MODE_NAMES[ch.mode] ?? String(ch.mode);
    if (ch.auth) f.auth = ch.auth;
    ch.facts = Object.keys(f).length ? f : undefined;
  }

  private flushPartials(fromInitiator: boolean, d: DirectionState, ts: number): void {
    if (!d.partials) return;
    for (const p of d.partials.values()) {
      // The chunks were on the wire: count them, as an incomplete message.
      const fields: OpcuaFields = { msgType: p.type, chunks: p.chunks, incomplete: true };
      if (!p.plain) fields.opaque = true;
      this.emit(fromInitiator, ts, 'incomplete', 'other', fromInitiator ? 'request' : 'response', fields);
    }
    d.partials.clear();
  }

  private emit(
    fromInitiator: boolean,
    ts: number,
    fn: string,
    operation: Operation,
    direction: Direction,
    fields: OpcuaFields,
    detail?: string,
    identity?: IdentityClaim[],
  ): void {
    const { src, dst } = this.ctx.endpoints(fromInitiator);
    const flow = this.ctx.flow;
    const facts = this.channel.facts;
    const ev = protocolEvent('opcua', ts, flow, src, dst, direction, fn, operation, detail || undefined, fields, facts);
    if (identity && identity.length) ev.identity = identity;
    this.ctx.emit(ev);
  }
}

function newDirection(): DirectionState {
  return { parts: [], partsLen: 0, need: HEADER_LEN, mode: 'start', skipped: 0, partials: undefined };
}

/** A short human example of a decoded message. */
export function describe(name: string, f: OpcuaFields): string | undefined {
  // securityMode and the rest come from node-opcua's decoded objects: checked as they are read, not trusted to the type
  if (typeof f.securityMode === 'number' && f.msgType === 'OPN') {
    return `${f.requestType ?? ''} ${policyShortName(String(f.securityPolicyUri ?? ''))} mode ${SECURITY_MODE_NAMES[f.securityMode] ?? f.securityMode}`.trim();
  }
  if (Array.isArray(f.endpoints)) {
    const eps = f.endpoints.map(
      (e) => `${policyShortName(e.securityPolicyUri ?? '?')}/${SECURITY_MODE_NAMES[e.securityMode ?? 0] ?? e.securityMode}`,
    );
    return `${eps.length} endpoints${eps.length ? ': ' + [...new Set(eps)].join(', ') : ''}`;
  }
  if (typeof f.auth === 'string') return `auth ${f.auth}`;
  if (Array.isArray(f.nodeIds)) {
    const ids = f.nodeIds;
    // count comes with nodeIds (WriteRequest)
    const more = f.count! > ids.length ? ` (+${f.count! - ids.length} more)` : '';
    return `${ids.slice(0, 3).join(', ')}${ids.length > 3 ? ` (+${ids.length - 3} more)` : more}`;
  }
  if (Array.isArray(f.calls)) {
    const calls = f.calls.map((c) => `${c.methodId ?? '?'} on ${c.objectId ?? '?'}`);
    return calls.slice(0, 3).join(', ') + (calls.length > 3 ? ` (+${calls.length - 3} more)` : '');
  }
  if (Array.isArray(f.applications)) {
    const apps = f.applications;
    return (
      apps
        .map((a) => a.applicationUri ?? a.name ?? '?')
        .slice(0, 3)
        .join(', ') || undefined
    );
  }
  if (typeof f.endpointUrl === 'string') return f.endpointUrl;
  return name === 'CloseSecureChannelRequest' ? 'close' : undefined;
}

function appClaims(a: ApplicationSummary | undefined, about: 'src' | 'dst', out: IdentityClaim[]): void {
  if (!a) return;
  if (a.applicationUri) out.push({ about, attribute: 'application_uri', value: a.applicationUri });
  if (a.productUri) out.push({ about, attribute: 'product_uri', value: a.productUri });
  if (a.name) out.push({ about, attribute: 'name', value: a.name });
}

/**
 * Identity claims a decoded message makes about its sender: a client's description in CreateSession,
 * the server's description in endpoint lists (only when every endpoint names the same application:
 * a gateway may list others), a FindServers answer that lists exactly one application, a server
 * registering itself.
 */
export function claims(f: OpcuaFields): IdentityClaim[] | undefined {
  const out: IdentityClaim[] = [];
  if (Array.isArray(f.endpoints)) {
    const eps = f.endpoints;
    const uris = new Set(eps.map((e) => e.server?.applicationUri));
    if (eps.length && uris.size === 1) appClaims(eps[0]!.server, 'src', out);
  } else if (Array.isArray(f.applications)) {
    const apps = f.applications;
    if (apps.length === 1) appClaims(apps[0], 'src', out);
  } else if (f.registeredServer && typeof f.registeredServer === 'object') {
    const r = f.registeredServer;
    appClaims({ applicationUri: r.serverUri, productUri: r.productUri, name: r.name }, 'src', out);
  }
  return out.length ? out : undefined;
}
