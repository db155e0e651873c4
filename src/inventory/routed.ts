/**
 * Which devices behind routers an event involves. The IP endpoints of a routed BACnet message are the
 * router and the other side; the NPDU names the remote device (SNET/SADR when it sent the message,
 * DNET/DADR when it is to receive it). The BACnet folder owns that reading (src/protocols/bacnet/routing.ts);
 * any other protocol names such a device only through IdentityClaim.device.
 */
import { bipAddressOf, routedDestination, routedSource, type RoutingFields } from '../protocols/bacnet/routing.js';
import type { ProtocolEvent } from '../core/events.js';
import { isRoutedDeviceId } from '../core/ids.js';

export interface RoutedEnds {
  src?: string;
  dst?: string;
}

/** The IP address a routed device id encodes (a B/IP node named by its B/IP address), if any. */
export function routedDeviceIp(id: string): string | undefined {
  return bipAddressOf(id)?.ip;
}

/** The routed device behind the event's src and/or dst, or undefined when the event names none. */
export function routedEnds(e: ProtocolEvent<object>): RoutedEnds | undefined {
  let src: string | undefined;
  let dst: string | undefined;
  if (e.protocol === 'bacnet') {
    src = routedSource(e.fields as RoutingFields);
    dst = routedDestination(e.fields as RoutingFields);
  }
  if (e.identity) {
    for (const c of e.identity) {
      if (c.device === undefined) continue;
      if (c.about === 'src') src ??= c.device;
      else dst ??= c.device;
    }
  }
  if (src !== undefined && !isRoutedDeviceId(src)) src = undefined;
  if (dst !== undefined && !isRoutedDeviceId(dst)) dst = undefined;
  return src === undefined && dst === undefined ? undefined : { src, dst };
}
