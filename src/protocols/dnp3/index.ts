/** The DNP3 protocol module (registered in ../protocols.ts): TCP and UDP 20000, and by its link header elsewhere. */
import type { DecoderContext, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { DNP3_PORT } from './constants.js';
import { Dnp3Decoder, PROTOCOL } from './decoder.js';
import { probeDnp3 } from './probe.js';
import { Dnp3Stats } from './stats.js';
import { dnp3Security } from './security.js';

export const dnp3Module: ProtocolModule = {
  name: PROTOCOL,
  security: dnp3Security,
  transports: ['tcp', 'udp'],
  ports: [DNP3_PORT],
  probe: probeDnp3,
  createDecoder: (ctx: DecoderContext): StreamDecoder => new Dnp3Decoder(ctx),
  createStats: () => new Dnp3Stats(),
  // Outstations answer on 20000: RTUs, IEDs, PLCs.
  serverRole: 'controller',
};

export type { Dnp3Fields } from './decoder.js';
