/** IEC 60870-5-104 carries no authentication or encryption (IEC 62351-3 TLS would hide it from the decoder). */
import type { ProtocolSecurity } from '../../core/events.js';

export const iec104Security: Readonly<Record<string, ProtocolSecurity>> = {
  iec104: { authentication: 'never', encryption: 'never' },
};
