/**
 * What a CIP request does, in the audit's terms: its service name and Operation. Services 0x4b-0x63 mean
 * different things per class (0x4e is Forward Close on the Connection Manager, Read-Modify-Write on a Logix
 * tag), so the class, or a symbolic tag path, decides.
 */
import type { Operation } from '../../core/events.js';
import {
  CLASS_CONNECTION_MANAGER,
  CLASS_FILE,
  CLASS_IDENTITY,
  CLASS_LOGIX_SYMBOL,
  CLASS_LOGIX_TEMPLATE,
  CLASS_PCCC,
  CLASS_ROCKWELL_FIRMWARE,
  CM_SERVICE_NAMES,
  COMMON_SERVICE_NAMES,
  FILE_SERVICE_NAMES,
  FIRST_CLASS_SPECIFIC_SERVICE,
  SVC_APPLY_ATTRIBUTES,
  SVC_CM_FORWARD_CLOSE,
  SVC_CM_FORWARD_OPEN,
  SVC_CM_LARGE_FORWARD_OPEN,
  SVC_CM_UNCONNECTED_SEND,
  SVC_CREATE,
  SVC_DELETE,
  SVC_EXECUTE_PCCC,
  SVC_FIND_NEXT_OBJECT_INSTANCE,
  SVC_GET_ATTRIBUTES_ALL,
  SVC_GET_ATTRIBUTE_LIST,
  SVC_GET_ATTRIBUTE_SINGLE,
  SVC_GET_INSTANCE_ATTRIBUTE_LIST,
  SVC_GET_MEMBER,
  SVC_INSERT_MEMBER,
  SVC_READ_TAG,
  SVC_READ_TAG_FRAGMENTED,
  SVC_REMOVE_MEMBER,
  SVC_RESET,
  SVC_RESTORE,
  SVC_SAVE,
  SVC_SET_ATTRIBUTES_ALL,
  SVC_SET_ATTRIBUTE_LIST,
  SVC_SET_ATTRIBUTE_SINGLE,
  SVC_SET_MEMBER,
  SVC_START,
  SVC_STOP,
  TAG_SERVICE_NAMES,
} from './constants.js';
import type { EPath } from './epath.js';

export interface Classified {
  fn: string;
  operation: Operation;
}

/** The class a request addresses: its first class segment (undefined for a tag path). */
export function classOf(p: EPath): number | undefined {
  return p.classes.length > 0 ? p.classes[0] : undefined;
}

export function isUnconnectedSend(service: number, p: EPath): boolean {
  return service === SVC_CM_UNCONNECTED_SEND && classOf(p) === CLASS_CONNECTION_MANAGER;
}

export function isForwardOpen(service: number, p: EPath): boolean {
  return (service === SVC_CM_FORWARD_OPEN || service === SVC_CM_LARGE_FORWARD_OPEN) && classOf(p) === CLASS_CONNECTION_MANAGER;
}

export function isForwardClose(service: number, p: EPath): boolean {
  return service === SVC_CM_FORWARD_CLOSE && classOf(p) === CLASS_CONNECTION_MANAGER;
}

export function classifyRequest(service: number, p: EPath): Classified {
  const cls = classOf(p);
  if (service < FIRST_CLASS_SPECIFIC_SERVICE)
    return { fn: COMMON_SERVICE_NAMES.get(service) ?? hexName('service', service), operation: commonOperation(service, cls) };
  if (cls === CLASS_CONNECTION_MANAGER) {
    const fn = CM_SERVICE_NAMES.get(service);
    if (fn) {
      // Unconnected Send takes its embedded request's operation (set by the decoder); opens and closes are sessions.
      const operation: Operation =
        service === SVC_CM_UNCONNECTED_SEND
          ? 'other'
          : service === SVC_CM_FORWARD_OPEN || service === SVC_CM_LARGE_FORWARD_OPEN || service === SVC_CM_FORWARD_CLOSE
            ? 'session'
            : 'read';
      return { fn, operation };
    }
  }
  if (p.tag !== undefined || cls === CLASS_LOGIX_SYMBOL) {
    const fn = TAG_SERVICE_NAMES.get(service);
    if (fn)
      return {
        fn,
        operation:
          service === SVC_READ_TAG || service === SVC_READ_TAG_FRAGMENTED || service === SVC_GET_INSTANCE_ATTRIBUTE_LIST ? 'read' : 'write',
      };
  }
  if (cls === CLASS_LOGIX_TEMPLATE && service === SVC_READ_TAG) return { fn: 'read_template', operation: 'read' };
  if (cls === CLASS_FILE) {
    const fn = FILE_SERVICE_NAMES.get(service);
    if (fn) return { fn, operation: 'program' };
  }
  if (cls === CLASS_ROCKWELL_FIRMWARE) return { fn: hexName('firmware_update', service), operation: 'program' };
  if (cls === CLASS_PCCC && service === SVC_EXECUTE_PCCC) return { fn: 'execute_pccc', operation: 'other' };
  return { fn: cls === undefined ? hexName('service', service) : `class_${hexByte(cls)}_service_${hexByte(service)}`, operation: 'other' };
}

function commonOperation(service: number, cls: number | undefined): Operation {
  switch (service) {
    case SVC_GET_ATTRIBUTES_ALL:
    case SVC_GET_ATTRIBUTE_LIST:
    case SVC_GET_ATTRIBUTE_SINGLE:
    case SVC_GET_MEMBER:
      // Reading the Identity object is how a tool fingerprints a device.
      return cls === CLASS_IDENTITY ? 'identify' : 'read';
    case SVC_SET_ATTRIBUTES_ALL:
    case SVC_SET_ATTRIBUTE_LIST:
    case SVC_SET_ATTRIBUTE_SINGLE:
    case SVC_SET_MEMBER:
    case SVC_INSERT_MEMBER:
    case SVC_REMOVE_MEMBER:
    case SVC_APPLY_ATTRIBUTES:
      return 'write';
    case SVC_RESET: // Identity reset reboots the device (or restores factory defaults)
    case SVC_START: // Start/Stop on the Logix controller object switch Run/Program mode
    case SVC_STOP:
      return 'control';
    case SVC_CREATE: // Logix online edits create and delete program objects
    case SVC_DELETE:
    case SVC_RESTORE:
    case SVC_SAVE:
      return 'program';
    case SVC_FIND_NEXT_OBJECT_INSTANCE:
      return 'browse';
    default:
      return 'other';
  }
}

/**
 * Several embedded requests in one container (Multiple Service Packet): the one that matters most to the
 * audit names the container, so a conduit that forbids writes sees a write hidden among reads.
 */
const WEIGHT: Record<Operation, number> = {
  program: 10,
  control: 9,
  restart: 9,
  write: 8,
  auth: 7,
  session: 6,
  call: 5,
  read: 4,
  identify: 3,
  browse: 3,
  subscribe: 3,
  diagnostic: 2,
  discovery: 2,
  system: 2,
  io: 2,
  encrypted: 1, // never inside CIP: CIP Security encrypts below it
  other: 1,
};

export function dominant(a: Operation, b: Operation): Operation {
  return WEIGHT[b] > WEIGHT[a] ? b : a;
}

function hexByte(n: number): string {
  return `0x${n.toString(16).padStart(2, '0')}`;
}

function hexName(prefix: string, service: number): string {
  return `${prefix}_${hexByte(service)}`;
}
