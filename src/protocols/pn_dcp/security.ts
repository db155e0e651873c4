/** PROFINET DCP has no authentication: any station on the segment may rename, re-address or reset a device. */
import type { ProtocolSecurity } from '../../core/events.js';

export const pnDcpSecurity: Readonly<Record<string, ProtocolSecurity>> = {
  pn_dcp: { authentication: 'never', encryption: 'never' },
};
