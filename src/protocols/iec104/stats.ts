/**
 * The `iec104` section of `otwatch stats`, in the oracle's terms (../../../shared/corpus/README.md).
 *
 * Wireshark decodes IEC 104 only on port 2404, so the oracle keys count only APDUs with 2404 on one side;
 * IEC 104 found by the heuristic on other ports goes into the extra key `other_ports` (same keys).
 * Every event is one APDU of at least 4 octets (shorter ones have no format and make no event); an ASDU
 * counts in `type_ids`, `causes` and `common_addresses` as far as its bytes reach.
 */
import type { ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { uFunctionName } from './apci.js';
import type { Iec104Fields } from './classify.js';
import { IEC104_PORT, U_FUNCTION_NAMES } from './constants.js';
import { PROTOCOL } from './decoder.js';
import { isCommandType, isSystemType } from './type-ids.js';
import { EndpointTextSet } from '../../net/endpoint-text.js';

export interface Iec104Section {
  apci: { I: number; S: number; U: number };
  u_functions: Record<string, number>;
  type_ids: Record<string, number>;
  causes: Record<string, number>;
  common_addresses: number[];
  commands: number;
  system_commands: Record<string, number>;
  servers: string[];
  clients: string[];
}

class Tally {
  apdus = 0;
  readonly apci = { I: 0, S: 0, U: 0 };
  readonly uFunctions = new Map<number, number>();
  readonly typeIds = new Map<number, number>();
  readonly causes = new Map<number, number>();
  readonly addresses = new Set<number>();
  commands = 0;
  readonly system = new Map<number, number>();
  readonly servers = new EndpointTextSet();
  readonly clients = new Set<string>();

  add(e: ProtocolEvent<object>, f: Iec104Fields, serverIsSrc: boolean): void {
    this.apdus++;
    this.apci[f.format]++;
    if (f.uFunction !== undefined) bump(this.uFunctions, f.uFunction);
    if (f.typeId !== undefined) {
      bump(this.typeIds, f.typeId);
      if (isCommandType(f.typeId)) this.commands++;
      if (isSystemType(f.typeId)) bump(this.system, f.typeId);
    }
    if (f.cause !== undefined) bump(this.causes, f.cause);
    if (f.commonAddress !== undefined) this.addresses.add(f.commonAddress);
    this.servers.add(serverIsSrc ? e.src : e.dst);
    this.clients.add(serverIsSrc ? e.dst.ip : e.src.ip);
  }

  section(): Iec104Section {
    return {
      apci: { ...this.apci },
      // The six named functions first, in bit order, then other bit patterns (the oracle's order).
      u_functions: Object.fromEntries(
        [...this.uFunctions].sort((x, y) => uOrder(x[0]) - uOrder(y[0])).map(([k, v]) => [uFunctionName(k), v]),
      ),
      type_ids: numericKeys(this.typeIds),
      causes: numericKeys(this.causes),
      common_addresses: [...this.addresses].sort((x, y) => x - y),
      commands: this.commands,
      system_commands: numericKeys(this.system),
      servers: [...this.servers.texts].sort(),
      clients: [...this.clients].sort(),
    };
  }
}

export class Iec104Stats implements ProtocolStats {
  readonly protocols = [PROTOCOL];
  private readonly p2404 = new Tally();
  private readonly other = new Tally();

  onEvent(e: ProtocolEvent<object>): void {
    if (e.protocol !== PROTOCOL) return;
    const f = e.fields as Iec104Fields;
    const s = e.src.port === IEC104_PORT;
    const d = e.dst.port === IEC104_PORT;
    if (s || d) this.p2404.add(e, f, s);
    // Off 2404 the server is the controlled station (else the flow's responder).
    else this.other.add(e, f, f.station === 'controlled' || (f.station === undefined && e.src === e.flow.responder));
  }

  section(): (Partial<Iec104Section> & { other_ports?: Iec104Section }) | undefined {
    if (this.p2404.apdus === 0 && this.other.apdus === 0) return undefined;
    const out: Partial<Iec104Section> & { other_ports?: Iec104Section } = this.p2404.apdus > 0 ? this.p2404.section() : {};
    if (this.other.apdus > 0) out.other_ports = this.other.section();
    return out;
  }
}

function uOrder(fn: number): number {
  return U_FUNCTION_NAMES.has(fn) ? fn : 0x100 + fn;
}

function bump(m: Map<number, number>, k: number): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function numericKeys(m: Map<number, number>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const [k, v] of [...m].sort((x, y) => x[0] - y[0])) o[String(k)] = v;
  return o;
}
