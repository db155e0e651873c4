/**
 * Devices behind BACnet routers. A router forwarding a message from a remote network (MS/TP, ARCNET,
 * another B/IP network) adds SNET/SADR to the NPDU; a message towards one carries DNET/DADR (clause 6.2.2).
 * The IP endpoint of such a message is the router: the remote device is named 'bacnet:<network>:<mac hex>',
 * the form IdentityClaim.device takes and the inventory uses as the device's asset id.
 */
import { DNET_GLOBAL_BROADCAST, ROUTED_DEVICE_PREFIX } from './constants.js';

/** The id of the device at MAC `macHex` (lower-case hex, as the NPDU fields hold it) on network `net`. */
export function routedDeviceId(net: number, macHex: string): string {
  return `${ROUTED_DEVICE_PREFIX}${net}:${macHex}`;
}

/** The routing fields of a BACnet event (BacnetFields), as far as the ends of the message are concerned. */
export interface RoutingFields {
  snet?: unknown;
  sadr?: unknown;
  dnet?: unknown;
  dadr?: unknown;
}

/**
 * The remote device that sent (SNET/SADR) or is to receive (DNET/DADR) a message, when the NPDU names
 * one. An empty SADR (indeterminate source) and an empty DADR or DNET 0xFFFF (broadcasts) name none.
 */
export function routedSource(f: RoutingFields): string | undefined {
  return typeof f.snet === 'number' && typeof f.sadr === 'string' && f.sadr !== '' ? routedDeviceId(f.snet, f.sadr) : undefined;
}

export function routedDestination(f: RoutingFields): string | undefined {
  if (typeof f.dnet !== 'number' || f.dnet === DNET_GLOBAL_BROADCAST) return undefined;
  return typeof f.dadr === 'string' && f.dadr !== '' ? routedDeviceId(f.dnet, f.dadr) : undefined;
}
