/**
 * DNS, mDNS and LLMNR: one event per message (a query, an answer, an mDNS announcement), operation
 * 'discovery', with the answered names as identity claims about the answered addresses. UDP carries one
 * message per datagram; TCP prefixes each with a 2-byte length (RFC 1035 4.2.2).
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, IdentityClaim, StreamDecoder } from '../../core/events.js';
import { HEADER_LEN, MAX_RECORDS_KEPT, OPCODE_NAMES, OPCODE_QUERY, RCODE_NAMES, TCP_LENGTH_PREFIX, TYPE_NAMES } from './constants.js';
import { nameClaims, namedAddresses, type NamedAddress } from './names.js';
import { countsFit, parseMessage, readHeader, recordAddress, recordTarget, type DnsMessage, type ResourceRecord } from './records.js';

export type DnsVariant = 'dns' | 'mdns' | 'llmnr';

export interface DnsFields {
  id: number;
  opcode: string;
  rcode?: string; // responses only
  truncated?: boolean;
  questions: { name: string; type: string }[];
  answers?: { name: string; type: string; data?: string }[];
  counts: [number, number, number, number];
  malformed?: string;
}

export class DnsDecoder implements StreamDecoder {
  /** TCP only: bytes of an unfinished message per direction, and whether a gap lost our place. */
  private pending: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
  private lost: [boolean, boolean] = [false, false];

  constructor(
    private readonly ctx: DecoderContext,
    private readonly protocol: DnsVariant,
  ) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    if (this.ctx.flow.transport !== 'tcp') {
      this.message(fromInitiator, data, ts);
      return;
    }
    const side = fromInitiator ? 0 : 1;
    if (this.lost[side]) {
      // After a gap, only a chunk that starts with a plausible length and header puts us back in step.
      if (!startsMessage(data)) return;
      this.lost[side] = false;
    }
    let buf = this.pending[side] ? Buffer.concat([this.pending[side]!, data]) : data;
    let off = 0;
    while (buf.length - off >= TCP_LENGTH_PREFIX) {
      const len = buf.readUInt16BE(off);
      if (len < HEADER_LEN) {
        this.ctx.anomaly('bad_length', `TCP message length ${len}`);
        this.lost[side] = true;
        this.pending[side] = undefined;
        return;
      }
      if (buf.length - off < TCP_LENGTH_PREFIX + len) break;
      this.message(fromInitiator, buf.subarray(off + TCP_LENGTH_PREFIX, off + TCP_LENGTH_PREFIX + len), ts);
      off += TCP_LENGTH_PREFIX + len;
    }
    buf = buf.subarray(off);
    this.pending[side] = buf.length > 0 ? Buffer.from(buf) : undefined; // `data` is only valid during the call
  }

  onGap(fromInitiator: boolean): void {
    const side = fromInitiator ? 0 : 1;
    this.pending[side] = undefined;
    this.lost[side] = true;
  }

  onEnd(): void {
    if (this.pending[0] || this.pending[1]) this.ctx.anomaly('truncated_message', 'TCP stream ended inside a message');
    this.pending = [undefined, undefined];
  }

  private message(fromInitiator: boolean, buf: Buffer, ts: number): void {
    const msg = parseMessage(buf);
    if (!msg) {
      this.ctx.anomaly('short_message', `${buf.length} bytes`);
      return;
    }
    if (msg.malformed) this.ctx.anomaly('malformed', msg.malformed);
    const { src, dst } = this.ctx.endpoints(fromInitiator);
    const pairs = namedAddresses(buf, msg);
    const fields = describeFields(buf, msg);
    const identity: IdentityClaim[] | undefined = nameClaims(pairs);
    const direction = msg.header.response ? 'response' : 'request';
    const event = protocolEvent(
      this.protocol,
      ts,
      this.ctx.flow,
      src,
      dst,
      direction,
      functionName(msg),
      'discovery',
      detailOf(msg, pairs),
      fields,
    );
    if (identity) event.identity = identity;
    this.ctx.emit(event);
  }
}

/** After a gap: a 2-byte length at least a header long, then a header whose counts fit that length. */
function startsMessage(data: Buffer): boolean {
  if (data.length < TCP_LENGTH_PREFIX + HEADER_LEN) return false;
  const len = data.readUInt16BE(0);
  const h = readHeader(data.subarray(TCP_LENGTH_PREFIX));
  return len >= HEADER_LEN && h !== undefined && countsFit(h, len) && OPCODE_NAMES[h.opcode] !== undefined;
}

/** 'query', 'response', 'announcement' (mDNS answer without a question), 'update', 'notify', ... */
export function functionName(msg: DnsMessage): string {
  const h = msg.header;
  if (h.opcode !== OPCODE_QUERY) return `${OPCODE_NAMES[h.opcode] ?? `opcode_${h.opcode}`}${h.response ? '_response' : ''}`;
  if (!h.response) return 'query';
  return h.qdcount === 0 && h.ancount > 0 ? 'announcement' : 'response';
}

export function typeName(t: number): string {
  return TYPE_NAMES[t] ?? `TYPE${t}`;
}

/** "A hmi-01.plant.local", "A hmi-01.plant.local = 10.20.1.11", "A www.x → web.x = 10.0.0.8", "AAAA x.local NXDOMAIN". */
export function detailOf(msg: DnsMessage, pairs: readonly NamedAddress[]): string {
  const q = msg.questions[0];
  const asked = q ? `${typeName(q.type)} ${q.name || '<Root>'}` : '';
  if (!msg.header.response) return asked || 'query';
  if (msg.header.rcode !== 0) return `${asked} ${RCODE_NAMES[msg.header.rcode] ?? `RCODE${msg.header.rcode}`}`.trim();
  const first = pairs[0];
  if (first) {
    const more = pairs.length > 1 ? ` (+${pairs.length - 1})` : '';
    if (!q) return `announce ${first.name} = ${first.ip}${more}`;
    return `${asked}${first.name === q.name ? '' : ` → ${first.name}`} = ${first.ip}${more}`;
  }
  return asked || 'response';
}

function describeFields(buf: Buffer, msg: DnsMessage): DnsFields {
  const h = msg.header;
  const fields: DnsFields = {
    id: h.id,
    opcode: OPCODE_NAMES[h.opcode] ?? String(h.opcode),
    questions: msg.questions.slice(0, MAX_RECORDS_KEPT).map((q) => ({ name: q.name, type: typeName(q.type) })),
    counts: [h.qdcount, h.ancount, h.nscount, h.arcount],
  };
  if (h.response) {
    fields.rcode = RCODE_NAMES[h.rcode] ?? String(h.rcode);
    fields.answers = msg.answers.slice(0, MAX_RECORDS_KEPT).map((rr) => recordText(buf, rr));
  }
  if (h.truncated) fields.truncated = true;
  if (msg.malformed) fields.malformed = msg.malformed;
  return fields;
}

function recordText(buf: Buffer, rr: ResourceRecord): { name: string; type: string; data?: string } {
  const data = recordAddress(buf, rr) ?? recordTarget(buf, rr);
  const out: { name: string; type: string; data?: string } = { name: rr.name, type: typeName(rr.type) };
  if (data !== undefined) out.data = data;
  return out;
}
