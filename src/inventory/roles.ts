/**
 * Role inference: a pure function of an asset's identity and the paths it takes part in, so that the
 * in-memory inventory and the store (after merging a second capture) reach the same verdict.
 * Each evidence line starts with the role it supports ("plc: s7comm server on tcp/102 to 2 clients"),
 * and the first line is the one that decided; a role chosen against the precedence says so
 * ("hmi: decided over plc: ...").
 *
 * All the evidence is weighed, not the first that matches:
 *  - a client of several controllers that offers a remote display (VNC, RDP) is an operator station
 *    (HMI) even when a PLC also polls a Modbus server of its own: panel PCs serve registers to the PLC;
 *  - a BACnet client that writes building controllers is a BMS operator station (an HMI, level 2), not
 *    an office workstation, however few its requests;
 *  - a client that only reads several controllers and passes the data on (serves trend pages, OPC UA,
 *    a database or a historian port) or is named a historian is a historian, not an HMI: an HMI writes.
 */
import type { Operation } from '../core/events.js';
import {
  CHANGING_OPERATIONS,
  CLIENT_ROLE_BY_SERVER_ROLE,
  CONTROLLER_ROLE_BY_PROTOCOL,
  DATA_SERVICE_PROTOCOLS,
  DATABASE_PROTOCOLS,
  ENGINEERING_OPERATIONS,
  HISTORIAN_MIN_CONTROLLERS,
  HISTORIAN_PATTERN,
  HMI_MIN_CONTROLLERS,
  HMI_MIN_POLLS_SINGLE,
  POLLING_OPERATIONS,
  PROTOCOL_LABELS,
  PURDUE_BY_ROLE,
  REMOTE_DISPLAY_PROTOCOLS,
  ROLE_PRECEDENCE,
  SERVER_ROLE_ALIASES,
} from './constants.js';
import { isRoutedDeviceId } from '../core/ids.js';
import type { Asset, AssetRole, Path } from '../core/model.js';

export type RolePath = Pick<
  Path,
  'initiator' | 'responder' | 'protocol' | 'transport' | 'responderPort' | 'operations' | 'packetsToInitiator'
>;

export interface RoleInput {
  identity: Asset['identity'];
  names: readonly string[];
  /** Set when the address evidence shows a router (one MAC fronting many IPs). */
  gatewayEvidence?: string;
  asInitiator: readonly RolePath[];
  asResponder: readonly RolePath[];
  /** The registry's serverRole of a protocol (undefined for non-industrial or silent protocols). */
  serverRoleOf(protocol: string): string | undefined;
  /** The asset's id, which says whether it is a device behind a router ('bacnet:3:1d'). */
  id?: string;
  /** A device behind a router: the router's asset id (Asset.via). */
  via?: string;
  /** A router of such devices: the networks it reaches (Asset.routes). */
  routes?: readonly string[];
}

export interface RoleVerdict {
  role: AssetRole;
  roleEvidence: string[];
  purdueLevel: number | null;
}

export const GATEWAY_EVIDENCE_PREFIX = 'gateway: ';

const protocolLabel = (p: string): string => PROTOCOL_LABELS[p] ?? p;

/** 'BACnet router to network 3' (one line for every network the asset routes to, grouped by protocol). */
export function routeEvidence(routes: readonly string[] | undefined): string | undefined {
  if (!routes?.length) return undefined;
  const byProtocol = new Map<string, string[]>();
  for (const r of routes) {
    const i = r.indexOf(':');
    const [protocol, net] = i < 0 ? [r, ''] : [r.slice(0, i), r.slice(i + 1)];
    byProtocol.set(protocol, [...(byProtocol.get(protocol) ?? []), net]);
  }
  return [...byProtocol]
    .map(([p, nets]) => `${protocolLabel(p)} router to network${nets.length === 1 ? '' : 's'} ${nets.join(', ')}`)
    .join('; ');
}

/** The gateway evidence that came from addresses (a MAC fronting many IPs), not from the networks it routes to. */
export function addressGatewayEvidence(a: Pick<Asset, 'roleEvidence' | 'routes'>): string | undefined {
  const routed = routeEvidence(a.routes);
  return a.roleEvidence.find((l) => l.startsWith(GATEWAY_EVIDENCE_PREFIX) && l !== GATEWAY_EVIDENCE_PREFIX + routed);
}

/** 'BACnet device 1d on network 3, reached through mac:…' for a device behind a router, with the role its protocol gives. */
function routedDeviceEvidence(id: string, via: string | undefined, serverRoleOf: RoleInput['serverRoleOf']): [AssetRole, string] {
  const [protocol, ...rest] = id.split(':');
  const mac = rest.length > 1 ? rest.pop()! : undefined;
  const where = mac === undefined ? `device ${id}` : `device ${mac} on network ${rest.join(':')}`;
  return [
    responderRole(protocol!, serverRoleOf(protocol!)) ?? 'unknown',
    `${protocolLabel(protocol!)} ${where}, reached through ${via ?? 'a router not seen on the network'}`,
  ];
}

/** The asset role a responder of `protocol` plays, or undefined when the protocol says nothing. */
export function responderRole(protocol: string, serverRole: string | undefined): AssetRole | undefined {
  if (!serverRole) return undefined;
  const role = SERVER_ROLE_ALIASES[serverRole];
  if (role === 'plc') return CONTROLLER_ROLE_BY_PROTOCOL[protocol] ?? 'plc';
  return role;
}

const isController = (role: AssetRole | undefined): boolean => role === 'plc' || role === 'bacnet_controller';

function opCount(p: RolePath, ops: readonly Operation[]): number {
  let n = 0;
  for (const op of ops) n += p.operations[op]?.count ?? 0;
  return n;
}

/** A responder that answered or was asked something: a SYN scan to a closed port makes no server. */
const served = (p: RolePath): boolean => p.packetsToInitiator > 0 || Object.keys(p.operations).length > 0;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function inferRole(input: RoleInput): RoleVerdict {
  const evidence = new Map<AssetRole, string[]>();
  const add = (role: AssetRole, line: string) => {
    const list = evidence.get(role) ?? [];
    list.push(`${role}: ${line}`);
    evidence.set(role, list);
  };
  if (input.gatewayEvidence) {
    evidence.set('gateway', [
      input.gatewayEvidence.startsWith(GATEWAY_EVIDENCE_PREFIX) ? input.gatewayEvidence : GATEWAY_EVIDENCE_PREFIX + input.gatewayEvidence,
    ]);
  }

  if (input.id !== undefined && isRoutedDeviceId(input.id)) {
    const [role, line] = routedDeviceEvidence(input.id, input.via, input.serverRoleOf);
    add(role, line);
  }

  // Server side, grouped by protocol and port.
  const servedBy = new Map<string, { role: AssetRole | undefined; clients: Set<string> }>();
  for (const p of input.asResponder) {
    if (!served(p)) continue;
    // Answering a layer-2 protocol that names no role (PROFINET DCP Identify: switches, IO devices and
    // controllers alike answer it) makes no server.
    if (p.transport === 'l2' && responderRole(p.protocol, input.serverRoleOf(p.protocol)) === undefined) continue;
    const key = `${p.protocol} on ${p.transport}/${p.responderPort}`;
    const entry = servedBy.get(key) ?? { role: responderRole(p.protocol, input.serverRoleOf(p.protocol)), clients: new Set<string>() };
    entry.clients.add(p.initiator);
    servedBy.set(key, entry);
  }
  for (const [key, { role, clients }] of servedBy) {
    const [protocol, where] = key.split(' on ');
    const line = `${protocol} server${where === protocol ? '' : ` on ${where}`} to ${plural(clients.size, 'client')}`;
    add(role ?? 'server', line);
  }

  // Client side: what it does to controllers and servers.
  const polled = new Map<string, number>(); // controller → read/write requests
  const written = new Set<string>(); // controllers it changed (write, call, program, control, restart)
  const bmsWritten = new Map<string, number>(); // BACnet controller → writes
  const controllerProtocols = new Set<string>();
  const engineering = new Map<string, number>(); // operation → count toward controllers
  const engineeringTargets = new Set<string>();
  const clientOf = new Map<string, Set<string>>(); // protocol → responders
  const uaRead = new Map<string, number>(); // OPC UA server → read/subscribe requests
  let subscribes = 0;
  for (const p of input.asInitiator) {
    const rRole = responderRole(p.protocol, input.serverRoleOf(p.protocol));
    const targets = clientOf.get(p.protocol) ?? new Set<string>();
    targets.add(p.responder);
    clientOf.set(p.protocol, targets);
    subscribes += p.operations.subscribe?.count ?? 0;
    if (isController(rRole)) {
      const polls = opCount(p, POLLING_OPERATIONS);
      if (polls > 0) {
        polled.set(p.responder, (polled.get(p.responder) ?? 0) + polls);
        controllerProtocols.add(p.protocol);
      }
      const changes = opCount(p, CHANGING_OPERATIONS);
      if (changes > 0) written.add(p.responder);
      const writes = p.operations.write?.count ?? 0;
      if (rRole === 'bacnet_controller' && writes > 0) bmsWritten.set(p.responder, (bmsWritten.get(p.responder) ?? 0) + writes);
      for (const op of ENGINEERING_OPERATIONS) {
        const n = p.operations[op]?.count ?? 0;
        if (n === 0) continue;
        engineering.set(op, (engineering.get(op) ?? 0) + n);
        engineeringTargets.add(p.responder);
      }
    } else if (rRole) {
      // OPC UA servers are where historians collect from in newer plants, as controllers are in older ones
      if (rRole === 'opcua_server') {
        const reads = opCount(p, ['read', 'subscribe']);
        if (reads > 0) uaRead.set(p.responder, (uaRead.get(p.responder) ?? 0) + reads);
        if (opCount(p, CHANGING_OPERATIONS) > 0) written.add(p.responder);
      }
      const clientRole = CLIENT_ROLE_BY_SERVER_ROLE[rRole];
      if (clientRole) add(clientRole, `${p.protocol} client of ${p.responder} (${p.transport}/${p.responderPort})`);
    }
  }
  const totalPolls = [...polled.values()].reduce((a, b) => a + b, 0);
  const protocolsText = [...controllerProtocols].sort().join(', ');
  const servedProtocols = (set: ReadonlySet<string>) =>
    [...servedBy].filter(([key]) => set.has(key.split(' on ')[0]!)).map(([key, { clients }]) => ({ key, clients: clients.size }));

  // Historian: reads several controllers, never changes them, and passes the data on or is named one.
  const idText = [...input.names, ...Object.values(input.identity).map((v) => v?.value ?? '')].join(' ');
  const historianName = idText.match(HISTORIAN_PATTERN)?.[0];
  const dataServed = [...servedProtocols(DATA_SERVICE_PROTOCOLS), ...servedProtocols(DATABASE_PROTOCOLS)];
  const sources = polled.size + uaRead.size;
  const readOnly = sources >= HISTORIAN_MIN_CONTROLLERS && written.size === 0;
  const collector = readOnly && (dataServed.length > 0 || !!historianName);
  // Reads several sources and serves OPC UA: the aggregating server of a SCADA, not an operator's HMI.
  const uaServed = servedProtocols(new Set(['opcua']));
  const aggregator = readOnly && !collector && uaServed.length > 0;
  if (collector) {
    const onward = dataServed.length
      ? `serves ${dataServed.map((d) => `${d.key} to ${plural(d.clients, 'client')}`).join(', ')}`
      : `is named '${historianName}'`;
    const what = [
      polled.size ? `${plural(polled.size, 'controller')} (${protocolsText})` : '',
      uaRead.size ? plural(uaRead.size, 'OPC UA server') : '',
    ].filter(Boolean);
    const requests = totalPolls + [...uaRead.values()].reduce((a, b) => a + b, 0);
    add('historian', `reads ${what.join(' and ')} with ${plural(requests, 'request')} and never writes, and ${onward}`);
  }

  const aggregatorLine = () =>
    `serves over OPC UA (${uaServed.map((d) => `${d.key} to ${plural(d.clients, 'client')}`).join(', ')}) what it reads from ${plural(sources, 'source')} without writing: an aggregating server, not an operator station`;
  const isHmi =
    !collector && !aggregator && (polled.size >= HMI_MIN_CONTROLLERS || (polled.size === 1 && totalPolls >= HMI_MIN_POLLS_SINGLE));
  if (isHmi) add('hmi', `polls ${plural(polled.size, 'controller')} with ${plural(totalPolls, 'read/write request')}`);
  // BMS operator station: a BACnet client that writes building controllers (setpoints, schedules, overrides),
  // however few its requests; listed when it is what decides (an HMI by polling says so already).
  if (bmsWritten.size > 0 && !isHmi) {
    const writes = [...bmsWritten.values()].reduce((a, b) => a + b, 0);
    add(
      'hmi',
      `BMS operator station: BACnet client that writes ${plural(bmsWritten.size, 'building controller')} (${plural(writes, 'write')})`,
    );
  }
  // Operator station: several controllers as a client, and a remote display of its own screen.
  const display = servedProtocols(REMOTE_DISPLAY_PROTOCOLS);
  const operatorStation = display.length > 0 && polled.size >= HMI_MIN_CONTROLLERS;
  if (operatorStation) add('hmi', `offers a remote display (${display.map((d) => d.key).join(', ')}) as operator stations do`);
  if (engineering.size > 0) {
    const ops = [...engineering]
      .sort()
      .map(([op, n]) => `${op} ×${n}`)
      .join(', ');
    const strong = [...engineering.keys()].some((op) => op !== 'identify');
    // Identification alone is what HMIs also do at connect: it marks an engineering station only when nothing else explains it.
    if (strong || !(isHmi || collector || bmsWritten.size > 0))
      add('engineering_workstation', `${ops} toward ${plural(engineeringTargets.size, 'controller')}`);
  }

  // Historian by identity alone, or a subscriber that serves a database.
  if (!collector && historianName) add('historian', `identity names a historian product (${historianName})`);
  else if (!collector && subscribes > 0 && input.asResponder.some((p) => served(p) && DATABASE_PROTOCOLS.has(p.protocol))) {
    add('historian', `subscribes to process data (${subscribes} subscribe requests) and serves a database`);
  }

  // Plain IT client when nothing else applies.
  if (evidence.size === 0 && clientOf.size > 0) {
    const protos = [...clientOf.keys()].sort();
    add('workstation', `client of ${protos.slice(0, 5).join(', ')}${protos.length > 5 ? ', ...' : ''}`);
  }

  // Routing to devices that are assets of their own (a BACnet router to MS/TP) makes a gateway of an
  // asset that does nothing else. A router that is itself a controller (its own device object, served to
  // clients) stays a controller: the field bus it routes to is part of its job, and 'gateway' would put it
  // at the operations level. Its routing is then listed after its role's evidence.
  const routed = routeEvidence(input.routes);
  let trailing: string | undefined;
  if (routed) {
    if (evidence.has('gateway') || !(evidence.has('plc') || evidence.has('bacnet_controller'))) add('gateway', routed);
    else trailing = GATEWAY_EVIDENCE_PREFIX + routed;
  }

  let role = ROLE_PRECEDENCE.find((r) => evidence.has(r)) ?? 'unknown';
  const decided: string[] = [];
  // A controller only by what it serves, while it polls several controllers and offers its screen: a panel PC.
  if (operatorStation && (role === 'plc' || role === 'bacnet_controller')) {
    decided.push(
      `hmi: decided over ${role}: client of ${plural(polled.size, 'controller')} (${protocolsText}) with a remote display; its ${[...servedBy.keys()].filter((k) => !REMOTE_DISPLAY_PROTOCOLS.has(k.split(' on ')[0]!)).join(', ')} server is data it offers to others`,
    );
    role = 'hmi';
  }
  if (aggregator && role === 'opcua_server') decided.push(`opcua_server: ${aggregatorLine()}`);
  const roleEvidence = [...decided, ...(evidence.get(role) ?? [])];
  for (const r of ROLE_PRECEDENCE) if (r !== role) roleEvidence.push(...(evidence.get(r) ?? []));
  if (trailing) roleEvidence.push(trailing);
  return { role, roleEvidence, purdueLevel: PURDUE_BY_ROLE[role] };
}
