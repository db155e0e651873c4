/**
 * The `s7comm` section of the oracle (../shared/corpus/README.md), built from s7comm and
 * s7commplus events: PDUs per ROSCTR, job and ack_data functions, userdata group:subfunction, SZL
 * ids, order numbers, PLC stops, PI services, servers, clients and S7comm-plus frames.
 */
import type { Endpoint, ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { FN_PLC_STOP, ROSCTR_ACK_DATA, ROSCTR_JOB, ROSCTR_USERDATA } from './constants.js';
import { hex2 } from './classify.js';
import { serverEndpoint, type S7Fields } from './decoder.js';
import type { S7PlusFields } from './plus.js';
import { EndpointTextSet } from '../../net/endpoint-text.js';

const PLC_STOP = hex2(FN_PLC_STOP);

export interface S7Section {
  pdus: number;
  by_rosctr: Record<string, number>;
  job_functions: Record<string, number>;
  ackdata_functions: Record<string, number>;
  userdata: Record<string, number>;
  szl_ids: string[];
  order_numbers: string[];
  plc_stop: number;
  pi_services: string[];
  servers: string[];
  clients: string[];
  s7commplus_frames: number;
}

function bump(m: Record<string, number>, k: string): void {
  m[k] = (m[k] ?? 0) + 1;
}

export class S7Stats implements ProtocolStats {
  /** The oracle's s7comm section counts S7comm-plus frames too (`s7commplus_frames`). */
  readonly protocols = ['s7comm', 's7commplus'];
  private seen = false;
  private pdus = 0;
  /** By ROSCTR number (integer keys: the section lists them in ascending order, as it would as strings). */
  private readonly byRosctr: Record<number, number> = { 1: 0, 2: 0, 3: 0, 7: 0 };
  private readonly jobFunctions: Record<string, number> = {};
  private readonly ackdataFunctions: Record<string, number> = {};
  private readonly userdata: Record<string, number> = {};
  private readonly szlIds = new Set<string>();
  private readonly orderNumbers = new Set<string>();
  private plcStop = 0;
  private readonly piServices = new Set<string>();
  private readonly servers = new EndpointTextSet();
  private readonly clients = new Set<string>();
  /** Server endpoint → the client endpoint last counted with it: a conversation's peers are counted once, not per PDU. */
  private readonly counted = new WeakMap<Endpoint, Endpoint>();
  private plusFrames = 0;

  onEvent(event: ProtocolEvent<object>): void {
    // the two protocols' events come from S7Decoder alone (`protocols`): their fields are its S7PlusFields and S7Fields
    if (event.protocol === 's7commplus') {
      const f = event.fields as S7PlusFields;
      if (f.segment_start) this.plusFrames++;
      this.peers(event);
      return;
    }
    if (event.protocol !== 's7comm') return;
    const f = event.fields as S7Fields;
    const rosctr = f.rosctr;
    if (rosctr === undefined) return; // COTP connect events are not S7 PDUs
    this.peers(event);
    this.pdus++;
    this.byRosctr[rosctr] = (this.byRosctr[rosctr] ?? 0) + 1;
    const fc = f.function_code;
    if (rosctr === ROSCTR_JOB && fc) {
      bump(this.jobFunctions, fc);
      if (fc === PLC_STOP) this.plcStop++;
      if (f.pi_service) this.piServices.add(f.pi_service);
    } else if (rosctr === ROSCTR_ACK_DATA && fc && f.param_length !== 0) {
      bump(this.ackdataFunctions, fc);
    } else if (rosctr === ROSCTR_USERDATA) {
      if (f.function_group !== undefined && f.subfunction !== undefined) bump(this.userdata, `${f.function_group}:${f.subfunction}`);
      // SZL ids and order numbers come in userdata only (read SZL): other PDUs skip looking for them
      if (f.szl_id !== undefined) this.szlIds.add(f.szl_id);
      if (f.szl_answer_id !== undefined) this.szlIds.add(f.szl_answer_id);
      if (f.order_numbers !== undefined) for (const o of f.order_numbers) this.orderNumbers.add(o);
    }
  }

  private peers(event: ProtocolEvent<object>): void {
    this.seen = true;
    const server = serverEndpoint(event.src, event.dst, event.direction);
    const client = server === event.src ? event.dst : event.src;
    if (this.counted.get(server) === client) return;
    this.counted.set(server, client);
    this.servers.add(server);
    this.clients.add(client.ip);
  }

  section(): S7Section | undefined {
    if (!this.seen) return undefined;
    return {
      pdus: this.pdus,
      by_rosctr: { ...this.byRosctr },
      job_functions: { ...this.jobFunctions },
      ackdata_functions: { ...this.ackdataFunctions },
      userdata: { ...this.userdata },
      szl_ids: [...this.szlIds].sort(),
      order_numbers: [...this.orderNumbers].sort(),
      plc_stop: this.plcStop,
      pi_services: [...this.piServices].sort(),
      servers: [...this.servers.texts].sort(),
      clients: [...this.clients].sort(),
      s7commplus_frames: this.plusFrames,
    };
  }
}
