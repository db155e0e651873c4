/** DNS (53), mDNS (5353) and LLMNR (5355): one folder, three registry names (paths keep them apart). */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { DNS_PORT, LLMNR_PORT, MDNS_PORT } from './constants.js';
import { DnsDecoder, type DnsVariant } from './decoder.js';
import { probeDns } from './probe.js';

function moduleFor(name: DnsVariant, port: number, transports: readonly ('tcp' | 'udp')[]): ProtocolModule {
  return {
    name,
    transports,
    ports: [port],
    probe: (data: Buffer, info: ProbeInfo) => probeDns(data, info, port),
    createDecoder: (ctx: DecoderContext): StreamDecoder => new DnsDecoder(ctx, name),
  };
}

export const dnsModule = moduleFor('dns', DNS_PORT, ['udp', 'tcp']);
export const mdnsModule = moduleFor('mdns', MDNS_PORT, ['udp']);
export const llmnrModule = moduleFor('llmnr', LLMNR_PORT, ['udp', 'tcp']);
export const dnsModules: readonly ProtocolModule[] = [dnsModule, mdnsModule, llmnrModule];

export type { DnsFields } from './decoder.js';
