/**
 * Checks before opening a live capture, so that the user reads what is wrong instead of a libpcap error:
 * the interface exists and is up, and the process holds CAP_NET_RAW (root is not needed).
 */
import { existsSync, readFileSync } from 'node:fs';

const CAP_NET_ADMIN = 12;
const CAP_NET_RAW = 13;

/** Effective capabilities of this process (Linux /proc), as a bit set; undefined elsewhere. */
export function effectiveCapabilities(status = safeRead('/proc/self/status')): bigint | undefined {
  const m = status && /^CapEff:\s*([0-9a-f]+)$/m.exec(status);
  return m ? BigInt(`0x${m[1]}`) : undefined;
}

export function hasCapability(caps: bigint | undefined, cap: number): boolean {
  return caps === undefined ? true : (caps & (1n << BigInt(cap))) !== 0n;
}

export interface Preflight {
  ok: boolean;
  problems: string[];
  warnings: string[];
}

export function checkInterface(iface: string, caps = effectiveCapabilities(), sysfs = '/sys/class/net'): Preflight {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!/^[\w.:@-]{1,15}$/.test(iface) && iface !== 'any') {
    problems.push(`'${iface}' is not a valid interface name`);
  } else if (iface !== 'any' && existsSync(sysfs)) {
    if (!existsSync(`${sysfs}/${iface}`)) {
      problems.push(`interface '${iface}' does not exist (see 'ip link')`);
    } else {
      const flags = Number(safeRead(`${sysfs}/${iface}/flags`)?.trim() ?? '0x1');
      const oper = safeRead(`${sysfs}/${iface}/operstate`)?.trim();
      if ((flags & 1) === 0)
        problems.push(`interface '${iface}' is down: bring it up with 'ip link set ${iface} up' (no address is needed on a mirror port)`);
      else if (oper === 'down' || oper === 'lowerlayerdown')
        warnings.push(`interface '${iface}' is up but has no carrier (operstate ${oper}): is the mirror port cabled?`);
    }
  }
  if (!hasCapability(caps, CAP_NET_RAW)) {
    problems.push(
      'this process lacks CAP_NET_RAW, which a live capture needs (root is not needed): ' +
        'run \'sudo setcap cap_net_raw,cap_net_admin=eip "$(readlink -f "$(which node)")"\', ' +
        'or use deploy/otwatch.service (AmbientCapabilities=CAP_NET_RAW CAP_NET_ADMIN)',
    );
  } else if (!hasCapability(caps, CAP_NET_ADMIN)) {
    warnings.push('CAP_NET_ADMIN is missing: promiscuous mode may be refused on some drivers');
  }
  return { ok: problems.length === 0, problems, warnings };
}

function safeRead(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
