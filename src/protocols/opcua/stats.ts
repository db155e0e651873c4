/**
 * The `opcua` section of `otwatch stats`, in the oracle's format (../shared/corpus/README.md), built
 * from the decoder's events only.
 */
import type { Endpoint, FlowRef, ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { DECODED_SERVICES, type ApplicationSummary } from './bodies.js';
import { COUNTED_MESSAGE_TYPES, OPCUA_PORT } from './constants.js';
import type { OpcuaFields } from './decoder.js';

interface FlowSides {
  initiator: Endpoint;
  responder: Endpoint;
  /** Destination of a HEL, sender of an ACK: the oracle's first two rules for the server side. */
  helloTo?: Endpoint;
  ackFrom?: Endpoint;
}

export function endpointText(e: Endpoint): string {
  return e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`;
}

/** Server side of a flow: destination of HEL, else sender of ACK, else the 4840 side, else the lower port. */
export function serverOf(f: FlowSides): { server: Endpoint; client: Endpoint } {
  const pick = (server: Endpoint) => ({ server, client: sameEndpoint(server, f.initiator) ? f.responder : f.initiator });
  if (f.helloTo) return pick(f.helloTo);
  if (f.ackFrom) return pick(f.ackFrom);
  if (f.responder.port === OPCUA_PORT) return pick(f.responder);
  if (f.initiator.port === OPCUA_PORT) return pick(f.initiator);
  return pick(f.initiator.port < f.responder.port ? f.initiator : f.responder);
}

function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.ip === b.ip && a.port === b.port;
}

export class OpcuaStats implements ProtocolStats {
  readonly protocols = ['opcua'];
  private readonly messages = new Map<string, number>(COUNTED_MESSAGE_TYPES.map((t) => [t, 0]));
  private readonly services = new Map<number, number>();
  private readonly policies = new Set<string>();
  private readonly endpointPolicies = new Set<string>();
  private readonly modes = new Set<number>();
  private readonly appUris = new Set<string>();
  private readonly productUris = new Set<string>();
  private readonly endpointUrls = new Set<string>();
  private readonly flows = new Map<string, FlowSides>();
  /** The same sides by FlowRef object: one identity lookup per message instead of hashing the id string. */
  private readonly byRef = new WeakMap<FlowRef, FlowSides>();
  /** The flow of the previous event and its sides: a conversation's messages mostly come in runs. */
  private lastFlow: FlowRef | undefined;
  private lastSides: FlowSides | undefined;
  private seen = false;

  onEvent(event: ProtocolEvent<object>): void {
    if (event.protocol !== 'opcua') return;
    this.seen = true;
    // opcua events come from OpcuaDecoder alone: their fields are its OpcuaFields
    const f = event.fields as OpcuaFields;
    const sides = event.flow === this.lastFlow ? this.lastSides! : this.sidesOf(event.flow);
    const type = f.msgType;
    const n = this.messages.get(type);
    if (n !== undefined) this.messages.set(type, n + f.chunks);
    if (type === 'HEL' && !sides.helloTo) sides.helloTo = event.dst;
    if (type === 'ACK' && !sides.ackFrom) sides.ackFrom = event.src;
    const typeId = f.typeId;
    if (typeof typeId === 'number') {
      this.services.set(typeId, (this.services.get(typeId) ?? 0) + 1);
      // a service the decoder names only (most messages) carries none of the members below
      if (!DECODED_SERVICES.has(typeId)) return;
    }
    if (type === 'OPN' && typeof f.securityPolicyUri === 'string') this.policies.add(f.securityPolicyUri);
    if (type === 'OPN' && typeof f.securityMode === 'number') this.modes.add(f.securityMode);
    if (typeof f.endpointUrl === 'string') this.endpointUrls.add(f.endpointUrl);
    if (Array.isArray(f.endpoints)) {
      for (const e of f.endpoints) {
        if (e.securityPolicyUri) this.endpointPolicies.add(e.securityPolicyUri);
        for (const p of e.userTokenPolicyUris) this.endpointPolicies.add(p);
        if (e.securityMode !== undefined) this.modes.add(e.securityMode);
        if (e.url) this.endpointUrls.add(e.url);
        this.addApp(e.server);
      }
    }
    if (Array.isArray(f.applications)) for (const a of f.applications) this.addApp(a);
    const reg = f.registeredServer;
    if (reg?.productUri) this.productUris.add(reg.productUri);
  }

  private sidesOf(flow: FlowRef): FlowSides {
    let sides = this.byRef.get(flow);
    if (!sides) {
      sides = this.flows.get(flow.id);
      if (!sides) {
        sides = { initiator: flow.initiator, responder: flow.responder };
        this.flows.set(flow.id, sides);
      }
      this.byRef.set(flow, sides);
    }
    this.lastFlow = flow;
    this.lastSides = sides;
    return sides;
  }

  private addApp(a: ApplicationSummary | undefined): void {
    if (a?.applicationUri) this.appUris.add(a.applicationUri);
    if (a?.productUri) this.productUris.add(a.productUri);
  }

  section(): object | undefined {
    if (!this.seen) return undefined;
    const servers = new Set<string>();
    const clients = new Set<string>();
    for (const sides of this.flows.values()) {
      const { server, client } = serverOf(sides);
      servers.add(endpointText(server));
      clients.add(client.ip);
    }
    const services: Record<string, number> = {};
    for (const [id, n] of [...this.services].sort((a, b) => a[0] - b[0])) services[String(id)] = n;
    return {
      messages: Object.fromEntries(this.messages),
      services,
      security_policies: sorted(this.policies),
      endpoint_security_policies: sorted(this.endpointPolicies),
      security_modes: [...this.modes].sort((a, b) => a - b),
      application_uris: sorted(this.appUris),
      product_uris: sorted(this.productUris),
      endpoint_urls: sorted(this.endpointUrls),
      servers: sorted(servers),
      clients: sorted(clients),
    };
  }
}

/** Sorted as the oracle sorts (code-point order, like Python's sorted()). */
function sorted(s: Set<string>): string[] {
  return [...s].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
