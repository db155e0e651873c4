/** Link-layer types (tcpdump.org LINKTYPE_* values) and EtherTypes that otwatch decodes. */

export const LINKTYPE_NULL = 0; // BSD loopback: 4-byte address family in the capturing host's byte order
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW_OLD = 12; // DLT_RAW on most BSDs/Linux libpcap < 0.9 (raw IP)
export const LINKTYPE_RAW_OPENBSD = 14;
export const LINKTYPE_RAW = 101; // raw IPv4 or IPv6, version from the first nibble
export const LINKTYPE_LOOP = 108; // OpenBSD loopback: address family in network byte order
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_VLAN = 0x8100; // 802.1Q C-tag
export const ETHERTYPE_QINQ = 0x88a8; // 802.1ad S-tag
export const ETHERTYPE_QINQ_OLD = 0x9100; // pre-standard QinQ
export const ETHERTYPE_IPV6 = 0x86dd;

/** BSD loopback address families for IPv6 differ per OS (NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30). */
export const AF_INET = 2;
export const AF_INET6 = new Set([10, 24, 28, 30]);

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_ACK = 0x10;

/** 802.2 LLC SAP used by BACnet over Ethernet (ANSI/ASHRAE 135 clause 7). */
export const LLC_SAP_BACNET = 0x82;
