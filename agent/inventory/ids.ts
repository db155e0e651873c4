/** Stable ids, derived from keys only, so that two analyses of the same network agree on them. */
import { createHash } from 'node:crypto';
import type { Transport } from '../../parsers/types.js';

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
