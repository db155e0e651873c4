/** BACnet/IP has no authentication or encryption; BACnet Secure Connect runs over TLS WebSockets and never appears as BACnet/IP on UDP. */
import type { ProtocolSecurity } from '../../core/events.js';

export const bacnetSecurity: Readonly<Record<string, ProtocolSecurity>> = {
  bacnet: { authentication: 'never', encryption: 'never' },
};
