/**
 * PROFINET DCP (IEC 61158-6-10 §4.3, "Discovery and basic Configuration Protocol") codes, as named by
 * the standard and by Wireshark's packet-pn-dcp.c.
 */

export const PROTOCOL = 'pn_dcp';
export const ETHERTYPE_PROFINET = 0x8892;

// Frame ids (the first two octets after the EtherType) that carry DCP; every other PROFINET RT frame
// (cyclic data, alarms, PTCP) shares the EtherType and is ignored here.
export const FRAME_ID_HELLO = 0xfefc;
export const FRAME_ID_GET_SET = 0xfefd;
export const FRAME_ID_IDENTIFY_REQ = 0xfefe;
export const FRAME_ID_IDENTIFY_RES = 0xfeff;

/** Frame id (2) + ServiceID, ServiceType, Xid (4), ResponseDelay/Reserved (2), DCPDataLength (2). */
export const FRAME_ID_LEN = 2;
export const DCP_HEADER_LEN = 10;

export const SERVICE_GET = 3;
export const SERVICE_SET = 4;
export const SERVICE_IDENTIFY = 5;
export const SERVICE_HELLO = 6;

export const TYPE_REQUEST = 0;
export const TYPE_RESPONSE_SUCCESS = 1;
export const TYPE_RESPONSE_UNSUPPORTED = 5;

export const OPTION_IP = 0x01;
export const OPTION_DEVICE = 0x02;
export const OPTION_DHCP = 0x03;
export const OPTION_CONTROL = 0x05;
export const OPTION_DEVICE_INITIATIVE = 0x06;
export const OPTION_MANUF_FIRST = 0x80;
export const OPTION_MANUF_LAST = 0xfe;
export const OPTION_ALL = 0xff;

export const IP_MAC = 0x01;
export const IP_PARAMETER = 0x02;
export const IP_FULL_SUITE = 0x03;

export const DEVICE_VENDOR = 0x01; // DeviceVendorValue, "type of station"
export const DEVICE_NAME_OF_STATION = 0x02;
export const DEVICE_ID = 0x03;
export const DEVICE_ROLE = 0x04;
export const DEVICE_OPTIONS = 0x05;
export const DEVICE_ALIAS = 0x06;
export const DEVICE_INSTANCE = 0x07;
export const DEVICE_OEM_ID = 0x08;
export const DEVICE_RSI_PROPERTIES = 0x0a;

export const DHCP_CLIENT_ID = 61;
export const DHCP_CONTROL = 255;

export const CONTROL_START_TRANSACTION = 0x01;
export const CONTROL_END_TRANSACTION = 0x02;
export const CONTROL_SIGNAL = 0x03;
export const CONTROL_RESPONSE = 0x04;
export const CONTROL_FACTORY_RESET = 0x05;
export const CONTROL_RESET_TO_FACTORY = 0x06;

export const DEVICE_INITIATIVE = 0x01;
export const ALL_SELECTOR = 0xff;

/** BlockQualifier of Set blocks: bit 0 says whether the value is kept over power cycles. */
export const QUALIFIER_PERMANENT = 0x0001;
/** Signal value: flash the device's LED once (the only value defined). */
export const SIGNAL_FLASH_ONCE = 0x0100;

/** IP BlockInfo: bits 0-1 say how the address was set (0 not set), bit 7 flags an address conflict. */
export const IP_INFO_SET_MASK = 0x0003;
export const IP_INFO_CONFLICT = 0x0080;

/** Device Role bits. */
export const ROLE_IO_DEVICE = 0x01;
export const ROLE_IO_CONTROLLER = 0x02;
export const ROLE_IO_MULTIDEVICE = 0x04;
export const ROLE_SUPERVISOR = 0x08;

export const ROLE_NAMES: readonly [number, string][] = [
  [ROLE_IO_DEVICE, 'IO-Device'],
  [ROLE_IO_CONTROLLER, 'IO-Controller'],
  [ROLE_IO_MULTIDEVICE, 'IO-Multidevice'],
  [ROLE_SUPERVISOR, 'IO-Supervisor'],
];

export const SERVICE_NAMES: Readonly<Record<number, string>> = {
  [SERVICE_GET]: 'get',
  [SERVICE_SET]: 'set',
  [SERVICE_IDENTIFY]: 'identify',
  [SERVICE_HELLO]: 'hello',
};

export const BLOCK_ERRORS: Readonly<Record<number, string>> = {
  0: 'ok',
  1: 'option unsupported',
  2: 'suboption unsupported or no data set',
  3: 'suboption not set',
  4: 'resource error',
  5: 'set not possible by local reasons',
  6: 'in operation, set not possible',
};
