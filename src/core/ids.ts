/** Stable ids, derived from keys only, so that two analyses of the same network agree on them. */
import * as crypto from 'node:crypto';
import type { Transport } from './events.js';

/**
 * An asset's id ('mac:00:1b:1b:...', 'ip:10.0.0.5', 'bacnet:3:1d'): branded, so that a path id, a finding id or
 * an address cannot be passed where an asset id is meant. Made only by the functions here.
 */
export type AssetId = string & { readonly __brand: 'AssetId' };
/** A path's id ('path:<24 hex>'), branded as AssetId is. */
export type PathId = string & { readonly __brand: 'PathId' };

export const macAssetId = (mac: string): AssetId => `mac:${mac.toLowerCase()}` as AssetId;
export const ipAssetId = (ip: string): AssetId => `ip:${ip}` as AssetId;
/** An id read back from storage or a request, or a routed device id a decoder named (checked by isRoutedDeviceId). */
export const asAssetId = (id: string): AssetId => id as AssetId;
export const asPathId = (id: string): PathId => id as PathId;
/** Not an asset: the broadcast/multicast destination of a path (BACnet Who-Is, ...). */
export const groupId = (ip: string): AssetId => `group:${ip}` as AssetId;

export interface PathKey {
  initiator: AssetId;
  responder: AssetId;
  protocol: string;
  transport: Transport;
  responderPort: number;
}

/**
 * SHA-256 of a string, in hex. Node's one-shot crypto.hash (20.12 on) makes no Hash object: half the cost of
 * createHash().update().digest() for the tens of thousands of paths of a large plant.
 */
const sha256Hex: (text: string) => string =
  typeof crypto.hash === 'function'
    ? (text) => crypto.hash('sha256', text, 'hex')
    : (text) => crypto.createHash('sha256').update(text).digest('hex');

export function pathId(k: PathKey): PathId {
  const key = `${k.initiator}|${k.responder}|${k.protocol}|${k.transport}|${k.responderPort}`;
  return `path:${sha256Hex(key).slice(0, 24)}` as PathId;
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
