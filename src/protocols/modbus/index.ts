/** The Modbus/TCP protocol module (registered in ../protocols.ts). */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { MODBUS_TCP_PORT } from './constants.js';
import { ModbusDecoder, PROTOCOL } from './decoder.js';
import { probeModbus } from './probe.js';
import { ModbusStats } from './stats.js';
import { modbusSecurity } from './security.js';

export const modbusModule: ProtocolModule = {
  name: PROTOCOL,
  security: modbusSecurity,
  // Modbus/UDP exists (same MBAP framing, one ADU per datagram) and Wireshark decodes it on 502 too.
  transports: ['tcp', 'udp'],
  ports: [MODBUS_TCP_PORT],
  probe: (data: Buffer, info: ProbeInfo) => probeModbus(data, info),
  createDecoder: (ctx: DecoderContext): StreamDecoder => new ModbusDecoder(ctx),
  createStats: () => new ModbusStats(),
  serverRole: 'controller',
};

export type { ModbusFields, DeviceIdObject } from './records.js';
