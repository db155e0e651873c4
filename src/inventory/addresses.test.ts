import { describe, expect, it } from 'vitest';
import { isDeviceIp, isDeviceMac } from './addresses.js';

describe('isDeviceMac', () => {
  it('is false exactly where the group bit of the first octet is set, in either case, and for the zero MAC', () => {
    for (let octet = 0; octet < 256; octet++) {
      for (const hex of [octet.toString(16).padStart(2, '0'), octet.toString(16).padStart(2, '0').toUpperCase()]) {
        expect(isDeviceMac(`${hex}:1b:1b:00:00:01`), hex).toBe((octet & 1) === 0);
      }
    }
    expect(isDeviceMac('00:00:00:00:00:00')).toBe(false);
    expect(isDeviceMac('ff:ff:ff:ff:ff:ff')).toBe(false);
    expect(isDeviceMac('00:1b:1b')).toBe(false);
    expect(isDeviceMac(undefined)).toBe(false);
  });
});

describe('isDeviceIp', () => {
  it('refuses broadcast, multicast, unspecified and .255 addresses, and what is no address', () => {
    expect(['10.0.0.1', '192.168.1.254', 'fd00::1', '::ffff:10.0.0.1'].map(isDeviceIp)).toEqual([true, true, true, true]);
    expect(['255.255.255.255', '224.0.0.1', '0.0.0.0', '10.0.0.255', 'ff02::1', '::', 'not an ip'].map(isDeviceIp)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});
