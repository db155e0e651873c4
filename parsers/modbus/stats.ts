/**
 * The `modbus` section of `otwatch stats`, in the oracle's terms (../../../shared/corpus/README.md).
 *
 * Wireshark decodes Modbus/TCP only on port 502 and tells requests from responses by that port
 * alone, so the oracle keys count only PDUs with 502 on one side, classified that way. Modbus found
 * on other ports goes into the extra key `other_ports` (same keys, our own direction).
 */
import type { ProtocolEvent, ProtocolStats } from '../types.js';
import { DEVICE_ID_FIRST_NON_STRING, FC_ENCAPSULATED_INTERFACE, MEI_READ_DEVICE_IDENTIFICATION, MODBUS_TCP_PORT } from './constants.js';
import { PROTOCOL } from './decoder.js';
import type { ModbusFields } from './records.js';
import { EndpointTextSet } from '../net/endpoint-text.js';

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

class Tally {
  pdus = 0;
  requests = 0;
  responses = 0;
  unknown = 0;
  readonly byFunction = new Map<number, number>();
  readonly exceptions = new Map<string, number>();
  readonly deviceIds = new Set<string>();
  readonly servers = new EndpointTextSet();
  readonly clients = new Set<string>();
  readonly units = new Set<number>();

  add(e: ProtocolEvent<object>, f: ModbusFields, dir: 'request' | 'response' | 'unknown'): void {
    this.pdus++;
    this.byFunction.set(f.functionCode, (this.byFunction.get(f.functionCode) ?? 0) + 1);
    // Wireshark shows an exception only for a non-zero code after a function code with bit 0x80.
    if (f.exceptionCode) {
      const k = `${f.functionCode}:${f.exceptionCode}`;
      this.exceptions.set(k, (this.exceptions.get(k) ?? 0) + 1);
    }
    this.units.add(f.unitId);
    if (dir === 'request') {
      this.requests++;
      this.servers.add(e.dst);
      this.clients.add(e.src.ip);
    } else if (dir === 'response') {
      this.responses++;
      this.servers.add(e.src);
      this.clients.add(e.dst.ip);
      if (f.functionCode === FC_ENCAPSULATED_INTERFACE && f.meiType === MEI_READ_DEVICE_IDENTIFICATION && f.objects && f.exceptionCode === undefined) {
        for (const o of f.objects) if (o.id < DEVICE_ID_FIRST_NON_STRING) this.deviceIds.add(o.value);
      }
    } else {
      this.unknown++;
    }
  }

  section(): ModbusSection {
    return {
      pdus: this.pdus,
      requests: this.requests,
      responses: this.responses,
      unknown_dir: this.unknown,
      by_function: countObject([...this.byFunction].sort((x, y) => x[0] - y[0]).map(([k, v]) => [String(k), v])),
      exceptions: countObject([...this.exceptions].sort(([x], [y]) => compareExceptionKeys(x, y))),
      device_identification: [...this.deviceIds].sort(),
      servers: [...this.servers.texts].sort(),
      clients: [...this.clients].sort(),
      unit_ids: [...this.units].sort((x, y) => x - y),
    };
  }
}

export class ModbusStats implements ProtocolStats {
  private readonly p502 = new Tally();
  private readonly other = new Tally();

  onEvent(e: ProtocolEvent<object>): void {
    if (e.protocol !== PROTOCOL) return;
    const f = e.fields as ModbusFields;
    const s = e.src.port === MODBUS_TCP_PORT;
    const d = e.dst.port === MODBUS_TCP_PORT;
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

function compareExceptionKeys(x: string, y: string): number {
  const [xf, xc] = x.split(':').map(Number) as [number, number];
  const [yf, yc] = y.split(':').map(Number) as [number, number];
  return xf - yf || xc - yc;
}
