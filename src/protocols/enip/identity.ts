/**
 * Identity claims from the CIP Identity record (ListIdentity replies, Identity object reads): vendor named
 * from the ODVA list, device type, product name, revision as firmware, serial number.
 */
import type { IdentityClaim } from '../../core/events.js';
import { ID_ATTR_DEVICE_TYPE, ID_ATTR_PRODUCT_NAME, ID_ATTR_REVISION, ID_ATTR_SERIAL, ID_ATTR_VENDOR } from './constants.js';
import { revisionText, serialText, type IdentityRecord } from './encap.js';
import { DEVICE_TYPES } from './names.js';
import { VENDORS } from './vendors.js';

export function vendorName(id: number): string | undefined {
  const n = VENDORS.get(id);
  return n === undefined || n === 'Reserved' ? undefined : n;
}

/** Claims about the sender of a reply that carries a whole identity record. */
export function identityClaims(r: IdentityRecord): IdentityClaim[] {
  const out: IdentityClaim[] = [];
  vendorClaims(r.vendorId, out);
  const type = DEVICE_TYPES.get(r.deviceType);
  if (type) out.push({ about: 'src', attribute: 'module_type', value: type });
  if (r.productName !== '') out.push({ about: 'src', attribute: 'product', value: r.productName });
  out.push({ about: 'src', attribute: 'firmware', value: revisionText(r.major, r.minor) });
  out.push({ about: 'src', attribute: 'serial', value: serialText(r.serial) });
  return out;
}

/** Claims from single Identity attributes (Get Attribute Single / List replies). */
export function attributeClaims(values: ReadonlyMap<number, number | string | [number, number]>): IdentityClaim[] {
  const out: IdentityClaim[] = [];
  for (const [attr, v] of values) {
    if (attr === ID_ATTR_VENDOR && typeof v === 'number') vendorClaims(v, out);
    else if (attr === ID_ATTR_DEVICE_TYPE && typeof v === 'number') {
      const type = DEVICE_TYPES.get(v);
      if (type) out.push({ about: 'src', attribute: 'module_type', value: type });
    } else if (attr === ID_ATTR_REVISION && Array.isArray(v))
      out.push({ about: 'src', attribute: 'firmware', value: revisionText(v[0], v[1]) });
    else if (attr === ID_ATTR_SERIAL && typeof v === 'number') out.push({ about: 'src', attribute: 'serial', value: serialText(v) });
    else if (attr === ID_ATTR_PRODUCT_NAME && typeof v === 'string' && v !== '') out.push({ about: 'src', attribute: 'product', value: v });
  }
  return out;
}

function vendorClaims(id: number, out: IdentityClaim[]): void {
  out.push({ about: 'src', attribute: 'vendor_id', value: String(id) });
  const name = vendorName(id);
  if (name) out.push({ about: 'src', attribute: 'vendor', value: name });
}

/** "1756-ENBT/A, Rockwell Automation/Allen-Bradley (1), Communications Adapter, rev 4.03, serial 0x00524d8e". */
export function describeIdentity(r: IdentityRecord): string {
  const parts = [r.productName || `product code ${r.productCode}`, `${vendorName(r.vendorId) ?? 'vendor'} (${r.vendorId})`];
  const type = DEVICE_TYPES.get(r.deviceType);
  parts.push(type ?? `device type ${r.deviceType}`);
  parts.push(`rev ${revisionText(r.major, r.minor)}`, `serial ${serialText(r.serial)}`);
  return parts.join(', ');
}
