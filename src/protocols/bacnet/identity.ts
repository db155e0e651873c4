/**
 * Device identity from decoded services: I-Am, I-Have, and values read back from a device object
 * (ReadProperty/ReadPropertyMultiple acks describe the responder, the event's src).
 */
import type { IdentityAttribute, IdentityClaim } from '../../core/events.js';
import {
  DEVICE_INSTANCE_WILDCARD,
  OBJECT_DEVICE,
  PROP_DESCRIPTION,
  PROP_FIRMWARE_REVISION,
  PROP_LOCATION,
  PROP_MODEL_NAME,
  PROP_OBJECT_IDENTIFIER,
  PROP_OBJECT_NAME,
  PROP_SERIAL_NUMBER,
  PROP_VENDOR_IDENTIFIER,
  PROP_VENDOR_NAME,
} from './constants.js';
import type { ServiceRecord } from './services.js';
import { VENDORS } from './vendors.js';

/**
 * Device-object properties that say who the device is. application-software-version has no
 * attribute in the contract (no "software"): it stays in the event's values, not in a claim; mapping it
 * to firmware would contradict firmware-revision (NOTES.md).
 */
const DEVICE_PROPERTY_ATTRIBUTES: ReadonlyMap<number, IdentityAttribute> = new Map<number, IdentityAttribute>([
  [PROP_VENDOR_NAME, 'vendor'],
  [PROP_MODEL_NAME, 'model'],
  [PROP_FIRMWARE_REVISION, 'firmware'],
  [PROP_OBJECT_NAME, 'name'],
  [PROP_LOCATION, 'location'],
  [PROP_DESCRIPTION, 'description'],
  [PROP_SERIAL_NUMBER, 'serial'],
]);

export function vendorName(id: number): string | undefined {
  return VENDORS.get(id);
}

/**
 * Claims about the sender (src) carried by one decoded service, or undefined. `device`: the sender is a
 * device behind the router at src ('bacnet:<network>:<mac hex>', routing.ts), not src itself.
 */
export function identityClaims(rec: ServiceRecord, device?: string): IdentityClaim[] | undefined {
  let out: IdentityClaim[] | undefined;
  const add = (attribute: IdentityAttribute, value: string): void => {
    if (value === '') return;
    (out ??= []).push(device === undefined ? { about: 'src', attribute, value } : { about: 'src', device, attribute, value });
  };
  if (rec.iam) {
    add('device_instance', String(rec.iam.instance));
    add('vendor_id', String(rec.iam.vendorId));
    const name = vendorName(rec.iam.vendorId);
    if (name) add('vendor', name);
  }
  if (rec.ihaveDevice !== undefined) add('device_instance', String(rec.ihaveDevice));
  if (rec.results) {
    for (const r of rec.results) {
      if (r.objectType !== OBJECT_DEVICE) continue;
      if (r.instance !== DEVICE_INSTANCE_WILDCARD) add('device_instance', String(r.instance));
      const first = r.values[0];
      if (r.property === PROP_VENDOR_IDENTIFIER && typeof first === 'number') {
        add('vendor_id', String(first));
        const name = vendorName(first);
        if (name) add('vendor', name);
        continue;
      }
      if (r.property === PROP_OBJECT_IDENTIFIER && typeof first === 'string') {
        const m = /^device:(\d+)$/.exec(first);
        if (m) add('device_instance', m[1]!);
        continue;
      }
      if (typeof first !== 'string') continue;
      const attr = DEVICE_PROPERTY_ATTRIBUTES.get(r.property);
      if (attr) add(attr, first);
    }
  }
  return out && dedupe(out);
}

function dedupe(claims: IdentityClaim[]): IdentityClaim[] {
  if (claims.length < 2) return claims;
  const seen = new Set<string>();
  return claims.filter((c) => {
    const k = `${c.attribute}\u0000${c.value}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
