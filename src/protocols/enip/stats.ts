/**
 * The `enip` section of `otwatch stats` (../shared/corpus/README.md), built from EtherNet/IP events.
 */
import type { ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { ENIP_PORT } from './constants.js';
import { PROTOCOL, type EnipFields, type ListIdentityEntry } from './decoder.js';
import { hexClass } from './epath.js';

export interface EnipSection {
  encap_commands: Record<string, number>;
  list_identity: ListIdentityEntry[];
  cip_services: Record<string, number>;
  cip_classes: Record<string, number>;
  servers: string[];
  clients: string[];
  io_frames: number;
}

export class EnipStats implements ProtocolStats {
  readonly protocols = [PROTOCOL];
  private seen = false;
  private readonly commands = new Map<number, number>();
  private readonly identities = new Map<string, ListIdentityEntry>();
  private readonly services = new Map<number, number>();
  private readonly classes = new Map<number, number>();
  private readonly servers = new Set<string>();
  private readonly clients = new Set<string>();
  private ioFrames = 0;

  onEvent(event: ProtocolEvent<object>): void {
    if (event.protocol !== PROTOCOL) return;
    this.seen = true;
    const f = event.fields as EnipFields;
    if (f.io) {
      this.ioFrames++;
      return;
    }
    if (f.command === undefined) return; // UDP 2222 without a sequenced address item: not I/O as the oracle counts it
    if (f.encap) {
      bump(this.commands, f.command);
      this.sides(event);
    }
    if (f.listIdentity) for (const r of f.listIdentity) this.identities.set(JSON.stringify(r), r);
    if (f.service !== undefined) {
      bump(this.services, f.service);
      // One class per request: the first class segment, the object the request goes to (a Logix path such as
      // class 0x8e instance 1 class 0x74 instance 1 names further objects inside it; Wireshark counts the first).
      if (f.classes && f.classes.length > 0) bump(this.classes, f.classes[0]!);
    }
  }

  /** TCP: the port-44818 side serves. UDP: what is sent from 44818 comes from a server, to it from a client. */
  private sides(e: ProtocolEvent<object>): void {
    const { src, dst } = e;
    if (e.flow.transport === 'tcp') {
      if (src.port === ENIP_PORT) {
        this.servers.add(`${src.ip}:${src.port}`);
        this.clients.add(dst.ip);
      } else if (dst.port === ENIP_PORT) {
        this.servers.add(`${dst.ip}:${dst.port}`);
        this.clients.add(src.ip);
      }
      return;
    }
    if (src.port === ENIP_PORT) {
      this.servers.add(`${src.ip}:${src.port}`);
      if (e.direction === 'response') this.clients.add(dst.ip);
    }
    if (dst.port === ENIP_PORT && e.direction === 'request') this.clients.add(src.ip);
  }

  section(): EnipSection | undefined {
    if (!this.seen) return undefined;
    return {
      encap_commands: counts(this.commands, (k) => `0x${k.toString(16).padStart(4, '0')}`),
      list_identity: [...this.identities.values()].sort((a, b) => (a.serial < b.serial ? -1 : a.serial > b.serial ? 1 : 0)),
      cip_services: counts(this.services, (k) => `0x${k.toString(16).padStart(2, '0')}`),
      cip_classes: counts(this.classes, hexClass),
      servers: [...this.servers].sort(),
      clients: [...this.clients].sort(),
      io_frames: this.ioFrames,
    };
  }
}

function bump(m: Map<number, number>, k: number): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

/** Keys in numeric order (the comparison with the oracle ignores key order; people reading it do not). */
function counts(m: Map<number, number>, key: (k: number) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort((a, b) => a - b)) out[key(k)] = m.get(k)!;
  return out;
}
