/**
 * What a DNS/mDNS/LLMNR answer says about hosts: (address, name) pairs from A/AAAA records and from PTR
 * records of reverse-lookup names. Only answers (QR set, RCODE 0) count: a query names nothing, and we
 * never resolve anything ourselves (otwatch is passive).
 */
import type { IdentityClaim } from '../../core/events.js';
import { CLASS_IN, CLASS_MASK, MAX_CLAIMS, RCODE_NOERROR, TYPE_PTR } from './constants.js';
import { isHostName, recordAddress, recordTarget, reverseNameAddress, type DnsMessage, type ResourceRecord } from './records.js';

export interface NamedAddress {
  ip: string;
  name: string;
}

/**
 * The (address, name) pairs of a response: answers and additional records (mDNS announces a host's
 * addresses in the additional section; unicast DNS puts glue there). Authority records name zones, not hosts.
 */
export function namedAddresses(buf: Buffer, msg: DnsMessage): NamedAddress[] {
  const out: NamedAddress[] = [];
  if (!msg.header.response || msg.header.rcode !== RCODE_NOERROR) return out;
  const seen = new Set<string>();
  const add = (ip: string, name: string): void => {
    const key = `${ip} ${name}`;
    if (out.length >= MAX_CLAIMS || seen.has(key)) return;
    seen.add(key);
    out.push({ ip, name });
  };
  for (const list of [msg.answers, msg.additional]) {
    for (const rr of list) {
      const pair = recordPair(buf, rr);
      if (pair) add(pair.ip, pair.name);
    }
  }
  return out;
}

/** One record's (address, name), if it is an Internet-class A/AAAA or a reverse PTR with host names. */
export function recordPair(buf: Buffer, rr: ResourceRecord): NamedAddress | undefined {
  if ((rr.cls & CLASS_MASK) !== CLASS_IN) return undefined;
  const ip = recordAddress(buf, rr);
  if (ip !== undefined) return isHostName(rr.name) ? { ip, name: rr.name } : undefined;
  if (rr.type !== TYPE_PTR) return undefined;
  const reversed = reverseNameAddress(rr.name);
  if (reversed === undefined) return undefined;
  const target = recordTarget(buf, rr);
  return target !== undefined && isHostName(target) ? { ip: reversed, name: target } : undefined;
}

/** Claims for the pairs: each names the answered address, not the endpoint that answered. */
export function nameClaims(pairs: readonly NamedAddress[]): IdentityClaim[] | undefined {
  if (pairs.length === 0) return undefined;
  return pairs.map((p) => ({ about: 'src', ip: p.ip, attribute: 'name', value: p.name }));
}
