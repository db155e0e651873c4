/**
 * DNP3 authenticates messages only with secure authentication (SAv5, IEC 62351-5); the decoder reports it per
 * message as the fact auth=secure_authentication. It never encrypts.
 */
import type { ProtocolSecurity } from '../../core/events.js';

export const dnp3Security: Readonly<Record<string, ProtocolSecurity>> = {
  dnp3: { authentication: 'optional', encryption: 'never', authenticatedFact: { key: 'auth', value: 'secure_authentication' } },
};
