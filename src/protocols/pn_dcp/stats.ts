/** The `pn_dcp` section of `otwatch stats` (../shared/corpus/README.md), built from DCP events. */
import type { ProtocolEvent, ProtocolStats } from '../../core/events.js';
import {
  DEVICE_ID,
  DEVICE_NAME_OF_STATION,
  DEVICE_ROLE,
  DEVICE_VENDOR,
  OPTION_DEVICE,
  SERVICE_HELLO,
  SERVICE_IDENTIFY,
  SERVICE_SET,
  TYPE_REQUEST,
  TYPE_RESPONSE_SUCCESS,
} from './constants.js';
import { hex2, hex4 } from './classify.js';
import { PROTOCOL, type DcpFields } from './decoder.js';
import { isResponseType } from './records.js';

export interface DcpSection {
  services: Record<string, number>;
  station_names: string[];
  vendor_ids: string[];
  device_ids: string[];
  device_roles: string[];
  vendor_strings: string[];
  ip_settings: string[];
  set_requests: number;
  macs: string[];
}

export class DcpStats implements ProtocolStats {
  readonly protocols = [PROTOCOL];
  private seen = false;
  private readonly services = new Map<string, number>();
  private readonly names = new Set<string>();
  private readonly vendorIds = new Set<string>();
  private readonly deviceIds = new Set<string>();
  private readonly roles = new Set<string>();
  private readonly vendorStrings = new Set<string>();
  private readonly ipSettings = new Set<string>();
  private setRequests = 0;
  private readonly macs = new Set<string>();

  onEvent(event: ProtocolEvent<object>): void {
    if (event.protocol !== PROTOCOL) return;
    this.seen = true;
    const f = event.fields as DcpFields;
    const key = `${f.service_id}:${f.service_type}`;
    this.services.set(key, (this.services.get(key) ?? 0) + 1);
    const request = f.service_type === TYPE_REQUEST;
    if (f.service_id === SERVICE_SET && request) this.setRequests++;
    if (f.service_id === SERVICE_IDENTIFY && f.service_type === TYPE_RESPONSE_SUCCESS && event.src.mac) this.macs.add(event.src.mac);
    // IP blocks of Identify requests are search filters, not settings.
    const settings = isResponseType(f.service_type) || (request && (f.service_id === SERVICE_SET || f.service_id === SERVICE_HELLO));
    for (const b of f.blocks) {
      if (b.ip && settings) this.ipSettings.add(`${b.ip.ip}/${b.ip.mask}/${b.ip.gateway}`);
      if (b.option !== OPTION_DEVICE) continue;
      if (b.text !== undefined && b.text !== '') {
        if (b.suboption === DEVICE_NAME_OF_STATION) this.names.add(b.text);
        else if (b.suboption === DEVICE_VENDOR) this.vendorStrings.add(b.text);
      }
      if (b.suboption === DEVICE_ID && b.vendorId !== undefined) {
        this.vendorIds.add(hex4(b.vendorId));
        this.deviceIds.add(hex4(b.deviceId!));
      }
      if (b.suboption === DEVICE_ROLE && b.role !== undefined) this.roles.add(hex2(b.role));
    }
  }

  section(): DcpSection | undefined {
    if (!this.seen) return undefined;
    const services: Record<string, number> = {};
    for (const k of [...this.services.keys()].sort()) services[k] = this.services.get(k)!;
    return {
      services,
      station_names: sorted(this.names),
      vendor_ids: sorted(this.vendorIds),
      device_ids: sorted(this.deviceIds),
      device_roles: sorted(this.roles),
      vendor_strings: sorted(this.vendorStrings),
      ip_settings: sorted(this.ipSettings),
      set_requests: this.setRequests,
      macs: sorted(this.macs),
    };
  }
}

const sorted = (s: Set<string>): string[] => [...s].sort();
