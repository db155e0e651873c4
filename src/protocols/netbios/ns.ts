/**
 * NetBIOS name service (UDP 137): the DNS message layout with first-level encoded names. Registrations,
 * refreshes and positive answers bind a name to the NB address in their records; a node status answer
 * lists the names of the node that sends it. Only unique workstation/server names become claims.
 */
import type { IdentityClaim } from '../../core/events.js';
import { parseMessage, type DnsMessage, type ResourceRecord } from '../dns/records.js';
import { ipv4ToString } from '../../net/addr.js';
import {
  BINDING_OPCODES,
  MAX_CLAIMS,
  NB_ENTRY_LEN,
  NB_FLAG_GROUP,
  NBSTAT_NAME_LEN,
  NS_OPCODE_NAMES,
  NS_OPCODE_QUERY,
  RR_TYPE_NB,
  RR_TYPE_NBSTAT,
} from './constants.js';
import { decodeFirstLevel, isHostName, nameText, readNetbiosName, type NetbiosName } from './names.js';

export interface NbnsFields {
  id: number;
  opcode: string;
  rcode?: number;
  broadcast: boolean;
  question?: string; // "PLC-LINE3<00>"
  nodeStatus?: boolean;
  /** Name → address bindings (NB records) or the names of a node status answer. */
  names?: { name: string; group: boolean; ip?: string }[];
  malformed?: string;
}

export interface NbnsMessage {
  fn: string;
  response: boolean;
  detail: string;
  fields: NbnsFields;
  /** Claims: `ip` set for NB records; about the sender for a node status answer. */
  claims: IdentityClaim[];
}

const FLAG_BROADCAST = 0x0010;

export function decodeNbns(buf: Buffer): NbnsMessage | undefined {
  const msg = parseMessage(buf);
  if (!msg) return undefined;
  const h = msg.header;
  const q = msg.questions[0];
  const qName = q ? readNetbiosName(buf, q.off)?.name : undefined;
  const nodeStatus = q?.type === RR_TYPE_NBSTAT || msg.answers[0]?.type === RR_TYPE_NBSTAT;
  const fields: NbnsFields = {
    id: h.id,
    opcode: NS_OPCODE_NAMES[h.opcode] ?? String(h.opcode),
    broadcast: (h.flags & FLAG_BROADCAST) !== 0,
  };
  if (h.response) fields.rcode = h.rcode;
  if (qName) fields.question = nameText(qName);
  if (nodeStatus) fields.nodeStatus = true;
  if (msg.malformed) fields.malformed = msg.malformed;
  const bindings = nameBindings(buf, msg);
  if (bindings.length > 0)
    fields.names = bindings.map((b) => ({ name: nameText(b.name), group: b.group, ...(b.ip !== undefined ? { ip: b.ip } : {}) }));
  const claims: IdentityClaim[] = [];
  const keys = new Set<string>();
  for (const b of bindings) {
    if (!isHostName(b.name, b.group) || claims.length >= MAX_CLAIMS) continue;
    const key = `${b.ip ?? ''} ${b.name.name}`;
    if (keys.has(key)) continue;
    keys.add(key);
    claims.push(
      b.ip !== undefined
        ? { about: 'src', ip: b.ip, attribute: 'name', value: b.name.name }
        : { about: 'src', attribute: 'name', value: b.name.name },
    );
  }
  const base = nodeStatus ? 'node_status' : (NS_OPCODE_NAMES[h.opcode] ?? `opcode_${h.opcode}`);
  const fn = h.response ? `${base}_response` : base;
  const first = bindings.find((b) => b.ip !== undefined);
  const detail = [
    fn,
    fields.question ?? (bindings[0] ? nameText(bindings[0].name) : undefined),
    first?.ip !== undefined ? `= ${first.ip}` : undefined,
    h.response && h.rcode !== 0 ? `rcode ${h.rcode}` : undefined,
  ]
    .filter((x) => x !== undefined)
    .join(' ');
  return { fn, response: h.response, detail, fields, claims };
}

interface Binding {
  name: NetbiosName;
  group: boolean;
  ip?: string; // absent: a name of the node answering a node status request
}

/**
 * The bindings a message asserts: NB records of registrations/refreshes (request: additional section)
 * and of positive answers (answer section), and the name table of a node status answer. A release, a
 * WACK or a negative answer asserts nothing.
 */
export function nameBindings(buf: Buffer, msg: DnsMessage): Binding[] {
  const h = msg.header;
  const out: Binding[] = [];
  if (h.response && h.rcode !== 0) return out;
  if (h.response) {
    for (const rr of msg.answers) {
      if (rr.type === RR_TYPE_NBSTAT) nodeStatusNames(buf, rr, out);
      else if (BINDING_OPCODES.has(h.opcode)) nbRecord(buf, rr, out);
    }
  } else if (BINDING_OPCODES.has(h.opcode) && h.opcode !== NS_OPCODE_QUERY) {
    for (const rr of msg.additional) nbRecord(buf, rr, out);
  }
  return out;
}

function nbRecord(buf: Buffer, rr: ResourceRecord, out: Binding[]): void {
  if (rr.type !== RR_TYPE_NB || rr.rdLen % NB_ENTRY_LEN !== 0) return;
  const n = readNetbiosName(buf, rr.off);
  if (!n) return;
  for (let p = rr.rdOff; p + NB_ENTRY_LEN <= rr.rdOff + rr.rdLen && out.length < MAX_CLAIMS; p += NB_ENTRY_LEN) {
    out.push({ name: n.name, group: (buf.readUInt16BE(p) & NB_FLAG_GROUP) !== 0, ip: ipv4ToString(buf.readUInt32BE(p + 2)) });
  }
}

/** NBSTAT RDATA: NUM_NAMES, then 15-char name + suffix + NAME_FLAGS each (names are not encoded here). */
function nodeStatusNames(buf: Buffer, rr: ResourceRecord, out: Binding[]): void {
  if (rr.rdLen < 1) return;
  const count = buf[rr.rdOff]!;
  const end = rr.rdOff + rr.rdLen;
  for (let i = 0, p = rr.rdOff + 1; i < count && p + NBSTAT_NAME_LEN <= end && out.length < MAX_CLAIMS; i++, p += NBSTAT_NAME_LEN) {
    const name: NetbiosName = { name: buf.toString('latin1', p, p + 15).replace(/[ \x00]+$/, ''), suffix: buf[p + 15]! };
    out.push({ name, group: (buf.readUInt16BE(p + 16) & NB_FLAG_GROUP) !== 0 });
  }
}

/** Probe: DNS-layout header with a NetBIOS opcode and counts that fit, and a first name that decodes. */
export function looksLikeNbns(buf: Buffer): boolean {
  if (buf.length < 12 + 34) return false;
  const flags = buf.readUInt16BE(2);
  if (NS_OPCODE_NAMES[(flags >> 11) & 0x0f] === undefined) return false;
  const qd = buf.readUInt16BE(4);
  const an = buf.readUInt16BE(6);
  const ns = buf.readUInt16BE(8);
  const ar = buf.readUInt16BE(10);
  if (qd > 1 || an > 1 || ns > 1 || ar > 1 || qd + an === 0) return false; // RFC 1002 messages carry one name
  return buf[12] === 0x20 && decodeFirstLevel(buf, 13) !== undefined;
}
