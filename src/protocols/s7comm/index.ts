/**
 * S7comm (and S7comm-plus recognition) on ISO-on-TCP port 102: the module the registry binds.
 */
import type { ProtocolModule } from '../../core/events.js';
import { ISO_TSAP_PORT } from './constants.js';
import { probeS7 } from './probe.js';
import { S7Decoder } from './decoder.js';
import { S7Stats } from './stats.js';
import { s7commSecurity } from './security.js';

export const s7commModule: ProtocolModule = {
  name: 's7comm',
  security: s7commSecurity,
  transports: ['tcp'],
  ports: [ISO_TSAP_PORT],
  probe: probeS7,
  createDecoder: (ctx) => new S7Decoder(ctx),
  createStats: () => new S7Stats(),
  serverRole: 'controller',
};
