/**
 * OPC UA protects messages per secure channel: security mode None, Sign or SignAndEncrypt with a security policy
 * (Part 6); the decoder reports them as the path facts security_mode and security_policy, and an anonymous user
 * token as auth=anonymous. Basic128Rsa15 and Basic256 (SHA-1, RSA-PKCS#1 v1.5) are deprecated by Part 7.
 */
import type { ProtocolSecurity } from '../../core/events.js';

/** A MessageSecurityMode as name: decoders may report the enum number or its name. */
export function securityModeName(v: string): string {
  const s = v
    .trim()
    .toLowerCase()
    .replace(/^messagesecuritymode\./, '');
  if (s === '1' || s === 'none') return 'None';
  if (s === '2' || s === 'sign') return 'Sign';
  if (s === '3' || s === 'signandencrypt') return 'SignAndEncrypt';
  return v;
}

/** 'http://opcfoundation.org/UA/SecurityPolicy#Basic256' → 'Basic256'. */
export function securityPolicyName(v: string): string {
  const hash = v.lastIndexOf('#');
  return hash >= 0 ? v.slice(hash + 1) : v;
}

export const opcuaSecurity: Readonly<Record<string, ProtocolSecurity>> = {
  opcua: {
    displayName: 'OPC UA',
    authentication: 'always',
    encryption: 'optional',
    secureChannel: {
      modeFact: 'security_mode',
      policyFact: 'security_policy',
      modeName: securityModeName,
      policyName: securityPolicyName,
      deprecatedPolicies: ['Basic128Rsa15', 'Basic256'],
    },
    anonymousFact: { key: 'auth', value: 'anonymous' },
    remediation: 'Configure the OPC UA server and clients for SignAndEncrypt with Basic256Sha256 or newer, and disable the None endpoint',
  },
};
