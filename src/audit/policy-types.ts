/**
 * The validated, normalised zone/conduit policy: what the loader returns and the audit reads.
 * The YAML a user writes is described by policy.schema.json; this is its checked form, with every
 * shorthand expanded (SL-T as seven levels, default ports filled in, dates as seconds).
 */
import type { Operation } from '../core/events.js';
import type { FR } from './constants.js';

/** A position in the policy file (1-based). */
export interface SourcePos {
  line: number;
  col: number;
}

/** One problem in a policy file: where, what is wrong, what was expected. */
export interface PolicyError {
  file: string;
  line: number;
  col: number;
  /** JSON-pointer-like path in the document, e.g. /zones/2/members/0/cidr ('' for the document). */
  path: string;
  message: string;
}

/** An SL-T per foundational requirement; null where the policy gives none. */
export type SecurityLevels = Record<FR, number | null>;

export type MemberKind = 'cidr' | 'range' | 'ip' | 'vlan' | 'mac' | 'asset';

export interface Member {
  kind: MemberKind;
  /** As written: '10.20.1.0/24', '10.20.2.10-10.20.2.20', 20, 'aa:bb:..', 'hmi-01'. */
  value: string | number;
  /** For address members: inclusive numeric interval and address family. */
  interval?: IpInterval;
  pos: SourcePos;
}

export interface IpInterval {
  family: 4 | 6;
  start: bigint;
  end: bigint;
}

export interface Zone {
  id: string;
  name: string;
  description?: string;
  level: number | null; // Purdue level
  /** True when the policy gives any SL-T for the zone. */
  hasSlt: boolean;
  slt: SecurityLevels;
  members: Member[];
  exclude: Member[];
  pos: SourcePos;
}

/** One end of a conduit: a whole zone, or a single asset / address range (in or outside a zone). */
export type ConduitEnd =
  | { kind: 'zone'; zone: string; pos: SourcePos }
  | { kind: 'asset'; asset: string; pos: SourcePos }
  | { kind: 'addresses'; text: string; interval: IpInterval; pos: SourcePos };

/** Which end may open the conversation: 'a', 'b' or 'either'. */
export type InitiatorSide = 'a' | 'b' | 'either';

export interface ConduitFlow {
  /** 'modbus', 's7comm', ... or 'tcp'/'udp' for any protocol on the ports. */
  protocol: string;
  transport: 'tcp' | 'udp' | null; // null: not stated and not derivable (the path's transport is accepted)
  /** Responder ports; empty: any port (only for a named protocol with no known default). */
  ports: number[];
  initiator: InitiatorSide;
  /** Operations allowed; null: every operation. */
  allow: Operation[] | null;
  deny: Operation[];
  description?: string;
  pos: SourcePos;
}

export interface Conduit {
  id: string;
  name: string;
  description?: string;
  a: ConduitEnd;
  b: ConduitEnd;
  flows: ConduitFlow[];
  hasSlt: boolean;
  slt: SecurityLevels;
  /** Whether confidentiality is required on the conduit (OPC UA Sign-only then falls short). */
  confidentiality: boolean | null;
  enforcement: string[];
  notes?: string;
  owner?: string;
  /** Seconds since the epoch after which the conduit is no longer valid (end of the expiry day). */
  expires: number | null;
  expiresText?: string;
  pos: SourcePos;
}

export interface Policy {
  file: string;
  version: number;
  name?: string;
  zones: Zone[];
  conduits: Conduit[];
}

export type LoadResult = { ok: true; policy: Policy } | { ok: false; errors: PolicyError[] };
