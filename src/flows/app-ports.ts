/**
 * Names for conversations no decoder claimed, by responder port (IANA), so that non-industrial flows are
 * paths too: a zone audit needs every flow that crosses a boundary.
 */
const TCP_NAMES: Record<number, string> = {
  20: 'ftp-data',
  21: 'ftp',
  22: 'ssh',
  23: 'telnet',
  25: 'smtp',
  53: 'dns',
  80: 'http',
  88: 'kerberos',
  102: 'iso-tsap',
  110: 'pop3',
  135: 'msrpc',
  139: 'netbios-ssn',
  143: 'imap',
  389: 'ldap',
  443: 'https',
  445: 'smb',
  502: 'modbus',
  636: 'ldaps',
  1433: 'mssql',
  1521: 'oracle',
  1883: 'mqtt',
  2404: 'iec104',
  3306: 'mysql',
  3389: 'rdp',
  4840: 'opcua',
  5432: 'postgresql',
  5900: 'vnc',
  5985: 'winrm',
  8080: 'http-alt',
  8883: 'mqtts',
  20000: 'dnp3',
  44818: 'enip',
  18245: 'srtp',
  1911: 'fox',
  4911: 'fox-tls',
  9600: 'fins',
  5007: 'melsec',
  789: 'crimson',
  2222: 'enip-io',
  34962: 'profinet-rt',
  34964: 'profinet-cm',
};
const UDP_NAMES: Record<number, string> = {
  53: 'dns',
  67: 'dhcp',
  68: 'dhcp',
  69: 'tftp',
  123: 'ntp',
  137: 'netbios-ns',
  138: 'netbios-dgm',
  161: 'snmp',
  162: 'snmp-trap',
  514: 'syslog',
  1900: 'ssdp',
  5353: 'mdns',
  5355: 'llmnr',
  47808: 'bacnet',
  44818: 'enip',
  2222: 'enip-io',
  20000: 'dnp3',
  34964: 'profinet-cm',
  9600: 'fins',
};

/** The name of an undecoded conversation: a known service name, else 'tcp/<port>' or 'udp/<port>'. */
export function serviceName(transport: 'tcp' | 'udp', port: number): string {
  const name = (transport === 'tcp' ? TCP_NAMES : UDP_NAMES)[port];
  return name ?? `${transport}/${port}`;
}

/** Whether a port is a service port (well known or registered for a service we name). */
export function isServicePort(transport: 'tcp' | 'udp', port: number): boolean {
  return port < 1024 || (transport === 'tcp' ? TCP_NAMES : UDP_NAMES)[port] !== undefined;
}
