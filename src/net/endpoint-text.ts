/**
 * Endpoint texts for the stats builders ("10.0.0.1:502", "[fe80::1]:502", the oracle's form). An event's
 * endpoints are the flow's own objects, the same ones for every PDU of a conversation: a set fed with
 * Endpoint objects builds each one's text once per object instead of once per PDU.
 */
import type { Endpoint } from '../core/events.js';

/** The oracle's way of writing an endpoint: IPv6 in brackets. */
export function endpointText(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Distinct endpoint texts; an Endpoint object already added costs one identity lookup. */
export class EndpointTextSet {
  /** Objects whose text is already in `texts` (weak: ended flows' endpoints are not kept alive). */
  private readonly known = new WeakSet<Endpoint>();
  readonly texts = new Set<string>();

  add(e: Endpoint): void {
    if (this.known.has(e)) return;
    this.known.add(e);
    this.texts.add(endpointText(e.ip, e.port));
  }
}
