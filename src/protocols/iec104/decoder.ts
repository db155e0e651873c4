/**
 * The stateful part of the IEC 104 decoder: APDU framing per direction (./framer.ts), the APCI and ASDU
 * read into fields, the sender told apart as controlling or controlled station by what it sends, send
 * sequence numbers followed, the common addresses claimed as the controlled station's identity, and one
 * ProtocolEvent per APDU.
 *
 * Who is who: STARTDT/STOPDT act and commands/system/parameter ASDUs with cause activation, deactivation
 * or request come from the controlling station; STARTDT/STOPDT con, monitor-direction types and
 * confirmations/terminations from the controlled one. The first such APDU fixes the flow's roles (the
 * port is only a fallback until one arrives); a later APDU that says otherwise is counted as an anomaly
 * and described by what it says itself.
 */
import { protocolEvent } from '../../core/protocol-event.js';
import type { DecoderContext, Direction, Endpoint, IdentityClaim, StreamDecoder } from '../../core/events.js';
import { apciFormat, controlFieldClean, sequenceNumber, uFunction, uFunctionName } from './apci.js';
import { decodeAsdu } from './asdu.js';
import { classify, type Iec104Fields, type Station } from './classify.js';
import {
  APCI_LEN,
  APCI_PREFIX_LEN,
  APDU_MAX_LEN,
  CA_GLOBAL,
  CA_UNUSED,
  COT_ACTIVATION,
  COT_DEACTIVATION,
  COT_REQUEST,
  IEC104_PORT,
  MAX_CLAIMED_ADDRESSES_PER_FLOW,
  SEQ_MODULO,
  U_FUNCTION_NAMES,
  U_STARTDT_ACT,
  U_STARTDT_CON,
  U_STOPDT_ACT,
  U_STOPDT_CON,
  isConfirmationCause,
} from './constants.js';
import { Framer, type FramerSink } from './framer.js';
import { isControlDirectionType, isMonitorType, typeInfo } from './type-ids.js';

export const PROTOCOL = 'iec104';

/**
 * Plain IEC 104 has no authentication of any kind (IEC 62351-3 wraps it in TLS, which we would not see
 * as IEC 104 at all). Once a connection carries IEC 62351-5 / 60870-5-7 authentication ASDUs (types
 * 81..95), its later events say so. Shared, frozen objects: the inventory only reads them.
 */
const FACTS_PLAIN: Readonly<Record<string, string>> = Object.freeze({ auth: 'none' });
const FACTS_SECURE: Readonly<Record<string, string>> = Object.freeze({ auth: 'secure_authentication' });

/** The identity value for a common address: the station as operators name it in their IEC 104 lists. */
export function stationName(commonAddress: number): string {
  return `IEC-104 CA ${commonAddress}`;
}

/** One direction: its framer, and the framer's sink that knows which direction it is. */
class Side implements FramerSink {
  readonly framer = new Framer();
  ts = 0;
  /** N(S) expected in the next I frame, -1 when unknown (start, after a gap). */
  expectedSend = -1;
  ends: { src: Endpoint; dst: Endpoint } | undefined;

  constructor(
    private readonly decoder: Iec104Decoder,
    readonly fromInitiator: boolean,
  ) {}

  apdu(buf: Buffer, start: number, length: number, prefix: number): void {
    this.decoder.apdu(this, buf, start, length, prefix);
  }

  framingAnomaly(kind: string, detail: string): void {
    this.decoder.anomaly(kind, detail);
  }
}

export class Iec104Decoder implements StreamDecoder {
  private readonly a = new Side(this, true);
  private readonly b = new Side(this, false);
  /** Whether the initiator is the controlling station; undefined until an APDU says. */
  private controllingIsInitiator: boolean | undefined;
  private roleConflictReported = false;
  private readonly claimed = new Set<number>();
  private facts = FACTS_PLAIN;

  constructor(private readonly ctx: DecoderContext) {}

  onData(fromInitiator: boolean, data: Buffer, ts: number): void {
    const side = fromInitiator ? this.a : this.b;
    if (data.length === 0) return;
    side.ts = ts;
    try {
      side.framer.push(data, side);
    } catch (err) {
      // A bug here must not take the pipeline down: count it and start this direction afresh.
      side.framer.reset();
      this.ctx.anomaly('iec104_decoder_error', err instanceof Error ? err.message : String(err));
    }
  }

  onGap(fromInitiator: boolean, bytes: number): void {
    const side = fromInitiator ? this.a : this.b;
    const dropped = side.framer.reset();
    side.expectedSend = -1;
    if (dropped > 0) this.ctx.anomaly('iec104_apdu_lost_in_gap', `${dropped} octets held, ${bytes} missing`);
  }

  onEnd(): void {
    for (const side of [this.a, this.b]) {
      const left = side.framer.reset();
      if (left > 0) this.ctx.anomaly('iec104_truncated_apdu', `${left} octets at end of flow`);
    }
  }

  anomaly(kind: string, detail: string): void {
    this.ctx.anomaly(kind, detail);
  }

  /** One APDU at buf[start, start + 2 + length), length >= 4. */
  apdu(side: Side, buf: Buffer, start: number, length: number, prefix: number): void {
    const c = start + APCI_PREFIX_LEN;
    const c0 = buf[c]!;
    const format = apciFormat(c0);
    const fields: Iec104Fields = { format, apduLength: length };
    if (prefix > 0) fields.skipped = prefix;
    if (length > APDU_MAX_LEN) this.ctx.anomaly('iec104_apdu_too_long', `length ${length} > ${APDU_MAX_LEN}`);
    if (!controlFieldClean(buf, c, format))
      this.ctx.anomaly('iec104_control_field', `${format} frame control field ${buf.toString('hex', c, c + 4)}`);

    if (format === 'I') {
      fields.sendSeq = sequenceNumber(c0, buf[c + 1]!);
      fields.recvSeq = sequenceNumber(buf[c + 2]!, buf[c + 3]!);
      if (side.expectedSend >= 0 && fields.sendSeq !== side.expectedSend) {
        fields.expectedSendSeq = side.expectedSend;
        this.ctx.anomaly('iec104_send_sequence', `N(S) ${fields.sendSeq}, expected ${side.expectedSend}`);
      }
      side.expectedSend = (fields.sendSeq + 1) % SEQ_MODULO;
      decodeAsdu(buf, start + APCI_LEN, start + APCI_PREFIX_LEN + length, fields);
      if (fields.typeId !== undefined && typeInfo(fields.typeId)?.kind === 'security') this.facts = FACTS_SECURE;
      if (fields.malformed) this.ctx.anomaly('iec104_malformed_asdu', `type ${fields.typeId ?? '-'}: ${fields.malformed}`);
      else if (fields.typeId !== undefined && !typeInfo(fields.typeId)) this.ctx.anomaly('iec104_unknown_type', String(fields.typeId));
    } else if (format === 'S') {
      fields.recvSeq = sequenceNumber(buf[c + 2]!, buf[c + 3]!);
      if (length !== 4) this.ctx.anomaly('iec104_malformed_apci', `S frame of length ${length}`);
    } else {
      const fn = uFunction(c0);
      fields.uFunction = fn;
      fields.uName = uFunctionName(fn);
      if (!U_FUNCTION_NAMES.has(fn)) this.ctx.anomaly('iec104_unknown_u_function', fields.uName);
      if (length !== 4) this.ctx.anomaly('iec104_malformed_apci', `U frame of length ${length}`);
    }

    const station = this.stationOf(side, fields);
    if (station) fields.station = station;
    const direction: Direction = station === 'controlling' ? 'request' : station === 'controlled' ? 'response' : 'unknown';
    const ends = side.ends ?? (side.ends = this.ctx.endpoints(side.fromInitiator));
    const { fn, operation, detail } = classify(fields);
    const event = protocolEvent(PROTOCOL, side.ts, this.ctx.flow, ends.src, ends.dst, direction, fn, operation, detail, fields, this.facts);
    const identity = station ? this.identityOf(fields, station) : undefined;
    if (identity) event.identity = identity;
    this.ctx.emit(event);
  }

  /** The sender's station role: what this APDU says, else what the flow said before, else the port. */
  private stationOf(side: Side, f: Iec104Fields): Station | undefined {
    const said = evidenceOf(f);
    if (said) {
      const initiatorControls = (said === 'controlling') === side.fromInitiator;
      if (this.controllingIsInitiator === undefined) this.controllingIsInitiator = initiatorControls;
      else if (this.controllingIsInitiator !== initiatorControls && !this.roleConflictReported) {
        this.roleConflictReported = true;
        this.ctx.anomaly(
          'iec104_role_conflict',
          `${f.uName ?? f.type ?? f.format} from the ${said === 'controlling' ? 'controlled' : 'controlling'} station`,
        );
      }
      return said;
    }
    if (this.controllingIsInitiator !== undefined) return this.controllingIsInitiator === side.fromInitiator ? 'controlling' : 'controlled';
    const ends = side.ends ?? (side.ends = this.ctx.endpoints(side.fromInitiator));
    if (ends.dst.port === IEC104_PORT && ends.src.port !== IEC104_PORT) return 'controlling';
    if (ends.src.port === IEC104_PORT && ends.dst.port !== IEC104_PORT) return 'controlled';
    return undefined;
  }

  /** The controlled station's common address, once per address and flow, from well-formed ASDUs. */
  private identityOf(f: Iec104Fields, sender: Station): IdentityClaim[] | undefined {
    const ca = f.commonAddress;
    if (ca === undefined || ca === CA_UNUSED || ca === CA_GLOBAL || f.malformed || f.typeId === undefined || !typeInfo(f.typeId))
      return undefined;
    if (this.claimed.has(ca) || this.claimed.size >= MAX_CLAIMED_ADDRESSES_PER_FLOW) return undefined;
    this.claimed.add(ca);
    return [{ about: sender === 'controlled' ? 'src' : 'dst', attribute: 'name', value: stationName(ca) }];
  }
}

/** What an APDU says about its sender, if anything (TESTFR and S frames come from either side). */
export function evidenceOf(f: Iec104Fields): Station | undefined {
  if (f.format === 'U') {
    if (f.uFunction === U_STARTDT_ACT || f.uFunction === U_STOPDT_ACT) return 'controlling';
    if (f.uFunction === U_STARTDT_CON || f.uFunction === U_STOPDT_CON) return 'controlled';
    return undefined;
  }
  if (f.format !== 'I' || f.typeId === undefined || f.cause === undefined || !typeInfo(f.typeId)) return undefined;
  if (isMonitorType(f.typeId)) return 'controlled';
  if (isControlDirectionType(f.typeId)) {
    if (f.cause === COT_ACTIVATION || f.cause === COT_DEACTIVATION || f.cause === COT_REQUEST) return 'controlling';
    if (isConfirmationCause(f.cause)) return 'controlled';
  }
  return undefined;
}
