/** The IEC 60870-5-104 protocol module (registered in ../protocols.ts). */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { IEC104_PORT } from './constants.js';
import { Iec104Decoder, PROTOCOL } from './decoder.js';
import { probeIec104 } from './probe.js';
import { Iec104Stats } from './stats.js';
import { iec104Security } from './security.js';

export const iec104Module: ProtocolModule = {
  name: PROTOCOL,
  security: iec104Security,
  transports: ['tcp'],
  ports: [IEC104_PORT],
  probe: (data: Buffer, info: ProbeInfo) => probeIec104(data, info),
  createDecoder: (ctx: DecoderContext): StreamDecoder => new Iec104Decoder(ctx),
  createStats: () => new Iec104Stats(),
  // The controlled station (an RTU, IED or substation gateway) listens on 2404 and holds the process data.
  serverRole: 'controller',
};

export type { Iec104Fields, Station } from './classify.js';
export type { InfoObject } from './asdu.js';
