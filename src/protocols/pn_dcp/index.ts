/**
 * PROFINET DCP (raw Ethernet, EtherType 0x8892) as an otwatch protocol module. It has no transport of
 * its own: the pipeline hands it Ethernet frames of its EtherType, one decoder per MAC pair.
 */
import type { DecoderContext, ProtocolModule, StreamDecoder } from '../../core/events.js';
import { ETHERTYPE_PROFINET } from './constants.js';
import { DcpDecoder, PROTOCOL } from './decoder.js';
import { DcpStats } from './stats.js';
import { pnDcpSecurity } from './security.js';

const create = (ctx: DecoderContext): StreamDecoder => new DcpDecoder(ctx);

export const pnDcpModule: ProtocolModule = {
  name: PROTOCOL,
  security: pnDcpSecurity,
  transports: [],
  ports: [],
  // Never over TCP/UDP: no IP flow is ever DCP.
  probe: () => false,
  createDecoder: create,
  ethertype: { type: ETHERTYPE_PROFINET, createDecoder: create },
  createStats: () => new DcpStats(),
  // A device answering DCP says nothing about its role (switches, IO devices and controllers all do).
};

export type { DcpFields } from './decoder.js';
