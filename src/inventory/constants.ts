/** Thresholds and tables of the inventory, named so that a reader can argue with them in one place. */
import type { AssetRole } from '../core/model.js';

/**
 * A MAC bound to more IPv4 addresses than this is a router/gateway fronting routed hosts, even when they
 * share a subnet: a plant device has one or two addresses, a DHCP renewal at most adds one more.
 */
export const ROUTER_MIN_IPS = 4;

/** IPv4 prefix length used to tell "several subnets" apart when the netmask is unknown (passive view). */
export const IPV4_SUBNET_BITS = 24;

/** IPv6 prefix length of a subnet (the interface identifier is the low 64 bits). */
export const IPV6_SUBNET_BITS = 64;

/** Distinct `detail` examples kept per operation of a path (the lexicographically smallest: order-independent). */
export const MAX_EXAMPLES = 5;

/** Names kept per address from DNS/NetBIOS/DHCP (a CDN address can answer for hundreds). */
export const MAX_NAMES = 16;

/** Distinct values kept per security fact of a path. */
export const MAX_FACT_VALUES = 20;

/** Read/write requests toward a single controller that make its client an HMI rather than a one-off tool. */
export const HMI_MIN_POLLS_SINGLE = 10;

/** Controllers polled with read/write by one client that make it an HMI/SCADA whatever the request count. */
export const HMI_MIN_CONTROLLERS = 2;

/** Default time without traffic after which an asset is reported silent (seconds). */
export const DEFAULT_SILENT_AFTER_S = 3600;

/** Operations toward a controller that only engineering software sends. */
export const ENGINEERING_OPERATIONS = ['program', 'control', 'identify', 'restart'] as const;

/** Operations an HMI/SCADA polls with. */
export const POLLING_OPERATIONS = ['read', 'write', 'subscribe'] as const;

/** Identity text or a host name that gives away a historian ('hist01.plant.example' is a common naming). */
export const HISTORIAN_PATTERN = /historian|osisoft|\bpi server\b|wonderware|aveva|influx|canary labs|ignition|\bhist\d+\b/i;

/**
 * Data sources (controllers, OPC UA servers) a read-only collector reads from before it counts as a
 * historian (when it also serves what it collects, or is named one): one source read without writing is
 * a reporting tool or a test client; a historian gathers a whole process area.
 */
export const HISTORIAN_MIN_CONTROLLERS = 2;

/**
 * Protocols a historian serves what it collected over: trend web pages, databases, and the ports of
 * historian products (OSIsoft PI Data Archive tcp/5450, PI AF tcp/5457, InfluxDB tcp/8086). Not OPC UA:
 * a read-only collector serving OPC UA is the aggregating OPC UA server of a SCADA, live data, not history.
 */
export const DATA_SERVICE_PROTOCOLS = new Set(['http', 'https', 'tcp/5450', 'tcp/5457', 'tcp/8086']);

/**
 * Remote display servers (VNC, RDP): an operator panel or HMI station offers one so that its screen can
 * be used from elsewhere; a controller does not.
 */
export const REMOTE_DISPLAY_PROTOCOLS = new Set(['vnc', 'rdp']);

/** Operations that change a controller's state: a client sending none of them to controllers only reads. */
export const CHANGING_OPERATIONS = ['write', 'call', 'program', 'control', 'restart'] as const;

/** Port-derived protocol names of databases a historian serves. */
export const DATABASE_PROTOCOLS = new Set([
  'mssql',
  'postgresql',
  'mysql',
  'oracle',
  'tcp/1433',
  'tcp/5432',
  'tcp/3306',
  'tcp/1521',
  'tcp/8086',
]);

/** Purdue level guessed from the role (null: the role says nothing about the level). */
export const PURDUE_BY_ROLE: Record<AssetRole, number | null> = {
  plc: 1, // basic control
  bacnet_controller: 1,
  hmi: 2, // supervisory control
  engineering_workstation: 2,
  opcua_server: 2, // usually a SCADA/gateway server; an embedded PLC server is classified 'plc' first
  opcua_client: 2,
  historian: 3, // site operations
  gateway: 3, // routers between levels usually sit at the operations/DMZ boundary
  server: 4, // IT services
  workstation: 4,
  unknown: null,
};

/** Role precedence when an asset shows several behaviours (first wins). */
export const ROLE_PRECEDENCE: readonly AssetRole[] = [
  'gateway',
  'plc',
  'bacnet_controller',
  'engineering_workstation',
  'hmi',
  'historian',
  'opcua_server',
  'opcua_client',
  'server',
  'workstation',
  'unknown',
];

/** serverRole values of the protocol registry that name an asset role directly; 'controller' means a PLC. */
export const SERVER_ROLE_ALIASES: Record<string, AssetRole> = {
  controller: 'plc',
  plc: 'plc',
  bacnet_controller: 'bacnet_controller',
  opcua_server: 'opcua_server',
  historian: 'historian',
  server: 'server',
};

/** Protocols whose clients of a server-role protocol get a client role. */
export const CLIENT_ROLE_BY_SERVER_ROLE: Partial<Record<AssetRole, AssetRole>> = {
  opcua_server: 'opcua_client',
};

/** Protocols whose controllers are better named by a protocol-specific role than 'plc'. */
export const CONTROLLER_ROLE_BY_PROTOCOL: Record<string, AssetRole> = {
  bacnet: 'bacnet_controller',
};

/** How evidence lines name a protocol when its registry name is not what people call it. */
export const PROTOCOL_LABELS: Record<string, string> = {
  bacnet: 'BACnet',
};
