/**
 * Which devices behind routers an event involves. The IP endpoints of a routed message are the router and the
 * other side; the protocol's decoder names the remote device in `event.routed` (BACnet: SNET/SADR when it sent the
 * message, DNET/DADR when it is to receive it) or through IdentityClaim.device. No protocol is named here.
 */
import type { ProtocolEvent } from '../core/events.js';
import { routedDeviceIp as ipOfRoutedDevice } from '../protocols/registry.js';
import { isRoutedDeviceId } from '../core/ids.js';

export interface RoutedEnds {
  src?: string;
  dst?: string;
}

/** The IP address a routed device id encodes (a B/IP node named by its B/IP address), if any. */
export function routedDeviceIp(id: string): string | undefined {
  return ipOfRoutedDevice(id);
}

/** The routed device behind the event's src and/or dst, or undefined when the event names none. */
export function routedEnds(e: ProtocolEvent<object>): RoutedEnds | undefined {
  let src: string | undefined;
  let dst: string | undefined;
  if (e.routed) {
    src = e.routed.src;
    dst = e.routed.dst;
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
