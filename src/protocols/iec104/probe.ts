/**
 * Is this the first payload of an IEC 104 conversation? Runs on every unclaimed flow's first payloads,
 * so it is a handful of octet comparisons.
 *
 * On 2404 (where Wireshark decodes everything) a start octet anywhere in the payload is enough, or a
 * payload too short to judge; a TLS record (IEC 62351-3) is refused: its bytes are not IEC 104 and the
 * flow is better named by its port than decoded as cleartext.
 * Elsewhere the payload must start with a whole, plausible APDU: 0x68, a length of 4..253, a clean
 * control field (a U frame with exactly one function bit, an S frame, or an I frame whose ASDU has a
 * known type, a non-zero object count, a defined cause and room for its header and first address),
 * and whatever follows must start another APDU.
 */
import type { ProbeInfo } from '../../core/events.js';
import { apciFormat, controlFieldClean, uFunction } from './apci.js';
import { knownCause } from './asdu.js';
import {
  APCI_LEN,
  APCI_PREFIX_LEN,
  APCI_START,
  APDU_MAX_LEN,
  APDU_MIN_LEN,
  ASDU_HEADER_LEN,
  COT_CAUSE_MASK,
  FRAMING_MIN_BYTES,
  IEC104_PORT,
  IOA_LEN,
  U_FUNCTION_NAMES,
  VSQ_COUNT_MASK,
} from './constants.js';
import { typeInfo } from './type-ids.js';

/** TLS record types (handshake 0x16, alert 0x15, application data 0x17) followed by major version 3. */
const TLS_HANDSHAKE = 0x16;
const TLS_ALERT = 0x15;
const TLS_APPLICATION_DATA = 0x17;
const TLS_MAJOR = 0x03;

export function probeIec104(data: Buffer, info: ProbeInfo): boolean {
  if (info.transport !== 'tcp') return false;
  if (info.srcPort === IEC104_PORT || info.dstPort === IEC104_PORT) {
    if (looksLikeTls(data)) return false;
    return data.length < FRAMING_MIN_BYTES || data.indexOf(APCI_START) >= 0;
  }
  if (data.length < APCI_LEN || data[0] !== APCI_START) return false;
  const length = data[1]!;
  if (length < APDU_MIN_LEN || length > APDU_MAX_LEN) return false;
  const total = APCI_PREFIX_LEN + length;
  if (data.length < total || !plausibleApdu(data, length)) return false;
  return data.length === total || data[total] === APCI_START;
}

function looksLikeTls(data: Buffer): boolean {
  const t = data[0];
  return (
    data.length >= 3 && (t === TLS_HANDSHAKE || t === TLS_ALERT || t === TLS_APPLICATION_DATA) && data[1] === TLS_MAJOR && data[2]! <= 0x04
  );
}

/** The APDU at data[0, 2 + length) has a control field and (I frames) an ASDU header the standard allows. */
export function plausibleApdu(data: Buffer, length: number): boolean {
  const c = APCI_PREFIX_LEN;
  const c0 = data[c]!;
  const format = apciFormat(c0);
  if (!controlFieldClean(data, c, format)) return false;
  if (format === 'U') return length === APDU_MIN_LEN && U_FUNCTION_NAMES.has(uFunction(c0));
  if (format === 'S') return length === APDU_MIN_LEN && c0 === 0x01;
  const asdu = APCI_LEN;
  const asduLen = length - APDU_MIN_LEN;
  if (asduLen < ASDU_HEADER_LEN + IOA_LEN) return false;
  const t = typeInfo(data[asdu]!);
  if (!t) return false;
  const count = data[asdu + 1]! & VSQ_COUNT_MASK;
  if (count === 0) return false;
  if (!knownCause(data[asdu + 2]! & COT_CAUSE_MASK)) return false;
  // A fixed layout must fit: at least one object (its address and elements).
  return t.size === undefined || asduLen >= ASDU_HEADER_LEN + IOA_LEN + t.size;
}
