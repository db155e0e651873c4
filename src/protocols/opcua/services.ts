/**
 * Service binary-encoding type ids (namespace 0) of OPC 10000-4, as the first field of every MSG body
 * carries them, with the otwatch operation each one means for the server it is sent to.
 * Ids are the `<Service>_Encoding_DefaultBinary` object ids of the standard nodeset.
 */
import type { Direction, Operation } from '../../core/events.js';

export interface ServiceInfo {
  name: string;
  operation: Operation;
  direction: Direction;
}

/** [request id, service base name, operation]; the response id is request id + 3 in every pair below. */
const PAIRS: ReadonlyArray<readonly [number, string, Operation]> = [
  [422, 'FindServers', 'discovery'],
  [428, 'GetEndpoints', 'discovery'],
  [437, 'RegisterServer', 'discovery'],
  [12208, 'FindServersOnNetwork', 'discovery'],
  [12211, 'RegisterServer2', 'discovery'],
  [446, 'OpenSecureChannel', 'session'],
  [452, 'CloseSecureChannel', 'session'],
  [461, 'CreateSession', 'session'],
  [467, 'ActivateSession', 'session'],
  [473, 'CloseSession', 'session'],
  [479, 'Cancel', 'session'],
  // Node management changes the address space: the audit sees it as a write to the server.
  [488, 'AddNodes', 'write'],
  [494, 'AddReferences', 'write'],
  [500, 'DeleteNodes', 'write'],
  [506, 'DeleteReferences', 'write'],
  [527, 'Browse', 'browse'],
  [533, 'BrowseNext', 'browse'],
  [554, 'TranslateBrowsePathsToNodeIds', 'browse'],
  [560, 'RegisterNodes', 'browse'],
  [566, 'UnregisterNodes', 'browse'],
  [615, 'QueryFirst', 'read'],
  [621, 'QueryNext', 'read'],
  [631, 'Read', 'read'],
  [664, 'HistoryRead', 'read'],
  [673, 'Write', 'write'],
  [700, 'HistoryUpdate', 'write'],
  [712, 'Call', 'call'],
  [751, 'CreateMonitoredItems', 'subscribe'],
  [763, 'ModifyMonitoredItems', 'subscribe'],
  [769, 'SetMonitoringMode', 'subscribe'],
  [775, 'SetTriggering', 'subscribe'],
  [781, 'DeleteMonitoredItems', 'subscribe'],
  [787, 'CreateSubscription', 'subscribe'],
  [793, 'ModifySubscription', 'subscribe'],
  [799, 'SetPublishingMode', 'subscribe'],
  [826, 'Publish', 'subscribe'],
  [832, 'Republish', 'subscribe'],
  [841, 'TransferSubscriptions', 'subscribe'],
  [847, 'DeleteSubscriptions', 'subscribe'],
];

export const SERVICE_FAULT = 397;

export const SERVICE_OPEN_SECURE_CHANNEL_REQUEST = 446;
export const SERVICE_OPEN_SECURE_CHANNEL_RESPONSE = 449;
export const SERVICE_FIND_SERVERS_REQUEST = 422;
export const SERVICE_FIND_SERVERS_RESPONSE = 425;
export const SERVICE_GET_ENDPOINTS_REQUEST = 428;
export const SERVICE_GET_ENDPOINTS_RESPONSE = 431;
export const SERVICE_REGISTER_SERVER_REQUEST = 437;
export const SERVICE_REGISTER_SERVER2_REQUEST = 12211;
export const SERVICE_CREATE_SESSION_REQUEST = 461;
export const SERVICE_CREATE_SESSION_RESPONSE = 464;
export const SERVICE_ACTIVATE_SESSION_REQUEST = 467;
export const SERVICE_WRITE_REQUEST = 673;
export const SERVICE_CALL_REQUEST = 712;

function buildTable(): Map<number, ServiceInfo> {
  const table = new Map<number, ServiceInfo>();
  for (const [id, base, operation] of PAIRS) {
    table.set(id, { name: `${base}Request`, operation, direction: 'request' });
    table.set(id + 3, { name: `${base}Response`, operation, direction: 'response' });
  }
  table.set(SERVICE_FAULT, { name: 'ServiceFault', operation: 'other', direction: 'response' });
  return table;
}

/** Type id → service. Frozen at load: the hot path only reads it. */
export const SERVICES: ReadonlyMap<number, ServiceInfo> = buildTable();
