/**
 * The contract between the pipeline and the protocol decoders.
 *
 * Data flows one way: capture source → frames (parsers/capture, parsers/net) → flows and
 * reassembled streams (agent/flows) → protocol decoders (parsers/<protocol>) → ProtocolEvent
 * → inventory, paths, audit. A decoder never sees a packet: it sees in-order bytes of one side
 * of one conversation (TCP) or one datagram (UDP), and reports what they mean as events.
 */

/** What a PDU does to the device it is sent to; the audit reasons in these terms. */
export type Operation =
  | 'read'
  | 'write'
  | 'diagnostic'
  | 'program' // program/config transfer: download, upload, delete, file write, object create
  | 'identify' // device identification, SZL reads
  | 'control' // PLC stop/start, force listen-only, reinitialize, comm control
  | 'session' // setup, login, password, channel management
  | 'call' // OPC UA method call
  | 'browse'
  | 'subscribe'
  | 'discovery'
  | 'restart'
  | 'auth'
  | 'io' // cyclic I/O data (EtherNet/IP class 0/1 connections)
  | 'system' // station services: clock synchronisation, reset process, test (IEC 60870-5-104)
  | 'encrypted' // an encrypted body (OPC UA SignAndEncrypt): what it does cannot be read from the network
  | 'other';

export const OPERATIONS: readonly Operation[] = [
  'read',
  'write',
  'diagnostic',
  'program',
  'identify',
  'control',
  'session',
  'call',
  'browse',
  'subscribe',
  'discovery',
  'restart',
  'auth',
  'io',
  'system',
  'encrypted',
  'other',
];

export type Direction = 'request' | 'response' | 'unknown';
/**
 * 'l2': a protocol carried directly over Ethernet, in 802.2 LLC frames (BACnet/Ethernet) or under its own
 * EtherType (PROFINET DCP 0x8892); its endpoints are known by MAC (ip '' and port 0).
 */
export type Transport = 'tcp' | 'udp' | 'l2';

export interface Endpoint {
  ip: string; // dotted IPv4 or compressed IPv6, as ipaddr.js would print it
  port: number;
  mac?: string; // lower-case aa:bb:cc:dd:ee:ff of the frame's Ethernet address on this side, if any
  vlan?: number; // VLAN of the frames this endpoint sends, when tagged
}

/** One conversation as the flow table knows it. */
export interface FlowRef {
  /** Stable id within one analysis, e.g. "tcp 10.0.0.1:50000 > 10.0.0.2:502 #1". */
  id: string;
  transport: Transport;
  /** The side that opened the conversation (SYN sender, or the non-well-known-port side mid-stream). */
  initiator: Endpoint;
  responder: Endpoint;
  vlan?: number;
}

/** Attributes a protocol can report about a device (the inventory keeps each with protocol and time). */
export type IdentityAttribute =
  | 'vendor'
  | 'vendor_id'
  | 'product' // product name / product code
  | 'model'
  | 'order_number'
  | 'firmware'
  | 'software' // application software version
  | 'hardware'
  | 'serial'
  | 'name' // system / object / application / host name
  | 'module_type'
  | 'plant_designation'
  | 'location'
  | 'description'
  | 'application_uri'
  | 'product_uri'
  | 'device_instance';

export interface IdentityClaim {
  /** Which endpoint of the event the claim describes. */
  about: 'src' | 'dst';
  /**
   * A device behind that endpoint rather than the endpoint itself: a BACnet MS/TP device reached
   * through a router ('bacnet:<network>:<mac hex>'). The inventory makes it an asset of its own.
   */
  device?: string;
  /**
   * An address the claim is about when it is neither endpoint: a DNS or NetBIOS answer names a third
   * host; a DHCP ACK names the address it hands out. Overrides `about`.
   */
  ip?: string;
  /** With `ip`: the MAC that address belongs to, when the message says (DHCP client hardware address). */
  mac?: string;
  attribute: IdentityAttribute;
  value: string;
}

/** One decoded PDU / message. Every decoder emits these, and only these, to the rest of otwatch. */
export interface ProtocolEvent<F extends object = Record<string, unknown>> {
  protocol: string; // registry name: 'modbus', 's7comm', 's7commplus', 'opcua', 'bacnet', ...
  ts: number; // seconds since the epoch (fractional)
  flow: FlowRef;
  src: Endpoint; // true sender of this PDU
  dst: Endpoint; // true receiver
  direction: Direction;
  /** Function or service name, snake_case, e.g. 'read_holding_registers', 'plc_stop', 'ReadRequest'. */
  fn: string;
  operation: Operation;
  /** A short human example for paths and findings: "HR 40001-40010 unit 1", "DB1.DBX0.0 len 4". */
  detail?: string;
  /** Decoded fields (protocol specific, JSON-serialisable). */
  fields: F;
  /** Device identity carried by the PDU. */
  identity?: IdentityClaim[];
  /** Security facts about the conversation (e.g. security_mode=None, auth=anonymous), merged into the path. */
  facts?: Record<string, string>;
  /**
   * Devices behind a router that the message comes from (src) or goes to (dst), when the protocol's own addressing
   * names them (BACnet's NPDU SNET/SADR and DNET/DADR): ids of the form IdentityClaim.device takes. The IP
   * endpoints of such a message are the router.
   */
  routed?: { src?: string; dst?: string };
}

/** Where a decoder sends what it finds. */
export interface DecoderContext {
  readonly flow: FlowRef;
  /** The true source and destination for bytes travelling from the initiator (true) or responder (false). */
  endpoints(fromInitiator: boolean): { src: Endpoint; dst: Endpoint };
  emit(event: ProtocolEvent<object>): void;
  /** Count (and log at debug) something that is not what the protocol says it should be. */
  anomaly(kind: string, detail?: string): void;
}

/** One instance per flow. Calls arrive in capture order. */
export interface StreamDecoder {
  /**
   * TCP: the next in-order bytes of one direction (may hold several PDUs or part of one).
   * UDP: one whole datagram. `data` is only valid during the call: copy what you keep.
   */
  onData(fromInitiator: boolean, data: Buffer, ts: number): void;
  /**
   * onData with the bytes in place: data[start, end), valid only during the call. A decoder that has it is
   * handed its segments and datagrams this way, so that no Buffer view is made for each one (a view is
   * ~100 bytes of garbage and tens of nanoseconds; a capture makes one per packet). onData then stays
   * the convenient form, for tests and callers holding a Buffer of their own.
   */
  onBytes?(fromInitiator: boolean, data: Buffer, start: number, end: number, ts: number): void;
  /** TCP only: `bytes` bytes are missing before the next onData of this direction. Resynchronise. */
  onGap?(fromInitiator: boolean, bytes: number, ts: number): void;
  /** The flow ended or the capture is over: flush partial state. */
  onEnd?(ts: number): void;
}

/** Oracle-format statistics for one protocol (see ../shared/corpus/README.md). */
export interface ProtocolStats {
  /**
   * The event protocols this builder counts (s7comm's also counts s7commplus): only their events are
   * offered to it. Without it, every event of every protocol is, and it ignores what is not its own.
   */
  readonly protocols?: readonly string[];
  onEvent(event: ProtocolEvent<object>): void;
  /** The section for `otwatch stats`, or undefined when the protocol was not seen. */
  section(): object | undefined;
}

export interface ProbeInfo {
  transport: 'tcp' | 'udp';
  fromInitiator: boolean;
  srcPort: number;
  dstPort: number;
}

/**
 * How a protocol protects its messages, declared by the protocol's own module (src/protocols/<name>/security.ts) and
 * read by the audit through the registry: the audit's rules name no protocol.
 */
export interface ProtocolSecurity {
  /** How the protocol reads in findings ('OPC UA'); default its event name. */
  displayName?: string;
  /**
   * Whether messages carry authentication and integrity protection: never (Modbus/TCP, S7comm), per path as a fact
   * shows (DNP3 secure authentication), or always (S7comm-plus integrity, OPC UA judged by its channel modes).
   */
  authentication: 'never' | 'optional' | 'always';
  /** Whether message bodies are encrypted: never, optional (OPC UA SignAndEncrypt), always. */
  encryption: 'never' | 'optional' | 'always';
  /** For optional authentication: the path fact that every message must show for the path to count as authenticated. */
  authenticatedFact?: { key: string; value: string };
  /** Secure channel modes (OPC UA): which path facts carry the mode and policy, and how to read their values. */
  secureChannel?: {
    modeFact: string;
    policyFact: string;
    /** A reported mode as 'None', 'Sign' or 'SignAndEncrypt' (other values pass through). */
    modeName(value: string): string;
    /** A reported policy as its short name ('Basic256Sha256', 'None'). */
    policyName(value: string): string;
    /** Policies the protocol's own specification deprecated. */
    deprecatedPolicies: readonly string[];
  };
  /** The path fact that shows a session without user identification (OPC UA's anonymous user token). */
  anonymousFact?: { key: string; value: string };
  /** One sentence for a finding's remediation; default: tunnel it or move to its secure variant. */
  remediation?: string;
}

/** What a protocol module registers (one line in src/protocols/registry.ts). */
export interface ProtocolModule {
  name: string;
  /**
   * The IP address a routed device id of this protocol encodes, when it does (a BACnet/IP node behind a router is
   * named by its B/IP address): the inventory then knows which IP asset that device is.
   */
  routedDeviceIp?(deviceId: string): string | undefined;
  /** How each protocol this module emits events for protects its messages (keyed by event protocol name). */
  security?: Readonly<Record<string, ProtocolSecurity>>;
  transports: readonly ('tcp' | 'udp')[];
  /** Well-known ports. A flow on one of them is offered to this decoder first. */
  ports: readonly number[];
  /**
   * Payload heuristic, given the first payload of a flow (either direction).
   * true: this is the protocol; false: it is not. Must be cheap and must not throw.
   */
  probe(data: Buffer, info: ProbeInfo): boolean;
  createDecoder(ctx: DecoderContext): StreamDecoder;
  /**
   * Protocols carried directly in 802.2 LLC frames (no IP): frames whose DSAP and SSAP equal `sap` are
   * handed, LLC header included, to one decoder per MAC pair.
   */
  llc?: { sap: number; createDecoder(ctx: DecoderContext): StreamDecoder };
  /**
   * Protocols with an EtherType of their own (PROFINET DCP 0x8892): frames of that type (after any VLAN
   * tags) are handed, from the EtherType's payload on, to one decoder per MAC pair.
   */
  ethertype?: { type: number; createDecoder(ctx: DecoderContext): StreamDecoder };
  /** Oracle-format section builder; a protocol without one does not appear in `otwatch stats`. */
  createStats?(): ProtocolStats;
  /**
   * The role the responder of this protocol plays, for the inventory: 'controller' (Modbus, S7,
   * BACnet devices with process objects), 'opcua_server', ... Omit for protocols that do not say.
   */
  serverRole?: string;
}

/** A conversation as the flow table reports it downstream when it expires or the capture ends. */
export interface FlowSummary {
  flow: FlowRef;
  /** Registry name of the decoder that handled it, or a port-derived name ('http', 'ssh', 'tcp/8443'). */
  protocol: string;
  /** True when a decoder was attached and accepted the payload. */
  decoded: boolean;
  firstSeen: number;
  lastSeen: number;
  packetsFromInitiator: number;
  packetsFromResponder: number;
  bytesFromInitiator: number; // IP payload bytes (transport header included)
  bytesFromResponder: number;
  /**
   * A TCP connection attempt that never became a conversation: the initiator's SYN, no payload either way, and
   * no SYN back. 'unanswered': nothing came back (a scan's probe, a host that is down), which proves nothing about
   * the address it was sent to; 'refused': a reset came back (a closed port: the host exists, no path was used).
   */
  attempt?: 'unanswered' | 'refused';
}

/** MAC ↔ IP evidence from ARP (and from every IP frame's Ethernet header, counted per pair). */
export interface AddressBinding {
  ts: number;
  mac: string;
  ip: string;
  vlan?: number;
  source: 'arp' | 'ip';
}

/** What the pipeline hands downstream. The inventory implements it; `stats` implements part of it. */
export interface PipelineSink {
  onEvent(event: ProtocolEvent<object>): void;
  onFlowEnd(summary: FlowSummary): void;
  /** MAC↔IP evidence. A sink without it (protocol statistics) spares the flow table finding and deduplicating it. */
  onBinding?(binding: AddressBinding): void;
}
