/**
 * The inventory's output model: what the store persists, the audit checks and the API serves.
 * (The contract between src/inventory, src/store, src/audit and src/api.)
 */
import type { IdentityAttribute, Operation, Transport } from './events.js';
import type { AssetId, PathId } from './ids.js';

export type AssetRole =
  | 'plc' // PLC / controller: Modbus or S7 server, BACnet device with process objects
  | 'hmi' // HMI / SCADA: polls many controllers
  | 'engineering_workstation' // programs, stops, or reads SZL / identity of controllers
  | 'opcua_server'
  | 'opcua_client'
  | 'bacnet_controller'
  | 'historian'
  | 'gateway' // router / gateway: one MAC fronting many IPs across subnets
  | 'server' // IT server seen only as a responder of non-industrial protocols
  | 'workstation' // IT client
  | 'unknown';

export interface IdentityValue {
  value: string;
  protocol: string; // which protocol reported it
  ts: number; // when (seconds since the epoch)
}

export interface Asset {
  /** Stable id: 'mac:aa:bb:..' for a device known by its MAC, 'ip:10.0.0.5' when only the IP is known (behind a router). */
  id: AssetId;
  ips: string[];
  macs: string[];
  vlans: number[];
  macVendor?: string;
  names: string[];
  identity: Partial<Record<IdentityAttribute, IdentityValue>>;
  role: AssetRole;
  roleEvidence: string[]; // one line each: "S7comm server on 102 to 3 clients"
  purdueLevel: number | null; // 0-5 guess from the role
  protocolsServer: string[];
  protocolsClient: string[];
  firstSeen: number;
  lastSeen: number;
  /**
   * A device behind a router (a BACnet MS/TP device, id 'bacnet:<network>:<mac hex>', no IP or MAC of its
   * own): the id of the router asset it is reached through. Absent for every other asset.
   */
  via?: string;
  /** A router of devices that are assets of their own: the networks it reaches them on ('bacnet:3'), sorted. */
  routes?: string[];
}

export interface OperationSummary {
  count: number;
  examples: string[]; // a few distinct event.detail values: "HR 40001-40010 unit 1"
  functions: Record<string, number>; // event.fn -> count
}

/** (initiator asset, responder asset, protocol, responder port) */
export interface Path {
  id: PathId; // stable: hash of the key
  initiator: AssetId;
  responder: AssetId;
  initiatorIp: string;
  responderIp: string;
  protocol: string; // 'modbus', 's7comm', 'opcua', 'bacnet', 'http', 'ssh', 'tcp/8443', ...
  transport: Transport;
  responderPort: number;
  packetsToResponder: number;
  packetsToInitiator: number;
  bytesToResponder: number;
  bytesToInitiator: number;
  firstSeen: number;
  lastSeen: number;
  operations: Partial<Record<Operation, OperationSummary>>;
  /** Merged security facts from events, each with every value seen: { security_mode: ['None'], auth: ['anonymous'] } */
  facts: Record<string, string[]>;
}

/** Something that changed, for the plant engineer watching the service. */
export interface InventoryChange {
  ts: number;
  kind: 'new_asset' | 'identity_changed' | 'asset_silent' | 'new_path';
  assetId: AssetId;
  detail: string;
}
