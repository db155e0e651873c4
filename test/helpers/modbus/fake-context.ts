/** Test helpers (not used by the pipeline): a DecoderContext on a Modbus/TCP flow, and ADU bytes. */
import { fakeContext as contextBetween, type FakeContext as Context } from '../fake-context.js';
import type { Endpoint } from '../../../src/core/events.js';
import type { ModbusFields } from '../../../src/protocols/modbus/records.js';

export type FakeContext = Context<ModbusFields>;

export function fakeContext(
  client: Endpoint = { ip: '10.0.0.1', port: 49152 },
  server: Endpoint = { ip: '10.0.0.2', port: 502 },
): FakeContext {
  return contextBetween<ModbusFields>(client, server);
}

/** An ADU: MBAP header (length computed from the PDU unless given) then the PDU bytes. */
export function adu(tid: number, unit: number, pdu: number[] | Buffer, lengthOverride?: number, protocolId = 0): Buffer {
  const body = Buffer.from(pdu);
  const h = Buffer.alloc(7);
  h.writeUInt16BE(tid & 0xffff, 0);
  h.writeUInt16BE(protocolId, 2);
  h.writeUInt16BE(lengthOverride ?? body.length + 1, 4);
  h[6] = unit;
  return Buffer.concat([h, body]);
}
