/**
 * The decoder registry: one line per protocol module. Order matters only for heuristics: on a port no
 * module claims, modules are probed in this order.
 */
import type { ProtocolModule, ProtocolSecurity } from '../core/events.js';
import { opcuaModule } from './opcua/index.js';
import { modbusModule } from './modbus/index.js';
import { bacnetModule } from './bacnet/index.js';
import { s7commModule } from './s7comm/index.js';
import { pnDcpModule } from './pn_dcp/index.js';
import { iec104Module } from './iec104/index.js';
import { enipModule } from './enip/index.js';
import { dnp3Module } from './dnp3/index.js';
import { dnsModules } from './dns/index.js';
import { dhcpModule } from './dhcp/index.js';
import { netbiosModules } from './netbios/index.js';

export const protocolModules: ProtocolModule[] = [
  opcuaModule,
  modbusModule,
  bacnetModule,
  s7commModule,
  pnDcpModule,
  iec104Module,
  enipModule,
  dnp3Module,
  ...dnsModules,
  dhcpModule,
  ...netbiosModules,
];

/** The IP address a routed device id encodes, asked of the module that names such devices (BACnet/IP nodes). */
export function routedDeviceIp(deviceId: string): string | undefined {
  for (const m of protocolModules) {
    const ip = m.routedDeviceIp?.(deviceId);
    if (ip !== undefined) return ip;
  }
  return undefined;
}

const securityByProtocol = new Map<string, ProtocolSecurity>();
for (const m of protocolModules) for (const [name, s] of Object.entries(m.security ?? {})) securityByProtocol.set(name, s);

/**
 * How a protocol (by event name) protects its messages, as its own module declares it; undefined for protocols that
 * declare nothing (DNS, DHCP, NetBIOS: names only, never judged by the audit's protection rules).
 */
export function protocolSecurity(protocol: string): ProtocolSecurity | undefined {
  return securityByProtocol.get(protocol.toLowerCase());
}
