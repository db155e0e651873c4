/** Modbus/TCP has no authentication, no integrity protection and no encryption (Modbus/TCP Security is a TLS profile on port 802, not seen here). */
import type { ProtocolSecurity } from '../../core/events.js';

export const modbusSecurity: Readonly<Record<string, ProtocolSecurity>> = {
  modbus: { authentication: 'never', encryption: 'never' },
};
