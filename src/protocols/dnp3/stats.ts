/**
 * The `dnp3` section of `otwatch stats`, in the oracle's terms (../../../shared/corpus/README.md).
 *
 * Wireshark 4.0 decodes DNP3 only with port 20000 on one side (its heuristic is off by default), so the
 * oracle keys count only those events; DNP3 found elsewhere by the probe goes into the extra key
 * `other_ports` (same keys).
 */
import type { ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { EndpointTextSet } from '../../net/endpoint-text.js';
import { CTL_DIR, DNP3_PORT, isStationAddress } from './constants.js';
import { PROTOCOL, type Dnp3Fields } from './decoder.js';
import { linkFunctionKey } from './link.js';

export interface Dnp3Section {
  frames: number;
  app_fragments: number;
  functions: Record<string, number>;
  link_functions: Record<string, number>;
  masters: number[];
  outstations: number[];
  servers: string[];
  clients: string[];
  object_groups: string[];
  control_ops: number;
  restarts: number;
  file_ops: number;
  auth: number;
}

/**
 * Functions whose objects Wireshark 4.0.17 parses (packet-dnp.c dissect_dnp3_al): confirm, read, write,
 * select, operate, direct operate (with and without ack), the four freezes, enable/disable unsolicited,
 * open/close/delete file, response and unsolicited response. It does not parse the objects of the others
 * (assign class, freeze at time, restarts' responses aside, authentication 32/33/131, ...), so their
 * object headers are not in its `object_groups`; they are in our events all the same.
 */
const WIRESHARK_OBJECT_FUNCTIONS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 21, 25, 26, 27, 129, 130]);

class Tally {
  frames = 0;
  fragments = 0;
  readonly functions = new Map<number, number>();
  readonly linkFunctions = new Map<string, number>();
  readonly masters = new Set<number>();
  readonly outstations = new Set<number>();
  readonly servers = new EndpointTextSet();
  readonly clients = new Set<string>();
  readonly objectTypes = new Set<number>();
  control = 0;
  restarts = 0;
  fileOps = 0;
  auth = 0;

  add(e: ProtocolEvent<object>, f: Dnp3Fields, byPort: boolean): void {
    this.frames += f.frames;
    const src = f.link.source;
    const dst = f.link.destination;
    let dirSeen = false;
    let noDirSeen = false;
    for (const c of f.linkControls ?? [f.link.control]) {
      const k = linkFunctionKey(c);
      this.linkFunctions.set(k, (this.linkFunctions.get(k) ?? 0) + 1);
      if (c & CTL_DIR) dirSeen = true;
      else noDirSeen = true;
    }
    // DIR set: sent by a master to an outstation; clear: the other way round.
    if (dirSeen) {
      if (isStationAddress(src)) this.masters.add(src);
      if (isStationAddress(dst)) this.outstations.add(dst);
    }
    if (noDirSeen) {
      if (isStationAddress(src)) this.outstations.add(src);
      if (isStationAddress(dst)) this.masters.add(dst);
    }
    this.ends(e, dirSeen, byPort);
    const fc = f.app?.function;
    if (fc === undefined || fc < 0) return;
    this.fragments++;
    this.functions.set(fc, (this.functions.get(fc) ?? 0) + 1);
    if (fc >= 3 && fc <= 6) this.control++;
    else if (fc === 13 || fc === 14) this.restarts++;
    else if (fc >= 25 && fc <= 30) this.fileOps++;
    else if (fc === 32 || fc === 33) this.auth++;
    if (f.objectTypes && WIRESHARK_OBJECT_FUNCTIONS.has(fc)) for (const t of f.objectTypes) this.objectTypes.add(t);
  }

  /** Server: the port-20000 side; else the receiver of master frames, the sender of outstation frames. */
  private ends(e: ProtocolEvent<object>, fromMaster: boolean, byPort: boolean): void {
    const s = byPort && e.src.port === DNP3_PORT;
    const d = byPort && e.dst.port === DNP3_PORT;
    const srcIsServer = s !== d ? s : !fromMaster;
    if (srcIsServer) {
      this.servers.add(e.src);
      this.clients.add(e.dst.ip);
    } else {
      this.servers.add(e.dst);
      this.clients.add(e.src.ip);
    }
  }

  section(): Dnp3Section {
    const byNumber = (x: number, y: number) => x - y;
    const functions: Record<string, number> = {};
    for (const [k, v] of [...this.functions].sort((x, y) => x[0] - y[0])) functions[String(k)] = v;
    const linkFunctions: Record<string, number> = {};
    for (const [k, v] of [...this.linkFunctions].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))) linkFunctions[k] = v;
    return {
      frames: this.frames,
      app_fragments: this.fragments,
      functions,
      link_functions: linkFunctions,
      masters: [...this.masters].sort(byNumber),
      outstations: [...this.outstations].sort(byNumber),
      servers: [...this.servers.texts].sort(),
      clients: [...this.clients].sort(),
      object_groups: [...this.objectTypes].sort(byNumber).map((t) => `g${t >> 8}v${t & 0xff}`),
      control_ops: this.control,
      restarts: this.restarts,
      file_ops: this.fileOps,
      auth: this.auth,
    };
  }
}

export class Dnp3Stats implements ProtocolStats {
  readonly protocols = [PROTOCOL];
  private readonly p20000 = new Tally();
  private readonly other = new Tally();

  onEvent(e: ProtocolEvent<object>): void {
    if (e.protocol !== PROTOCOL) return;
    const f = e.fields as Dnp3Fields;
    if (e.src.port === DNP3_PORT || e.dst.port === DNP3_PORT) this.p20000.add(e, f, true);
    else this.other.add(e, f, false);
  }

  section(): (Partial<Dnp3Section> & { other_ports?: Dnp3Section }) | undefined {
    if (this.p20000.frames === 0 && this.other.frames === 0) return undefined;
    const out: Partial<Dnp3Section> & { other_ports?: Dnp3Section } = this.p20000.frames > 0 ? this.p20000.section() : {};
    if (this.other.frames > 0) out.other_ports = this.other.section();
    return out;
  }
}
