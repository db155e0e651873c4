/**
 * What a DCP PDU does (function, operation, a detail line for auditors) and what it says about the
 * device that sent it (identity claims). Pure functions of the parsed PDU.
 */
import type { IdentityClaim, Operation } from '../../core/events.js';
import {
  BLOCK_ERRORS,
  CONTROL_END_TRANSACTION,
  CONTROL_FACTORY_RESET,
  CONTROL_RESET_TO_FACTORY,
  CONTROL_RESPONSE,
  CONTROL_SIGNAL,
  CONTROL_START_TRANSACTION,
  DEVICE_ALIAS,
  DEVICE_ID,
  DEVICE_INSTANCE,
  DEVICE_NAME_OF_STATION,
  DEVICE_OEM_ID,
  DEVICE_OPTIONS,
  DEVICE_ROLE,
  DEVICE_VENDOR,
  IP_FULL_SUITE,
  IP_INFO_CONFLICT,
  IP_INFO_SET_MASK,
  IP_MAC,
  IP_PARAMETER,
  OPTION_ALL,
  OPTION_CONTROL,
  OPTION_DEVICE,
  OPTION_DEVICE_INITIATIVE,
  OPTION_DHCP,
  OPTION_IP,
  QUALIFIER_PERMANENT,
  ROLE_NAMES,
  SERVICE_GET,
  SERVICE_HELLO,
  SERVICE_IDENTIFY,
  SERVICE_NAMES,
  SERVICE_SET,
  SIGNAL_FLASH_ONCE,
  TYPE_REQUEST,
  TYPE_RESPONSE_SUCCESS,
} from './constants.js';
import { isResponseType, type DcpBlock, type DcpPdu, type IpSettings } from './records.js';

const MAX_DETAIL = 200;

export const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
export const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** 'IO-Device', 'IO-Controller, IO-Supervisor', or the raw byte when no known bit is set. */
export function roleName(role: number): string {
  const names = ROLE_NAMES.filter(([bit]) => role & bit).map(([, n]) => n);
  return names.length ? names.join(', ') : `role ${hex2(role)}`;
}

export const ipText = (s: IpSettings): string => `${s.ip}/${s.mask} gw ${s.gateway}`;

/** What a Set does, from the option/suboption pairs it sets (request) or answers (response). */
export interface SetKind {
  fn: string;
  operation: Operation;
}

type Pair = readonly [option: number, suboption: number];

/**
 * A factory reset wipes name and address: it outranks any write in the same PDU. Writing a name, an
 * address or DHCP settings renames or re-addresses the device. Flashing the LED and transaction
 * brackets alone change nothing but are commands to the device.
 */
export function setKind(pairs: readonly Pair[]): SetKind {
  if (pairs.some(([o, s]) => o === OPTION_CONTROL && s === CONTROL_FACTORY_RESET)) return { fn: 'factory_reset', operation: 'control' };
  if (pairs.some(([o, s]) => o === OPTION_CONTROL && s === CONTROL_RESET_TO_FACTORY))
    return { fn: 'reset_to_factory', operation: 'control' };
  const written: string[] = [];
  for (const [o, s] of pairs) {
    if (o === OPTION_CONTROL) continue;
    const what = writeTarget(o, s);
    if (!written.includes(what)) written.push(what);
  }
  if (written.length) return { fn: `set_${written.join('_')}`, operation: 'write' };
  if (pairs.some(([o, s]) => o === OPTION_CONTROL && s === CONTROL_SIGNAL)) return { fn: 'signal', operation: 'control' };
  return { fn: 'set_transaction', operation: 'control' };
}

function writeTarget(option: number, suboption: number): string {
  if (option === OPTION_IP) return suboption === IP_MAC ? 'mac' : 'ip';
  if (option === OPTION_DEVICE) {
    if (suboption === DEVICE_NAME_OF_STATION) return 'name';
    if (suboption === DEVICE_ALIAS) return 'alias';
    return 'device';
  }
  if (option === OPTION_DHCP) return 'dhcp';
  if (option === OPTION_DEVICE_INITIATIVE) return 'initiative';
  return 'other';
}

export interface Classified {
  fn: string;
  operation: Operation;
  detail: string;
}

export function classify(pdu: DcpPdu): Classified {
  const service = SERVICE_NAMES[pdu.serviceId];
  const response = isResponseType(pdu.serviceType);
  if (!service || !(pdu.serviceType === TYPE_REQUEST || response)) {
    return { fn: service ?? `service_${pdu.serviceId}`, operation: 'other', detail: `service ${pdu.serviceId} type ${pdu.serviceType}` };
  }
  if (pdu.serviceId === SERVICE_SET) {
    const pairs: Pair[] = response
      ? pdu.blocks.filter((b) => b.response).map((b) => [b.response!.option, b.response!.suboption] as const)
      : pdu.blocks.map((b) => [b.option, b.suboption] as const);
    const kind = setKind(pairs);
    return { ...kind, detail: clip(describe(pdu, response)) };
  }
  // Identify, Hello and Get find devices and read what they say about themselves.
  return { fn: service, operation: 'discovery', detail: clip(describe(pdu, response)) };
}

function clip(s: string): string {
  return s.length > MAX_DETAIL ? `${s.slice(0, MAX_DETAIL - 1)}…` : s;
}

function describe(pdu: DcpPdu, response: boolean): string {
  const head = `${SERVICE_NAMES[pdu.serviceId]} ${response ? (pdu.serviceType === TYPE_RESPONSE_SUCCESS ? 'ok' : 'unsupported') : 'request'}`;
  const parts = pdu.selectors
    ? pdu.selectors.map((s) => optionName(s >> 8, s & 0xff))
    : pdu.blocks.map((b) => blockText(b, pdu.serviceId === SERVICE_SET && !response)).filter((t) => t !== '');
  return parts.length ? `${head}: ${parts.join(', ')}` : head;
}

function blockText(b: DcpBlock, setRequest: boolean): string {
  const kept =
    setRequest && b.qualifier !== undefined && b.option !== OPTION_CONTROL
      ? b.qualifier & QUALIFIER_PERMANENT
        ? ' (permanent)'
        : ' (temporary)'
      : '';
  const assign = setRequest ? ' := ' : ' ';
  if (b.response) {
    const err = BLOCK_ERRORS[b.response.error] ?? `error ${b.response.error}`;
    return `${optionName(b.response.option, b.response.suboption)} ${err}`;
  }
  if (b.text !== undefined) return `${optionName(b.option, b.suboption)}${assign}'${b.text}'${kept}`;
  if (b.ip) return `IP${assign}${ipText(b.ip)}${kept}`;
  if (b.mac !== undefined) return `MAC ${b.mac}`;
  if (b.vendorId !== undefined)
    return `${b.suboption === DEVICE_OEM_ID ? 'OEM ' : ''}vendor ${hex4(b.vendorId)} device ${hex4(b.deviceId!)}`;
  if (b.role !== undefined) return roleName(b.role);
  if (b.instance !== undefined) return `instance ${b.instance >> 8}.${b.instance & 0xff}`;
  if (b.signal !== undefined) return b.signal === SIGNAL_FLASH_ONCE ? 'signal flash once' : `signal ${hex4(b.signal)}`;
  if (b.option === OPTION_CONTROL && b.qualifier !== undefined)
    return `${optionName(b.option, b.suboption)} (qualifier ${hex4(b.qualifier)})`;
  if (b.options) return '';
  return optionName(b.option, b.suboption);
}

/** A short name of an option/suboption pair, for details. */
export function optionName(option: number, suboption: number): string {
  switch (option) {
    case OPTION_IP:
      return suboption === IP_MAC
        ? 'MAC'
        : suboption === IP_PARAMETER
          ? 'IP'
          : suboption === IP_FULL_SUITE
            ? 'full IP suite'
            : `IP/${suboption}`;
    case OPTION_DEVICE:
      switch (suboption) {
        case DEVICE_VENDOR:
          return 'DeviceVendorValue';
        case DEVICE_NAME_OF_STATION:
          return 'NameOfStation';
        case DEVICE_ID:
          return 'device id';
        case DEVICE_ROLE:
          return 'device role';
        case DEVICE_OPTIONS:
          return 'device options';
        case DEVICE_ALIAS:
          return 'AliasName';
        case DEVICE_INSTANCE:
          return 'device instance';
        case DEVICE_OEM_ID:
          return 'OEM device id';
        default:
          return `device/${suboption}`;
      }
    case OPTION_DHCP:
      return `DHCP/${suboption}`;
    case OPTION_CONTROL:
      switch (suboption) {
        case CONTROL_START_TRANSACTION:
          return 'start transaction';
        case CONTROL_END_TRANSACTION:
          return 'end transaction';
        case CONTROL_SIGNAL:
          return 'signal';
        case CONTROL_RESPONSE:
          return 'response';
        case CONTROL_FACTORY_RESET:
          return 'factory reset';
        case CONTROL_RESET_TO_FACTORY:
          return 'reset to factory';
        default:
          return `control/${suboption}`;
      }
    case OPTION_DEVICE_INITIATIVE:
      return 'device initiative';
    case OPTION_ALL:
      return 'all';
    default:
      return `option ${option}/${suboption}`;
  }
}

/** Whether the PDU is the sender describing itself: a successful Identify or Get response, or a Hello. */
export function isSelfReport(pdu: DcpPdu): boolean {
  if (pdu.serviceId === SERVICE_HELLO) return pdu.serviceType === TYPE_REQUEST;
  return (pdu.serviceId === SERVICE_IDENTIFY || pdu.serviceId === SERVICE_GET) && pdu.serviceType === TYPE_RESPONSE_SUCCESS;
}

/**
 * The address a device reports as its own, when it says it has one: set (statically or by DHCP), not
 * 0.0.0.0, and without an address conflict (then another station uses it too, and it proves nothing).
 */
export function ownAddress(pdu: DcpPdu): IpSettings | undefined {
  for (const b of pdu.blocks) {
    if (b.option !== OPTION_IP || !b.ip || b.ip.ip === '0.0.0.0' || b.ip.ip === '') continue;
    const info = b.info ?? 0;
    if ((info & IP_INFO_SET_MASK) === 0 || info & IP_INFO_CONFLICT) continue;
    return b.ip;
  }
  return undefined;
}

/**
 * Identity claims of a self-report about its sender (`srcMac`). Requests name other devices (an Identify
 * filter, the name a Set would give): they claim nothing. Every claim is about the sender (src), whose
 * MAC keys it; when the device reports an address of its own, one more claim names that address with
 * the MAC it belongs to (`ip` + `mac`, as a DHCP lease does), so that the inventory binds the two: the
 * station name when there is one, else the first other value.
 */
export function identityClaims(pdu: DcpPdu, srcMac: string | undefined): IdentityClaim[] | undefined {
  if (!isSelfReport(pdu)) return undefined;
  const out: IdentityClaim[] = [];
  const add = (attribute: IdentityClaim['attribute'], value: string) => {
    if (value !== '') out.push({ about: 'src', attribute, value });
  };
  for (const b of pdu.blocks) {
    if (b.option !== OPTION_DEVICE) continue;
    switch (b.suboption) {
      case DEVICE_NAME_OF_STATION:
        add('name', b.text ?? '');
        break;
      case DEVICE_VENDOR:
        add('vendor', b.text ?? '');
        break;
      case DEVICE_ID:
        if (b.vendorId === undefined) break;
        add('vendor_id', hex4(b.vendorId));
        add('product', hex4(b.deviceId!));
        break;
      case DEVICE_ROLE:
        if (b.role !== undefined) add('description', `PROFINET ${roleName(b.role)}`);
        break;
      case DEVICE_INSTANCE:
        if (b.instance !== undefined) add('device_instance', `${b.instance >> 8}.${b.instance & 0xff}`);
        break;
    }
  }
  const own = ownAddress(pdu);
  const named = out.find((c) => c.attribute === 'name') ?? out[0];
  if (own && srcMac && named) out.push({ ...named, ip: own.ip, mac: srcMac });
  return out.length ? out : undefined;
}
