/**
 * Is this the first payload of a Modbus/TCP conversation? Off port 502 it is used on ports no module claims (5020,
 * gateways, simulators), so it must not fire on random TCP: the first ADU must be complete, its MBAP
 * header sane, its function code public (or UMAS) and its PDU shaped exactly as the spec says for a
 * request or a response; bytes after it must start another sane MBAP header.
 */
import type { ProbeInfo } from '../../core/events.js';
import { EXCEPTION_BIT, EXCEPTIONS, FUNCTIONS, MBAP_HEADER_LEN, MBAP_PREFIX_LEN, MODBUS_TCP_PORT } from './constants.js';
import { aduLength, decodeException, decodeRequest, decodeResponse, type ModbusFields } from './records.js';

export function probeModbus(data: Buffer, info: ProbeInfo): boolean {
  try {
    // On 502 itself, a sane MBAP header is enough: fuzzed or vendor-specific PDUs there are still
    // Modbus (Wireshark decodes them), and anything else fails the header check.
    if (info.srcPort === MODBUS_TCP_PORT || info.dstPort === MODBUS_TCP_PORT)
      return data.length >= MBAP_HEADER_LEN + 1 && aduLength(data, 0) > 0;
    const total = aduLength(data, 0);
    if (total < 0 || data.length < total || total < MBAP_HEADER_LEN + 1) return false;
    if (!pduLooksValid(data, MBAP_HEADER_LEN, total)) return false;
    if (data.length > total) {
      // More bytes: they must begin another ADU (pipelined requests), judged as far as they go.
      const rest = data.length - total;
      if (rest >= MBAP_PREFIX_LEN) return aduLength(data, total) > 0;
      return rest < 4 || (data[total + 2] === 0 && data[total + 3] === 0);
    }
    return true;
  } catch {
    return false;
  }
}

/** The PDU at buf[s, e) parses without complaint as a request or as a response of a public function. */
export function pduLooksValid(buf: Buffer, s: number, e: number): boolean {
  const fcByte = buf[s]!;
  const fc = fcByte & ~EXCEPTION_BIT;
  if (!FUNCTIONS.has(fc)) return false;
  if (fcByte & EXCEPTION_BIT) {
    const f = blank(fc);
    decodeException(buf, s, e, f);
    return !f.malformed && f.exceptionCode !== undefined && EXCEPTIONS.has(f.exceptionCode);
  }
  const asRequest = blank(fc);
  decodeRequest(buf, s, e, asRequest);
  if (!asRequest.malformed && strictRequest(asRequest, e - s)) return true;
  const asResponse = blank(fc);
  decodeResponse(buf, s, e, asResponse);
  return !asResponse.malformed && strictResponse(asResponse, e - s);
}

function blank(fc: number): ModbusFields {
  return { transactionId: 0, unitId: 0, functionCode: fc };
}

/**
 * Layouts that leave bytes uninterpreted (diagnostics, MEI, UMAS) need a tighter look before we
 * believe them: a known sub-function and the usual length.
 */
function strictRequest(f: ModbusFields, pduLen: number): boolean {
  if (f.subFunction !== undefined) return f.subFunction <= 20 && pduLen === 5;
  if (f.meiType !== undefined) return f.readDeviceIdCode !== undefined;
  if (f.umasFunction !== undefined) return pduLen <= 253;
  return true;
}

function strictResponse(f: ModbusFields, pduLen: number): boolean {
  if (f.subFunction !== undefined) return f.subFunction <= 20 && pduLen === 5;
  if (f.meiType !== undefined) return f.objects !== undefined;
  return true;
}
