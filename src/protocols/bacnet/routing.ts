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

/**
 * The B/IP address a routed device id encodes, when its MAC is a 6-octet BACnet/IP address (4 octets IPv4,
 * 2 octets UDP port, Annex J): such a "device behind a router" is a B/IP node on another IP network, or on
 * this one when a router echoes it onto another data link (icsnpp bacnet_services: I-Ams from network 1
 * repeated over LLC).
 */
export function bipAddressOf(deviceId: string): { ip: string; port: number } | undefined {
  const m = /^bacnet:\d+:([0-9a-f]{12})$/.exec(deviceId);
  if (!m) return undefined;
  const b = Buffer.from(m[1]!, 'hex');
  return { ip: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, port: b.readUInt16BE(4) };
}
