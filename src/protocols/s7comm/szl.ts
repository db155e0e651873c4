/**
 * SZL answers that identify the PLC: 0x0011/0x0111 module identification (order number, hardware
 * and firmware versions) and 0x001C/0x011C component identification (names, serial number, module
 * type, copyright). Pure functions over the reassembled SZL records; never throw.
 */
import type { IdentityAttribute, IdentityClaim } from '../../core/events.js';
import {
  SZL11_BASIC_FIRMWARE,
  SZL11_BASIC_HARDWARE,
  SZL11_MODULE,
  SZL1C_AS_NAME,
  SZL1C_COPYRIGHT,
  SZL1C_LOCATION,
  SZL1C_MODULE_NAME,
  SZL1C_MODULE_TYPE,
  SZL1C_PLANT_DESIGNATION,
  SZL1C_SERIAL,
  SZL_COMPONENT_ID,
  SZL_COMPONENT_ID_ONE,
  SZL_COMPONENT_RECORD_LEN,
  SZL_COMPONENT_TEXT_LEN,
  SZL_MLFB_LEN,
  SZL_MODULE_ID,
  SZL_MODULE_ID_ONE,
  SZL_MODULE_RECORD_LEN,
  SZL_VERSION_MARK,
} from './constants.js';
import { SZL11_INDEX_NAMES, SZL1C_INDEX_NAMES } from './tables.js';

/** One SZL 0x0011 record. */
export interface ModuleIdRecord {
  index: number; // 0x0001 module, 0x0006 basic hardware, 0x0007 basic firmware, 0x0081 firmware extension
  kind?: string;
  mlfb: string; // order number ("Maschinenlesbare Fertigungsbezeichnung"), trimmed
  bgTyp: number; // module type id
  ausbg: number; // version of the module / release of the operating system
  ausbe: number; // release of the PG description file
  /** Human form of the version this record carries: "4" (hardware), "V3.2.6" (firmware). */
  version?: string;
}

export interface ComponentRecord {
  index: number;
  kind?: string;
  text: string; // trimmed at NUL and spaces
}

export interface SzlIdentity {
  modules?: ModuleIdRecord[];
  components?: ComponentRecord[];
  identity: Omit<IdentityClaim, 'about'>[];
}

export function isModuleIdSzl(id: number): boolean {
  return id === SZL_MODULE_ID || id === SZL_MODULE_ID_ONE;
}

export function isComponentIdSzl(id: number): boolean {
  return id === SZL_COMPONENT_ID || id === SZL_COMPONENT_ID_ONE;
}

/**
 * Records of an SZL answer at buf[off, end) with the announced record length and count. Only
 * whole records are read: a short answer yields the records it holds.
 */
export function decodeIdentitySzl(
  szlId: number,
  buf: Buffer,
  off: number,
  end: number,
  recordLength: number,
  count: number,
): SzlIdentity | undefined {
  if (isModuleIdSzl(szlId) && recordLength >= SZL_MODULE_RECORD_LEN) return moduleRecords(buf, off, end, recordLength, count);
  if (isComponentIdSzl(szlId) && recordLength >= SZL_COMPONENT_RECORD_LEN) return componentRecords(buf, off, end, recordLength, count);
  return undefined;
}

function moduleRecords(buf: Buffer, off: number, end: number, len: number, count: number): SzlIdentity {
  const modules: ModuleIdRecord[] = [];
  for (let i = 0, p = off; i < count && p + len <= end; i++, p += len) {
    const index = buf.readUInt16BE(p);
    const rec: ModuleIdRecord = {
      index,
      mlfb: text(buf, p + 2, p + 2 + SZL_MLFB_LEN),
      bgTyp: buf.readUInt16BE(p + 22),
      ausbg: buf.readUInt16BE(p + 24),
      ausbe: buf.readUInt16BE(p + 26),
    };
    const kind = SZL11_INDEX_NAMES[index];
    if (kind) rec.kind = kind;
    const v = moduleVersion(rec);
    if (v) rec.version = v;
    modules.push(rec);
  }
  return { modules, identity: moduleClaims(modules) };
}

/**
 * Firmware records put 'V' in the high byte of Ausbg: V<Ausbg lo>.<Ausbe hi>.<Ausbe lo>
 * (0x5603 0x0206 → V3.2.6). Module and hardware records carry a plain product version in Ausbg.
 */
export function moduleVersion(r: ModuleIdRecord): string | undefined {
  if (r.ausbg >> 8 === SZL_VERSION_MARK) return `V${r.ausbg & 0xff}.${r.ausbe >> 8}.${r.ausbe & 0xff}`;
  if (r.index === SZL11_MODULE || r.index === SZL11_BASIC_HARDWARE) return String(r.ausbg);
  return undefined;
}

/** Order number from the module record (else basic hardware), hardware from basic hardware (else module), firmware from basic firmware. */
function moduleClaims(mods: ModuleIdRecord[]): Omit<IdentityClaim, 'about'>[] {
  const by = (i: number): ModuleIdRecord | undefined => mods.find((m) => m.index === i);
  const module = by(SZL11_MODULE);
  const hw = by(SZL11_BASIC_HARDWARE);
  const fw = by(SZL11_BASIC_FIRMWARE);
  const out: Omit<IdentityClaim, 'about'>[] = [];
  const order = module?.mlfb || hw?.mlfb;
  if (order) out.push({ attribute: 'order_number', value: order });
  const hwv = hw?.version ?? module?.version;
  if (hwv) out.push({ attribute: 'hardware', value: hwv });
  if (fw?.version?.startsWith('V')) out.push({ attribute: 'firmware', value: fw.version });
  return out;
}

/** Which identity attribute each component text feeds (others stay in the record only). */
const COMPONENT_ATTRIBUTE: Readonly<Record<number, IdentityAttribute>> = {
  [SZL1C_AS_NAME]: 'name', // name of the automation system (station)
  [SZL1C_MODULE_NAME]: 'product', // module name: the product designation unless renamed
  [SZL1C_PLANT_DESIGNATION]: 'plant_designation',
  [SZL1C_COPYRIGHT]: 'description', // "Original Siemens Equipment": a claim of origin, not a vendor id
  [SZL1C_SERIAL]: 'serial',
  [SZL1C_MODULE_TYPE]: 'module_type',
  [SZL1C_LOCATION]: 'location',
};

function componentRecords(buf: Buffer, off: number, end: number, len: number, count: number): SzlIdentity {
  const components: ComponentRecord[] = [];
  const identity: Omit<IdentityClaim, 'about'>[] = [];
  for (let i = 0, p = off; i < count && p + len <= end; i++, p += len) {
    const index = buf.readUInt16BE(p);
    const rec: ComponentRecord = { index, text: text(buf, p + 2, p + 2 + SZL_COMPONENT_TEXT_LEN) };
    const kind = SZL1C_INDEX_NAMES[index];
    if (kind) rec.kind = kind;
    components.push(rec);
    const attribute = COMPONENT_ATTRIBUTE[index];
    if (attribute && rec.text) identity.push({ attribute, value: rec.text });
  }
  return { components, identity };
}

/** Printable text of a fixed-size field: cut at the first NUL, trimmed, control bytes dropped. */
export function text(buf: Buffer, start: number, end: number): string {
  let e = start;
  while (e < end && buf[e] !== 0) e++;
  let s = '';
  for (let i = start; i < e; i++) {
    const c = buf[i];
    if (c >= 0x20 && c !== 0x7f) s += String.fromCharCode(c);
  }
  return s.trim();
}
