/** NetBIOS name service (UDP 137) and datagram service (UDP 138), registered in ../protocols.ts. */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { NBDS_PORT, NBNS_PORT } from './constants.js';
import { NBDS_PROTOCOL, NBNS_PROTOCOL, NbdsDecoder, NbnsDecoder } from './decoder.js';
import { looksLikeNbds } from './dgm.js';
import { looksLikeNbns } from './ns.js';

const onPort = (info: ProbeInfo, port: number): boolean => info.srcPort === port || info.dstPort === port;

export const nbnsModule: ProtocolModule = {
  name: NBNS_PROTOCOL,
  transports: ['udp'],
  ports: [NBNS_PORT],
  // only on its port: probes run on every unclaimed flow, and an off-port NetBIOS is not worth a false claim
  probe: (data: Buffer, info: ProbeInfo) => onPort(info, NBNS_PORT) && looksLikeNbns(data),
  createDecoder: (ctx: DecoderContext): StreamDecoder => new NbnsDecoder(ctx),
};

export const nbdsModule: ProtocolModule = {
  name: NBDS_PROTOCOL,
  transports: ['udp'],
  ports: [NBDS_PORT],
  probe: (data: Buffer, info: ProbeInfo) => onPort(info, NBDS_PORT) && looksLikeNbds(data),
  createDecoder: (ctx: DecoderContext): StreamDecoder => new NbdsDecoder(ctx),
};

export const netbiosModules: readonly ProtocolModule[] = [nbnsModule, nbdsModule];
