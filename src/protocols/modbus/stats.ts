/**
 * The `modbus` section of `otwatch stats`, in the oracle's terms (../../../shared/corpus/README.md).
 *
 * Wireshark decodes Modbus/TCP only on port 502 and tells requests from responses by that port
 * alone, so the oracle keys count only PDUs with 502 on one side, classified that way. Modbus found
 * on other ports goes into the extra key `other_ports` (same keys, our own direction).
 */
import type { Endpoint, ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { DEVICE_ID_FIRST_NON_STRING, FC_ENCAPSULATED_INTERFACE, MEI_READ_DEVICE_IDENTIFICATION, MODBUS_TCP_PORT } from './constants.js';
import { PROTOCOL } from './decoder.js';
import type { ModbusFields } from './records.js';
import { EndpointTextSet } from '../../net/endpoint-text.js';

export interface ModbusSection {
  pdus: number;
  requests: number;
  responses: number;
  unknown_dir: number;
  by_function: Record<string, number>;
  exceptions: Record<string, number>;
  device_identification: string[];
  servers: string[];
  clients: string[];
  unit_ids: number[];
}

/** Function codes without the exception bit, and unit ids, are 7 and 8 bits: counted in arrays, not maps. */
const FUNCTION_CODES = 128;
const UNIT_IDS = 256;

class Tally {
  pdus = 0;
  requests = 0;
  responses = 0;
  unknown = 0;
  /** PDUs by function code (index). */
  readonly byFunction = new Float64Array(FUNCTION_CODES);
  readonly exceptions = new Map<string, number>();
  readonly deviceIds = new Set<string>();
  readonly servers = new EndpointTextSet();
  readonly clients = new Set<string>();
  /** 1 at the index of each unit id seen. */
  readonly units = new Uint8Array(UNIT_IDS);
  /**
   * Client endpoint object → the server endpoint object last counted with it: such a pair is in
   * `servers` and `clients` already. Endpoints are the flow's own objects, the same for every PDU of a
   * conversation: one lookup by object instead of a set lookup by text and another by object.
   */
  private readonly counted = new WeakMap<Endpoint, Endpoint>();
  /** The pair last counted: a response follows its request, which needs no lookup at all then. */
  private lastServer: Endpoint | undefined;
  private lastClient: Endpoint | undefined;

  add(e: ProtocolEvent<object>, f: ModbusFields, dir: 'request' | 'response' | 'unknown'): void {
    this.pdus++;
    this.byFunction[f.functionCode]++;
    // Wireshark shows an exception only for a non-zero code after a function code with bit 0x80.
    if (f.exceptionCode) {
      const k = `${f.functionCode}:${f.exceptionCode}`;
      this.exceptions.set(k, (this.exceptions.get(k) ?? 0) + 1);
    }
    this.units[f.unitId] = 1;
    if (dir === 'request') {
      this.requests++;
      this.peers(e.dst, e.src);
    } else if (dir === 'response') {
      this.responses++;
      this.peers(e.src, e.dst);
      if (
        f.functionCode === FC_ENCAPSULATED_INTERFACE &&
        f.meiType === MEI_READ_DEVICE_IDENTIFICATION &&
        f.objects &&
        f.exceptionCode === undefined
      ) {
        for (const o of f.objects) if (o.id < DEVICE_ID_FIRST_NON_STRING) this.deviceIds.add(o.value);
      }
    } else {
      this.unknown++;
    }
  }

  private peers(server: Endpoint, client: Endpoint): void {
    if (server === this.lastServer && client === this.lastClient) return;
    this.lastServer = server;
    this.lastClient = client;
    if (this.counted.get(client) === server) return;
    this.counted.set(client, server);
    this.servers.add(server);
    this.clients.add(client.ip);
  }

  section(): ModbusSection {
    return {
      pdus: this.pdus,
      requests: this.requests,
      responses: this.responses,
      unknown_dir: this.unknown,
      by_function: countObject(indexesSeen(this.byFunction).map((fc) => [String(fc), this.byFunction[fc]!])),
      exceptions: countObject([...this.exceptions].sort(([x], [y]) => compareExceptionKeys(x, y))),
      device_identification: [...this.deviceIds].sort(),
      servers: [...this.servers.texts].sort(),
      clients: [...this.clients].sort(),
      unit_ids: indexesSeen(this.units),
    };
  }
}

export class ModbusStats implements ProtocolStats {
  readonly protocols = [PROTOCOL];
  private readonly p502 = new Tally();
  private readonly other = new Tally();
  /**
   * The endpoint objects of the last event and whether each is on port 502: a response follows its
   * request with the same two objects swapped, and then their ports need not be read again.
   */
  private a: Endpoint | undefined;
  private b: Endpoint | undefined;
  private a502 = false;
  private b502 = false;

  onEvent(e: ProtocolEvent<object>): void {
    if (e.protocol !== PROTOCOL) return;
    const f = e.fields as ModbusFields;
    const src = e.src;
    const dst = e.dst;
    if (!((src === this.a && dst === this.b) || (src === this.b && dst === this.a))) {
      this.a = src;
      this.b = dst;
      this.a502 = src.port === MODBUS_TCP_PORT;
      this.b502 = dst.port === MODBUS_TCP_PORT;
    }
    const s = src === this.a ? this.a502 : this.b502;
    const d = dst === this.a ? this.a502 : this.b502;
    if (s || d) this.p502.add(e, f, s === d ? 'unknown' : d ? 'request' : 'response');
    else this.other.add(e, f, e.direction);
  }

  section(): (Partial<ModbusSection> & { other_ports?: ModbusSection }) | undefined {
    if (this.p502.pdus === 0 && this.other.pdus === 0) return undefined;
    const out: Partial<ModbusSection> & { other_ports?: ModbusSection } = this.p502.pdus > 0 ? this.p502.section() : {};
    if (this.other.pdus > 0) out.other_ports = this.other.section();
    return out;
  }
}

function countObject(entries: Iterable<[string, number]>): Record<string, number> {
  const o: Record<string, number> = {};
  for (const [k, v] of entries) o[k] = v;
  return o;
}

/** The indexes of the non-zero entries, ascending. */
function indexesSeen(counts: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < counts.length; i++) if (counts[i]! > 0) out.push(i);
  return out;
}

function compareExceptionKeys(x: string, y: string): number {
  const [xf, xc] = x.split(':').map(Number) as [number, number];
  const [yf, yc] = y.split(':').map(Number) as [number, number];
  return xf - yf || xc - yc;
}
