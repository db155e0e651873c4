import { describe, expect, it } from 'vitest';
import { BindingsSeen } from './bindings-seen.js';

describe('BindingsSeen', () => {
  it('remembers each (MAC, IP, VLAN, source) once', () => {
    const seen = new BindingsSeen();
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', -1, false)).toBe(true);
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', -1, false)).toBe(false);
    // same texts built anew: compared by value
    expect(seen.add(['00:00:00:00:00', '01'].join(':'), ['10.0.0', '1'].join('.'), -1, false)).toBe(false);
    expect(seen.size).toBe(1);
  });

  it('tells apart every part of a binding', () => {
    const seen = new BindingsSeen();
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', -1, false)).toBe(true);
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', -1, true)).toBe(true); // from ARP
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', 0, false)).toBe(true); // VLAN 0 is not untagged
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', 7, true)).toBe(true);
    expect(seen.add('00:00:00:00:00:01', '10.0.0.2', -1, false)).toBe(true);
    expect(seen.add('00:00:00:00:00:02', '10.0.0.1', -1, false)).toBe(true);
    expect(seen.size).toBe(6);
    for (const [vlan, arp] of [
      [-1, false],
      [-1, true],
      [0, false],
      [7, true],
    ] as const)
      expect(seen.add('00:00:00:00:00:01', '10.0.0.1', vlan, arp)).toBe(false);
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', 7, false)).toBe(true);
    expect(seen.size).toBe(7);
  });

  it('forgets everything at clear', () => {
    const seen = new BindingsSeen();
    seen.add('00:00:00:00:00:01', '10.0.0.1', -1, false);
    seen.add('00:00:00:00:00:01', '10.0.0.1', 3, false);
    seen.clear();
    expect(seen.size).toBe(0);
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', -1, false)).toBe(true);
    expect(seen.add('00:00:00:00:00:01', '10.0.0.1', 3, false)).toBe(true);
  });
});
