/** EtherNet/IP and CIP without CIP Security (which runs over TLS/DTLS, not decoded here): no authentication, no encryption. */
import type { ProtocolSecurity } from '../../core/events.js';

export const enipSecurity: Readonly<Record<string, ProtocolSecurity>> = {
  enip: { authentication: 'never', encryption: 'never' },
};
