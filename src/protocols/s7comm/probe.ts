/** The payload heuristic of S7comm: is a flow's first payload an S7 connection on ISO-on-TCP? */
import type { ProbeInfo } from '../../core/events.js';
import { COTP_CR, COTP_CC, COTP_DT, S7COMM_PLUS_PROTOCOL_ID, S7COMM_PROTOCOL_ID } from './constants.js';
import { plausibleTpkt } from '../tpkt-cotp/tpkt.js';

/**
 * A first payload that is TPKT + COTP connect, or TPKT + COTP DT carrying S7comm (0x32) or
 * S7comm-plus (0x72). Other ISO-on-TCP users (MMS/IEC 61850, ICCP) carry other payloads and are not ours.
 */
/** COTP parameter codes of the calling and called TSAP (ISO 8073 13.3.4). */
const COTP_PARAM_SRC_TSAP = 0xc1;
const COTP_PARAM_DST_TSAP = 0xc2;

/**
 * An S7 connection request/confirm always names both TSAPs; other ISO-on-TCP users do not (RDP's X.224
 * connection request carries a 'Cookie: mstshash=' and no parameters), and must not be taken for S7.
 */
function hasTsaps(data: Buffer): boolean {
  const end = Math.min(data.length, 5 + data[4]); // the COTP header as its length indicator announces it
  let src = false;
  let dst = false;
  for (let p = 11; p + 2 <= end; p += 2 + data[p + 1]) {
    if (data[p] === COTP_PARAM_SRC_TSAP) src = true;
    else if (data[p] === COTP_PARAM_DST_TSAP) dst = true;
  }
  return src && dst;
}

export function probeS7(data: Buffer, _info?: ProbeInfo): boolean {
  if (data.length < 7 || !plausibleTpkt(data, 0, data.length)) return false;
  const type = data[5] & 0xf0;
  if (type === COTP_CR || type === COTP_CC) return hasTsaps(data);
  if (type !== COTP_DT) return false;
  const p = 5 + data[4]; // TPKT header (4) + length indicator (1) + the header it announces
  if (p >= data.length) return true; // an empty first DT: nothing says otherwise
  return data[p] === S7COMM_PROTOCOL_ID || data[p] === S7COMM_PLUS_PROTOCOL_ID;
}
