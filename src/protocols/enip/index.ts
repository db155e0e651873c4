/** EtherNet/IP with CIP as an otwatch protocol module (registered in ../protocols.ts). */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { ENIP_IO_PORT, ENIP_PORT } from './constants.js';
import { EnipDecoder, PROTOCOL } from './decoder.js';
import { probeEnip } from './probe.js';
import { EnipStats } from './stats.js';
import { enipSecurity } from './security.js';

export const enipModule: ProtocolModule = {
  name: PROTOCOL,
  security: enipSecurity,
  transports: ['tcp', 'udp'],
  ports: [ENIP_PORT, ENIP_IO_PORT],
  probe: (data: Buffer, info: ProbeInfo) => probeEnip(data, info),
  createDecoder: (ctx: DecoderContext): StreamDecoder => new EnipDecoder(ctx),
  createStats: () => new EnipStats(),
  // Adapters and targets (PLCs, I/O adapters, drives) answer on 44818.
  serverRole: 'controller',
};

export type { EnipFields, ListIdentityEntry } from './decoder.js';
export default enipModule;
