/**
 * Is this first payload DHCP? Only on the DHCP ports (BOOTP on a random port would be someone's
 * experiment), and only with the BOOTP op code, a hardware length that fits and the DHCP magic cookie.
 */
import type { ProbeInfo } from '../../core/events.js';
import { DHCP_CLIENT_PORT, DHCP_SERVER_PORT } from './constants.js';
import { looksLikeDhcp } from './records.js';

export function probeDhcp(data: Buffer, info: ProbeInfo): boolean {
  const onPort =
    info.srcPort === DHCP_SERVER_PORT ||
    info.dstPort === DHCP_SERVER_PORT ||
    info.srcPort === DHCP_CLIENT_PORT ||
    info.dstPort === DHCP_CLIENT_PORT;
  return onPort && looksLikeDhcp(data);
}
