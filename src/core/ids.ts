/** Stable ids, derived from keys only, so that two analyses of the same network agree on them. */
import { createHash } from 'node:crypto';
import type { Transport } from './events.js';

export const macAssetId = (mac: string): string => `mac:${mac.toLowerCase()}`;
export const ipAssetId = (ip: string): string => `ip:${ip}`;
/** Not an asset: the broadcast/multicast destination of a path (BACnet Who-Is, ...). */
export const groupId = (ip: string): string => `group:${ip}`;

export interface PathKey {
  initiator: string;
  responder: string;
  protocol: string;
  transport: Transport;
  responderPort: number;
}

export function pathId(k: PathKey): string {
  const key = `${k.initiator}|${k.responder}|${k.protocol}|${k.transport}|${k.responderPort}`;
  return `path:${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;
}

/**
 * Whether a decoder's IdentityClaim.device can be an asset id: '<protocol>:<address>' ('bacnet:3:1d'),
 * never one of the address-derived forms above, so that a claim cannot pose as another asset.
 */
export function isRoutedDeviceId(id: string): boolean {
  return id.length <= 128 && /^[a-z][a-z0-9_-]*:\S+$/.test(id) && !/^(mac|ip|group):/.test(id);
}

/** The network a routed device is on: its id without the last ':<mac>' ('bacnet:3:1d' → 'bacnet:3'). */
export function routedNetworkOf(id: string): string {
  const i = id.lastIndexOf(':');
  return id.indexOf(':') < i ? id.slice(0, i) : id;
}
