/**
 * The address bindings (MAC, IP, VLAN, from ARP or from an IP frame) the flow table has already announced,
 * so that each is announced once. Every new flow asks for one or two: keyed by the address texts themselves,
 * MAC then IP, which the flow table shares between flows (their hashes are computed once per text), rather
 * than by a key string built and hashed per ask.
 */
export class BindingsSeen {
  /** MAC → IP → the (VLAN, source) codes seen: one code, or a list once a pair has several. */
  private readonly byMac = new Map<string, Map<string, number | number[]>>();
  private count = 0;

  /** Bindings remembered. */
  get size(): number {
    return this.count;
  }

  /** Remembers the binding; false when it was already there. */
  add(mac: string, ip: string, vlan: number, arp: boolean): boolean {
    const code = vlan * 2 + (arp ? 1 : 0);
    let byIp = this.byMac.get(mac);
    if (byIp === undefined) {
      byIp = new Map();
      this.byMac.set(mac, byIp);
    }
    const seen = byIp.get(ip);
    if (seen === undefined) byIp.set(ip, code);
    else if (typeof seen === 'number') {
      if (seen === code) return false;
      byIp.set(ip, [seen, code]);
    } else {
      if (seen.includes(code)) return false;
      seen.push(code);
    }
    this.count++;
    return true;
  }

  clear(): void {
    this.byMac.clear();
    this.count = 0;
  }
}
