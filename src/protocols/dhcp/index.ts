/** DHCP/BOOTP over UDP 67/68 (registered in ../protocols.ts). */
import type { DecoderContext, ProbeInfo, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from './constants.js';
import { DhcpDecoder, PROTOCOL } from './decoder.js';
import { probeDhcp } from './probe.js';

export const dhcpModule: ProtocolModule = {
  name: PROTOCOL,
  transports: ['udp'],
  ports: [DHCP_SERVER_PORT, DHCP_CLIENT_PORT],
  probe: (data: Buffer, info: ProbeInfo) => probeDhcp(data, info),
  createDecoder: (ctx: DecoderContext): StreamDecoder => new DhcpDecoder(ctx),
};

export type { DhcpFields } from './decoder.js';
