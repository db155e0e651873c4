/**
 * BACnet/IP (ANSI/ASHRAE 135 Annex J) as an otwatch protocol module; BACnet over 802.2 LLC through
 * `createLlcDecoder` (the pipeline has to hand over LLC payloads: see NOTES.md).
 */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { BACNET_PORTS } from './constants.js';
import { BacnetDecoder, PROTOCOL } from './decoder.js';
import { BacnetStats } from './stats.js';
import { looksLikeBvlc, looksLikeBvlcOnBacnetPort } from './records.js';
import { bacnetSecurity } from './security.js';
import { bipAddressOf } from './routing.js';

function isBacnetPort(port: number): boolean {
  return port >= BACNET_PORTS[0]! && port <= BACNET_PORTS[BACNET_PORTS.length - 1]!;
}

export const bacnetModule: ProtocolModule = {
  name: PROTOCOL,
  security: bacnetSecurity,
  routedDeviceIp: (id: string) => bipAddressOf(id)?.ip,
  transports: ['udp'],
  ports: BACNET_PORTS,
  probe(data: Buffer, info: ProbeInfo): boolean {
    if (info.transport !== 'udp') return false;
    return isBacnetPort(info.srcPort) || isBacnetPort(info.dstPort) ? looksLikeBvlcOnBacnetPort(data) : looksLikeBvlc(data);
  },
  createDecoder(ctx: DecoderContext): StreamDecoder {
    return new BacnetDecoder(ctx);
  },
  createStats: () => new BacnetStats(),
  serverRole: 'bacnet_controller',
  llc: { sap: 0x82, createDecoder: (ctx) => createLlcDecoder(ctx) },
};

/**
 * A decoder for BACnet carried directly in 802.2 LLC frames (DSAP/SSAP 0x82, ISO 8802-3 Ethernet):
 * each onData is one frame's LLC payload, with or without the 3-octet LLC header. Endpoints may carry
 * only a MAC (ip ''): such events count in the stats but name no `devices` entry.
 */
export function createLlcDecoder(ctx: DecoderContext): StreamDecoder {
  return new BacnetDecoder(ctx, true);
}

export default bacnetModule;
