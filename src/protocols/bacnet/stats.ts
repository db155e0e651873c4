/**
 * The `bacnet` section of `otwatch stats` (../shared/corpus/README.md), built from BACnet events.
 */
import type { ProtocolEvent, ProtocolStats } from '../../core/events.js';
import { PDU_COMPLEX_ACK, PDU_CONFIRMED_REQUEST, PDU_ERROR, PDU_SIMPLE_ACK, PDU_UNCONFIRMED_REQUEST, USVC_I_AM } from './constants.js';
import { PROTOCOL, type BacnetFields } from './decoder.js';

export interface BacnetSection {
  apdus: number;
  by_type: Record<string, number>;
  confirmed: Record<string, number>;
  unconfirmed: Record<string, number>;
  bvlc_functions: Record<string, number>;
  network_messages: Record<string, number>;
  iam_devices: number[];
  vendor_ids: number[];
  devices: string[];
  object_names: string[];
  char_strings: string[];
}

export class BacnetStats implements ProtocolStats {
  readonly protocols = [PROTOCOL];
  private seen = false;
  private apdus = 0;
  private readonly byType = new Map<number, number>();
  private readonly confirmed = new Map<number, number>();
  private readonly unconfirmed = new Map<number, number>();
  private readonly bvlc = new Map<number, number>();
  private readonly network = new Map<number, number>();
  private readonly iamDevices = new Set<number>();
  private readonly vendorIds = new Set<number>();
  private readonly devices = new Set<string>();
  private readonly objectNames = new Set<string>();
  private readonly charStrings = new Set<string>();

  onEvent(event: ProtocolEvent<object>): void {
    if (event.protocol !== PROTOCOL) return;
    this.seen = true;
    const f = event.fields as BacnetFields;
    if (f.bvlc !== undefined) bump(this.bvlc, f.bvlc);
    if (f.network_message !== undefined) bump(this.network, f.network_message);
    // Wireshark's empty strings leave no text to list.
    if (f.object_names) for (const n of f.object_names) if (n !== '') this.objectNames.add(n);
    if (f.char_strings) for (const s of f.char_strings) if (s !== '') this.charStrings.add(s);
    const type = f.apdu_type;
    if (type === undefined) return;
    this.apdus++;
    bump(this.byType, type);
    if (f.service === undefined) return;
    if (type === PDU_CONFIRMED_REQUEST || type === PDU_SIMPLE_ACK || type === PDU_COMPLEX_ACK || type === PDU_ERROR)
      bump(this.confirmed, f.service);
    else if (type === PDU_UNCONFIRMED_REQUEST) {
      bump(this.unconfirmed, f.service);
      if (f.service === USVC_I_AM && typeof f.device_instance === 'number') {
        this.iamDevices.add(f.device_instance);
        if (typeof f.vendor_id === 'number') this.vendorIds.add(f.vendor_id);
        // The sender as the capture shows it: the relaying BBMD for a forwarded NPDU; none over LLC.
        const sender = f.relay ?? (event.src.ip ? `${event.src.ip}:${event.src.port}` : undefined);
        if (sender) this.devices.add(sender);
      }
    }
  }

  section(): BacnetSection | undefined {
    if (!this.seen) return undefined;
    return {
      apdus: this.apdus,
      by_type: counts(this.byType, String),
      confirmed: counts(this.confirmed, String),
      unconfirmed: counts(this.unconfirmed, String),
      bvlc_functions: counts(this.bvlc, (k) => `0x${k.toString(16).padStart(2, '0')}`),
      network_messages: counts(this.network, String),
      iam_devices: [...this.iamDevices].sort((a, b) => a - b),
      vendor_ids: [...this.vendorIds].sort((a, b) => a - b),
      devices: [...this.devices].sort(),
      object_names: [...this.objectNames].sort(),
      char_strings: [...this.charStrings].sort(),
    };
  }
}

function bump(m: Map<number, number>, k: number): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

function counts(m: Map<number, number>, key: (k: number) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...m.keys()].sort((a, b) => a - b)) out[key(k)] = m.get(k)!;
  return out;
}
