/**
 * IEC 60870-5-104 codes (IEC 60870-5-104:2006 for the APCI, IEC 60870-5-101:2003 for the ASDU), each a
 * named constant. The type identification table is big enough to live in ./type-ids.ts.
 */

/** The IANA port of IEC 104; the controlled station (outstation) listens on it. */
export const IEC104_PORT = 2404;

// --- APCI (application protocol control information) -------------------------------------------------

/** Every APDU starts with this octet. */
export const APCI_START = 0x68;
/** Start octet and length octet. */
export const APCI_PREFIX_LEN = 2;
/** Start, length and the four control field octets. */
export const APCI_LEN = 6;
/** The length octet counts the control field (4) and the ASDU: 4 is an S or U frame, the least there is. */
export const APDU_MIN_LEN = 4;
/** The standard's largest APDU length value (255 - start - length octets). */
export const APDU_MAX_LEN = 253;
/**
 * Wireshark's framing (tcp_dissect_pdus with a 6-byte minimum) waits for this many bytes before it looks
 * for a start octet; a "PDU" that would be shorter (start found early, length < 4) is a bounds error that
 * ends the segment. We frame the same way so that our counts match what it shows.
 */
export const FRAMING_MIN_BYTES = APCI_LEN;

/** I: information transfer, numbered, carries an ASDU; S: supervisory, acknowledges I frames; U: unnumbered control functions. */
export type ApciFormat = 'I' | 'S' | 'U';

/** U-format function bits, as Wireshark numbers them: control octet 1 shifted right by 2. */
export const U_STARTDT_ACT = 0x01;
export const U_STARTDT_CON = 0x02;
export const U_STOPDT_ACT = 0x04;
export const U_STOPDT_CON = 0x08;
export const U_TESTFR_ACT = 0x10;
export const U_TESTFR_CON = 0x20;

/** Names of the six U functions, as the oracle writes them. */
export const U_FUNCTION_NAMES: ReadonlyMap<number, string> = new Map([
  [U_STARTDT_ACT, 'STARTDT act'],
  [U_STARTDT_CON, 'STARTDT con'],
  [U_STOPDT_ACT, 'STOPDT act'],
  [U_STOPDT_CON, 'STOPDT con'],
  [U_TESTFR_ACT, 'TESTFR act'],
  [U_TESTFR_CON, 'TESTFR con'],
]);

/** Sequence numbers are 15 bits. */
export const SEQ_MODULO = 0x8000;

// --- ASDU header ----------------------------------------------------------------------------------

/** Type id, VSQ, two cause octets (cause + originator), two common-address octets (the 104 profile). */
export const ASDU_HEADER_LEN = 6;
/** Information object addresses are three octets in 104. */
export const IOA_LEN = 3;

/** Variable structure qualifier: SQ bit (a sequence of elements from one address) and the count. */
export const VSQ_SQ = 0x80;
export const VSQ_COUNT_MASK = 0x7f;

/** Cause of transmission octet: test bit, negative-confirm bit, 6-bit cause. */
export const COT_TEST = 0x80;
export const COT_NEGATIVE = 0x40;
export const COT_CAUSE_MASK = 0x3f;

/** Common address 0 is not used; 65535 is the global (broadcast) address: neither names a station. */
export const CA_UNUSED = 0;
export const CA_GLOBAL = 0xffff;

// Causes of transmission (101 §7.2.3).
export const COT_PERIODIC = 1;
export const COT_BACKGROUND = 2;
export const COT_SPONTANEOUS = 3;
export const COT_INITIALISED = 4;
export const COT_REQUEST = 5;
export const COT_ACTIVATION = 6;
export const COT_ACTIVATION_CON = 7;
export const COT_DEACTIVATION = 8;
export const COT_DEACTIVATION_CON = 9;
export const COT_ACTIVATION_TERM = 10;
export const COT_RETURN_REMOTE = 11;
export const COT_RETURN_LOCAL = 12;
export const COT_FILE = 13;
export const COT_INTERROGATED_STATION = 20;
export const COT_INTERROGATED_GROUP_16 = 36;
export const COT_COUNTER_GENERAL = 37;
export const COT_COUNTER_GROUP_4 = 41;
export const COT_UNKNOWN_TYPE = 44;
export const COT_UNKNOWN_CAUSE = 45;
export const COT_UNKNOWN_CA = 46;
export const COT_UNKNOWN_IOA = 47;

/** Short cause names for details, after the standard's abbreviations. */
export const CAUSE_NAMES: ReadonlyMap<number, string> = new Map([
  [COT_PERIODIC, 'per/cyc'],
  [COT_BACKGROUND, 'back'],
  [COT_SPONTANEOUS, 'spont'],
  [COT_INITIALISED, 'init'],
  [COT_REQUEST, 'req'],
  [COT_ACTIVATION, 'act'],
  [COT_ACTIVATION_CON, 'actcon'],
  [COT_DEACTIVATION, 'deact'],
  [COT_DEACTIVATION_CON, 'deactcon'],
  [COT_ACTIVATION_TERM, 'actterm'],
  [COT_RETURN_REMOTE, 'retrem'],
  [COT_RETURN_LOCAL, 'retloc'],
  [COT_FILE, 'file'],
  [14, 'auth'],
  [15, 'seskey'],
  [16, 'usrkey'],
  [COT_INTERROGATED_STATION, 'inrogen'],
  ...Array.from({ length: 16 }, (_, i) => [21 + i, `inro${i + 1}`] as [number, string]),
  [COT_COUNTER_GENERAL, 'reqcogen'],
  ...Array.from({ length: 4 }, (_, i) => [38 + i, `reqco${i + 1}`] as [number, string]),
  [COT_UNKNOWN_TYPE, 'unknown_type'],
  [COT_UNKNOWN_CAUSE, 'unknown_cause'],
  [COT_UNKNOWN_CA, 'unknown_ca'],
  [COT_UNKNOWN_IOA, 'unknown_ioa'],
]);

/** Causes only the controlled station sends: confirmations, terminations and the negative "unknown" ones. */
export function isConfirmationCause(cause: number): boolean {
  return (
    cause === COT_ACTIVATION_CON ||
    cause === COT_DEACTIVATION_CON ||
    cause === COT_ACTIVATION_TERM ||
    (cause >= COT_UNKNOWN_TYPE && cause <= COT_UNKNOWN_IOA)
  );
}

// --- information element qualifiers ---------------------------------------------------------------

/** Select/execute bit of SCO, DCO, RCO and QOS: 1 select, 0 execute. */
export const SE_SELECT = 0x80;
/** Qualifier of command (QU), bits 2..6 of SCO/DCO/RCO. */
export const QU_SHIFT = 2;
export const QU_MASK = 0x1f;
/** Qualifier of interrogation: 20 station (global), 21..36 groups 1..16. */
export const QOI_STATION = 20;
export const QOI_GROUP_1 = 21;
export const QOI_GROUP_16 = 36;
/** Qualifier of reset process. */
export const QRP_GENERAL = 1;
export const QRP_EVENT_BUFFER = 2;
/** Fixed test bit pattern of C_TS_NA_1. */
export const FBP_PATTERN = 0x55aa;

/** Quality bits shared by SIQ, DIQ and QDS (OV is QDS only, bit 0). */
export const Q_OVERFLOW = 0x01;
export const Q_BLOCKED = 0x10;
export const Q_SUBSTITUTED = 0x20;
export const Q_NOT_TOPICAL = 0x40;
export const Q_INVALID = 0x80;

/** CP56Time2a years are two digits from 2000 (the standard's century is implied). */
export const CP56_YEAR_BASE = 2000;

// --- decoder limits ---------------------------------------------------------------------------------

/** Identity claims a flow makes before it stops claiming new common addresses (a hostile stream cannot flood the inventory). */
export const MAX_CLAIMED_ADDRESSES_PER_FLOW = 64;
/** Information objects described in an event's detail text; the fields keep them all. */
export const DETAIL_OBJECTS = 3;
