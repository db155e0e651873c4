/**
 * S7comm (S7-300/400, S7-1200/1500 in compatibility mode) carries no authentication or integrity protection: any
 * station reaching port 102 may read, write, download or stop. S7comm-plus of current firmware protects integrity
 * with a session key, so it is not judged cleartext.
 */
import type { ProtocolSecurity } from '../../core/events.js';

export const s7commSecurity: Readonly<Record<string, ProtocolSecurity>> = {
  s7comm: { authentication: 'never', encryption: 'never' },
  s7commplus: { authentication: 'always', encryption: 'never' },
};
