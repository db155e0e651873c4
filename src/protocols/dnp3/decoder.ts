/**
 * The stateful part of the DNP3 decoder: link frames found in each direction's bytes (TCP: the reassembled
 * stream, frames may be split or packed; UDP: each datagram on its own), header and block CRCs checked,
 * transport segments reassembled into application fragments, one ProtocolEvent per fragment and per link
 * frame that carries none (link status, reset, ACK...).
 *
 * Who is master and who is outstation comes from the link DIR bit of each frame, not from the TCP side:
 * a frame with DIR set is a master's, so its event is a 'request' (src = the master); without DIR it is an
 * outstation's 'response' (including unsolicited responses).
 *
 * Framing: a frame starts with 0x05 0x64 and a header whose CRC matches; anything else is skipped octet by
 * octet up to the next such header (counted as an anomaly), so a gap or garbage costs at most the frames
 * it touches. A direction that shows no frame in MAX_GARBAGE_BYTES_BEFORE_GIVING_UP octets is not DNP3.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, Endpoint, IdentityClaim, Operation, ProtocolEvent, StreamDecoder } from '../../core/events.js';
import { iinFlags, parseFragment, type AppFragment } from './app.js';
import {
  CTL_DIR,
  FC_RESPONSE,
  LINK_HEADER_LEN,
  LINK_LEN_FIXED,
  MAX_GARBAGE_BYTES_BEFORE_GIVING_UP,
  MAX_USER_DATA,
  START_0,
  START_1,
  linkCarriesNoData,
} from './constants.js';
import { describeObjects, words } from './describe.js';
import { FUNCTIONS, functionName } from './functions.js';
import { checkHeader, frameLength, HEADER_BAD_CRC, HEADER_OK, linkFunctionName, parseHeader, userData, type LinkHeader } from './link.js';
import type { ControlPoint, DeviceAttribute, ObjectHeader } from './objects.js';
import { Reassembler, type Run } from './reassembly.js';

export const PROTOCOL = 'dnp3';

export interface Dnp3Fields {
  /** Link frames this event stands for: 1, or every segment of a reassembled fragment or broken run. */
  frames: number;
  link: LinkHeader;
  /** Control octet of each of those frames, when there are several. */
  linkControls?: number[];
  /** 'master' when the frame had DIR set, else 'outstation': the sender's role. */
  role: 'master' | 'outstation';
  /** Application header of a complete fragment. */
  app?: { control: number; fir: boolean; fin: boolean; con: boolean; uns: boolean; seq: number; function: number };
  iin?: number;
  iinFlags?: string[];
  /** Every object header's group << 8 | variation. */
  objectTypes?: number[];
  objects?: ObjectHeader[];
  /** Why the object walk stopped early (an unknown object size, objects past the end...). */
  objectsStop?: string;
  controls?: ControlPoint[];
  attributes?: DeviceAttribute[];
  files?: string[];
  /** The fragment is shorter than its header. */
  malformed?: string;
  /** Segments that never made a fragment, and why. */
  incomplete?: string;
  /** The user data of this frame failed its block CRC and was dropped. */
  crcError?: true;
  /** A response paired with the master's request of the same application sequence number. */
  paired?: boolean;
  latency?: number;
}

/** Facts shared by all events (never mutated). */
const FACTS_NO_AUTH: Readonly<Record<string, string>> = Object.freeze({ auth: 'none' });
const FACTS_SECURE_AUTH: Readonly<Record<string, string>> = Object.freeze({ auth: 'secure_authentication' });

/** Secure authentication functions: authentication request (32), request no ack (33), response (131). */
function isAuthFunction(fc: number): boolean {
  return fc === 32 || fc === 33 || fc === 131;
}

/** Operations of link-only frames: reset link states / user process set up the link, the rest probe it. */
function linkOperation(h: LinkHeader): Operation {
  if (h.prm && (h.function === 0 || h.function === 1)) return 'session';
  if (h.prm && (h.function === 3 || h.function === 4)) return 'other'; // user data frame with no data
  return 'diagnostic';
}

/** Device attribute variations (group 0) that name the device, and the identity attribute each feeds. */
const ATTRIBUTE_IDENTITY: ReadonlyMap<number, IdentityClaim['attribute']> = new Map([
  [252, 'vendor'], // device manufacturer's name
  [250, 'product'], // device manufacturer's product name and model
  [248, 'serial'], // device serial number
  [242, 'firmware'], // device manufacturer's software version: the outstation's firmware
  [243, 'hardware'], // device manufacturer's hardware version
  [247, 'name'], // user-assigned device name
  [245, 'location'], // user-assigned location name
  [246, 'plant_designation'], // user-assigned ID code / number
]);

/** Outstanding requests per master/outstation pair, for pairing responses. */
const MAX_PENDING_REQUESTS = 64;

interface PendingRequest {
  seq: number;
  fn: string;
  operation: Operation;
  ts: number;
}

class Side {
  pend: Buffer | undefined;
  garbage = 0; // octets skipped since the last frame
  validSeen = false;
  givenUp = false;
  ends: { src: Endpoint; dst: Endpoint } | undefined;
  readonly user = Buffer.allocUnsafe(MAX_USER_DATA);
  constructor(readonly reasm: Reassembler) {}
}

export class Dnp3Decoder implements StreamDecoder {
  private readonly a: Side;
  private readonly b: Side;
  private readonly udp: boolean;
  private secureAuth = false;
  private readonly pending = new Map<number, PendingRequest>();

  constructor(private readonly ctx: DecoderContext) {
    this.udp = ctx.flow.transport === 'udp';
    this.a = new Side(new Reassembler((run, reason) => this.abandoned(true, run, reason)));
    this.b = new Side(new Reassembler((run, reason) => this.abandoned(false, run, reason)));
  }

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    const side = fromInitiator ? this.a : this.b;
    if (side.givenUp || data.length === 0) return;
    this.ts = ts;
    try {
      let buf = data;
      if (side.pend) {
        buf = Buffer.concat([side.pend, data]);
        side.pend = undefined;
      }
      const left = this.frames(side, fromInitiator, buf, ts);
      if (left < buf.length) {
        if (this.udp) this.ctx.anomaly('dnp3_truncated_frame', `${buf.length - left} octets at the end of a datagram`);
        else side.pend = Buffer.from(buf.subarray(left));
      }
    } catch (err) {
      // A bug here must not take the pipeline down: count it and start this direction afresh.
      side.pend = undefined;
      this.ctx.anomaly('dnp3_decoder_error', err instanceof Error ? err.message : String(err));
    }
  }

  onGap(fromInitiator: boolean, bytes: number): void {
    const side = fromInitiator ? this.a : this.b;
    if (side.pend) {
      this.ctx.anomaly('dnp3_frame_lost_in_gap', `${side.pend.length} octets buffered, ${bytes} missing`);
      side.pend = undefined;
    }
  }

  onEnd(ts: number): void {
    if (ts > this.ts) this.ts = ts; // unfinished fragments are reported at the end of the flow
    for (const side of [this.a, this.b]) {
      if (side.pend) this.ctx.anomaly('dnp3_truncated_frame', `${side.pend.length} octets at the end of the flow`);
      side.pend = undefined;
      try {
        side.reasm.flush('the flow ended before the final segment');
      } catch (err) {
        this.ctx.anomaly('dnp3_decoder_error', err instanceof Error ? err.message : String(err));
      }
    }
    this.pending.clear();
  }

  /** Timestamp of the data being decoded (abandoned runs are reported at the time they are given up). */
  private ts = 0;

  /** Decodes the frames in buf; returns the offset of the first octet not consumed (a partial frame). */
  private frames(side: Side, fromInitiator: boolean, buf: Buffer, ts: number): number {
    const n = buf.length;
    let off = 0;
    while (n - off >= 2) {
      if (buf[off] !== START_0 || buf[off + 1] !== START_1) {
        off = this.skip(side, buf, off + 1);
        continue;
      }
      if (n - off < LINK_HEADER_LEN) return off;
      const check = checkHeader(buf, off);
      if (check !== HEADER_OK) {
        this.ctx.anomaly(
          check === HEADER_BAD_CRC ? 'dnp3_header_crc_error' : 'dnp3_bad_length',
          buf.toString('hex', off, off + LINK_HEADER_LEN),
        );
        off = this.skip(side, buf, off + 1);
        continue;
      }
      const total = frameLength(buf[off + 2]!);
      if (n - off < total) return off;
      if (side.garbage > 0) {
        this.ctx.anomaly('dnp3_garbage', `${side.garbage} octets skipped before a frame`);
        side.garbage = 0;
      }
      side.validSeen = true;
      this.frame(side, fromInitiator, buf, off, ts);
      off += total;
    }
    // A lone last octet may start the next frame.
    if (off < n && buf[off] !== START_0) off = this.skip(side, buf, off + 1);
    if (side.givenUp) return n;
    return off;
  }

  /** Skips to the next 0x05 0x64 at or after `from` (or the last octet); counts what it skipped. */
  private skip(side: Side, buf: Buffer, from: number): number {
    let p = from;
    const n = buf.length;
    while (p < n - 1 && !(buf[p] === START_0 && buf[p + 1] === START_1)) p++;
    if (p === n - 1 && buf[p] !== START_0) p = n;
    side.garbage += p - from + 1;
    if (!side.validSeen && side.garbage > MAX_GARBAGE_BYTES_BEFORE_GIVING_UP) {
      side.givenUp = true;
      this.ctx.anomaly('dnp3_not_dnp3', `${side.garbage} octets without a DNP3 frame`);
      return n;
    }
    return p;
  }

  /** One complete frame at buf[off] whose header checked out. */
  private frame(side: Side, fromInitiator: boolean, buf: Buffer, off: number, ts: number): void {
    const h = parseHeader(buf, off);
    if (linkCarriesNoData(h.function) || h.length === LINK_LEN_FIXED) {
      this.linkEvent(side, fromInitiator, h, ts);
      return;
    }
    const len = userData(buf, off, h.length, side.user);
    if (len < 0) {
      this.ctx.anomaly('dnp3_data_crc_error', `block ${-len - 1} of a frame from ${h.source} to ${h.destination}`);
      this.linkEvent(side, fromInitiator, h, ts, true);
      return;
    }
    const done = side.reasm.add((h.source << 16) | h.destination, side.user[0]!, side.user, 1, len, h.control, ts);
    if (done) this.fragment(side, fromInitiator, h, done.data, done.controls, ts);
  }

  private base(side: Side, fromInitiator: boolean, h: LinkHeader, ts: number, fields: Dnp3Fields): ProtocolEvent<Dnp3Fields> {
    const ends = side.ends ?? (side.ends = this.ctx.endpoints(fromInitiator));
    const direction: Direction = h.dir ? 'request' : 'response';
    return protocolEvent(
      PROTOCOL,
      ts,
      this.ctx.flow,
      ends.src,
      ends.dst,
      direction,
      '',
      'other',
      undefined,
      fields,
      this.secureAuth ? FACTS_SECURE_AUTH : FACTS_NO_AUTH,
    );
  }

  private linkEvent(side: Side, fromInitiator: boolean, h: LinkHeader, ts: number, crcError = false): void {
    const fields: Dnp3Fields = { frames: 1, link: h, role: h.dir ? 'master' : 'outstation' };
    const e = this.base(side, fromInitiator, h, ts, fields);
    if (crcError) {
      fields.crcError = true;
      e.fn = 'user_data_crc_error';
    } else {
      e.fn = linkFunctionName(h.control);
      e.operation = linkOperation(h);
    }
    e.detail = `${words(e.fn)} ${addresses(h)}`;
    this.ctx.emit(e);
  }

  /** A complete application fragment, from the frame with header `h` (the last of its segments). */
  private fragment(side: Side, fromInitiator: boolean, h: LinkHeader, data: Buffer, controls: number[], ts: number): void {
    const f = parseFragment(data, 0, data.length);
    const fields: Dnp3Fields = { frames: controls.length, link: h, role: h.dir ? 'master' : 'outstation' };
    if (controls.length > 1) fields.linkControls = controls;
    fields.app = { control: f.control, fir: f.fir, fin: f.fin, con: f.con, uns: f.uns, seq: f.seq, function: f.function };
    if (f.malformed) {
      fields.malformed = f.malformed;
      this.ctx.anomaly('dnp3_malformed_fragment', f.malformed);
    }
    this.fillObjects(f, fields);
    // counted: a variation-0 header followed by values is a malformed or hostile fragment, not a walk limit of ours
    if (f.walk?.variationZero) this.ctx.anomaly('dnp3_variation0_with_values', f.walk.stop ?? '');
    if (isAuthFunction(f.function) || f.walk?.auth) this.secureAuth = true;
    const e = this.base(side, fromInitiator, h, ts, fields);
    const info = FUNCTIONS.get(f.function);
    e.fn = f.function < 0 ? 'empty_fragment' : functionName(f.function);
    e.operation = info?.operation ?? 'other';
    if (!info && f.function >= 0) this.ctx.anomaly('dnp3_unknown_function', String(f.function));
    let text = words(e.fn);
    const key = h.dir ? (h.destination << 16) | h.source : (h.source << 16) | h.destination;
    if (f.function === FC_RESPONSE) {
      const req = this.pending.get(key);
      if (req && req.seq === f.seq) {
        this.pending.delete(key);
        fields.paired = true;
        fields.latency = ts - req.ts;
        e.operation = req.operation;
        text = `response to ${words(req.fn)}`;
      }
    } else if (h.dir && info && f.function > 0 && f.function < 128) {
      this.remember(key, { seq: f.seq, fn: e.fn, operation: e.operation, ts });
    }
    if (fields.iinFlags && fields.iinFlags.length > 0) text += ` iin ${fields.iinFlags.join(',')}`;
    const objects = describeObjects(f.walk);
    if (objects) text += ` ${objects}`;
    e.detail = `${text} ${addresses(h)}`;
    if (!h.dir && fields.attributes) {
      const identity = identityOf(fields.attributes);
      if (identity) e.identity = identity;
    }
    this.ctx.emit(e);
  }

  private fillObjects(f: AppFragment, fields: Dnp3Fields): void {
    if (f.iin !== undefined) {
      fields.iin = f.iin;
      if (f.iin !== 0) fields.iinFlags = iinFlags(f.iin);
    }
    const w = f.walk;
    if (!w) return;
    if (w.types.length > 0) {
      fields.objectTypes = w.types;
      fields.objects = w.headers;
    }
    if (w.stop) fields.objectsStop = w.stop;
    if (w.controls) fields.controls = w.controls;
    if (w.attributes) fields.attributes = w.attributes;
    if (w.files) fields.files = w.files;
  }

  private remember(key: number, r: PendingRequest): void {
    if (this.pending.size >= MAX_PENDING_REQUESTS && !this.pending.has(key)) {
      const oldest = this.pending.keys().next().value;
      if (oldest !== undefined) this.pending.delete(oldest);
    }
    this.pending.delete(key); // re-insert: insertion order is age
    this.pending.set(key, r);
  }

  /** Segments that will never make a fragment: one event for all their frames. */
  private abandoned(fromInitiator: boolean, run: Run, reason: string): void {
    this.ctx.anomaly('dnp3_incomplete_fragment', reason);
    const side = fromInitiator ? this.a : this.b;
    const last = run.controls[run.controls.length - 1]!;
    const h: LinkHeader = {
      length: 0,
      control: last,
      dir: (last & CTL_DIR) !== 0,
      prm: (last & 0x40) !== 0,
      fcb: (last & 0x20) !== 0,
      fcv: (last & 0x10) !== 0,
      function: last & 0x0f,
      destination: run.key & 0xffff,
      source: run.key >>> 16,
    };
    const fields: Dnp3Fields = { frames: run.controls.length, link: h, role: h.dir ? 'master' : 'outstation', incomplete: reason };
    if (run.controls.length > 1) fields.linkControls = run.controls;
    const e = this.base(side, fromInitiator, h, this.ts || run.firstTs, fields);
    e.fn = 'incomplete_fragment';
    // What the first segment announced, if it was seen: an unfinished control request is still one.
    const info = run.function >= 0 ? FUNCTIONS.get(run.function) : undefined;
    e.operation = info?.operation ?? 'other';
    e.detail = `incomplete ${info ? words(info.name) : 'fragment'} (${run.controls.length} segments: ${reason}) ${addresses(h)}`;
    this.ctx.emit(e);
  }
}

/** "3→4" texts per source/destination pair, built once each (a flow has a handful). */
const ADDRESS_TEXTS = new Map<number, string>();
const MAX_ADDRESS_TEXTS = 4096;

/** "3→4": link source and destination. */
function addresses(h: LinkHeader): string {
  const key = h.source * 65536 + h.destination;
  let t = ADDRESS_TEXTS.get(key);
  if (t === undefined) {
    if (ADDRESS_TEXTS.size >= MAX_ADDRESS_TEXTS) ADDRESS_TEXTS.clear(); // bounded: a scan of addresses must not grow it
    t = `${h.source}→${h.destination}`;
    ADDRESS_TEXTS.set(key, t);
  }
  return t;
}

/** Claims about the outstation (the sender) from the device attributes of its response. */
export function identityOf(attributes: DeviceAttribute[]): IdentityClaim[] | undefined {
  const out: IdentityClaim[] = [];
  for (const a of attributes) {
    const attribute = ATTRIBUTE_IDENTITY.get(a.variation);
    const value = String(a.value);
    if (attribute && value !== '') out.push({ about: 'src', attribute, value });
  }
  return out.length > 0 ? out : undefined;
}
